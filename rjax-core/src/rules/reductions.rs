//! Reductions: reduce_sum (linear; transpose = broadcast back),
//! reduce_max/reduce_min (tangent averaged over the arg-max set),
//! argmax/argmin (integer outputs, no tangent) and cumsum (linear;
//! transpose = cumsum the other way).

use super::Table;
use super::combinators::{arity, deflinear};
use crate::error::{Error, Result};
use crate::interp::Tensor;
use crate::interp::tensor::{ravel, unravel};
use crate::ir::params::ParamsExt;
use crate::ir::{DType, Param, Params, Prim, Shape, TensorType};

fn reduced(prim: Prim, x: &TensorType, axes: &[usize]) -> Result<TensorType> {
    if axes.iter().any(|&a| a >= x.rank()) || (1..axes.len()).any(|i| axes[..i].contains(&axes[i]))
    {
        return Err(Error::shape(
            prim.name(),
            format!("axes {axes:?} out of range for {x}"),
        ));
    }
    let dims = x
        .dims()
        .iter()
        .enumerate()
        .filter(|(i, _)| !axes.contains(i))
        .map(|(_, d)| d.clone())
        .collect();
    Ok(TensorType::new(x.dtype, Shape(dims)))
}

/// Folds `x` over `axes` with `f`, starting from `init`.
fn fold(x: &Tensor, axes: &[usize], init: f64, f: impl Fn(f64, f64) -> f64) -> Tensor {
    let out: Vec<usize> = x
        .shape
        .iter()
        .enumerate()
        .filter(|(i, _)| !axes.contains(i))
        .map(|(_, d)| *d)
        .collect();
    let n: usize = out.iter().product();
    let mut data = vec![init; n];
    for (fl, &v) in x.data.iter().enumerate() {
        let idx = unravel(fl, &x.shape);
        let o: Vec<usize> = idx
            .iter()
            .enumerate()
            .filter(|(i, _)| !axes.contains(i))
            .map(|(_, d)| *d)
            .collect();
        let k = ravel(&o, &out);
        data[k] = f(data[k], v);
    }
    Tensor {
        dtype: x.dtype,
        shape: out,
        data,
    }
    .rounded()
}

fn shifted(p: &Params, prim: Prim, key: &str) -> Result<Params> {
    let mut p = p.clone();
    let axes: Vec<usize> = p.axes(prim.name(), key)?.iter().map(|a| a + 1).collect();
    p.insert(key.into(), Param::usizes(&axes));
    Ok(p)
}

type FoldFn = fn(f64, f64) -> f64;

/// Registers the family.
pub fn register(t: &mut Table) {
    use Prim::*;
    let folds: [(Prim, f64, FoldFn); 3] = [
        (ReduceSum, 0.0, |a, b| a + b),
        (ReduceMax, f64::NEG_INFINITY, |a, b| {
            if a.is_nan() || b.is_nan() {
                f64::NAN
            } else {
                a.max(b)
            }
        }),
        (ReduceMin, f64::INFINITY, |a, b| {
            if a.is_nan() || b.is_nan() {
                f64::NAN
            } else {
                a.min(b)
            }
        }),
    ];
    for (prim, init, f) in folds {
        t.def(
            prim,
            move |p, ins| {
                arity(prim, ins, 1)?;
                Ok(vec![reduced(prim, &ins[0], &p.axes(prim.name(), "axes")?)?])
            },
            move |p, ins, _| {
                let axes = p.axes(prim.name(), "axes")?;
                let init = match (prim, ins[0].dtype) {
                    (ReduceMax, DType::I32) => i32::MIN as f64,
                    (ReduceMin, DType::I32) => i32::MAX as f64,
                    (ReduceMax, d) if !d.is_float() => 0.0,
                    (ReduceMin, DType::U32) => u32::MAX as f64,
                    (ReduceMin, DType::Bool) => 1.0,
                    _ => init,
                };
                Ok(vec![fold(&ins[0], &axes, init, f)])
            },
        )
        .batch(move |b, p, args, _bt, _n| {
            Ok((
                vec![b.eqn1(prim, shifted(p, prim, "axes")?, args)?],
                vec![true],
            ))
        });
    }
    // Transpose of a sum: broadcast the cotangent back over the summed axes.
    deflinear(t, ReduceSum, |b, p, ct, ty| {
        let axes = p.axes("reduce_sum", "axes")?;
        let kept: Vec<usize> = (0..ty.rank()).filter(|i| !axes.contains(i)).collect();
        b.broadcast_in_dim(ct, ty.dims(), &kept)
    });
    // d max x = mean of dx over the positions attaining the max (JAX's
    // `_reduce_chooser_jvp_rule`). Where the max is NaN no position
    // equals it and the tangent is 0/0 = NaN, as in JAX; so is an empty
    // reduction's.
    for prim in [ReduceMax, ReduceMin] {
        t.get(prim).jvp(move |b, p, xs, ts| {
            let y = b.eqn1(prim, p.clone(), xs)?;
            let axes = p.axes(prim.name(), "axes")?;
            let xt = b.ty(xs[0]);
            let kept: Vec<usize> = (0..xt.rank()).filter(|i| !axes.contains(i)).collect();
            let yb = b.broadcast_in_dim(y, xt.dims(), &kept)?;
            let hit = b.compare(Eq, xs[0], yb)?;
            let w = b.convert(hit, xt.dtype)?;
            let cnt = b.reduce_sum(w, &axes)?;
            let tw = b.mul(ts[0].unwrap(), w)?;
            let s = b.reduce_sum(tw, &axes)?;
            Ok((vec![y], vec![Some(b.div(s, cnt)?)]))
        });
    }
    for (prim, better) in [
        (Argmax, (|a: f64, b: f64| a > b) as fn(f64, f64) -> bool),
        (Argmin, |a, b| a < b),
    ] {
        t.def(
            prim,
            move |p, ins| {
                arity(prim, ins, 1)?;
                let axes = p.axes(prim.name(), "axes")?;
                if axes.len() != 1 {
                    return Err(Error::shape(
                        prim.name(),
                        format!("needs exactly one axis, got {axes:?}"),
                    ));
                }
                let d = p.dtype(prim.name(), "index_dtype")?;
                Ok(vec![reduced(prim, &ins[0], &axes)?.with_dtype(d)])
            },
            move |p, ins, _| {
                let axis = p.axes(prim.name(), "axes")?[0];
                let d = p.dtype(prim.name(), "index_dtype")?;
                let x = &ins[0];
                let out: Vec<usize> = x
                    .shape
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != axis)
                    .map(|(_, d)| *d)
                    .collect();
                let n: usize = out.iter().product();
                let data = (0..n)
                    .map(|f| {
                        let mut idx = unravel(f, &out);
                        idx.insert(axis, 0);
                        let mut best = 0usize;
                        for k in 0..x.shape[axis] {
                            idx[axis] = k;
                            let v = x.data[ravel(&idx, &x.shape)];
                            idx[axis] = best;
                            let bv = x.data[ravel(&idx, &x.shape)];
                            // NaN wins, like NumPy; first index wins ties.
                            if (v.is_nan() && !bv.is_nan()) || better(v, bv) {
                                best = k;
                            }
                        }
                        best as f64
                    })
                    .collect();
                Ok(vec![Tensor {
                    dtype: d,
                    shape: out,
                    data,
                }])
            },
        )
        .batch(move |b, p, args, _bt, _n| {
            Ok((
                vec![b.eqn1(prim, shifted(p, prim, "axes")?, args)?],
                vec![true],
            ))
        })
        .zero_tangent();
    }

    t.def(
        Cumsum,
        |p, ins| {
            arity(Cumsum, ins, 1)?;
            let axis = p.int("cumsum", "axis")? as usize;
            if axis >= ins[0].rank() {
                return Err(Error::shape(
                    "cumsum",
                    format!("axis {axis} out of range for {}", ins[0]),
                ));
            }
            Ok(vec![ins[0].clone()])
        },
        |p, ins, _| {
            let axis = p.int("cumsum", "axis")? as usize;
            let rev = p.bool("cumsum", "reverse")?;
            let x = &ins[0];
            let mut out = x.clone();
            let n = x.shape[axis];
            for f in 0..x.size() {
                let idx = unravel(f, &x.shape);
                if idx[axis] != 0 {
                    continue;
                }
                let mut acc = 0.0;
                for k in 0..n {
                    let mut j = idx.clone();
                    j[axis] = if rev { n - 1 - k } else { k };
                    let pos = ravel(&j, &x.shape);
                    acc += x.data[pos];
                    out.data[pos] = acc;
                }
            }
            Ok(vec![out.rounded()])
        },
    )
    .batch(|b, p, args, _bt, _n| {
        let mut p = p.clone();
        let axis = p.int("cumsum", "axis")?;
        p.insert("axis".into(), Param::int(axis + 1));
        Ok((vec![b.eqn1(Cumsum, p, args)?], vec![true]))
    });
    deflinear(t, Cumsum, |b, p, ct, _ty| {
        let mut p = p.clone();
        let rev = p.bool("cumsum", "reverse")?;
        p.insert("reverse".into(), Param::Bool(!rev));
        b.eqn1(Cumsum, p, &[ct])
    });
}
