//! Control flow with sub-jaxprs: `cond`, `scan` (and `fori_loop`, a scan
//! with an index carry), `while`. Each has shape, evaluation, JVP,
//! partial-evaluation (so reverse mode keeps the primal work and its
//! residuals on the forward side), transpose and batching rules.
//!
//! Also `batch_by_loop`, the batching fallback for anything a rule cannot
//! vectorise (batched indices, a batched `while` predicate): a `scan` over
//! the batch applying the primitive per example.

pub mod cond;
pub mod scan;
pub mod while_loop;
pub mod while_reverse;

use super::Table;
use crate::builder::Builder;
use crate::error::Result;
use crate::ir::{Atom, DType, DimExpr, Jaxpr, Param, Params, ParamsExt, Prim, Shape, TensorType};
use crate::transforms::jvp::jvp_into;

/// Builds a jaxpr from input types and a body.
pub fn sub_jaxpr(
    in_types: &[TensorType],
    body: impl FnOnce(&mut Builder, &[Atom]) -> Result<Vec<Atom>>,
) -> Result<Jaxpr> {
    let mut b = Builder::new();
    let ins: Vec<Atom> = in_types
        .iter()
        .map(|t| b.input_typed(t.clone()).into())
        .collect();
    let outs = body(&mut b, &ins)?;
    Ok(crate::passes::dce(&b.build(&outs)))
}

/// Which outputs of `j` get a non-zero tangent when the inputs marked in
/// `mask` have one.
pub fn jvp_nonzero(j: &Jaxpr, mask: &[bool]) -> Result<Vec<bool>> {
    let mut b = Builder::new();
    let prim: Vec<Atom> = j
        .invars
        .iter()
        .map(|v| b.input_typed(j.ty(*v).clone()).into())
        .collect();
    let tan: Vec<Option<Atom>> = j
        .invars
        .iter()
        .zip(mask)
        .map(|(v, m)| {
            if *m {
                Some(b.input_typed(j.ty(*v).clone()).into())
            } else {
                None
            }
        })
        .collect();
    let (_, t) = jvp_into(&mut b, j, &prim, &tan)?;
    Ok(t.iter().map(Option::is_some).collect())
}

/// `[n] ++ t.shape`.
pub fn stacked(t: &TensorType, n: &DimExpr) -> TensorType {
    let mut d = vec![n.clone()];
    d.extend_from_slice(t.dims());
    TensorType::new(t.dtype, Shape(d))
}

/// Drops the leading axis of a type.
pub fn unstacked(t: &TensorType) -> TensorType {
    TensorType::new(t.dtype, Shape(t.dims()[1..].to_vec()))
}

/// Batches any primitive by a `scan` over the batch axis: unbatched
/// operands become the scan's constants, batched ones its `xs`.
pub fn batch_by_loop(
    b: &mut Builder,
    prim: Prim,
    p: &Params,
    args: &[Atom],
    bt: &[bool],
    n: &DimExpr,
) -> Result<(Vec<Atom>, Vec<bool>)> {
    let types: Vec<TensorType> = args.iter().map(|a| b.ty(*a)).collect();
    let consts: Vec<usize> = (0..args.len()).filter(|&i| !bt[i]).collect();
    let xs: Vec<usize> = (0..args.len()).filter(|&i| bt[i]).collect();
    let mut in_types: Vec<TensorType> = consts.iter().map(|&i| types[i].clone()).collect();
    in_types.extend(xs.iter().map(|&i| unstacked(&types[i])));
    let params = p.clone();
    let body = sub_jaxpr(&in_types, |bb, ins| {
        let mut a = vec![ins[0]; args.len()];
        for (k, &i) in consts.iter().chain(xs.iter()).enumerate() {
            a[i] = ins[k];
        }
        Ok(bb
            .eqn(prim, params, &a)?
            .into_iter()
            .map(Atom::Var)
            .collect())
    })?;
    let mut ins: Vec<Atom> = consts.iter().map(|&i| args[i]).collect();
    ins.extend(xs.iter().map(|&i| args[i]));
    let outs = b.eqn(
        Prim::Scan,
        scan::scan_params(body, n, consts.len(), 0, false),
        &ins,
    )?;
    let k = outs.len();
    Ok((outs.into_iter().map(Atom::Var).collect(), vec![true; k]))
}

/// The one loop-carry fixed point of scan and while (JVP, partial
/// evaluation, batching): a carry whose output flag is raised (a non-zero
/// tangent, an unknown value, a batched value) must come in raised too, so
/// its input flag is raised and `step` runs again until no flag changes.
/// `mask` holds the body's input flags, its carries from `carry_at` on
/// (`n_carry` of them, the body's first outputs); `step` returns its
/// result and the output flags for a mask. Terminates: flags only rise.
pub fn carry_fixpoint<T>(
    mask: &mut [bool],
    carry_at: usize,
    n_carry: usize,
    mut step: impl FnMut(&[bool]) -> Result<(T, Vec<bool>)>,
) -> Result<T> {
    loop {
        let (r, out) = step(mask)?;
        let mut changed = false;
        for k in 0..n_carry {
            if out[k] && !mask[carry_at + k] {
                mask[carry_at + k] = true;
                changed = true;
            }
        }
        if !changed {
            return Ok(r);
        }
    }
}

/// [`carry_fixpoint`] of partial evaluation: a carry that comes out
/// unknown (or linear) goes in unknown; `force` gives the outputs forced
/// unknown for a mask.
pub fn pe_fixpoint(
    body: &Jaxpr,
    mask: &mut [bool],
    carry_at: usize,
    n_carry: usize,
    force: impl Fn(&[bool]) -> Option<Vec<bool>>,
) -> Result<crate::transforms::partial_eval::PartialEval> {
    carry_fixpoint(mask, carry_at, n_carry, |m| {
        let f = force(m);
        let pe = crate::transforms::partial_eval::partial_eval(body, m, f.as_deref())?;
        let out = pe.out_unknown.clone();
        Ok((pe, out))
    })
}

/// A scalar i32 literal.
pub fn i32_lit(b: &Builder, v: i64) -> Atom {
    b.lit(v as f64, DType::I32)
}

/// Reads a jaxpr param, cloned.
pub fn jaxpr_param(p: &Params, prim: &str, key: &str) -> Result<Jaxpr> {
    Ok(p.jaxpr(prim, key)?.clone())
}

/// Replaces a jaxpr param.
pub fn set_jaxpr(p: &mut Params, key: &str, j: Jaxpr) {
    p.insert(key.into(), Param::jaxpr(j));
}

/// Registers the family.
pub fn register(t: &mut Table) {
    cond::register(t);
    scan::register(t);
    while_loop::register(t);
    while_reverse::register(t);
}
