//! Collectives over named mesh axes, the primitives `shard_map` bodies
//! use (JAX's `jax/_src/lax/parallel.py`, with its names and params):
//!
//! | primitive | params | JVP | transpose | batching |
//! |---|---|---|---|---|
//! | psum | axes | linear | pvary | same op |
//! | pvary | axes | linear | psum | same op |
//! | pmax pmin | axes | tangent of the arg-max device (mean over ties) | - | same op |
//! | all_gather | axis_name all_gather_dimension axis_size tiled | linear | reduce_scatter | dimension + 1 |
//! | reduce_scatter | axis_name scatter_dimension axis_size tiled | linear | all_gather | dimension + 1 |
//! | ppermute | axis_name perm | linear | ppermute, inverse perm | same op |
//! | axis_index | axis_name | (no operands: zero) | - | (unbatched) |
//!
//! Axis names are params (`axes=(data,)`), so the IR never needs a mesh;
//! `axis_size` of the gathering ops is a symbolic dim (`size_data`) bound
//! where the code runs. Reverse mode follows JAX's "varying manual axes"
//! typing: `psum` makes a device-varying value replicated and transposes
//! to `pvary`; `pvary` marks a replicated value as varying and transposes
//! to `psum`. [`vary::insert_pvary`] places the `pvary`s before
//! differentiation, so the gradient with respect to replicated parameters
//! comes out all-reduced, equal to the unsharded gradient.
//!
//! The reference interpreter evaluates collectives through an
//! [`AxisEnv`] installed per thread ([`with_axis_env`]): a test simulates
//! a mesh by running the jaxpr on one thread per device.

mod axis_env;
mod eval;
mod params;
pub mod vary;

pub(crate) use axis_env::with_axis_sizes;
pub use axis_env::{AxisEnv, with_axis_env};
pub use params::{axes_params, axis_names, axis_size_dim, names_param, perm, perm_param, size_of};
pub use vary::insert_pvary;

use super::Table;
use super::combinators::{arity, deflinear};
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::ir::params::ParamsExt;
use crate::ir::{Atom, DType, DimExpr, Param, Params, Prim, Shape, TensorType};

/// True for the primitives of this family.
pub fn is_collective(p: Prim) -> bool {
    p.family() == crate::ir::Family::Collective
}

/// The mesh axes an equation of this family communicates over.
pub fn eqn_axes(p: Prim, params: &Params) -> Result<Vec<String>> {
    match p {
        Prim::Psum | Prim::Pmax | Prim::Pmin | Prim::Pvary => axis_names(params, p, "axes"),
        _ => axis_names(params, p, "axis_name"),
    }
}

fn same_type(prim: Prim, ins: &[TensorType], numeric: bool) -> Result<Vec<TensorType>> {
    arity(prim, ins, 1)?;
    if numeric && ins[0].dtype == DType::Bool {
        return Err(Error::shape(
            prim.name(),
            format!("needs a numeric operand, got {}", ins[0]),
        ));
    }
    Ok(vec![ins[0].clone()])
}

/// `a / b` for dims known to divide (constants, or a product with `b` as
/// a factor, which is what a tiled `all_gather` produces).
fn div_exact(a: &DimExpr, b: &DimExpr) -> Option<DimExpr> {
    if a == b {
        return Some(DimExpr::Const(1));
    }
    if let (Some(x), Some(y)) = (a.as_const(), b.as_const()) {
        return (y != 0 && x % y == 0).then(|| DimExpr::Const(x / y));
    }
    if let DimExpr::Mul(x, y) = a {
        if **y == *b {
            return Some((**x).clone());
        }
        if **x == *b {
            return Some((**y).clone());
        }
    }
    None
}

fn gather_shape(p: &Params, ins: &[TensorType]) -> Result<Vec<TensorType>> {
    let prim = Prim::AllGather;
    arity(prim, ins, 1)?;
    let dim = p.int("all_gather", "all_gather_dimension")? as usize;
    let tiled = p.bool("all_gather", "tiled")?;
    let n = axis_size_dim(p, prim)?;
    let x = &ins[0];
    let mut dims = x.dims().to_vec();
    if tiled {
        if dim >= x.rank() {
            return Err(Error::shape(
                "all_gather",
                format!("tiled gather along dimension {dim} of {x}: out of range"),
            ));
        }
        dims[dim] = DimExpr::mul(&dims[dim], &n);
    } else {
        if dim > x.rank() {
            return Err(Error::shape(
                "all_gather",
                format!("gather inserting dimension {dim} into {x}: out of range"),
            ));
        }
        dims.insert(dim, n);
    }
    Ok(vec![TensorType::new(x.dtype, Shape(dims))])
}

fn scatter_shape(p: &Params, ins: &[TensorType]) -> Result<Vec<TensorType>> {
    let prim = Prim::ReduceScatter;
    same_type(prim, ins, true)?;
    let dim = p.int("reduce_scatter", "scatter_dimension")? as usize;
    let tiled = p.bool("reduce_scatter", "tiled")?;
    let n = axis_size_dim(p, prim)?;
    let x = &ins[0];
    if dim >= x.rank() {
        return Err(Error::shape(
            "reduce_scatter",
            format!("scatter dimension {dim} is out of range for {x}"),
        ));
    }
    let mut dims = x.dims().to_vec();
    if tiled {
        dims[dim] = div_exact(&dims[dim], &n).ok_or_else(|| {
            Error::shape(
                "reduce_scatter",
                format!(
                    "tiled scatter of {x}: cannot show that dimension {dim} (`{}`) splits into `{n}` blocks",
                    dims[dim]
                ),
            )
        })?;
    } else {
        let (a, b) = (dims[dim].as_const(), n.as_const());
        if let (Some(a), Some(b)) = (a, b)
            && a != b
        {
            return Err(Error::shape(
                "reduce_scatter",
                format!("dimension {dim} of {x} must equal the group size {b}"),
            ));
        }
        dims.remove(dim);
    }
    Ok(vec![TensorType::new(x.dtype, Shape(dims))])
}

/// Params of `all_gather` / `reduce_scatter` with a new dimension.
fn with_dim(p: &Params, key: &str, dim: usize) -> Params {
    let mut q = p.clone();
    q.insert(key.into(), Param::int(dim as i64));
    q
}

/// Renames the dimension param (`all_gather_dimension` <->
/// `scatter_dimension`), keeping axis name, size and tiling.
fn swap_dim_key(p: &Params, from: &str, to: &str) -> Params {
    let mut q = p.clone();
    let d = q.remove(from).unwrap_or(Param::int(0));
    q.insert(to.into(), d);
    q
}

fn inverse_perm(p: &Params) -> Result<Params> {
    let pairs = params::perm(p)?;
    let mut q = p.clone();
    q.insert(
        "perm".into(),
        params::perm_param(&pairs.iter().map(|&(s, d)| (d, s)).collect::<Vec<_>>()),
    );
    Ok(q)
}

/// Applies the same primitive to a batched operand: collectives act per
/// element across devices, so a leading batch axis passes through.
fn batch_same(
    b: &mut Builder,
    prim: Prim,
    p: &Params,
    args: &[Atom],
) -> Result<(Vec<Atom>, Vec<bool>)> {
    Ok((vec![b.eqn1(prim, p.clone(), args)?], vec![true]))
}

/// The tangent of `pmax`/`pmin`: the devices holding the extreme value
/// contribute their tangent, averaged over ties (like `reduce_max`).
fn extreme_jvp(
    b: &mut Builder,
    prim: Prim,
    p: &Params,
    xs: &[Atom],
    ts: &[Option<Atom>],
) -> Result<(Vec<Atom>, Vec<Option<Atom>>)> {
    let y = b.eqn1(prim, p.clone(), xs)?;
    let Some(t) = ts[0] else {
        return Ok((vec![y], vec![None]));
    };
    let dt = b.dtype(xs[0]);
    let hit = b.compare(Prim::Eq, xs[0], y)?;
    let hit = b.convert(hit, dt)?;
    let axes = Params::from_pairs([("axes", p["axes"].clone())]);
    let count = b.eqn1(Prim::Psum, axes.clone(), &[hit])?;
    let picked = b.mul(t, hit)?;
    let total = b.eqn1(Prim::Psum, axes, &[picked])?;
    let tout = b.div(total, count)?;
    Ok((vec![y], vec![Some(tout)]))
}

/// Registers the family.
pub fn register(t: &mut Table) {
    for prim in [Prim::Psum, Prim::Pvary] {
        t.def(
            prim,
            move |_p, ins| same_type(prim, ins, prim == Prim::Psum),
            move |p, ins, _| eval::eval(prim, p, ins),
        )
        .batch(move |b, p, args, _bt, _n| batch_same(b, prim, p, args));
    }
    // psum makes a varying value replicated: its cotangent goes back to
    // every device unchanged (pvary); pvary's cotangents are summed.
    deflinear(t, Prim::Psum, |b, p, ct, _| {
        b.eqn1(Prim::Pvary, p.clone(), &[ct])
    });
    deflinear(t, Prim::Pvary, |b, p, ct, _| {
        b.eqn1(Prim::Psum, p.clone(), &[ct])
    });

    for prim in [Prim::Pmax, Prim::Pmin] {
        t.def(
            prim,
            move |_p, ins| same_type(prim, ins, true),
            move |p, ins, _| eval::eval(prim, p, ins),
        )
        .jvp(move |b, p, xs, ts| extreme_jvp(b, prim, p, xs, ts))
        .batch(move |b, p, args, _bt, _n| batch_same(b, prim, p, args));
    }

    t.def(Prim::AllGather, gather_shape, |p, ins, _| {
        eval::eval(Prim::AllGather, p, ins)
    })
    .batch(|b, p, args, _bt, _n| {
        let d = p.int("all_gather", "all_gather_dimension")? as usize;
        let q = with_dim(p, "all_gather_dimension", d + 1);
        Ok((vec![b.eqn1(Prim::AllGather, q, args)?], vec![true]))
    });
    deflinear(t, Prim::AllGather, |b, p, ct, _| {
        let q = swap_dim_key(p, "all_gather_dimension", "scatter_dimension");
        b.eqn1(Prim::ReduceScatter, q, &[ct])
    });

    t.def(Prim::ReduceScatter, scatter_shape, |p, ins, _| {
        eval::eval(Prim::ReduceScatter, p, ins)
    })
    .batch(|b, p, args, _bt, _n| {
        let d = p.int("reduce_scatter", "scatter_dimension")? as usize;
        let q = with_dim(p, "scatter_dimension", d + 1);
        Ok((vec![b.eqn1(Prim::ReduceScatter, q, args)?], vec![true]))
    });
    deflinear(t, Prim::ReduceScatter, |b, p, ct, _| {
        let q = swap_dim_key(p, "scatter_dimension", "all_gather_dimension");
        b.eqn1(Prim::AllGather, q, &[ct])
    });

    t.def(
        Prim::Ppermute,
        |p, ins| {
            params::perm(p)?;
            same_type(Prim::Ppermute, ins, false)
        },
        |p, ins, _| eval::eval(Prim::Ppermute, p, ins),
    )
    .batch(|b, p, args, _bt, _n| batch_same(b, Prim::Ppermute, p, args));
    // Sending i -> j transposes to sending the cotangent j -> i.
    deflinear(t, Prim::Ppermute, |b, p, ct, _| {
        b.eqn1(Prim::Ppermute, inverse_perm(p)?, &[ct])
    });

    t.def(
        Prim::AxisIndex,
        |p, ins| {
            arity(Prim::AxisIndex, ins, 0)?;
            axis_names(p, Prim::AxisIndex, "axis_name")?;
            Ok(vec![TensorType::scalar(DType::I32)])
        },
        |p, ins, _| eval::eval(Prim::AxisIndex, p, ins),
    )
    // No operands, so these never run inside a transform; they exist so
    // the table is complete (an integer index has no tangent and is the
    // same for every example of a batch).
    .zero_tangent()
    .batch(|b, p, xs, _, _| Ok((vec![b.eqn1(Prim::AxisIndex, p.clone(), xs)?], vec![false])));
}
