//! Batching: `vmap(f, in_axes, out_axes)`. Inside, every batched value
//! carries its batch axis at position 0 (inputs are moved there first), so
//! batching rules only see "batched at 0" or "unbatched"; unbatched values
//! stay unbatched and equations on them are copied unchanged.

use super::copy_eqn;
use crate::builder::{Builder, subst};
use crate::error::{Error, Result};
use crate::ir::verify::debug_verify;
use crate::ir::{Atom, DimExpr, Jaxpr, Shape, TensorType, Var};
use crate::rules::rules;
use crate::rules::shape_ops::materialize_batch;
use std::collections::{HashMap, HashSet};

/// Emits the batched form of `j` into `b`; `batched[i]` says whether
/// `args[i]` carries a batch axis at 0 of size `size`.
pub fn batch_into(
    b: &mut Builder,
    j: &Jaxpr,
    args: &[Atom],
    batched: &[bool],
    size: &DimExpr,
) -> Result<(Vec<Atom>, Vec<bool>)> {
    let mut env: HashMap<Var, Atom> = j.invars.iter().copied().zip(args.iter().copied()).collect();
    let mut bat: HashSet<Var> = j
        .invars
        .iter()
        .zip(batched)
        .filter(|(_, x)| **x)
        .map(|(v, _)| *v)
        .collect();
    for e in &j.eqns {
        let ins: Vec<Atom> = e.inputs.iter().map(|a| subst(&env, *a)).collect();
        let bt: Vec<bool> = e
            .inputs
            .iter()
            .map(|a| a.as_var().is_some_and(|v| bat.contains(&v)))
            .collect();
        if !bt.iter().any(|x| *x) {
            copy_eqn(b, j, e, ins, &mut env);
            continue;
        }
        let rule = rules(e.prim)?
            .batch
            .as_ref()
            .ok_or_else(|| Error::Unsupported {
                transform: "vmap".into(),
                prim: e.prim.name().into(),
            })?;
        let (outs, obt) = rule(b, &e.params, &ins, &bt, size)?;
        for ((o, n), ob) in e.outputs.iter().zip(outs).zip(obt) {
            env.insert(*o, n);
            if ob {
                bat.insert(*o);
            }
        }
    }
    let outs = j.outvars.iter().map(|a| subst(&env, *a)).collect();
    let obt = j
        .outvars
        .iter()
        .map(|a| a.as_var().is_some_and(|v| bat.contains(&v)))
        .collect();
    Ok((outs, obt))
}

/// Batches a sub-jaxpr (batch axes at 0): returns the batched jaxpr and
/// which outputs are batched. Outputs marked in `force` are made batched.
pub fn batch_jaxpr(
    j: &Jaxpr,
    in_batched: &[bool],
    size: &DimExpr,
    force: &[bool],
) -> Result<(Jaxpr, Vec<bool>)> {
    let r = batch_jaxpr_open(j, in_batched, size)?.finish(force, size);
    if let Ok((j, _)) = &r {
        debug_verify(j, "vmap (batch_jaxpr)");
    }
    r
}

/// A sub-jaxpr batched into a builder not yet built: which outputs came
/// out batched is known before choosing which to force (a `cond` unifies
/// its branches so), and the body is batched once, not once per question
/// (nested conds would make that exponential).
pub struct OpenBatch {
    b: Builder,
    outs: Vec<Atom>,
    /// Which outputs are batched.
    pub batched: Vec<bool>,
}

impl OpenBatch {
    /// Builds the jaxpr, broadcasting the outputs marked in `force` that
    /// are not batched.
    pub fn finish(mut self, force: &[bool], size: &DimExpr) -> Result<(Jaxpr, Vec<bool>)> {
        let mut fo = Vec::new();
        let mut fb = Vec::new();
        for ((o, ob), f) in self.outs.into_iter().zip(self.batched).zip(force) {
            if *f && !ob {
                fo.push(materialize_batch(&mut self.b, o, false, size)?);
                fb.push(true);
            } else {
                fo.push(o);
                fb.push(ob);
            }
        }
        Ok((self.b.build(&fo), fb))
    }
}

/// Batches `j` (batch axes at 0) into an [`OpenBatch`].
pub fn batch_jaxpr_open(j: &Jaxpr, in_batched: &[bool], size: &DimExpr) -> Result<OpenBatch> {
    let mut b = Builder::new();
    let args: Vec<Atom> = j
        .invars
        .iter()
        .zip(in_batched)
        .map(|(v, &bt)| {
            let t = j.ty(*v);
            let t = if bt {
                batched_type(t, size, 0)
            } else {
                t.clone()
            };
            b.input_typed(t).into()
        })
        .collect();
    let (outs, batched) = batch_into(&mut b, j, &args, in_batched, size)?;
    Ok(OpenBatch { b, outs, batched })
}

/// The type with a batch axis of `size` inserted at `axis`.
pub fn batched_type(t: &TensorType, size: &DimExpr, axis: usize) -> TensorType {
    let mut d = t.dims().to_vec();
    d.insert(axis, size.clone());
    TensorType::new(t.dtype, Shape(d))
}

fn fresh_symbol(j: &Jaxpr) -> String {
    let mut used = Vec::new();
    for t in &j.types {
        for d in t.dims() {
            d.symbols(&mut used);
        }
    }
    let mut name = "b".to_string();
    let mut k = 1;
    while used.contains(&name) {
        name = format!("b{k}");
        k += 1;
    }
    name
}

/// `vmap(f, in_axes, out_axes)` with a symbolic batch size (a fresh
/// symbol, `b` unless taken), bound at run time like any symbolic dim.
pub fn vmap(j: &Jaxpr, in_axes: &[Option<usize>], out_axes: &[Option<usize>]) -> Result<Jaxpr> {
    vmap_sized(j, in_axes, out_axes, &DimExpr::Sym(fresh_symbol(j)))
}

/// `vmap` with an explicit batch size. `in_axes[i]` is where input i's
/// batch axis is (None: unbatched, shared by all examples); `out_axes[k]`
/// where output k's goes (None: the output must not depend on the batch).
pub fn vmap_sized(
    j: &Jaxpr,
    in_axes: &[Option<usize>],
    out_axes: &[Option<usize>],
    size: &DimExpr,
) -> Result<Jaxpr> {
    let r = vmap_sized_unchecked(j, in_axes, out_axes, size);
    if let Ok(j) = &r {
        debug_verify(j, "vmap");
    }
    r
}

fn vmap_sized_unchecked(
    j: &Jaxpr,
    in_axes: &[Option<usize>],
    out_axes: &[Option<usize>],
    size: &DimExpr,
) -> Result<Jaxpr> {
    if in_axes.len() != j.invars.len() || out_axes.len() != j.outvars.len() {
        return Err(Error::invalid(format!(
            "vmap: {} in_axes for {} inputs, {} out_axes for {} outputs",
            in_axes.len(),
            j.invars.len(),
            out_axes.len(),
            j.outvars.len()
        )));
    }
    let mut b = Builder::new();
    let mut args = Vec::new();
    for (v, ax) in j.invars.iter().zip(in_axes) {
        let t = j.ty(*v);
        match ax {
            None => args.push(b.input_typed(t.clone()).into()),
            Some(a) => {
                if *a > t.rank() {
                    return Err(Error::invalid(format!(
                        "vmap: in_axis {a} out of range for {t}"
                    )));
                }
                let x: Atom = b.input_typed(batched_type(t, size, *a)).into();
                let mut perm = vec![*a];
                perm.extend((0..=t.rank()).filter(|i| i != a));
                args.push(b.transpose(x, &perm)?);
            }
        }
    }
    let bt: Vec<bool> = in_axes.iter().map(Option::is_some).collect();
    let (outs, obt) = batch_into(&mut b, j, &args, &bt, size)?;
    let mut res = Vec::new();
    for (k, ((o, ob), ax)) in outs.into_iter().zip(obt).zip(out_axes).enumerate() {
        match ax {
            None if ob => {
                return Err(Error::invalid(format!(
                    "vmap: output {k} depends on the batch but its out_axis is None"
                )));
            }
            None => res.push(o),
            Some(a) => {
                let x = materialize_batch(&mut b, o, ob, size)?;
                let r = b.rank(x);
                if *a >= r {
                    return Err(Error::invalid(format!(
                        "out_axis {a} out of range for output {k}, of rank {r} with the batch axis (0..{r})"
                    )));
                }
                // Move axis 0 to position a.
                let mut perm: Vec<usize> = (1..r).collect();
                perm.insert(*a, 0);
                res.push(b.transpose(x, &perm)?);
            }
        }
    }
    Ok(b.build(&res))
}
