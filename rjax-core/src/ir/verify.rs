//! The verifier: every variable is defined exactly once before use, and
//! every equation's recorded output types agree with its shape rule.
//!
//! Under `debug_assertions` ([`debug_verify`]) it runs after every pass of
//! `passes::optimize` and after every transformation (jvp, linearize,
//! partial_eval, transpose, vjp, grad, vmap, jacobians), on the result and
//! its sub-jaxprs, and panics naming the pass and printing the jaxpr: a
//! bad rule is caught where it is applied, not in emitted code.

use super::atom::{Atom, Var};
use super::jaxpr::Jaxpr;
use super::params::Param;
use crate::error::{Error, Result};
use crate::rules::combinators::shapes_match;
use std::collections::HashSet;

/// `verify` of `j` and, recursively, of every sub-jaxpr in its equations'
/// params (scan and while bodies, cond branches, custom rules).
pub fn verify_all(j: &Jaxpr) -> Result<()> {
    verify(j)?;
    for (k, e) in j.eqns.iter().enumerate() {
        for (name, p) in e.params.iter() {
            verify_params(p).map_err(|err| {
                Error::invalid(format!(
                    "in param `{name}` of equation {k} ({}): {err}",
                    e.prim
                ))
            })?;
        }
    }
    Ok(())
}

fn verify_params(p: &Param) -> Result<()> {
    match p {
        Param::Jaxpr(s) => verify_all(s),
        Param::Tuple(v) | Param::List(v) => v.iter().try_for_each(verify_params),
        _ => Ok(()),
    }
}

/// Under `debug_assertions`, [`verify_all`] of `j`, the result of `after`
/// (a pass or transformation name); on failure, panics with the name, the
/// error and the printed jaxpr. Nothing in release builds.
#[track_caller]
pub fn debug_verify(j: &Jaxpr, after: &str) {
    if cfg!(debug_assertions)
        && let Err(e) = verify_all(j)
    {
        panic!("rjax-core: invalid jaxpr after {after}: {e}\n{j}");
    }
}

/// [`debug_verify`] of every jaxpr `r` holds when it is `Ok`, passing `r`
/// on: for the end of a transformation returning `Result<Jaxpr>`.
#[track_caller]
pub fn debug_verified(r: Result<Jaxpr>, after: &str) -> Result<Jaxpr> {
    if let Ok(j) = &r {
        debug_verify(j, after);
    }
    r
}

/// Verifies `j` (and, through the shape rules, its sub-jaxprs' types).
pub fn verify(j: &Jaxpr) -> Result<()> {
    let mut defined: HashSet<Var> = HashSet::new();
    for v in &j.invars {
        if !defined.insert(*v) {
            return Err(Error::invalid(format!(
                "verify: input variable {} defined twice",
                v.0
            )));
        }
    }
    let check = |defined: &HashSet<Var>, a: &Atom, what: &str| -> Result<()> {
        match a {
            Atom::Var(v) if !defined.contains(v) => Err(Error::invalid(format!(
                "verify: variable {} used before definition in {what}",
                v.0
            ))),
            _ => Ok(()),
        }
    };
    for (k, e) in j.eqns.iter().enumerate() {
        for a in &e.inputs {
            check(&defined, a, &format!("equation {k} ({})", e.prim))?;
        }
        let ins: Vec<_> = e.inputs.iter().map(|a| j.atom_type(a)).collect();
        let outs = crate::rules::shape_rule(e.prim, &e.params, &ins)?;
        if outs.len() != e.outputs.len() {
            return Err(Error::invalid(format!(
                "verify: equation {k} ({}) has {} outputs, its rule gives {}",
                e.prim,
                e.outputs.len(),
                outs.len()
            )));
        }
        for (o, t) in e.outputs.iter().zip(&outs) {
            let have = j.ty(*o);
            if have.dtype != t.dtype || !shapes_match(have.dims(), t.dims()) {
                return Err(Error::invalid(format!(
                    "verify: equation {k} ({}) output recorded as {have}, rule gives {t}",
                    e.prim
                )));
            }
            if !defined.insert(*o) {
                return Err(Error::invalid(format!(
                    "verify: variable {} defined twice",
                    o.0
                )));
            }
        }
    }
    for a in &j.outvars {
        check(&defined, a, "the outputs")?;
    }
    Ok(())
}
