//! Dead-code elimination: drops equations none of whose outputs reach a
//! jaxpr output (every primitive is pure), then renumbers variables
//! densely (`compact`) so the type table holds only live variables.

use crate::ir::{Atom, Jaxpr, Var};
use std::collections::{HashMap, HashSet};

/// Removes dead equations and compacts the variable numbering.
pub fn dce(j: &Jaxpr) -> Jaxpr {
    let mut live: HashSet<Var> = j.outvars.iter().filter_map(Atom::as_var).collect();
    let mut keep = vec![false; j.eqns.len()];
    for (i, e) in j.eqns.iter().enumerate().rev() {
        if e.outputs.iter().any(|o| live.contains(o)) {
            keep[i] = true;
            live.extend(e.inputs.iter().filter_map(Atom::as_var));
        }
    }
    let mut out = j.clone();
    out.eqns = j
        .eqns
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(e, _)| e.clone())
        .collect();
    compact(&out)
}

/// Renumbers variables 0.. in order of definition, dropping unused types.
pub fn compact(j: &Jaxpr) -> Jaxpr {
    let mut map: HashMap<Var, Var> = HashMap::new();
    let mut types = Vec::new();
    let mut def = |v: Var, map: &mut HashMap<Var, Var>| -> Var {
        let n = Var(types.len() as u32);
        types.push(j.ty(v).clone());
        map.insert(v, n);
        n
    };
    let invars = j.invars.iter().map(|v| def(*v, &mut map)).collect();
    let mut eqns = Vec::with_capacity(j.eqns.len());
    for e in &j.eqns {
        let mut e2 = e.clone();
        e2.inputs = e.inputs.iter().map(|a| remap(&map, *a)).collect();
        e2.outputs = e.outputs.iter().map(|v| def(*v, &mut map)).collect();
        eqns.push(e2);
    }
    let outvars = j.outvars.iter().map(|a| remap(&map, *a)).collect();
    Jaxpr {
        invars,
        eqns,
        outvars,
        types,
    }
}

fn remap(map: &HashMap<Var, Var>, a: Atom) -> Atom {
    match a {
        Atom::Var(v) => Atom::Var(*map.get(&v).unwrap_or(&v)),
        l => l,
    }
}
