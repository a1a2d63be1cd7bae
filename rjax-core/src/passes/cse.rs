//! Common-subexpression elimination: an equation with the same primitive,
//! params and operands as an earlier one reuses its outputs (every
//! primitive is pure; random ones are deterministic functions of the key).

use super::map_sub_jaxprs;
use crate::builder::subst;
use crate::ir::{Atom, Jaxpr, Var};
use std::collections::HashMap;

fn key_atom(a: &Atom) -> String {
    match a {
        Atom::Var(v) => format!("v{}", v.0),
        Atom::Lit(l) => format!("l{}:{}", l.value.to_bits(), l.dtype),
    }
}

/// Removes repeated computations (sub-jaxprs too).
pub fn cse(j: &Jaxpr) -> Jaxpr {
    let j = map_sub_jaxprs(j, &cse);
    let mut env: HashMap<Var, Atom> = HashMap::new();
    let mut seen: HashMap<String, Vec<Var>> = HashMap::new();
    let mut out = j.clone();
    out.eqns.clear();
    for e in &j.eqns {
        let mut e = e.clone();
        e.inputs = e.inputs.iter().map(|a| subst(&env, *a)).collect();
        let ins: Vec<String> = e.inputs.iter().map(key_atom).collect();
        let key = format!("{}|{:?}|{}", e.prim.name(), e.params, ins.join(","));
        match seen.get(&key) {
            Some(prev)
                if prev
                    .iter()
                    .zip(&e.outputs)
                    .all(|(p, o)| j.ty(*p) == j.ty(*o)) =>
            {
                for (o, p) in e.outputs.iter().zip(prev) {
                    env.insert(*o, Atom::Var(*p));
                }
            }
            _ => {
                seen.insert(key, e.outputs.clone());
                out.eqns.push(e);
            }
        }
    }
    out.outvars = j.outvars.iter().map(|a| subst(&env, *a)).collect();
    out
}
