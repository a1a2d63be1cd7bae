//! The verifier: every variable is defined exactly once before use, and
//! every equation's recorded output types agree with its shape rule.
//! Tests run it after each transformation and pass.

use super::atom::{Atom, Var};
use super::jaxpr::Jaxpr;
use crate::error::{Error, Result};
use crate::rules::combinators::shapes_match;
use std::collections::HashSet;

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
