//! Fusion analysis for the jit emitter: partitions a jaxpr's equations
//! into groups that can each run as one loop over the data:
//! - `Elementwise`: a chain/DAG of elementwise ops over one iteration
//!   space (rank-0 operands broadcast);
//! - `Reduction`: such a group ending in a reduction of its result;
//! - `DotEpilogue`: a `dot_general` followed by elementwise ops on its
//!   output (bias, activation);
//! - `Opaque`: anything else, alone.
//!
//! A group is executed at the position of its last equation, so an
//! equation joins a group only if no equation outside the group has read
//! the group's values in between (the group is then "sealed").

use crate::ir::{Atom, Jaxpr, Prim, Shape, Var};
use std::collections::{HashMap, HashSet};

/// What kind of loop a group becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKind {
    /// Elementwise ops over one iteration space.
    Elementwise,
    /// Elementwise producers feeding one reduction.
    Reduction,
    /// A dot_general with an elementwise epilogue.
    DotEpilogue,
    /// A single equation that is not fused.
    Opaque,
    /// A row kernel (`crate::kernel`): its equations are the kernel's
    /// members, consecutive in the scheduled jaxpr.
    RowKernel,
}

/// One fusion group.
#[derive(Clone, Debug, PartialEq)]
pub struct FusionGroup {
    /// The kind of loop.
    pub kind: GroupKind,
    /// Indices into `jaxpr.eqns`, in order.
    pub eqns: Vec<usize>,
    /// Values read from outside the group.
    pub inputs: Vec<Atom>,
    /// Values defined in the group and used after it (or returned).
    pub outputs: Vec<Var>,
    /// The iteration space (output shape of the group's elementwise part).
    pub shape: Shape,
}

/// The partition of a jaxpr's equations into groups, in execution order.
#[derive(Clone, Debug, PartialEq)]
pub struct FusionPlan {
    /// Groups ordered by the position of their last equation.
    pub groups: Vec<FusionGroup>,
}

/// True for the elementwise primitives (fusable into one loop): the
/// table's elementwise families.
pub fn is_elementwise(p: Prim) -> bool {
    p.is_elementwise()
}

fn is_reduction(p: Prim) -> bool {
    p.family() == crate::ir::Family::Reduction
}

struct G {
    kind: GroupKind,
    eqns: Vec<usize>,
    shape: Shape,
    sealed: bool,
}

/// Computes the fusion groups of `j` (top level; sub-jaxprs are opaque).
pub fn fusion_plan(j: &Jaxpr) -> FusionPlan {
    fusion_plan_with_kernels(j, &[])
}

/// The fusion groups of a scheduled jaxpr (`crate::kernel::schedule`):
/// each row kernel is one `RowKernel` group, the other equations are
/// grouped as by [`fusion_plan`] (a group a kernel reads is sealed, so it
/// runs before the kernel).
pub fn fusion_plan_with_kernels(j: &Jaxpr, kernels: &[crate::kernel::Kernel]) -> FusionPlan {
    let in_kernel: HashSet<usize> = kernels
        .iter()
        .flat_map(|k| k.members.iter().copied())
        .collect();
    let mut groups: Vec<G> = Vec::new();
    let mut owner: HashMap<Var, usize> = HashMap::new();
    for (i, e) in j.eqns.iter().enumerate() {
        if in_kernel.contains(&i) {
            for v in e.inputs.iter().filter_map(|a| a.as_var()) {
                if let Some(&g) = owner.get(&v) {
                    groups[g].sealed = true;
                }
            }
            continue;
        }
        let out_shape = e
            .outputs
            .first()
            .map(|o| j.ty(*o).shape.clone())
            .unwrap_or_default();
        let producers: Vec<usize> = e
            .inputs
            .iter()
            .filter_map(|a| a.as_var())
            .filter_map(|v| owner.get(&v).copied())
            .collect();
        let mut target = None;
        if e.outputs.len() == 1 && (is_elementwise(e.prim) || is_reduction(e.prim)) {
            let space = if is_reduction(e.prim) {
                e.inputs[0]
                    .as_var()
                    .map(|v| j.ty(v).shape.clone())
                    .unwrap_or_default()
            } else {
                out_shape.clone()
            };
            // Prefer the latest open producer group with the same space.
            for &g in producers.iter().rev() {
                let gr = &groups[g];
                let kind_ok = match gr.kind {
                    GroupKind::Elementwise => true,
                    GroupKind::DotEpilogue => is_elementwise(e.prim),
                    _ => false,
                };
                let operands_ok = e.inputs.iter().all(|a| match a.as_var() {
                    None => true,
                    Some(v) => {
                        owner.get(&v) == Some(&g) || j.ty(v).rank() == 0 || j.ty(v).shape == space
                    }
                });
                if !gr.sealed && kind_ok && gr.shape == space && operands_ok {
                    target = Some(g);
                    break;
                }
            }
        }
        // Other open elementwise groups of the same space that this
        // equation reads join the target (an elementwise target only, so
        // a matmul stays first in its group): they run at the target's
        // later position, which is valid because nothing outside read
        // their values yet (they are not sealed).
        if let Some(t) = target
            && groups[t].kind == GroupKind::Elementwise
        {
            let mut merged: Vec<usize> = producers
                .iter()
                .copied()
                .filter(|&g| {
                    g != t
                        && !groups[g].sealed
                        && groups[g].kind == GroupKind::Elementwise
                        && groups[g].shape == groups[t].shape
                })
                .collect();
            merged.sort_unstable();
            merged.dedup();
            for g in merged {
                let eqns = std::mem::take(&mut groups[g].eqns);
                for &k in &eqns {
                    for o in &j.eqns[k].outputs {
                        owner.insert(*o, t);
                    }
                }
                groups[t].eqns.extend(eqns);
                groups[t].eqns.sort_unstable();
                groups[g].sealed = true;
            }
        }
        // Any other group read by this equation is sealed.
        for &g in &producers {
            if Some(g) != target {
                groups[g].sealed = true;
            }
        }
        let g = match target {
            Some(g) => {
                groups[g].eqns.push(i);
                if is_reduction(e.prim) {
                    groups[g].kind = GroupKind::Reduction;
                    groups[g].sealed = true;
                }
                g
            }
            None => {
                let kind = if is_elementwise(e.prim) && e.outputs.len() == 1 {
                    GroupKind::Elementwise
                } else if e.prim == Prim::DotGeneral {
                    GroupKind::DotEpilogue
                } else if is_reduction(e.prim) {
                    GroupKind::Reduction
                } else {
                    GroupKind::Opaque
                };
                groups.push(G {
                    kind,
                    eqns: vec![i],
                    shape: out_shape,
                    sealed: matches!(kind, GroupKind::Opaque | GroupKind::Reduction),
                });
                groups.len() - 1
            }
        };
        for o in &e.outputs {
            owner.insert(*o, g);
        }
    }
    // Inputs and outputs of each group.
    let returned: HashSet<Var> = j.outvars.iter().filter_map(|a| a.as_var()).collect();
    let mut out: Vec<FusionGroup> = groups
        .into_iter()
        .filter(|g| !g.eqns.is_empty())
        .map(|g| {
            let members: HashSet<usize> = g.eqns.iter().copied().collect();
            let defined: HashSet<Var> = g
                .eqns
                .iter()
                .flat_map(|&i| j.eqns[i].outputs.iter().copied())
                .collect();
            let mut inputs: Vec<Atom> = Vec::new();
            for &i in &g.eqns {
                for a in &j.eqns[i].inputs {
                    let outside = a.as_var().is_none_or(|v| !defined.contains(&v));
                    if outside && a.as_var().is_some() && !inputs.contains(a) {
                        inputs.push(*a);
                    }
                }
            }
            let mut outputs = Vec::new();
            for &i in &g.eqns {
                for o in &j.eqns[i].outputs {
                    let read_outside = j.eqns.iter().enumerate().any(|(k, e)| {
                        !members.contains(&k) && e.inputs.iter().any(|a| a.as_var() == Some(*o))
                    });
                    if read_outside || returned.contains(o) {
                        outputs.push(*o);
                    }
                }
            }
            FusionGroup {
                kind: g.kind,
                eqns: g.eqns,
                inputs,
                outputs,
                shape: g.shape,
            }
        })
        .collect();
    for k in kernels {
        out.push(FusionGroup {
            kind: GroupKind::RowKernel,
            eqns: k.members.clone(),
            inputs: k
                .reads
                .iter()
                .map(|r| r.var)
                .chain(k.scalars.iter().copied())
                .map(Atom::Var)
                .collect(),
            outputs: k.outputs.clone(),
            shape: Shape(k.space.dims.clone()),
        });
    }
    out.sort_by_key(|g| *g.eqns.last().unwrap());
    FusionPlan { groups: out }
}
