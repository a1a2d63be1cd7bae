//! Random primitives, not differentiable (their JVP gives no tangent; a
//! key is u32 data, so asking for its derivative is already an error):
//! - `threefry2x32 k0 k1 x0 x1 -> (y0, y1)`: the Threefry-2x32 block
//!   cipher (20 rounds), elementwise over u32 words, as in JAX's PRNG;
//! - `random_bits[bit_width=32 shape] key` with key data `u32[*b, 2]` (one
//!   key or a key array, see `random_keys.rs`; result `b ++ shape`): JAX's
//!   partitionable scheme: the flat index i of each element, split into
//!   (hi, lo) 32-bit words, is encrypted with the key; the bits are
//!   `y0 ^ y1`.

use super::Table;
use super::combinators::{arity, batch_elementwise, elementwise_shape, eval_elementwise};
use super::random_keys::{batch_keyed, key_batch, keys_of};
use crate::error::{Error, Result};
use crate::interp::Tensor;
use crate::ir::params::ParamsExt;
use crate::ir::{DType, Prim, Shape, TensorType};

fn rotl(x: u32, r: u32) -> u32 {
    x.rotate_left(r)
}

/// Threefry-2x32 with 20 rounds on one block.
pub fn threefry2x32(k0: u32, k1: u32, x0: u32, x1: u32) -> (u32, u32) {
    const ROT: [[u32; 4]; 2] = [[13, 15, 26, 6], [17, 29, 16, 24]];
    let ks = [k0, k1, k0 ^ k1 ^ 0x1BD1_1BDA];
    let (mut a, mut b) = (x0.wrapping_add(ks[0]), x1.wrapping_add(ks[1]));
    for i in 0..5usize {
        for &r in &ROT[i % 2] {
            a = a.wrapping_add(b);
            b = rotl(b, r) ^ a;
        }
        a = a.wrapping_add(ks[(i + 1) % 3]);
        b = b.wrapping_add(ks[(i + 2) % 3]).wrapping_add(i as u32 + 1);
    }
    (a, b)
}

fn u32_only(prim: Prim, ins: &[TensorType]) -> Result<()> {
    if ins.iter().any(|t| t.dtype != DType::U32) {
        return Err(Error::shape(
            prim.name(),
            format!(
                "needs u32 operands, got {}",
                super::combinators::fmt_types(ins)
            ),
        ));
    }
    Ok(())
}

/// Registers the family.
pub fn register(t: &mut Table) {
    t.def(
        Prim::Threefry2x32,
        |_p, ins| {
            arity(Prim::Threefry2x32, ins, 4)?;
            u32_only(Prim::Threefry2x32, ins)?;
            let s = elementwise_shape(Prim::Threefry2x32, ins)?;
            Ok(vec![
                TensorType::new(DType::U32, s.clone()),
                TensorType::new(DType::U32, s),
            ])
        },
        |_p, ins, _| {
            let y0 = eval_elementwise(ins, DType::U32, |a| {
                threefry2x32(a[0] as u32, a[1] as u32, a[2] as u32, a[3] as u32).0 as f64
            });
            let y1 = eval_elementwise(ins, DType::U32, |a| {
                threefry2x32(a[0] as u32, a[1] as u32, a[2] as u32, a[3] as u32).1 as f64
            });
            Ok(vec![y0, y1])
        },
    )
    .jvp(|b, p, xs, _ts| {
        let o = b.eqn(Prim::Threefry2x32, p.clone(), xs)?;
        Ok((o.into_iter().map(Into::into).collect(), vec![None, None]))
    })
    .batch(|b, p, args, bt, n| batch_elementwise(b, Prim::Threefry2x32, p, args, bt, n));

    t.def(
        Prim::RandomBits,
        |p, ins| {
            arity(Prim::RandomBits, ins, 1)?;
            let mut dims = key_batch(Prim::RandomBits, &ins[0])?;
            if p.int("random_bits", "bit_width")? != 32 {
                return Err(Error::shape(
                    "random_bits",
                    "only bit_width=32 is supported",
                ));
            }
            dims.extend(p.dims("random_bits", "shape")?);
            Ok(vec![TensorType::new(DType::U32, Shape(dims))])
        },
        |p, ins, cx| {
            let shape = cx.dims(Prim::RandomBits, &p.dims("random_bits", "shape")?)?;
            let n: usize = shape.iter().product();
            let mut data = Vec::new();
            for [k0, k1] in keys_of(&ins[0]) {
                data.extend((0..n as u64).map(|i| {
                    let (y0, y1) = threefry2x32(k0, k1, (i >> 32) as u32, i as u32);
                    f64::from(y0 ^ y1)
                }));
            }
            let mut dims = ins[0].shape[..ins[0].rank() - 1].to_vec();
            dims.extend(shape);
            Ok(vec![Tensor {
                dtype: DType::U32,
                shape: dims,
                data,
            }])
        },
    )
    .zero_tangent()
    .batch(|b, p, args, bt, n| batch_keyed(b, Prim::RandomBits, p, args, bt, n));
}
