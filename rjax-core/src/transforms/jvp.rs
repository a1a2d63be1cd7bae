//! Forward mode: `jvp(f)` is a jaxpr taking `primals ++ tangents` and
//! returning `outputs ++ output tangents`. Tangents are tracked as
//! `Option<Atom>` (None = symbolic zero) so equations on constants and
//! integers are copied unchanged and no zero arrays are built until an
//! output needs one.

use super::copy_eqn;
use crate::builder::{Builder, subst};
use crate::error::{Error, Result};
use crate::ir::verify::debug_verify;
use crate::ir::{Atom, Jaxpr, Var};
use crate::rules::rules;
use std::collections::HashMap;

/// Emits the JVP of `j`'s equations into `b`, given primal and tangent
/// atoms for its inputs; returns output primals and tangents.
pub fn jvp_into(
    b: &mut Builder,
    j: &Jaxpr,
    primals: &[Atom],
    tangents: &[Option<Atom>],
) -> Result<(Vec<Atom>, Vec<Option<Atom>>)> {
    let mut env: HashMap<Var, Atom> = j
        .invars
        .iter()
        .copied()
        .zip(primals.iter().copied())
        .collect();
    let mut tenv: HashMap<Var, Atom> = HashMap::new();
    for (v, t) in j.invars.iter().zip(tangents) {
        if let Some(t) = t {
            tenv.insert(*v, *t);
        }
    }
    for e in &j.eqns {
        let ins: Vec<Atom> = e.inputs.iter().map(|a| subst(&env, *a)).collect();
        let tins: Vec<Option<Atom>> = e
            .inputs
            .iter()
            .map(|a| a.as_var().and_then(|v| tenv.get(&v).copied()))
            .collect();
        if tins.iter().all(Option::is_none) {
            copy_eqn(b, j, e, ins, &mut env);
            continue;
        }
        let rule = rules(e.prim)?
            .jvp
            .as_ref()
            .ok_or_else(|| Error::Unsupported {
                transform: "jvp".into(),
                prim: e.prim.name().into(),
            })?;
        let (outs, touts) = rule(b, &e.params, &ins, &tins)?;
        for ((o, n), t) in e.outputs.iter().zip(outs).zip(touts) {
            env.insert(*o, n);
            if let Some(t) = t {
                tenv.insert(*o, t);
            }
        }
    }
    let outs = j.outvars.iter().map(|a| subst(&env, *a)).collect();
    let touts = j
        .outvars
        .iter()
        .map(|a| a.as_var().and_then(|v| tenv.get(&v).copied()))
        .collect();
    Ok((outs, touts))
}

/// JVP with tangents for the inputs where `wrt[i]`: the result takes all
/// primals then one tangent per selected input, and returns all outputs
/// then one tangent per output (zeros where an output does not depend on
/// the selected inputs). Selecting a non-float input is an error.
pub fn jvp_wrt(j: &Jaxpr, wrt: &[bool]) -> Result<Jaxpr> {
    let r = jvp_wrt_unchecked(j, wrt);
    if let Ok(j) = &r {
        debug_verify(j, "jvp");
    }
    r
}

fn jvp_wrt_unchecked(j: &Jaxpr, wrt: &[bool]) -> Result<Jaxpr> {
    if wrt.len() != j.invars.len() {
        return Err(Error::invalid(format!(
            "jvp: {} flags for {} inputs",
            wrt.len(),
            j.invars.len()
        )));
    }
    let mut b = Builder::new();
    let primals: Vec<Atom> = j
        .invars
        .iter()
        .map(|v| b.input_typed(j.ty(*v).clone()).into())
        .collect();
    let mut tangents = Vec::new();
    for (i, v) in j.invars.iter().enumerate() {
        if wrt[i] {
            let t = j.ty(*v);
            if !t.dtype.is_float() {
                return Err(Error::NotDifferentiable(format!(
                    "jvp: input {i} has type {t}; only floating inputs have tangents"
                )));
            }
            tangents.push(Some(b.input_typed(t.clone()).into()));
        } else {
            tangents.push(None);
        }
    }
    let (outs, touts) = jvp_into(&mut b, j, &primals, &tangents)?;
    finish(b, outs, touts)
}

/// Materialises symbolic-zero output tangents and builds the jaxpr.
fn finish(mut b: Builder, outs: Vec<Atom>, touts: Vec<Option<Atom>>) -> Result<Jaxpr> {
    let mut all = outs.clone();
    for (o, t) in outs.iter().zip(touts) {
        all.push(match t {
            Some(t) => t,
            None => {
                let ty = b.ty(*o);
                b.zeros(&ty)?
            }
        });
    }
    Ok(b.build(&all))
}

/// JVP with respect to every input: takes `primals ++ tangents` (one
/// tangent per input, same type; tangents of integer/bool inputs are
/// accepted and ignored, like JAX's float0) and returns
/// `outputs ++ output tangents`.
pub fn jvp(j: &Jaxpr) -> Result<Jaxpr> {
    let r = jvp_unchecked(j);
    if let Ok(j) = &r {
        debug_verify(j, "jvp");
    }
    r
}

fn jvp_unchecked(j: &Jaxpr) -> Result<Jaxpr> {
    let mut b = Builder::new();
    let primals: Vec<Atom> = j
        .invars
        .iter()
        .map(|v| b.input_typed(j.ty(*v).clone()).into())
        .collect();
    let mut tangents = Vec::new();
    for v in &j.invars {
        let t = j.ty(*v).clone();
        let float = t.dtype.is_float();
        let tv = b.input_typed(t);
        tangents.push(if float { Some(tv.into()) } else { None });
    }
    let (outs, touts) = jvp_into(&mut b, j, &primals, &tangents)?;
    finish(b, outs, touts)
}
