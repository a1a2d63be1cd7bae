//! Reference evaluation of collectives from the group's values, as the
//! definitions say (sum, max, stack, block of the sum, permutation), on
//! the interpreter's plain tensors.

use super::axis_env::current;
use super::params::{axis_names, perm};
use crate::error::{Error, Result};
use crate::interp::Tensor;
use crate::interp::tensor::{ravel, unravel};
use crate::ir::params::ParamsExt;
use crate::ir::{DType, Params, Prim};

/// The group's values of `x` and this device's index in the group.
fn group(prim: Prim, p: &Params, key: &str, x: &Tensor) -> Result<(Vec<Tensor>, usize)> {
    let axes = axis_names(p, prim, key)?;
    let env = current(prim)?;
    let (me, _) = env.index(&axes)?;
    let xs = env.exchange(&axes, x)?;
    if let Some(o) = xs.iter().find(|o| o.shape != x.shape) {
        return Err(Error::Eval(format!(
            "{prim}: devices disagree on the operand shape ({:?} and {:?})",
            x.shape, o.shape
        )));
    }
    Ok((xs, me))
}

fn fold(xs: &[Tensor], f: impl Fn(f64, f64) -> f64) -> Tensor {
    let mut acc = xs[0].clone();
    for x in &xs[1..] {
        for (a, b) in acc.data.iter_mut().zip(&x.data) {
            *a = f(*a, *b);
        }
    }
    acc.rounded()
}

/// `xs` (equal shapes) joined along `dim`: stacked on a new axis there, or
/// concatenated when `tiled`.
fn join(xs: &[Tensor], dim: usize, tiled: bool) -> Tensor {
    let mut part = xs[0].shape.clone();
    if !tiled {
        part.insert(dim, 1);
    }
    let mut shape = part.clone();
    shape[dim] *= xs.len();
    let n: usize = shape.iter().product();
    let mut data = vec![0.0; n];
    for (i, x) in xs.iter().enumerate() {
        for (fl, &v) in x.data.iter().enumerate() {
            let mut idx = unravel(fl, &part);
            idx[dim] += i * part[dim];
            data[ravel(&idx, &shape)] = v;
        }
    }
    Tensor {
        dtype: xs[0].dtype,
        shape,
        data,
    }
}

/// Block `k` of `n` equal blocks of `x` along `dim` (the axis removed when
/// not `tiled`, where the blocks have size 1).
fn block(prim: Prim, x: &Tensor, dim: usize, k: usize, n: usize, tiled: bool) -> Result<Tensor> {
    let len = x.shape[dim];
    if !len.is_multiple_of(n) || (!tiled && len != n) {
        return Err(Error::Eval(format!(
            "{prim}: dimension {dim} of shape {:?} does not split into {n} blocks{}",
            x.shape,
            if tiled { "" } else { " of size 1" }
        )));
    }
    let size = len / n;
    let mut shape = x.shape.clone();
    shape[dim] = size;
    let m: usize = shape.iter().product();
    let data = (0..m)
        .map(|fl| {
            let mut idx = unravel(fl, &shape);
            idx[dim] += k * size;
            x.data[ravel(&idx, &x.shape)]
        })
        .collect();
    if !tiled {
        shape.remove(dim);
    }
    Ok(Tensor {
        dtype: x.dtype,
        shape,
        data,
    })
}

/// Evaluates one collective on this device.
pub(super) fn eval(prim: Prim, p: &Params, ins: &[Tensor]) -> Result<Vec<Tensor>> {
    let pn = prim.name();
    let out = match prim {
        Prim::Pvary => ins[0].clone(),
        Prim::Psum => fold(&group(prim, p, "axes", &ins[0])?.0, |a, b| a + b),
        Prim::Pmax => fold(&group(prim, p, "axes", &ins[0])?.0, f64::max),
        Prim::Pmin => fold(&group(prim, p, "axes", &ins[0])?.0, f64::min),
        Prim::AllGather => {
            let dim = p.int(pn, "all_gather_dimension")? as usize;
            let (xs, _) = group(prim, p, "axis_name", &ins[0])?;
            join(&xs, dim, p.bool(pn, "tiled")?)
        }
        Prim::ReduceScatter => {
            let dim = p.int(pn, "scatter_dimension")? as usize;
            let (xs, me) = group(prim, p, "axis_name", &ins[0])?;
            let n = xs.len();
            let sum = fold(&xs, |a, b| a + b);
            block(prim, &sum, dim, me, n, p.bool(pn, "tiled")?)?
        }
        Prim::Ppermute => {
            let pairs = perm(p)?;
            let (xs, me) = group(prim, p, "axis_name", &ins[0])?;
            if let Some(&(s, d)) = pairs.iter().find(|(s, d)| *s >= xs.len() || *d >= xs.len()) {
                return Err(Error::Eval(format!(
                    "ppermute: pair ({s}, {d}) is out of range for a group of {}",
                    xs.len()
                )));
            }
            match pairs.iter().find(|&&(_, d)| d == me) {
                Some(&(s, _)) => xs[s].clone(),
                None => Tensor::zeros(ins[0].dtype, &ins[0].shape),
            }
        }
        Prim::AxisIndex => {
            let axes = axis_names(p, prim, "axis_name")?;
            let (me, _) = current(prim)?.index(&axes)?;
            Tensor::scalar(me as f64, DType::I32)
        }
        _ => return Err(Error::invalid(format!("{prim} is not a collective"))),
    };
    Ok(vec![out])
}
