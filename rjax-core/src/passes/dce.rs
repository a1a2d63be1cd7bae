//! Dead-code elimination: drops equations none of whose outputs reach a
//! jaxpr output (every primitive is pure), prunes the unused stacked
//! outputs of scans (and the consts/xs their bodies then ignore), recurses
//! into sub-jaxprs, then renumbers variables densely (`compact`).

use crate::ir::{Atom, Eqn, Jaxpr, Param, ParamsExt, Prim, Var};
use std::collections::{HashMap, HashSet};

/// Removes dead equations and compacts the variable numbering.
pub fn dce(j: &Jaxpr) -> Jaxpr {
    let mut live: HashSet<Var> = j.outvars.iter().filter_map(Atom::as_var).collect();
    let mut eqns = Vec::new();
    for e in j.eqns.iter().rev() {
        if !e.outputs.iter().any(|o| live.contains(o)) {
            continue;
        }
        let e = match e.prim {
            Prim::Scan => prune_scan(e, &live).unwrap_or_else(|| e.clone()),
            _ => e.clone(),
        };
        live.extend(e.inputs.iter().filter_map(Atom::as_var));
        eqns.push(e);
    }
    eqns.reverse();
    let mut out = j.clone();
    out.eqns = eqns;
    compact(&super::map_sub_jaxprs(&out, &dce))
}

/// Drops a scan's unused stacked outputs, then the consts and xs its body
/// no longer reads. Carries stay: the loop needs them.
fn prune_scan(e: &Eqn, live: &HashSet<Var>) -> Option<Eqn> {
    let body = e.params.jaxpr("scan", "jaxpr").ok()?;
    let nc = e.params.int("scan", "num_consts").ok()? as usize;
    let nk = e.params.int("scan", "num_carry").ok()? as usize;
    let keep_y: Vec<bool> = (nk..e.outputs.len())
        .map(|k| live.contains(&e.outputs[k]))
        .collect();
    let mut b = body.clone();
    b.outvars = b.outvars[..nk]
        .iter()
        .copied()
        .chain(
            b.outvars[nk..]
                .iter()
                .zip(&keep_y)
                .filter(|(_, k)| **k)
                .map(|(a, _)| *a),
        )
        .collect();
    let b = dce(&b);
    let mut used: HashSet<Var> = b.outvars.iter().filter_map(Atom::as_var).collect();
    for q in &b.eqns {
        used.extend(q.inputs.iter().filter_map(Atom::as_var));
    }
    let n = e.inputs.len();
    let keep_in: Vec<bool> = (0..n)
        .map(|i| (nc..nc + nk).contains(&i) || used.contains(&b.invars[i]))
        .collect();
    if keep_y.iter().all(|k| *k) && keep_in.iter().all(|k| *k) {
        return None;
    }
    let mut b2 = b.clone();
    b2.invars = b
        .invars
        .iter()
        .zip(&keep_in)
        .filter(|(_, k)| **k)
        .map(|(v, _)| *v)
        .collect();
    let mut e2 = e.clone();
    e2.inputs = e
        .inputs
        .iter()
        .zip(&keep_in)
        .filter(|(_, k)| **k)
        .map(|(a, _)| *a)
        .collect();
    e2.outputs = e.outputs[..nk]
        .iter()
        .copied()
        .chain(
            e.outputs[nk..]
                .iter()
                .zip(&keep_y)
                .filter(|(_, k)| **k)
                .map(|(v, _)| *v),
        )
        .collect();
    let new_nc = (0..nc).filter(|&i| keep_in[i]).count();
    e2.params.insert("jaxpr".into(), Param::jaxpr(compact(&b2)));
    e2.params
        .insert("num_consts".into(), Param::int(new_nc as i64));
    Some(e2)
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
