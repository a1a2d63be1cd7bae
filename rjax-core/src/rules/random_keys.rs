//! Key-consuming random primitives: the shared conventions, plus the two
//! that make keys, `random_split[shape=(n,)]` and `random_fold_in`.
//!
//! Every primitive here takes key data first, typed `u32[*b, 2]`: one key
//! (`b` empty) or an array of keys (JAX's key arrays), and gives one result
//! per key, of shape `b ++ (its own shape)`. Its other operands (`minval`,
//! `p`, the fold-in data ...) are rank 0 (shared by every key) or of shape
//! `b` (one per key). That makes batching trivial and exact: a batched key
//! is just a bigger key array, the same primitive draws every row, and row
//! `i` gets exactly the numbers key `i` gives alone (so vmap over keys equals
//! the loop over them, bit for bit).
//!
//! None of them has a derivative through its key (u32 data has no tangent);
//! the samplers' rules for their float operands are in `random_samplers.rs`.

use super::Table;
use super::combinators::dims_match;
use super::random::threefry2x32;
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::interp::Tensor;
use crate::ir::params::ParamsExt;
use crate::ir::{Atom, DType, DimExpr, Params, Prim, TensorType};

/// The batch dims `b` of key data `u32[*b, 2]`, or an error naming `prim`.
pub fn key_batch(prim: Prim, key: &TensorType) -> Result<Vec<DimExpr>> {
    let d = key.dims();
    let ok = key.dtype == DType::U32 && !d.is_empty() && d[d.len() - 1].as_const() == Some(2);
    if !ok {
        return Err(Error::shape(
            prim.name(),
            format!("key data must be u32[..., 2], got {key}"),
        ));
    }
    Ok(d[..d.len() - 1].to_vec())
}

/// Checks a per-key operand: rank 0, or of shape `batch`, of dtype `want`
/// (`None`: any float).
pub fn check_per_key(
    prim: Prim,
    what: &str,
    t: &TensorType,
    batch: &[DimExpr],
    want: Option<DType>,
) -> Result<()> {
    let dtype_ok = match want {
        Some(d) => t.dtype == d,
        None => t.dtype.is_float(),
    };
    let shape_ok = t.rank() == 0
        || (t.rank() == batch.len() && t.dims().iter().zip(batch).all(|(a, b)| dims_match(a, b)));
    if !dtype_ok || !shape_ok {
        let want = want.map_or("a float".to_string(), |d| d.to_string());
        return Err(Error::shape(
            prim.name(),
            format!(
                "{what} must be {want} of rank 0 or of the keys' batch shape {:?}, got {t}",
                batch.iter().map(ToString::to_string).collect::<Vec<_>>()
            ),
        ));
    }
    Ok(())
}

/// The number of keys in key data and the value of per-key operand `t` for
/// key `i` (rank 0: shared).
pub fn per_key(t: &Tensor, i: usize) -> f64 {
    if t.rank() == 0 { t.data[0] } else { t.data[i] }
}

/// The keys of key data, as word pairs.
pub fn keys_of(t: &Tensor) -> Vec<[u32; 2]> {
    t.data
        .chunks_exact(2)
        .map(|w| [w[0] as u32, w[1] as u32])
        .collect()
}

/// Batching rule of every key-consuming primitive: bring every operand to
/// the batched layout (keys `u32[n, *b, 2]`, per-key operands rank 0 or
/// `[n, *b]`) and apply the primitive once. An unbatched key is broadcast,
/// so every row draws the same numbers, as JAX does when only the other
/// operands are mapped.
pub fn batch_keyed(
    b: &mut Builder,
    prim: Prim,
    p: &Params,
    args: &[Atom],
    bt: &[bool],
    n: &DimExpr,
) -> Result<(Vec<Atom>, Vec<bool>)> {
    let kt = b.ty(args[0]);
    let batch = if bt[0] {
        key_batch(prim, &TensorType::new(kt.dtype, kt.dims()[1..].to_vec()))?
    } else {
        key_batch(prim, &kt)?
    };
    let mut full = vec![n.clone()];
    full.extend(batch.iter().cloned());
    let mut ins = Vec::with_capacity(args.len());
    for (k, (&a, &batched)) in args.iter().zip(bt).enumerate() {
        let r = b.rank(a);
        let a = if k == 0 {
            if batched {
                a
            } else {
                let mut shape = full.clone();
                shape.push(DimExpr::Const(2));
                b.broadcast_in_dim(a, &shape, &(1..=r).collect::<Vec<_>>())?
            }
        } else if batched && r == 1 && !batch.is_empty() {
            // A per-key scalar mapped over the outer batch only.
            b.broadcast_in_dim(a, &full, &[0])?
        } else if !batched && r > 0 {
            b.broadcast_in_dim(a, &full, &(1..=r).collect::<Vec<_>>())?
        } else {
            a
        };
        ins.push(a);
    }
    let outs = b.eqn(prim, p.clone(), &ins)?;
    let k = outs.len();
    Ok((outs.into_iter().map(Into::into).collect(), vec![true; k]))
}

/// Registers `random_split` and `random_fold_in`.
pub fn register(t: &mut Table) {
    t.def(
        Prim::RandomSplit,
        |p, ins| {
            super::combinators::arity(Prim::RandomSplit, ins, 1)?;
            let mut dims = key_batch(Prim::RandomSplit, &ins[0])?;
            dims.extend(p.dims("random_split", "shape")?);
            dims.push(DimExpr::Const(2));
            Ok(vec![TensorType::new(DType::U32, dims)])
        },
        |p, ins, cx| {
            let n: usize = cx
                .dims(Prim::RandomSplit, &p.dims("random_split", "shape")?)?
                .iter()
                .product();
            let keys = keys_of(&ins[0]);
            let mut data = Vec::with_capacity(keys.len() * n * 2);
            for k in &keys {
                for i in 0..n as u64 {
                    let (y0, y1) = threefry2x32(k[0], k[1], (i >> 32) as u32, i as u32);
                    data.extend([f64::from(y0), f64::from(y1)]);
                }
            }
            let mut shape = ins[0].shape[..ins[0].rank() - 1].to_vec();
            shape.extend(cx.dims(Prim::RandomSplit, &p.dims("random_split", "shape")?)?);
            shape.push(2);
            Ok(vec![Tensor::new(DType::U32, shape, data)?])
        },
    )
    .zero_tangent()
    .batch(|b, p, args, bt, n| batch_keyed(b, Prim::RandomSplit, p, args, bt, n));

    t.def(
        Prim::RandomFoldIn,
        |_p, ins| {
            super::combinators::arity(Prim::RandomFoldIn, ins, 2)?;
            let batch = key_batch(Prim::RandomFoldIn, &ins[0])?;
            check_per_key(
                Prim::RandomFoldIn,
                "the data",
                &ins[1],
                &batch,
                Some(DType::U32),
            )?;
            Ok(vec![ins[0].clone()])
        },
        |_p, ins, _| {
            let mut data = Vec::with_capacity(ins[0].data.len());
            for (i, k) in keys_of(&ins[0]).iter().enumerate() {
                let d = per_key(&ins[1], i) as u32;
                let (y0, y1) = threefry2x32(k[0], k[1], 0, d);
                data.extend([f64::from(y0), f64::from(y1)]);
            }
            Ok(vec![Tensor::new(DType::U32, ins[0].shape.clone(), data)?])
        },
    )
    .zero_tangent()
    .batch(|b, p, args, bt, n| batch_keyed(b, Prim::RandomFoldIn, p, args, bt, n));
}

/// `random_split[shape=(n,)]` params.
pub fn split_params(n: usize) -> Params {
    Params::from_pairs([("shape", crate::ir::Param::usizes(&[n]))])
}
