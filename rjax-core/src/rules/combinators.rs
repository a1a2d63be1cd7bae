//! JAX-style rule combinators (`defunary`, `defbinary`, `deflinear` ...)
//! and the shared shape checks, so that most primitives are declared in a
//! few lines in their family file.

use super::{EvalCtx, LinArg, Table};
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::interp::Tensor;
use crate::ir::{Atom, DType, DimExpr, Params, Prim, Shape, TensorType};

/// `f32[3] and f32[4]`-style list of types for error messages.
pub fn fmt_types(ts: &[TensorType]) -> String {
    let v: Vec<String> = ts.iter().map(|t| t.to_string()).collect();
    v.join(" and ")
}

/// Two dims are compatible when equal, or when either is symbolic (the
/// runtime checks what the compile-time types cannot).
pub fn dims_match(a: &DimExpr, b: &DimExpr) -> bool {
    a == b || a.as_const().is_none() || b.as_const().is_none()
}

/// Same rank and compatible dims.
pub fn shapes_match(a: &[DimExpr], b: &[DimExpr]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| dims_match(x, y))
}

/// Checks the operand count.
pub fn arity(prim: Prim, ins: &[TensorType], n: usize) -> Result<()> {
    if ins.len() != n {
        return Err(Error::shape(
            prim.name(),
            format!("expected {n} operands, got {}", ins.len()),
        ));
    }
    Ok(())
}

/// The common shape of elementwise operands: all equal, or rank-0 ones
/// broadcasting to the others.
pub fn elementwise_shape(prim: Prim, ins: &[TensorType]) -> Result<Shape> {
    let mut out: Option<&TensorType> = None;
    for t in ins {
        if t.rank() == 0 {
            continue;
        }
        match out {
            None => out = Some(t),
            Some(o) if shapes_match(o.dims(), t.dims()) => {}
            Some(_) => {
                return Err(Error::shape(
                    prim.name(),
                    format!("shapes {} do not match", fmt_types(ins)),
                ));
            }
        }
    }
    Ok(out.map(|t| t.shape.clone()).unwrap_or_default())
}

/// All operands share one dtype; returns it.
pub fn same_dtype(prim: Prim, ins: &[TensorType]) -> Result<DType> {
    let d = ins[0].dtype;
    if ins.iter().any(|t| t.dtype != d) {
        return Err(Error::shape(
            prim.name(),
            format!("dtypes of {} differ", fmt_types(ins)),
        ));
    }
    Ok(d)
}

/// Elementwise evaluation with rank-0 broadcasting.
pub fn eval_elementwise(ins: &[Tensor], dtype: DType, f: impl Fn(&[f64]) -> f64) -> Tensor {
    let shape = ins
        .iter()
        .find(|t| !t.shape.is_empty())
        .map(|t| t.shape.clone())
        .unwrap_or_default();
    let n: usize = shape.iter().product();
    let mut args = vec![0.0; ins.len()];
    let data = (0..n)
        .map(|i| {
            for (k, t) in ins.iter().enumerate() {
                args[k] = if t.shape.is_empty() {
                    t.data[0]
                } else {
                    t.data[i]
                };
            }
            f(&args)
        })
        .collect();
    Tensor { dtype, shape, data }.rounded()
}

/// Batching for elementwise primitives: operands are brought to a common
/// batched shape (rank-0 unbatched operands stay rank-0) and the primitive
/// is applied unchanged.
pub fn batch_elementwise(
    b: &mut Builder,
    prim: Prim,
    params: &Params,
    args: &[Atom],
    batched: &[bool],
    size: &DimExpr,
) -> Result<(Vec<Atom>, Vec<bool>)> {
    // Per-example types give the per-example output shape.
    let per: Vec<TensorType> = args
        .iter()
        .zip(batched)
        .map(|(a, &bt)| {
            let t = b.ty(*a);
            if bt {
                TensorType::new(t.dtype, Shape(t.dims()[1..].to_vec()))
            } else {
                t
            }
        })
        .collect();
    let out = elementwise_shape(prim, &per)?;
    let mut full = vec![size.clone()];
    full.extend(out.0.iter().cloned());
    let r = out.rank();
    let mut new_args = Vec::with_capacity(args.len());
    // select_n's cases must share one shape; only its predicate may stay rank-0.
    let scalar_ok = |k: usize| prim != Prim::SelectN || k == 0;
    for (k, ((a, &bt), t)) in args.iter().zip(batched).zip(&per).enumerate() {
        let a2 = if bt {
            if t.rank() == 0 && r > 0 {
                b.broadcast_in_dim(*a, &full, &[0])?
            } else {
                *a
            }
        } else if t.rank() == 0 {
            if scalar_ok(k) {
                *a
            } else {
                b.broadcast_in_dim(*a, &full, &[])?
            }
        } else {
            let dims: Vec<usize> = (1..=t.rank()).collect();
            b.broadcast_in_dim(*a, &full, &dims)?
        };
        new_args.push(a2);
    }
    let outs = b.eqn(prim, params.clone(), &new_args)?;
    let n = outs.len();
    Ok((outs.into_iter().map(Atom::Var).collect(), vec![true; n]))
}

/// Sums a cotangent down to a rank-0 operand's shape when that operand
/// was broadcast by an elementwise op; converts the dtype if needed.
pub fn unbroadcast(b: &mut Builder, ct: Atom, target: &TensorType) -> Result<Atom> {
    let t = b.ty(ct);
    let ct = if target.rank() == 0 && t.rank() > 0 {
        let axes: Vec<usize> = (0..t.rank()).collect();
        b.reduce_sum(ct, &axes)?
    } else {
        ct
    };
    b.convert(ct, target.dtype)
}

/// Broadcasts a rank-0 tangent contribution to the output shape.
pub fn broadcast_like(b: &mut Builder, t: Atom, out: &TensorType) -> Result<Atom> {
    if b.rank(t) == 0 && out.rank() > 0 {
        b.broadcast_in_dim(t, out.dims(), &[])
    } else {
        Ok(t)
    }
}

/// Rule of a unary elementwise primitive: `dt_out = jvp(b, x, y, t)`.
pub type UnaryJvp = fn(&mut Builder, Atom, Atom, Atom, &Params) -> Result<Atom>;

/// Declares a unary elementwise primitive: value `f`, derivative rule
/// `jvp` (None: not differentiable, zero tangent), vectorised batching.
pub fn defunary(
    t: &mut Table,
    prim: Prim,
    float_only: bool,
    f: fn(f64, &Params) -> f64,
    jvp: Option<UnaryJvp>,
) {
    let r = t.def(
        prim,
        move |_p, ins| {
            arity(prim, ins, 1)?;
            if float_only && !ins[0].dtype.is_float() {
                return Err(Error::shape(
                    prim.name(),
                    format!("needs a floating operand, got {}", ins[0]),
                ));
            }
            Ok(vec![ins[0].clone()])
        },
        move |p, ins, _| Ok(vec![ins[0].map(ins[0].dtype, |x| f(x, p))]),
    );
    r.batch(move |b, p, args, _bt, _n| {
        let y = b.eqn1(prim, p.clone(), args)?;
        Ok((vec![y], vec![true]))
    });
    match jvp {
        Some(rule) => {
            r.jvp(move |b, p, x, t| {
                let y = b.eqn1(prim, p.clone(), x)?;
                let dt = rule(b, x[0], y, t[0].unwrap(), p)?;
                Ok((vec![y], vec![Some(dt)]))
            });
        }
        None => {
            r.zero_tangent();
        }
    }
}

/// JVP of a primitive whose outputs have no tangent (keys, integers,
/// booleans) whatever the input tangents: the primitive, re-applied.
pub fn no_tangent(
    b: &mut Builder,
    prim: Prim,
    p: &Params,
    xs: &[Atom],
) -> Result<(Vec<Atom>, Vec<Option<Atom>>)> {
    let outs = b.eqn(prim, p.clone(), xs)?;
    let k = outs.len();
    Ok((outs.into_iter().map(Into::into).collect(), vec![None; k]))
}

/// One operand's transpose of a bilinear primitive: the cotangent of the
/// linear operand from the output cotangent `ct` and the other, known
/// operand, with the operands' types `(x, y)`.
pub type BilinearRule =
    fn(&mut Builder, &Params, Atom, Atom, &TensorType, &TensorType) -> Result<Atom>;

/// Declares a primitive bilinear in its two operands (JAX's
/// `ad.defbilinear`): its JVP is `f(dx, y) + f(x, dy)`, and its transpose
/// with respect to `x` is `lhs(ct, y)`, to `y` is `rhs(ct, x)`. A product
/// of two linear operands is not linear: an error.
pub fn defbilinear(t: &mut Table, prim: Prim, lhs: BilinearRule, rhs: BilinearRule) {
    let r = t.get(prim);
    r.jvp(move |b, p, xs, ts| {
        let z = b.eqn1(prim, p.clone(), xs)?;
        let zt = b.ty(z);
        let mut acc: Option<Atom> = None;
        for (k, pair) in [(0, [ts[0], Some(xs[1])]), (1, [Some(xs[0]), ts[1]])] {
            if ts[k].is_none() {
                continue;
            }
            let ins = [pair[0].unwrap(), pair[1].unwrap()];
            let c = b.eqn1(prim, p.clone(), &ins)?;
            let c = broadcast_like(b, c, &zt)?;
            acc = Some(match acc {
                None => c,
                Some(a) => b.add_any(a, c)?,
            });
        }
        Ok((vec![z], vec![acc]))
    });
    r.transpose(move |b, p, ins, cts| {
        let ct = cts[0].unwrap();
        let (xt, yt) = (ins[0].ty(b), ins[1].ty(b));
        match (&ins[0], &ins[1]) {
            (LinArg::Linear(_), LinArg::Primal(y)) => {
                Ok(vec![Some(lhs(b, p, ct, *y, &xt, &yt)?), None])
            }
            (LinArg::Primal(x), LinArg::Linear(_)) => {
                Ok(vec![None, Some(rhs(b, p, ct, *x, &xt, &yt)?)])
            }
            _ => Err(Error::NotDifferentiable(format!(
                "{prim}: transpose of a product of two linear operands"
            ))),
        }
    });
}

/// Rule of one operand of a binary primitive: `jvp(b, x, y, z, t)` is the
/// contribution of tangent `t` of that operand (z is the output).
pub type BinaryJvp = fn(&mut Builder, Atom, Atom, Atom, Atom) -> Result<Atom>;

/// Declares a binary elementwise primitive (equal shapes or a rank-0
/// operand) with value `f` and per-operand derivative contributions.
pub fn defbinary(
    t: &mut Table,
    prim: Prim,
    f: fn(DType, f64, f64) -> f64,
    jx: Option<BinaryJvp>,
    jy: Option<BinaryJvp>,
) -> &mut super::Rules {
    let r = t.def(
        prim,
        move |_p, ins| {
            arity(prim, ins, 2)?;
            let d = same_dtype(prim, ins)?;
            Ok(vec![TensorType {
                dtype: d,
                shape: elementwise_shape(prim, ins)?,
            }])
        },
        move |_p, ins, _| {
            let d = ins[0].dtype;
            Ok(vec![eval_elementwise(ins, d, |a| f(d, a[0], a[1]))])
        },
    );
    r.batch(move |b, p, args, bt, n| batch_elementwise(b, prim, p, args, bt, n));
    r.jvp(move |b, p, xs, ts| {
        let z = b.eqn1(prim, p.clone(), xs)?;
        let zt = b.ty(z);
        let mut acc: Option<Atom> = None;
        for (k, rule) in [(0, jx), (1, jy)] {
            if let (Some(t), Some(rule)) = (ts[k], rule) {
                let c = rule(b, xs[0], xs[1], z, t)?;
                let c = broadcast_like(b, c, &zt)?;
                acc = Some(match acc {
                    None => c,
                    Some(a) => b.add_any(a, c)?,
                });
            }
        }
        Ok((vec![z], vec![acc]))
    });
    r
}

/// Declares the transpose of a primitive linear in its only operand:
/// `ct_in = tr(b, params, ct, operand_type)`; its JVP is the primitive
/// applied to the tangent.
pub fn deflinear(
    t: &mut Table,
    prim: Prim,
    tr: fn(&mut Builder, &Params, Atom, &TensorType) -> Result<Atom>,
) {
    let r = t.get(prim);
    r.jvp(move |b, p, x, t| {
        let y = b.eqn1(prim, p.clone(), x)?;
        let dt = match t[0] {
            Some(t) => Some(b.eqn1(prim, p.clone(), &[t])?),
            None => None,
        };
        Ok((vec![y], vec![dt]))
    });
    r.transpose(move |b, p, ins, cts| {
        let ct = match cts[0] {
            Some(c) => c,
            None => return Ok(vec![None]),
        };
        let ty = ins[0].ty(b);
        Ok(vec![Some(tr(b, p, ct, &ty)?)])
    });
}

/// Evaluation context unused helper, to keep signatures uniform.
pub fn no_ctx(_: &EvalCtx) {}

/// Inputs of a transpose rule that are linear.
pub fn linear_mask(ins: &[LinArg]) -> Vec<bool> {
    ins.iter().map(LinArg::is_linear).collect()
}
