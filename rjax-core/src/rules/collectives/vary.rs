//! Which values differ between devices, and the `pvary`s that make that
//! explicit before reverse mode (JAX's "varying manual axes" typing).
//!
//! Why: a `psum` output is the same on every device of its group, and so
//! is a replicated parameter. Differentiating a replicated output with
//! respect to a replicated input must give the gradient of the one global
//! function, which means summing the per-device contributions exactly
//! where a replicated value first meets a device-varying one. Marking
//! those places with `pvary` (identity; transpose `psum`) and transposing
//! `psum` to `pvary` (identity) puts the all-reduce of a data-parallel
//! gradient in the right place, even when the loss also has replicated
//! terms such as a weight penalty.
//!
//! Inputs: the differentiated ones are replicated (parameters, like
//! `P()` in JAX); any other input is varying over every axis the
//! function's collectives name when it reaches one of them (the batch
//! blocks of data parallelism), replicated otherwise (a learning rate, a
//! penalty weight). Differentiating with respect to a sharded input
//! inside `shard_map` would need the in_specs, which the IR does not
//! see; that case is documented as unsupported.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::{eqn_axes, is_collective, names_param};
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::ir::params::ParamsExt;
use crate::ir::{Atom, Jaxpr, Param, Params, Prim, Var};

type Axes = BTreeSet<String>;

/// Collectives that need their operand varying over their axes.
fn communicates(p: Prim) -> bool {
    is_collective(p) && !matches!(p, Prim::Pvary | Prim::AxisIndex)
}

/// Inputs that flow into a communicating collective.
fn reaches_collective(j: &Jaxpr) -> HashSet<Var> {
    let mut live: HashSet<Var> = HashSet::new();
    for e in j.eqns.iter().rev() {
        if communicates(e.prim) || e.outputs.iter().any(|o| live.contains(o)) {
            live.extend(e.inputs.iter().filter_map(Atom::as_var));
        }
    }
    live
}

/// True when a sub-jaxpr (loop body, branch, custom rule) of `j`'s
/// equations communicates.
fn nested_collective(j: &Jaxpr) -> bool {
    fn any(p: &Param) -> bool {
        match p {
            Param::Jaxpr(s) => s.eqns.iter().any(|e| communicates(e.prim)) || nested_collective(s),
            Param::Tuple(v) | Param::List(v) => v.iter().any(any),
            _ => false,
        }
    }
    j.eqns.iter().any(|e| e.params.values().any(any))
}

/// `j` with `pvary` equations inserted where a replicated value meets a
/// varying one; `replicated[i]` says input `i` is the same on every
/// device (see the module docs for the inputs that are not). A jaxpr
/// without collectives comes back unchanged.
pub fn insert_pvary(j: &Jaxpr, replicated: &[bool]) -> Result<Jaxpr> {
    if nested_collective(j) {
        // Placing the pvarys inside loop bodies and branches is not done
        // yet; a silently wrong gradient would be worse than this error.
        return Err(Error::NotDifferentiable(
            "a collective (psum, pmean ...) inside a loop or conditional: reverse mode cannot place the all-reduce of replicated inputs there yet; move the collective out of the loop".into(),
        ));
    }
    let mut all = Axes::new();
    for e in &j.eqns {
        if communicates(e.prim) {
            all.extend(eqn_axes(e.prim, &e.params)?);
        }
    }
    if all.is_empty() {
        return Ok(j.clone());
    }
    let feeds = reaches_collective(j);
    let mut b = Builder::new();
    let mut env: HashMap<Var, Atom> = HashMap::new();
    let mut vma: HashMap<Var, Axes> = HashMap::new();
    for (i, v) in j.invars.iter().enumerate() {
        let nv = b.input_typed(j.ty(*v).clone());
        env.insert(*v, nv.into());
        let varying = !replicated.get(i).copied().unwrap_or(false) && feeds.contains(v);
        vma.insert(nv, if varying { all.clone() } else { Axes::new() });
    }
    let mut cache: HashMap<(Var, Vec<String>), Atom> = HashMap::new();
    for e in &j.eqns {
        let ins: Vec<Atom> = e
            .inputs
            .iter()
            .map(|a| crate::builder::subst(&env, *a))
            .collect();
        let of = |a: &Atom, vma: &HashMap<Var, Axes>| -> Axes {
            a.as_var()
                .and_then(|v| vma.get(&v).cloned())
                .unwrap_or_default()
        };
        // What every operand must vary over, and what the outputs vary over.
        let (need, out_vma) = match e.prim {
            Prim::Psum | Prim::Pmax | Prim::Pmin => {
                let axes: Axes = eqn_axes(e.prim, &e.params)?.into_iter().collect();
                let v = of(&ins[0], &vma);
                let out = v
                    .union(&axes)
                    .filter(|a| !axes.contains(*a))
                    .cloned()
                    .collect();
                (axes, out)
            }
            Prim::AllGather | Prim::ReduceScatter | Prim::Ppermute => {
                let axes: Axes = eqn_axes(e.prim, &e.params)?.into_iter().collect();
                let out = of(&ins[0], &vma).union(&axes).cloned().collect();
                (axes, out)
            }
            Prim::Pvary => {
                let axes: Axes = eqn_axes(e.prim, &e.params)?.into_iter().collect();
                (
                    Axes::new(),
                    of(&ins[0], &vma).union(&axes).cloned().collect(),
                )
            }
            Prim::AxisIndex => (
                Axes::new(),
                eqn_axes(e.prim, &e.params)?.into_iter().collect(),
            ),
            _ => {
                let u: Axes = ins.iter().flat_map(|a| of(a, &vma)).collect();
                (u.clone(), u)
            }
        };
        let mut new_ins = Vec::with_capacity(ins.len());
        for a in ins {
            let have = of(&a, &vma);
            let missing: Vec<String> = need.difference(&have).cloned().collect();
            // Literals and integers carry no gradient: nothing to sum there.
            let a = match a.as_var() {
                Some(v) if !missing.is_empty() && b.ty(a).dtype.is_float() => {
                    if let Some(c) = cache.get(&(v, missing.clone())) {
                        *c
                    } else {
                        let names: Vec<&str> = missing.iter().map(String::as_str).collect();
                        let p = Params::from_pairs([("axes", names_param(&names))]);
                        let nv = b.eqn1(Prim::Pvary, p, &[a])?;
                        let nvar = nv.as_var().expect("pvary output is a variable");
                        vma.insert(nvar, have.union(&need).cloned().collect());
                        cache.insert((v, missing), nv);
                        nv
                    }
                }
                _ => a,
            };
            new_ins.push(a);
        }
        let outs = b.push_typed(
            e.prim,
            e.params.clone(),
            new_ins,
            e.outputs.iter().map(|v| j.ty(*v).clone()).collect(),
        );
        for (o, n) in e.outputs.iter().zip(outs) {
            env.insert(*o, Atom::Var(n));
            vma.insert(n, out_vma.clone());
        }
    }
    let outs: Vec<Atom> = j
        .outvars
        .iter()
        .map(|a| crate::builder::subst(&env, *a))
        .collect();
    Ok(b.build(&outs))
}
