//! Partial evaluation: splits a jaxpr, given which inputs are unknown, into
//! a `known` jaxpr (known inputs -> known outputs ++ residuals) and an
//! `unknown` one (residuals ++ unknown inputs -> unknown outputs). Applied
//! to a JVP with unknown tangents this is linearisation: the known part is
//! the primal computation, the unknown part is linear in the tangents.
//!
//! Equations with an unknown input go to the unknown side whole, except
//! for primitives with their own rule (scan, cond, while) which split their
//! bodies so that the primal work and its residuals stay on the known side.

use crate::error::Result;
use crate::ir::verify::debug_verify;
use crate::ir::{Atom, Eqn, Jaxpr, TensorType, Var};
use crate::rules::rules;
use std::collections::HashSet;

/// Result of `partial_eval`.
#[derive(Clone, Debug)]
pub struct PartialEval {
    /// Known inputs -> known outputs ++ residuals.
    pub known: Jaxpr,
    /// Residuals ++ unknown inputs -> unknown outputs.
    pub unknown: Jaxpr,
    /// Which outputs of the original are unknown.
    pub out_unknown: Vec<bool>,
    /// Number of residuals.
    pub num_res: usize,
}

/// Scratch state shared with primitives' partial-eval rules: both sides
/// use the original jaxpr's variable namespace (extended by `fresh`).
pub struct PeCtx {
    /// Type table of the shared namespace.
    pub types: Vec<TensorType>,
    /// Equations of the known side.
    pub known: Vec<Eqn>,
    /// Equations of the unknown side.
    pub unknown: Vec<Eqn>,
    /// Variables whose values are unknown.
    pub unknown_vars: HashSet<Var>,
}

impl PeCtx {
    /// A new variable in the shared namespace.
    pub fn fresh(&mut self, ty: TensorType) -> Var {
        self.types.push(ty);
        Var(self.types.len() as u32 - 1)
    }
    /// True when the atom is an unknown variable.
    pub fn is_unknown(&self, a: &Atom) -> bool {
        a.as_var().is_some_and(|v| self.unknown_vars.contains(&v))
    }
    /// Puts an equation on the unknown side (its outputs become unknown).
    pub fn push_unknown(&mut self, e: Eqn) {
        self.unknown_vars.extend(e.outputs.iter().copied());
        self.unknown.push(e);
    }
}

/// Splits `j` given which inputs are unknown. `force_unknown` marks
/// outputs that must be produced by the unknown side even if known (they
/// are then passed through as residuals).
pub fn partial_eval(
    j: &Jaxpr,
    in_unknown: &[bool],
    force_unknown: Option<&[bool]>,
) -> Result<PartialEval> {
    let cx = partial_split(j, in_unknown)?;
    let r = partial_finish(j, in_unknown, cx, force_unknown);
    debug_verify(&r.known, "partial_eval (known)");
    debug_verify(&r.unknown, "partial_eval (unknown)");
    Ok(r)
}

/// The equations of `j` sorted to either side (the work of a partial
/// evaluation, recursing into sub-jaxprs); [`partial_finish`] then picks
/// the outputs and residuals. Split so that a caller needing the unforced
/// result to choose `force_unknown` (a `cond` unifying its branches) does
/// not evaluate twice, which nested conds would make exponential.
pub fn partial_split(j: &Jaxpr, in_unknown: &[bool]) -> Result<PeCtx> {
    let mut cx = PeCtx {
        types: j.types.clone(),
        known: Vec::new(),
        unknown: Vec::new(),
        unknown_vars: j
            .invars
            .iter()
            .zip(in_unknown)
            .filter(|(_, u)| **u)
            .map(|(v, _)| *v)
            .collect(),
    };
    for e in &j.eqns {
        let unk: Vec<bool> = e.inputs.iter().map(|a| cx.is_unknown(a)).collect();
        if !unk.iter().any(|u| *u) {
            cx.known.push(e.clone());
            continue;
        }
        match rules(e.prim)?.partial_eval.as_ref() {
            Some(rule) => rule(e, &unk, &mut cx)?,
            None => cx.push_unknown(e.clone()),
        }
    }
    Ok(cx)
}

/// The partial evaluation of `j` from its split equations `cx`.
pub fn partial_finish(
    j: &Jaxpr,
    in_unknown: &[bool],
    cx: PeCtx,
    force_unknown: Option<&[bool]>,
) -> PartialEval {
    let out_unknown: Vec<bool> = j
        .outvars
        .iter()
        .enumerate()
        .map(|(i, a)| cx.is_unknown(a) || force_unknown.is_some_and(|f| f[i]))
        .collect();
    // Residuals: known variables the unknown side reads.
    let mut res: Vec<Var> = Vec::new();
    let mut seen = HashSet::new();
    let reads = cx.unknown.iter().flat_map(|e| e.inputs.iter()).chain(
        j.outvars
            .iter()
            .zip(&out_unknown)
            .filter(|(_, u)| **u)
            .map(|(a, _)| a),
    );
    for a in reads {
        if let Some(v) = a.as_var()
            && !cx.unknown_vars.contains(&v)
            && seen.insert(v)
        {
            res.push(v);
        }
    }
    let known_in: Vec<Var> = j
        .invars
        .iter()
        .zip(in_unknown)
        .filter(|(_, u)| !**u)
        .map(|(v, _)| *v)
        .collect();
    let unknown_in: Vec<Var> = j
        .invars
        .iter()
        .zip(in_unknown)
        .filter(|(_, u)| **u)
        .map(|(v, _)| *v)
        .collect();
    let mut kout: Vec<Atom> = j
        .outvars
        .iter()
        .zip(&out_unknown)
        .filter(|(_, u)| !**u)
        .map(|(a, _)| *a)
        .collect();
    kout.extend(res.iter().map(|v| Atom::Var(*v)));
    let known = Jaxpr {
        invars: known_in,
        eqns: cx.known,
        outvars: kout,
        types: cx.types.clone(),
    };
    let mut uin = res.clone();
    uin.extend(unknown_in);
    let unknown = Jaxpr {
        invars: uin,
        eqns: cx.unknown,
        outvars: j
            .outvars
            .iter()
            .zip(&out_unknown)
            .filter(|(_, u)| **u)
            .map(|(a, _)| *a)
            .collect(),
        types: cx.types,
    };
    PartialEval {
        known,
        unknown,
        out_unknown,
        num_res: res.len(),
    }
}
