//! Combines independent `psum`s over the same mesh axes into one, the
//! way XLA's all-reduce combiner does: reverse mode through a replicated
//! parameter set gives one `psum` per parameter (the transpose of each
//! `pvary`), and every collective is a rendezvous of all devices, so a
//! step with six small all-reduces waits six times where one would do.
//!
//! The pass schedules in sweeps: each sweep issues, in their original
//! order, the equations whose operands are available and sets the psums
//! it meets aside; then the psums set aside are issued together, one per
//! (axes, dtype): operands flattened and concatenated, one `psum`, slices
//! reshaped back. So psums with no chain of dependence between them share
//! a rendezvous, and equations that wait on a psum move after it (never
//! before anything they read). Every device runs the same rewritten
//! program, so the order of collectives still agrees across devices. Sums
//! are elementwise, so the values are bit for bit those of the separate
//! psums.
//!
//! A psum read only by a `reduce_sum` is summed locally first (the sum
//! commutes with the all-reduce), so a bias gradient exchanges `[m]`
//! values, not the `[batch, m]` cotangent it is reduced from; the order
//! of the floating-point additions changes, not what every device holds.
//!
//! This is an emission-time pass (the printed jaxprs keep JAX's one psum
//! per operand).

use crate::builder::{Builder, subst};
use crate::error::Result;
use crate::ir::{Atom, DType, DimExpr, Eqn, Jaxpr, Literal, Params, ParamsExt, Prim, Var};
use crate::rules::collectives::{axis_names, size_of};
use std::collections::HashMap;

/// Psums waiting to be issued together.
struct Bucket {
    params: Params,
    dtype: DType,
    /// (the original psum's output, its operand in the new jaxpr).
    members: Vec<(Var, Atom)>,
}

/// The rewritten jaxpr; unchanged (a clone) when fewer than two psums
/// could share a rendezvous. A psum of a constant becomes the constant
/// times the group size. Recurses into sub-jaxprs.
pub fn combine_psums(j: &Jaxpr) -> Jaxpr {
    let j = super::map_sub_jaxprs(j, &combine_psums);
    let constants = j.eqns.iter().any(|e| constant_psum(&j, e).is_some());
    if !constants && j.eqns.iter().filter(|e| combinable(&j, e)).count() < 2 {
        return j;
    }
    rewrite(&j).unwrap_or(j)
}

fn combinable(j: &Jaxpr, e: &Eqn) -> bool {
    e.prim == Prim::Psum
        && e.inputs.len() == 1
        && e.outputs.len() == 1
        && matches!(e.inputs[0], Atom::Var(_))
        && j.atom_type(&e.inputs[0]).dtype != DType::Bool
}

fn rewrite(j: &Jaxpr) -> Result<Jaxpr> {
    let mut b = Builder::new();
    // Old var -> its value in the new jaxpr, once available.
    let mut env: HashMap<Var, Atom> = HashMap::new();
    for v in &j.invars {
        env.insert(*v, Atom::Var(b.input_typed(j.ty(*v).clone())));
    }
    let ready = |env: &HashMap<Var, Atom>, e: &Eqn| {
        e.inputs
            .iter()
            .all(|a| a.as_var().is_none_or(|v| env.contains_key(&v)))
    };
    // psum -> the reduce_sum that is its only reader: summed first, so
    // the devices exchange the reduced value (a bias gradient's [m], not
    // the [batch, m] cotangent before it).
    let reduce_first = sole_reduce_sums(j);
    let taken: Vec<&Eqn> = reduce_first.values().copied().collect();
    let mut buckets: Vec<Bucket> = Vec::new();
    let mut left: Vec<&Eqn> = j
        .eqns
        .iter()
        .filter(|e| !taken.iter().any(|t| std::ptr::eq(*t, *e)))
        .collect();
    while !left.is_empty() {
        // One sweep: issue, in order, every equation whose operands are
        // available; psums go to their bucket instead.
        let mut rest = Vec::with_capacity(left.len());
        for e in left {
            if !ready(&env, e) {
                rest.push(e);
                continue;
            }
            let ins: Vec<Atom> = e.inputs.iter().map(|a| subst(&env, *a)).collect();
            if let Some(c) = constant_psum(j, e) {
                let n = group_size(&mut b, &e.params, c.dtype)?;
                let v = b.mul(Atom::Lit(c), n)?;
                env.insert(e.outputs[0], v);
                continue;
            }
            if combinable(j, e) {
                let dtype = j.atom_type(&e.inputs[0]).dtype;
                let member = match reduce_first.get(&e.outputs[0]) {
                    Some(r) => {
                        let axes = r.params.ints("reduce_sum", "axes")?;
                        let axes: Vec<usize> = axes.iter().map(|&a| a as usize).collect();
                        (r.outputs[0], b.reduce_sum(ins[0], &axes)?)
                    }
                    None => (e.outputs[0], ins[0]),
                };
                match buckets
                    .iter_mut()
                    .find(|s| s.params == e.params && s.dtype == dtype)
                {
                    Some(s) => s.members.push(member),
                    None => buckets.push(Bucket {
                        params: e.params.clone(),
                        dtype,
                        members: vec![member],
                    }),
                }
                continue;
            }
            let outs = b.push_typed(
                e.prim,
                e.params.clone(),
                ins,
                e.outputs.iter().map(|v| j.ty(*v).clone()).collect(),
            );
            for (o, n) in e.outputs.iter().zip(outs) {
                env.insert(*o, Atom::Var(n));
            }
        }
        // Everything left waits for a psum: issue the pending ones.
        if buckets.is_empty() && !rest.is_empty() {
            return Err(crate::error::Error::invalid(
                "combine_psums: an equation reads a variable defined nowhere",
            ));
        }
        for bucket in buckets.drain(..) {
            flush(&mut b, &mut env, bucket)?;
        }
        left = rest;
    }
    let outs: Vec<Atom> = j.outvars.iter().map(|a| subst(&env, *a)).collect();
    Ok(b.build(&outs))
}

/// Each combinable psum whose output is read once, by a `reduce_sum`
/// (and is not an output): psum and sum commute, and summing first
/// shrinks what the devices exchange.
fn sole_reduce_sums(j: &Jaxpr) -> HashMap<Var, &Eqn> {
    let mut uses: HashMap<Var, usize> = HashMap::new();
    let reads = j
        .eqns
        .iter()
        .flat_map(|e| e.inputs.iter())
        .chain(&j.outvars);
    for v in reads.filter_map(Atom::as_var) {
        *uses.entry(v).or_default() += 1;
    }
    let psums: Vec<Var> = j
        .eqns
        .iter()
        .filter(|e| combinable(j, e))
        .map(|e| e.outputs[0])
        .collect();
    j.eqns
        .iter()
        .filter(|r| r.prim == Prim::ReduceSum && r.inputs.len() == 1)
        .filter_map(|r| {
            let v = r.inputs[0].as_var()?;
            (psums.contains(&v) && uses.get(&v) == Some(&1)).then_some((v, r))
        })
        .collect()
}

/// The literal of `psum c` (what `pmean` divides by): every device holds
/// the same `c`, so the sum is `c` times the group size, known without a
/// rendezvous (XLA folds it the same way).
fn constant_psum(j: &Jaxpr, e: &Eqn) -> Option<Literal> {
    match (e.prim, e.inputs.as_slice()) {
        (Prim::Psum, [Atom::Lit(c)]) if j.atom_type(&e.inputs[0]).rank() == 0 => Some(*c),
        _ => None,
    }
}

/// The number of devices in the group along a psum's axes, as a scalar.
fn group_size(b: &mut Builder, params: &Params, dtype: DType) -> Result<Atom> {
    let size = size_of(&axis_names(params, Prim::Psum, "axes")?);
    let n = b.dim_as_value(&size)?;
    b.convert(n, dtype)
}

/// Issues a bucket's psums: one `psum` for a single member, else flatten,
/// concatenate, `psum`, slice and reshape back.
fn flush(b: &mut Builder, env: &mut HashMap<Var, Atom>, bucket: Bucket) -> Result<()> {
    if let [(out, x)] = bucket.members.as_slice() {
        let s = b.eqn1(Prim::Psum, bucket.params.clone(), &[*x])?;
        env.insert(*out, s);
        return Ok(());
    }
    let mut flat = Vec::with_capacity(bucket.members.len());
    let mut sizes = Vec::with_capacity(bucket.members.len());
    for (_, x) in &bucket.members {
        let size = DimExpr::product(b.ty(*x).dims());
        flat.push(b.reshape(*x, std::slice::from_ref(&size))?);
        sizes.push(size);
    }
    let all = b.concatenate(&flat, 0)?;
    let summed = b.eqn1(Prim::Psum, bucket.params.clone(), &[all])?;
    let mut offset = DimExpr::Const(0);
    for ((out, x), size) in bucket.members.iter().zip(&sizes) {
        let end = DimExpr::add(&offset, size);
        let part = b.slice(
            summed,
            std::slice::from_ref(&offset),
            std::slice::from_ref(&end),
            Some(&[1]),
        )?;
        let dims = b.ty(*x).dims().to_vec();
        env.insert(*out, b.reshape(part, &dims)?);
        offset = end;
    }
    Ok(())
}
