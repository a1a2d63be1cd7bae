//! Scheduling: reorders a jaxpr's equations so that each kernel's members
//! are consecutive (the kernel then runs at one point, where its last
//! member was). Equations a kernel does not depend on may move after it
//! and vice versa; the order stays a topological one, and among
//! equations ready at the same time the original order is kept.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use super::build::Graph;
use super::ir::Kernel;
use crate::ir::{Atom, Jaxpr};

/// The equation order with each kernel contiguous (old indices, in new
/// order), or None when the kernels depend on each other in a cycle.
pub(super) fn order(j: &Jaxpr, kernels: &[Kernel]) -> Option<Vec<usize>> {
    let g = Graph::new(j);
    let n = j.eqns.len();
    // Node of each equation: its kernel, or itself.
    let mut node: Vec<usize> = (0..n).collect();
    for k in kernels {
        for &m in &k.members {
            node[m] = n + (k.members[0]); // one id per kernel
        }
    }
    let mut preds: HashMap<usize, HashSet<usize>> = HashMap::new();
    let mut succs: HashMap<usize, HashSet<usize>> = HashMap::new();
    let mut nodes: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, e) in j.eqns.iter().enumerate() {
        nodes.entry(node[i]).or_default().push(i);
        for v in e.inputs.iter().filter_map(Atom::as_var) {
            if let Some(&d) = g.def.get(&v)
                && node[d] != node[i]
            {
                preds.entry(node[i]).or_default().insert(node[d]);
                succs.entry(node[d]).or_default().insert(node[i]);
            }
        }
    }
    let key = |nd: usize, nodes: &HashMap<usize, Vec<usize>>| nodes[&nd][0];
    let mut waiting: HashMap<usize, usize> = nodes
        .keys()
        .map(|&nd| (nd, preds.get(&nd).map_or(0, HashSet::len)))
        .collect();
    let mut ready: BinaryHeap<Reverse<(usize, usize)>> = waiting
        .iter()
        .filter(|(_, w)| **w == 0)
        .map(|(&nd, _)| Reverse((key(nd, &nodes), nd)))
        .collect();
    let mut out = Vec::with_capacity(n);
    while let Some(Reverse((_, nd))) = ready.pop() {
        out.extend(nodes[&nd].iter().copied());
        for &s in succs.get(&nd).into_iter().flatten() {
            let w = waiting.get_mut(&s).expect("a node");
            *w -= 1;
            if *w == 0 {
                ready.push(Reverse((key(s, &nodes), s)));
            }
        }
    }
    (out.len() == n).then_some(out)
}
