//! Transposition of a jaxpr that is linear in some inputs: the result
//! takes the non-linear inputs then one cotangent per output, and returns
//! one cotangent per linear input. Non-linear equations are replayed
//! forward; linear ones are walked backwards through their transpose
//! rules, cotangents accumulating with `add_any`.

use super::copy_eqn;
use crate::builder::{Builder, subst};
use crate::error::{Error, Result};
use crate::ir::verify::debug_verify;
use crate::ir::{Atom, Jaxpr, Var};
use crate::rules::{LinArg, rules};
use std::collections::{HashMap, HashSet};

/// Emits the transpose of `j` into `b`. `nonlin` gives atoms for the
/// non-linear inputs (in order), `cts` one cotangent (or zero) per output.
pub fn transpose_into(
    b: &mut Builder,
    j: &Jaxpr,
    linear: &[bool],
    nonlin: &[Atom],
    cts: &[Option<Atom>],
) -> Result<Vec<Option<Atom>>> {
    let mut env: HashMap<Var, Atom> = HashMap::new();
    let mut lin: HashSet<Var> = HashSet::new();
    let mut it = nonlin.iter();
    for (v, l) in j.invars.iter().zip(linear) {
        if *l {
            lin.insert(*v);
        } else {
            env.insert(
                *v,
                *it.next()
                    .ok_or_else(|| Error::invalid("transpose: too few non-linear inputs"))?,
            );
        }
    }
    // Forward: replay what does not depend on the linear inputs.
    let mut linear_eqns = Vec::new();
    for e in &j.eqns {
        if e.inputs
            .iter()
            .any(|a| a.as_var().is_some_and(|v| lin.contains(&v)))
        {
            lin.extend(e.outputs.iter().copied());
            linear_eqns.push(e);
        } else {
            let ins = e.inputs.iter().map(|a| subst(&env, *a)).collect();
            copy_eqn(b, j, e, ins, &mut env);
        }
    }
    // Backward.
    let mut ct: HashMap<Var, Atom> = HashMap::new();
    fn acc(b: &mut Builder, ct: &mut HashMap<Var, Atom>, v: Var, c: Atom) -> Result<()> {
        let n = match ct.remove(&v) {
            Some(old) => b.add_any(old, c)?,
            None => c,
        };
        ct.insert(v, n);
        Ok(())
    }
    for (a, c) in j.outvars.iter().zip(cts) {
        if let (Some(v), Some(c)) = (a.as_var(), c)
            && lin.contains(&v)
        {
            acc(b, &mut ct, v, *c)?;
        }
    }
    for e in linear_eqns.iter().rev() {
        let cts_out: Vec<Option<Atom>> = e.outputs.iter().map(|v| ct.remove(v)).collect();
        if cts_out.iter().all(Option::is_none) {
            continue;
        }
        let args: Vec<LinArg> = e
            .inputs
            .iter()
            .map(|a| match a.as_var() {
                Some(v) if lin.contains(&v) => LinArg::Linear(j.ty(v).clone()),
                _ => LinArg::Primal(subst(&env, *a)),
            })
            .collect();
        let rule = rules(e.prim)?
            .transpose
            .as_ref()
            .ok_or_else(|| Error::Unsupported {
                transform: "transpose".into(),
                prim: e.prim.name().into(),
            })?;
        let cts_in = rule(b, &e.params, &args, &cts_out)?;
        for (a, c) in e.inputs.iter().zip(cts_in) {
            if let (Some(v), Some(c)) = (a.as_var(), c)
                && lin.contains(&v)
            {
                acc(b, &mut ct, v, c)?;
            }
        }
    }
    Ok(j.invars
        .iter()
        .zip(linear)
        .filter(|(_, l)| **l)
        .map(|(v, _)| ct.get(v).copied())
        .collect())
}

/// Transposes `j` with respect to the inputs marked `linear`: the result
/// takes the non-linear inputs then one cotangent per output, and returns
/// one cotangent per linear input (zeros where nothing flows back).
pub fn transpose(j: &Jaxpr, linear: &[bool]) -> Result<Jaxpr> {
    let r = transpose_unchecked(j, linear);
    if let Ok(j) = &r {
        debug_verify(j, "transpose");
    }
    r
}

fn transpose_unchecked(j: &Jaxpr, linear: &[bool]) -> Result<Jaxpr> {
    let mut b = Builder::new();
    let nonlin: Vec<Atom> = j
        .invars
        .iter()
        .zip(linear)
        .filter(|(_, l)| !**l)
        .map(|(v, _)| b.input_typed(j.ty(*v).clone()).into())
        .collect();
    let cts: Vec<Option<Atom>> = j
        .out_types()
        .into_iter()
        .map(|t| Some(b.input_typed(t).into()))
        .collect();
    let out = transpose_into(&mut b, j, linear, &nonlin, &cts)?;
    let mut outs = Vec::new();
    for ((v, _), c) in j.invars.iter().zip(linear).filter(|(_, l)| **l).zip(out) {
        outs.push(match c {
            Some(c) => c,
            None => b.zeros(j.ty(*v))?,
        });
    }
    Ok(b.build(&outs))
}
