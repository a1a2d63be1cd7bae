//! Small static programs as scalar code: a jaxpr whose every value has a
//! static shape and few elements (a 16-d hessian, a 3x3 rotation, a
//! gradient of a handful of parameters) is rewritten into one rank-0
//! equation per element, so `#[jit]` emits it as straight-line native
//! scalar code with no array built per call except its results.
//!
//! Shape operations (broadcasts, reshapes, slices, pads, transposes,
//! concatenations, `iota`) become element routing decided here, at
//! compile time: the identity basis a forward-over-reverse hessian
//! builds with `iota`/`eq`/`convert` is literals, and the optimiser then
//! drops multiplications by 1 and folds what is constant. Reductions and
//! `dot_general` become chains of scalar adds and multiply-adds in
//! row-major order over the reduced indices.
//!
//! The result keeps the jaxpr's inputs and outputs: an input element is
//! read as `squeeze(slice(x, k, k + 1))`, an array result is assembled
//! as a sum of one-hot pads reshaped to its shape, the forms the jit
//! emitter turns into element reads and one zeroed buffer with its
//! values stored (`jit::onehot`).

use std::collections::HashMap;

use crate::builder::Builder;
use crate::ir::params::ParamsExt;
use crate::ir::{Atom, DType, DimExpr, DotGeneralParams, Eqn, Jaxpr, Literal, Prim, TensorType};
use crate::passes::fusion::is_elementwise;

/// Elements of the largest value a scalarised program may hold.
pub const SCALARIZE_MAX_VALUE: usize = 1024;

/// Scalar equations a scalarised program may have before optimisation
/// (its emitted code is one statement each: compile time bounds it).
pub const SCALARIZE_MAX_EQNS: usize = 16_384;

/// The static dims of `t`, if it has no symbolic one.
fn static_dims(t: &TensorType) -> Option<Vec<usize>> {
    t.dims()
        .iter()
        .map(|d| d.as_const().and_then(|c| usize::try_from(c).ok()))
        .collect()
}

/// Row-major multi-index of flat index `k` in `shape`.
fn unflatten(mut k: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for a in (0..shape.len()).rev() {
        idx[a] = k % shape[a];
        k /= shape[a];
    }
    idx
}

/// Row-major flat index of `idx` in `shape`.
fn flatten(idx: &[usize], shape: &[usize]) -> usize {
    idx.iter().zip(shape).fold(0, |f, (i, d)| f * d + i)
}

/// The estimated scalar equations of `e` (None: not scalarisable).
fn cost(j: &Jaxpr, e: &Eqn) -> Option<usize> {
    let out = e
        .outputs
        .iter()
        .map(|o| j.ty(*o))
        .try_fold(0usize, |n, t| {
            let d = static_dims(t)?;
            let len: usize = d.iter().product();
            (len <= SCALARIZE_MAX_VALUE).then_some(n + len)
        })?;
    for a in &e.inputs {
        let d = static_dims(&j.atom_type(a))?;
        if d.iter().product::<usize>() > SCALARIZE_MAX_VALUE {
            return None;
        }
    }
    let p = e.prim;
    Some(match p {
        _ if is_elementwise(p) => out,
        Prim::BroadcastInDim
        | Prim::Reshape
        | Prim::Squeeze
        | Prim::ExpandDims
        | Prim::Transpose
        | Prim::Slice
        | Prim::Pad
        | Prim::Iota
        | Prim::Concatenate
        | Prim::DimAsValue => 0,
        Prim::ReduceSum | Prim::ReduceMax | Prim::ReduceMin => {
            static_dims(&j.atom_type(&e.inputs[0]))?.iter().product()
        }
        Prim::DotGeneral => {
            let lc = DotGeneralParams::read(&e.params).ok()?.contract.0;
            let xd = static_dims(&j.atom_type(&e.inputs[0]))?;
            2 * out * lc.iter().map(|&a| xd[a]).product::<usize>()
        }
        _ => return None,
    })
}

/// `j` as scalar code (see the module comment), or None when a value
/// has a symbolic dim or too many elements, an equation has no scalar
/// form here (control flow, random draws, gathers...), an array result
/// is not a float, or the program would be too long.
pub fn scalarize(j: &Jaxpr) -> Option<Jaxpr> {
    let mut total = 0usize;
    for e in &j.eqns {
        total += cost(j, e)?;
        if total > SCALARIZE_MAX_EQNS {
            return None;
        }
    }
    for v in &j.invars {
        static_dims(j.ty(*v))?;
    }
    for a in &j.outvars {
        let t = j.atom_type(a);
        if t.rank() > 0 && !t.dtype.is_float() {
            return None;
        }
    }
    // Something to gain: an array value somewhere.
    let arrays = j
        .eqns
        .iter()
        .any(|e| e.outputs.iter().any(|o| j.ty(*o).rank() > 0));
    if !arrays {
        return None;
    }
    let mut b = Builder::new();
    let mut vals: HashMap<crate::ir::Var, Vec<Atom>> = HashMap::new();
    for v in &j.invars {
        let t = j.ty(*v).clone();
        let x = Atom::Var(b.input_typed(t.clone()));
        let dims = static_dims(&t)?;
        let elems = if dims.is_empty() {
            vec![x]
        } else {
            let len: usize = dims.iter().product();
            let mut out = Vec::with_capacity(len);
            for k in 0..len {
                let idx = unflatten(k, &dims);
                let start: Vec<DimExpr> = idx.iter().map(|&i| DimExpr::Const(i as i64)).collect();
                let limit: Vec<DimExpr> =
                    idx.iter().map(|&i| DimExpr::Const(i as i64 + 1)).collect();
                let s = b.slice(x, &start, &limit, None).ok()?;
                let all: Vec<usize> = (0..dims.len()).collect();
                out.push(b.squeeze(s, &all).ok()?);
            }
            out
        };
        vals.insert(*v, elems);
    }
    for e in &j.eqns {
        let outs = eqn(j, e, &mut b, &vals)?;
        for (o, elems) in e.outputs.iter().zip(outs) {
            vals.insert(*o, elems);
        }
    }
    let mut outs = Vec::with_capacity(j.outvars.len());
    for a in &j.outvars {
        let t = j.atom_type(a);
        let elems = elems_of(&vals, a, 1)?;
        if t.rank() == 0 {
            outs.push(elems[0]);
            continue;
        }
        outs.push(assemble(&mut b, &t, &elems)?);
    }
    Some(b.build(&outs))
}

/// The elements of `a` (a literal or rank-0 value repeated `len` times
/// when it is a scalar operand of an elementwise op).
fn elems_of(vals: &HashMap<crate::ir::Var, Vec<Atom>>, a: &Atom, len: usize) -> Option<Vec<Atom>> {
    match a {
        Atom::Lit(_) => Some(vec![*a; len]),
        Atom::Var(v) => {
            let e = vals.get(v)?;
            if e.len() == 1 && len != 1 {
                Some(vec![e[0]; len])
            } else {
                Some(e.clone())
            }
        }
    }
}

/// An array result from its elements: one-hot pads summed, reshaped.
fn assemble(b: &mut Builder, t: &TensorType, elems: &[Atom]) -> Option<Atom> {
    let n = elems.len();
    let one = [DimExpr::Const(1)];
    let zero = b.lit(0.0, t.dtype);
    let mut acc: Option<Atom> = None;
    for (k, &x) in elems.iter().enumerate() {
        if matches!(x, Atom::Lit(l) if l.value == 0.0 && l.value.is_sign_positive()) {
            continue;
        }
        let r = b.reshape(x, &one).ok()?;
        let lo = DimExpr::Const(k as i64);
        let hi = DimExpr::Const((n - 1 - k) as i64);
        let p = b.pad(r, zero, &[(lo, hi, DimExpr::Const(0))]).ok()?;
        acc = Some(match acc {
            None => p,
            Some(a) => b.add_any(a, p).ok()?,
        });
    }
    let flat = match acc {
        Some(a) => a,
        None => {
            let t1 = TensorType::new(t.dtype, vec![DimExpr::Const(n as i64)]);
            b.zeros(&t1).ok()?
        }
    };
    if t.rank() == 1 {
        Some(flat)
    } else {
        b.reshape(flat, t.dims()).ok()
    }
}

fn lit(v: f64, d: DType) -> Atom {
    Atom::Lit(Literal::new(v, d))
}

/// The elements of each output of `e`, computed by scalar equations.
fn eqn(
    j: &Jaxpr,
    e: &Eqn,
    b: &mut Builder,
    vals: &HashMap<crate::ir::Var, Vec<Atom>>,
) -> Option<Vec<Vec<Atom>>> {
    let ot = j.ty(*e.outputs.first()?).clone();
    let od = static_dims(&ot)?;
    let len: usize = od.iter().product();
    let xd = || -> Option<Vec<usize>> { static_dims(&j.atom_type(e.inputs.first()?)) };
    let x = || elems_of(vals, e.inputs.first()?, 1);
    let pn = e.prim.name();
    let routed = |f: &dyn Fn(&[usize]) -> Option<usize>| -> Option<Vec<Vec<Atom>>> {
        let xs = x()?;
        let out = (0..len)
            .map(|k| f(&unflatten(k, &od)).map(|i| xs[i]))
            .collect::<Option<Vec<_>>>()?;
        Some(vec![out])
    };
    match e.prim {
        p if is_elementwise(p) => {
            let ops: Vec<Vec<Atom>> = e
                .inputs
                .iter()
                .map(|a| elems_of(vals, a, len))
                .collect::<Option<_>>()?;
            let mut out = Vec::with_capacity(len);
            for k in 0..len {
                let ins: Vec<Atom> = ops.iter().map(|o| o[k]).collect();
                out.push(b.eqn1(p, e.params.clone(), &ins).ok()?);
            }
            Some(vec![out])
        }
        Prim::Reshape | Prim::Squeeze | Prim::ExpandDims => {
            if e.prim == Prim::Reshape
                && e.params
                    .get("dimensions")
                    .is_some_and(|d| d.elems().is_some())
            {
                return None;
            }
            let xs = x()?;
            (xs.len() == len).then(|| vec![xs])
        }
        Prim::BroadcastInDim => {
            let bd = e.params.axes(pn, "broadcast_dimensions").ok()?;
            let xd = xd()?;
            routed(&|idx| {
                let xi: Vec<usize> = bd
                    .iter()
                    .enumerate()
                    .map(|(i, &a)| if xd[i] == 1 { 0 } else { idx[a] })
                    .collect();
                Some(flatten(&xi, &xd))
            })
        }
        Prim::Transpose => {
            let perm = e.params.axes(pn, "permutation").ok()?;
            let xd = xd()?;
            routed(&|idx| {
                let mut xi = vec![0; xd.len()];
                for (k, &p) in perm.iter().enumerate() {
                    xi[p] = idx[k];
                }
                Some(flatten(&xi, &xd))
            })
        }
        Prim::Slice => {
            let start: Vec<usize> = e
                .params
                .dims(pn, "start_indices")
                .ok()?
                .iter()
                .map(|d| d.as_const().map(|c| c as usize))
                .collect::<Option<_>>()?;
            let strides = e.params.axes(pn, "strides").unwrap_or_default();
            let xd = xd()?;
            routed(&|idx| {
                let xi: Vec<usize> = (0..idx.len())
                    .map(|a| start[a] + idx[a] * strides.get(a).copied().unwrap_or(1))
                    .collect();
                Some(flatten(&xi, &xd))
            })
        }
        Prim::Pad => {
            let xs = x()?;
            let xd = xd()?;
            let fill = *elems_of(vals, e.inputs.get(1)?, 1)?.first()?;
            let cfg = e.params.get("padding_config")?.elems()?;
            let mut lo = Vec::new();
            let mut step = Vec::new();
            for c in cfg {
                let c = c.elems()?;
                lo.push(c.first()?.as_dim()?.as_const()?);
                step.push(c.get(2).and_then(|d| d.as_dim()?.as_const()).unwrap_or(0) + 1);
            }
            let mut out = vec![fill; len];
            'elems: for (k, &v) in xs.iter().enumerate() {
                let xi = unflatten(k, &xd);
                let mut oi = vec![0; xi.len()];
                for a in 0..xi.len() {
                    let p = lo[a] + xi[a] as i64 * step[a];
                    if p < 0 || p >= od[a] as i64 {
                        continue 'elems;
                    }
                    oi[a] = p as usize;
                }
                out[flatten(&oi, &od)] = v;
            }
            Some(vec![out])
        }
        Prim::Concatenate => {
            let dim = usize::try_from(e.params.get("dimension")?.as_int()?).ok()?;
            let mut out = vec![lit(0.0, ot.dtype); len];
            let mut off = 0;
            for a in &e.inputs {
                let ad = static_dims(&j.atom_type(a))?;
                let xs = elems_of(vals, a, 1)?;
                for (k, &v) in xs.iter().enumerate() {
                    let mut i = unflatten(k, &ad);
                    i[dim] += off;
                    out[flatten(&i, &od)] = v;
                }
                off += ad[dim];
            }
            Some(vec![out])
        }
        Prim::Iota => {
            let dim = usize::try_from(e.params.get("dimension")?.as_int()?).ok()?;
            let out = (0..len)
                .map(|k| lit(unflatten(k, &od)[dim] as f64, ot.dtype))
                .collect();
            Some(vec![out])
        }
        Prim::DimAsValue => {
            let d = e.params.get("dim")?.as_dim()?.as_const()?;
            Some(vec![vec![lit(d as f64, ot.dtype)]])
        }
        Prim::ReduceSum | Prim::ReduceMax | Prim::ReduceMin => {
            let axes = e.params.axes(pn, "axes").ok()?;
            let xd = xd()?;
            let xs = x()?;
            let comb = match e.prim {
                Prim::ReduceSum => Prim::Add,
                Prim::ReduceMax => Prim::Max,
                _ => Prim::Min,
            };
            let mut acc: Vec<Option<Atom>> = vec![None; len];
            for (k, &v) in xs.iter().enumerate() {
                let xi = unflatten(k, &xd);
                let oi: Vec<usize> = (0..xd.len())
                    .filter(|a| !axes.contains(a))
                    .map(|a| xi[a])
                    .collect();
                let slot = &mut acc[flatten(&oi, &od)];
                *slot = Some(match *slot {
                    None => v,
                    Some(s) => b.binary(comb, s, v).ok()?,
                });
            }
            let id = match e.prim {
                Prim::ReduceSum => 0.0,
                Prim::ReduceMax => f64::NEG_INFINITY,
                _ => f64::INFINITY,
            };
            Some(vec![
                acc.into_iter()
                    .map(|a| a.unwrap_or(lit(id, ot.dtype)))
                    .collect(),
            ])
        }
        Prim::DotGeneral => {
            let DotGeneralParams {
                contract: (lc, rc),
                batch: (lb, rb),
            } = DotGeneralParams::read(&e.params).ok()?;
            let (ld, rd) = (xd()?, static_dims(&j.atom_type(e.inputs.get(1)?))?);
            let (xs, ys) = (x()?, elems_of(vals, &e.inputs[1], 1)?);
            let lf: Vec<usize> = (0..ld.len())
                .filter(|a| !lc.contains(a) && !lb.contains(a))
                .collect();
            let rf: Vec<usize> = (0..rd.len())
                .filter(|a| !rc.contains(a) && !rb.contains(a))
                .collect();
            let cdims: Vec<usize> = lc.iter().map(|&a| ld[a]).collect();
            let clen: usize = cdims.iter().product();
            let mut out = Vec::with_capacity(len);
            for k in 0..len {
                let oi = unflatten(k, &od);
                let (bi, rest) = oi.split_at(lb.len());
                let (li, ri) = rest.split_at(lf.len());
                let mut acc: Option<Atom> = None;
                for c in 0..clen {
                    let ci = unflatten(c, &cdims);
                    let mut xi = vec![0; ld.len()];
                    let mut yi = vec![0; rd.len()];
                    for (n, (&l, &r)) in lb.iter().zip(&rb).enumerate() {
                        xi[l] = bi[n];
                        yi[r] = bi[n];
                    }
                    for (n, &l) in lf.iter().enumerate() {
                        xi[l] = li[n];
                    }
                    for (n, &r) in rf.iter().enumerate() {
                        yi[r] = ri[n];
                    }
                    for (n, (&l, &r)) in lc.iter().zip(&rc).enumerate() {
                        xi[l] = ci[n];
                        yi[r] = ci[n];
                    }
                    let p = b.mul(xs[flatten(&xi, &ld)], ys[flatten(&yi, &rd)]).ok()?;
                    acc = Some(match acc {
                        None => p,
                        Some(a) => b.add(a, p).ok()?,
                    });
                }
                out.push(acc.unwrap_or(lit(0.0, ot.dtype)));
            }
            Some(vec![out])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::{Tensor, eval_jaxpr};

    /// `text` scalarised equals `text` on the interpreter.
    fn same(text: &str, args: &[Tensor]) -> Jaxpr {
        let j = Jaxpr::parse(text).unwrap();
        let s = scalarize(&j).expect("scalarisable");
        s.verify().unwrap();
        assert!(
            s.eqns
                .iter()
                .all(|e| e.outputs.iter().all(|o| s.ty(*o).rank() == 0)
                    || matches!(
                        e.prim,
                        Prim::Slice | Prim::Reshape | Prim::Pad | Prim::AddAny
                    )),
            "{s}"
        );
        let (x, y) = (eval_jaxpr(&j, args).unwrap(), eval_jaxpr(&s, args).unwrap());
        for (a, b) in x.iter().zip(&y) {
            assert_eq!(a.shape, b.shape);
            for (p, q) in a.data.iter().zip(&b.data) {
                assert!((p - q).abs() <= 1e-12 * p.abs().max(1.0), "{p} vs {q}\n{s}");
            }
        }
        s
    }

    fn t(shape: &[usize], seed: u64) -> Tensor {
        let n: usize = shape.iter().product();
        let data = (0..n)
            .map(|k| ((k as u64 * 7919 + seed * 104_729) % 97) as f64 / 13.0 - 3.0)
            .collect();
        Tensor::new(DType::F64, shape.to_vec(), data).unwrap()
    }

    #[test]
    fn shape_ops_reductions_and_products() {
        same(
            "{ lambda ; a:f64[4,3] b:f64[3]. let
                c:f64[4,3] = broadcast_in_dim[broadcast_dimensions=(1,) shape=(4, 3)] b
                d:f64[4,3] = mul a c
                e:f64[3,4] = transpose[permutation=(1, 0)] d
                f:f64[3,2] = slice[limit_indices=(3, 4) start_indices=(0, 1) strides=(1, 2)] e
                g:f64[5,2] = pad[padding_config=((1, 1, 0), (0, 0, 0))] f 0.5:f64[]
                h:f64[10] = reshape[new_sizes=(10,)] g
                i:f64[2] = reduce_max[axes=(0,)] g
                j:f64[4,4] = dot_general[dimension_numbers=(([1], [1]), ([], []))] a d
                k:f64[] = reduce_sum[axes=(0, 1)] j
                l:i32[2,2] = iota[dimension=1 dtype=int32 shape=(2, 2)]
                m:f64[2,2] = convert_element_type[new_dtype=float64] l
                n:f64[5,2] = concatenate[dimension=0] m f
              in (h, i, k, n) }",
            &[t(&[4, 3], 1), t(&[3], 2)],
        );
    }

    #[test]
    fn symbolic_dims_and_loops_are_left_alone() {
        let j = Jaxpr::parse("{ lambda ; a:f64[n]. let b:f64[n] = sin a in (b,) }").unwrap();
        assert!(scalarize(&j).is_none());
        let big = Jaxpr::parse(
            "{ lambda ; a:f64[64,64]. let
                b:f64[64,64] = dot_general[dimension_numbers=(([1], [0]), ([], []))] a a
              in (b,) }",
        )
        .unwrap();
        assert!(scalarize(&big).is_none(), "too long a program");
    }
}
