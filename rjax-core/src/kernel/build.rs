//! The pass from a jaxpr to row kernels: which equations fuse with which.
//!
//! Each reduction (`reduce_sum`/`max`/`min`) over consecutive axes that
//! leaves something to iterate over (a row reduction, not a full one)
//! seeds a kernel over its operand's shape. The kernel then grows to a
//! fixed point:
//! - backward, through the elementwise producers of the same shape
//!   (`x - c`, `exp`, ... before the reduction);
//! - forward, through the consumers of its values: elementwise ops of
//!   the full shape (reading row values through broadcasts), elementwise
//!   ops on row values (`log` of a sum, `sum / n`, `rsqrt(var + eps)`),
//!   and further reductions over the same axes.
//!
//! Broadcasts, `expand_dims`, `squeeze` and size-1 `reshape`s between
//! them are read through (they become index arithmetic, see
//! `space.rs`), so a row value is never broadcast into a full array.
//! An operand computed outside must not depend on the kernel (it would
//! have to run both before and after it).
//!
//! After the row kernels, an elementwise equation that reads a real
//! broadcast seeds a *map kernel* the same way (`map_space`): no
//! reduction, its shape split into rows and the trailing axes a row runs
//! along, so the broadcast is read by index arithmetic instead of built.
//!
//! Then the loops: a reduction whose operand reads row values of level
//! `k - 1` (the result of `k - 1` nested reductions) is accumulated in
//! loop `k`; a full-space result is written by the first loop that can
//! compute it; row-space equations run between loops. A full-space value
//! needed by a later loop again is recomputed there when it is cheap, and
//! saved to a row buffer and loaded when it is a transcendental (the
//! `exp` of softmax is computed once).

use std::collections::{BTreeSet, HashMap, HashSet};

use super::ir::{Kernel, Loop, Read, Space, Step, View};
use super::space::{Access, Group, IndexSpace, Placement};
use crate::ir::params::ParamsExt;
use crate::ir::{Atom, Eqn, Jaxpr, Prim, Var};
use crate::passes::fusion::is_elementwise;
use crate::passes::stages::is_transcendental;

/// The reductions a kernel accumulates.
pub fn is_row_reduction(p: Prim) -> bool {
    matches!(p, Prim::ReduceSum | Prim::ReduceMax | Prim::ReduceMin)
}

/// True for the primitives that only re-index their operand.
pub fn is_view(p: Prim) -> bool {
    matches!(
        p,
        Prim::BroadcastInDim | Prim::ExpandDims | Prim::Squeeze | Prim::Reshape
    )
}

/// The placement of a view's operand, given its result's; None when the
/// equation is not a view by index arithmetic (a reshape that moves
/// elements, for instance).
fn view_operand(j: &Jaxpr, e: &Eqn, out: &Placement) -> Option<Placement> {
    if e.inputs.len() != 1 || e.outputs.len() != 1 || !is_view(e.prim) {
        return None;
    }
    let xd = j.atom_type(&e.inputs[0]).shape.0;
    let od = j.ty(e.outputs[0]).dims().to_vec();
    let pn = e.prim.name();
    match e.prim {
        Prim::BroadcastInDim => {
            let bd = e.params.axes(pn, "broadcast_dimensions").ok()?;
            if bd.len() != xd.len() || bd.iter().any(|&a| a >= od.len()) {
                return None;
            }
            Some(
                bd.iter()
                    .enumerate()
                    .map(|(k, &a)| {
                        if xd[k].is(1) && !od[a].is(1) {
                            None
                        } else {
                            out[a]
                        }
                    })
                    .collect(),
            )
        }
        Prim::ExpandDims => {
            let dims = e.params.axes(pn, "dimensions").ok()?;
            let kept: Vec<usize> = (0..od.len()).filter(|a| !dims.contains(a)).collect();
            (kept.len() == xd.len()).then(|| kept.iter().map(|&a| out[a]).collect())
        }
        Prim::Squeeze => {
            let dims = e.params.axes(pn, "dimensions").ok()?;
            let mut it = out.iter();
            let mut p = Vec::with_capacity(xd.len());
            for k in 0..xd.len() {
                if dims.contains(&k) {
                    p.push(None);
                } else {
                    p.push(*it.next()?);
                }
            }
            it.next().is_none().then_some(p)
        }
        _ => {
            // A reshape that only adds or removes axes of size 1.
            let xn: Vec<usize> = (0..xd.len()).filter(|&k| !xd[k].is(1)).collect();
            let on: Vec<usize> = (0..od.len()).filter(|&k| !od[k].is(1)).collect();
            if xn.len() != on.len() || xn.iter().zip(&on).any(|(&a, &b)| xd[a] != od[b]) {
                return None;
            }
            let mut p = vec![None; xd.len()];
            for (&a, &b) in xn.iter().zip(&on) {
                p[a] = out[b];
            }
            Some(p)
        }
    }
}

/// How an operand is read inside a kernel.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Operand {
    /// A value the kernel computes.
    Value(Var),
    /// An array from outside, read with an access, through the operand
    /// var (the array itself, or a view of it).
    Read(Var, Access, Var),
    /// A rank-0 value or a literal.
    Scalar(Atom),
}

/// Use-def facts of one jaxpr.
pub(super) struct Graph<'a> {
    pub j: &'a Jaxpr,
    pub def: HashMap<Var, usize>,
    pub users: HashMap<Var, Vec<usize>>,
    pub returned: HashSet<Var>,
}

impl<'a> Graph<'a> {
    pub fn new(j: &'a Jaxpr) -> Self {
        let mut def = HashMap::new();
        let mut users: HashMap<Var, Vec<usize>> = HashMap::new();
        for (i, e) in j.eqns.iter().enumerate() {
            for o in &e.outputs {
                def.insert(*o, i);
            }
            for v in e.inputs.iter().filter_map(Atom::as_var) {
                let u = users.entry(v).or_default();
                if u.last() != Some(&i) {
                    u.push(i);
                }
            }
        }
        let returned = j.outvars.iter().filter_map(Atom::as_var).collect();
        Graph {
            j,
            def,
            users,
            returned,
        }
    }
}

/// A kernel being grown.
struct Grow<'g, 'a> {
    g: &'g Graph<'a>,
    space: IndexSpace,
    /// Computing equations (no views).
    members: BTreeSet<usize>,
    spaces: HashMap<Var, Space>,
    /// Equations of other kernels, or excluded by the caller.
    taken: &'g HashSet<usize>,
}

/// Whether placement `p` reads a value placed `own` (axes of size 1 may
/// be read any way).
fn compatible(p: &Placement, own: &Placement, dims: &[crate::ir::DimExpr]) -> bool {
    p.len() == own.len() && (0..p.len()).all(|k| dims[k].is(1) || p[k] == own[k])
}

impl Grow<'_, '_> {
    fn j(&self) -> &Jaxpr {
        self.g.j
    }

    /// How `v`, placed by `p`, is read; the views walked are pushed to
    /// `views`.
    fn resolve(&self, v: Var, p: &Placement, views: &mut Vec<usize>) -> Option<Operand> {
        let t = self.j().ty(v);
        if let Some(s) = self.spaces.get(&v) {
            let own = match s {
                Space::Full => Some(self.space.full_placement()),
                Space::Row => self.space.row_placement(t.dims()),
            };
            return own
                .is_some_and(|own| compatible(p, &own, t.dims()))
                .then_some(Operand::Value(v));
        }
        if t.rank() == 0 {
            return (!self.depends(v)).then_some(Operand::Scalar(Atom::Var(v)));
        }
        if let Some(&d) = self.g.def.get(&v)
            && !self.taken.contains(&d)
        {
            let e = &self.j().eqns[d];
            if let Some(q) = view_operand(self.j(), e, p) {
                let mark = views.len();
                let got = match e.inputs[0] {
                    Atom::Lit(l) => Some(Operand::Scalar(Atom::Lit(l))),
                    Atom::Var(x) => self.resolve(x, &q, views),
                };
                if let Some(op) = got {
                    views.push(d);
                    return Some(op);
                }
                views.truncate(mark);
            }
        }
        let acc = self.space.access(t.dims(), p)?;
        (!self.depends(v)).then_some(Operand::Read(v, acc, v))
    }

    /// Whether `v` is computed from a value of the kernel (so it cannot
    /// be read by the kernel).
    fn depends(&self, v: Var) -> bool {
        let mut stack = vec![v];
        let mut seen = HashSet::new();
        while let Some(v) = stack.pop() {
            let Some(&d) = self.g.def.get(&v) else {
                continue;
            };
            if self.members.contains(&d) {
                return true;
            }
            if seen.insert(d) {
                stack.extend(self.j().eqns[d].inputs.iter().filter_map(Atom::as_var));
            }
        }
        false
    }

    /// The space of `e`'s result and the placement of its operands, if it
    /// can join the kernel.
    fn classify(&self, e: &Eqn) -> Option<(Space, Placement)> {
        if e.outputs.len() != 1 {
            return None;
        }
        let ot = self.j().ty(e.outputs[0]);
        if is_row_reduction(e.prim) {
            let xt = self.j().atom_type(e.inputs.first()?);
            let axes = e.params.axes(e.prim.name(), "axes").ok()?;
            let same = xt.dims() == self.space.dims.as_slice()
                && axes == self.space.reduced.clone().collect::<Vec<_>>();
            return same.then(|| (Space::Row, self.space.full_placement()));
        }
        if !is_elementwise(e.prim) || ot.rank() == 0 {
            return None;
        }
        let array_ops_ok = e.inputs.iter().all(|a| {
            let t = self.j().atom_type(a);
            t.rank() == 0 || t.dims() == ot.dims()
        });
        if !array_ops_ok {
            return None;
        }
        if ot.dims() == self.space.dims.as_slice() {
            Some((Space::Full, self.space.full_placement()))
        } else {
            self.space.row_placement(ot.dims()).map(|p| (Space::Row, p))
        }
    }

    /// The operands of `e` as read inside the kernel, with the views
    /// walked; None if one cannot be.
    fn operands(&self, e: &Eqn, p: &Placement) -> Option<(Vec<Operand>, Vec<usize>)> {
        let mut views = Vec::new();
        let mut ops = Vec::new();
        for a in &e.inputs {
            ops.push(match a {
                Atom::Lit(_) => Operand::Scalar(*a),
                Atom::Var(v) => {
                    let vp = if self.j().ty(*v).rank() == 0 {
                        Vec::new()
                    } else {
                        p.clone()
                    };
                    match self.resolve(*v, &vp, &mut views)? {
                        Operand::Read(x, acc, _) => Operand::Read(x, acc, *v),
                        op => op,
                    }
                }
            });
        }
        Some((ops, views))
    }

    /// Adds equation `i` if it fits; `want` restricts the space (a
    /// backward step takes only full-space producers).
    fn try_add(&mut self, i: usize, want: Option<Space>) -> bool {
        if self.members.contains(&i) || self.taken.contains(&i) {
            return false;
        }
        let j = self.g.j;
        let e = &j.eqns[i];
        let Some((space, p)) = self.classify(e) else {
            return false;
        };
        if want.is_some_and(|w| w != space) {
            return false;
        }
        let Some((ops, _)) = self.operands(e, &p) else {
            return false;
        };
        // A forward step must read the kernel (else it is not its work).
        if want.is_none() && !ops.iter().any(|o| matches!(o, Operand::Value(_))) {
            return false;
        }
        self.members.insert(i);
        self.spaces.insert(e.outputs[0], space);
        // Every member must still read its operands: a value from outside
        // that is computed from `e` would now need the kernel before it.
        let consistent = self.members.iter().all(|&m| {
            let e = &j.eqns[m];
            self.classify(e)
                .and_then(|(_, p)| self.operands(e, &p))
                .is_some()
        });
        if !consistent {
            self.members.remove(&i);
            self.spaces.remove(&e.outputs[0]);
        }
        consistent
    }

    /// Users of `v`, looking through views of it.
    fn users_through_views(&self, v: Var, out: &mut Vec<usize>) {
        for &u in self.g.users.get(&v).map(Vec::as_slice).unwrap_or(&[]) {
            let e = &self.j().eqns[u];
            if is_view(e.prim) && !self.taken.contains(&u) {
                self.users_through_views(e.outputs[0], out);
            } else if !out.contains(&u) {
                out.push(u);
            }
        }
    }

    fn grow(&mut self) {
        loop {
            let mut changed = false;
            // Backward: full-space producers of what the kernel reads.
            for m in self.members.clone() {
                let e = &self.j().eqns[m];
                let Some((_, p)) = self.classify(e) else {
                    continue;
                };
                let Some((ops, _)) = self.operands(e, &p) else {
                    continue;
                };
                for op in ops {
                    if let Operand::Read(x, _, _) = op
                        && let Some(&d) = self.g.def.get(&x)
                    {
                        changed |= self.try_add(d, Some(Space::Full));
                    }
                }
            }
            // Forward: consumers of the kernel's values.
            let values: Vec<Var> = self.spaces.keys().copied().collect();
            let mut users = Vec::new();
            for v in values {
                self.users_through_views(v, &mut users);
            }
            users.sort_unstable();
            for u in users {
                changed |= self.try_add(u, None);
            }
            if !changed {
                break;
            }
        }
    }
}

/// The kernels of `j` (top level), with disjoint members; equations in
/// `exclude` never join one. Indices are `j`'s.
pub fn find_kernels(j: &Jaxpr, exclude: &HashSet<usize>) -> Vec<Kernel> {
    let g = Graph::new(j);
    let mut taken: HashSet<usize> = exclude.clone();
    let mut out = Vec::new();
    for (i, e) in j.eqns.iter().enumerate() {
        if taken.contains(&i) || !is_row_reduction(e.prim) || e.outputs.len() != 1 {
            continue;
        }
        let Some(space) = seed_space(j, e) else {
            continue;
        };
        let mut gr = Grow {
            g: &g,
            space,
            members: BTreeSet::new(),
            spaces: HashMap::new(),
            taken: &taken,
        };
        if !gr.try_add(i, Some(Space::Row)) {
            continue;
        }
        gr.grow();
        if let Some(k) = finish(&gr) {
            taken.extend(k.members.iter().copied());
            out.push(k);
        }
    }
    // Map kernels: elementwise work that reads a broadcast, with no
    // reduction to seed a row kernel. The broadcast becomes index
    // arithmetic of the reads instead of an array.
    for (i, e) in j.eqns.iter().enumerate() {
        if taken.contains(&i) || !is_elementwise(e.prim) || e.outputs.len() != 1 {
            continue;
        }
        let Some(space) = map_space(&g, i, &taken) else {
            continue;
        };
        let mut gr = Grow {
            g: &g,
            space,
            members: BTreeSet::new(),
            spaces: HashMap::new(),
            taken: &taken,
        };
        if !gr.try_add(i, Some(Space::Full)) {
            continue;
        }
        gr.grow();
        if let Some(k) = finish(&gr) {
            taken.extend(k.members.iter().copied());
            out.push(k);
        }
    }
    out
}

/// Whether view equation `e` makes more elements than it reads (a real
/// broadcast, as opposed to adding or removing axes of size 1).
fn expands(j: &Jaxpr, e: &Eqn) -> bool {
    if e.prim != Prim::BroadcastInDim {
        return false;
    }
    let xd = j.atom_type(&e.inputs[0]).shape.0;
    let od = j.ty(e.outputs[0]).dims().to_vec();
    let Ok(bd) = e.params.axes(e.prim.name(), "broadcast_dimensions") else {
        return false;
    };
    let new_axis = (0..od.len()).any(|a| !bd.contains(&a) && !od[a].is(1));
    let stretched = bd
        .iter()
        .enumerate()
        .any(|(k, &a)| xd.get(k).is_some_and(|d| d.is(1)) && od.get(a).is_some_and(|d| !d.is(1)));
    new_axis || stretched
}

/// The index space of a map kernel seeded by elementwise equation `i`:
/// its result's shape, split into rows (`outer`) and the trailing axes a
/// row runs along (`reduced`, though nothing is reduced unless the
/// kernel grows into a reduction along them), at the split that reads
/// the most broadcasts by index arithmetic, the longest rows among
/// equals. None when no split reads a broadcast (the flat elementwise
/// loops do the work as well then).
fn map_space(g: &Graph, i: usize, taken: &HashSet<usize>) -> Option<IndexSpace> {
    let j = g.j;
    let e = &j.eqns[i];
    let dims = j.ty(e.outputs[0]).dims().to_vec();
    let mut best: Option<(usize, IndexSpace)> = None;
    for s in 1..dims.len() {
        let space = IndexSpace {
            dims: dims.clone(),
            reduced: s..dims.len(),
        };
        if space.is_trivial(Group::Outer) || space.is_trivial(Group::Reduced) {
            continue;
        }
        let gr = Grow {
            g,
            space,
            members: BTreeSet::new(),
            spaces: HashMap::new(),
            taken,
        };
        let Some((Space::Full, p)) = gr.classify(e) else {
            continue;
        };
        let Some((_, views)) = gr.operands(e, &p) else {
            continue;
        };
        let n = views.iter().filter(|&&v| expands(j, &j.eqns[v])).count();
        if n > 0 && best.as_ref().is_none_or(|(b, _)| n > *b) {
            best = Some((n, gr.space));
        }
    }
    best.map(|(_, s)| s)
}

/// The index space a reduction seeds: its operand's shape, reduced over
/// consecutive axes that are not all of size 1, with something left to
/// iterate over (a full reduction stays with the flat fused sum).
fn seed_space(j: &Jaxpr, e: &Eqn) -> Option<IndexSpace> {
    let xt = j.atom_type(e.inputs.first()?);
    e.inputs[0].as_var()?;
    let axes = e.params.axes(e.prim.name(), "axes").ok()?;
    let (&lo, &hi) = (axes.iter().min()?, axes.iter().max()?);
    if hi - lo + 1 != axes.len() {
        return None;
    }
    let s = IndexSpace {
        dims: xt.dims().to_vec(),
        reduced: lo..hi + 1,
    };
    let rows = !s.is_trivial(Group::Outer) || !s.is_trivial(Group::Inner);
    (!s.is_trivial(Group::Reduced) && rows).then_some(s)
}

/// Views, outputs and loops of a grown kernel; None when it does not
/// hold together (an operand read two ways, results of several dtypes).
fn finish(gr: &Grow) -> Option<Kernel> {
    let j = gr.j();
    // Operands of every member, and the views they read through.
    let mut ops: HashMap<usize, Vec<Operand>> = HashMap::new();
    let mut walked: BTreeSet<usize> = BTreeSet::new();
    for &m in &gr.members {
        let (_, p) = gr.classify(&j.eqns[m])?;
        let (o, views) = gr.operands(&j.eqns[m], &p)?;
        ops.insert(m, o);
        walked.extend(views);
    }
    // A view is absorbed when only the kernel (or absorbed views) read it.
    let mut absorbed: BTreeSet<usize> = BTreeSet::new();
    loop {
        let before = absorbed.len();
        for &w in &walked {
            let o = j.eqns[w].outputs[0];
            let inside = |u: &usize| gr.members.contains(u) || absorbed.contains(u);
            let only_inside = gr.g.users.get(&o).is_none_or(|us| us.iter().all(inside));
            if only_inside && !gr.g.returned.contains(&o) {
                absorbed.insert(w);
            }
        }
        if absorbed.len() == before {
            break;
        }
    }
    let members: BTreeSet<usize> = gr.members.union(&absorbed).copied().collect();
    // Reads and scalars, in first-use order. An array read two ways is
    // a second read, named by the view the kernel reads it through.
    let mut reads: Vec<Read> = Vec::new();
    let mut scalars: Vec<Var> = Vec::new();
    for &m in &gr.members {
        for op in &ops[&m] {
            match *op {
                Operand::Read(array, access, top) => {
                    let same = |r: &&Read| r.array == array && r.access == access;
                    match reads.iter().find(same) {
                        // The same array through two views of one access:
                        // names must agree for the emitted bindings.
                        Some(r) if r.var != array && r.var != top => return None,
                        Some(_) => {}
                        None if reads.iter().any(|r| r.var == top) => return None,
                        None if reads.iter().any(|r| r.array == array) => {
                            if top == array {
                                return None;
                            }
                            reads.push(Read {
                                var: top,
                                array,
                                access,
                            })
                        }
                        None => reads.push(Read {
                            var: array,
                            array,
                            access,
                        }),
                    }
                }
                Operand::Scalar(Atom::Var(v)) if !scalars.contains(&v) => scalars.push(v),
                _ => {}
            }
        }
    }
    // Views the kernel reads through; a read's own name is not one.
    let views: Vec<View> = walked
        .iter()
        .filter(|&&w| !reads.iter().any(|r| r.var == j.eqns[w].outputs[0]))
        .map(|&w| View {
            eqn: w,
            var: j.eqns[w].outputs[0],
            src: j.eqns[w].inputs[0],
        })
        .collect();
    // Results read after the kernel.
    let mut outputs: Vec<Var> = Vec::new();
    for &m in &gr.members {
        let o = j.eqns[m].outputs[0];
        let outside =
            gr.g.users
                .get(&o)
                .is_some_and(|us| us.iter().any(|u| !members.contains(u)));
        if outside || gr.g.returned.contains(&o) {
            outputs.push(o);
        }
    }
    let dtype = j.ty(*outputs.first()?).dtype;
    if outputs.iter().any(|o| j.ty(*o).dtype != dtype) {
        return None;
    }
    let steps = schedule_loops(gr, &ops, &outputs);
    Some(Kernel {
        space: gr.space.clone(),
        members: members.into_iter().collect(),
        reads,
        scalars,
        views,
        spaces: gr.spaces.clone(),
        steps,
        outputs,
    })
}

/// The loops and row steps (see the module comment).
fn schedule_loops(gr: &Grow, ops: &HashMap<usize, Vec<Operand>>, outputs: &[Var]) -> Vec<Step> {
    let j = gr.j();
    let def = |v: Var| gr.g.def[&v];
    // Levels: how many reductions deep a value is.
    let mut level: HashMap<Var, usize> = HashMap::new();
    for &m in &gr.members {
        let l = ops[&m]
            .iter()
            .filter_map(|o| match o {
                Operand::Value(v) => level.get(v).copied(),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let bump = is_row_reduction(j.eqns[m].prim) as usize;
        level.insert(j.eqns[m].outputs[0], l + bump);
    }
    let space = |v: Var| gr.spaces[&v];
    let stores: Vec<Var> = outputs
        .iter()
        .copied()
        .filter(|v| space(*v) == Space::Full)
        .collect();
    let n_loops = gr
        .members
        .iter()
        .filter(|m| is_row_reduction(j.eqns[**m].prim))
        .map(|m| level[&j.eqns[*m].outputs[0]])
        .chain(stores.iter().map(|v| level[v] + 1))
        .max()
        .unwrap_or(1);
    let mut loops: Vec<Loop> = vec![Loop::default(); n_loops];
    // The first loop computing each full-space value.
    let mut first: HashMap<Var, usize> = HashMap::new();
    for k in 0..n_loops {
        let mut roots: Vec<Var> = Vec::new();
        for &m in &gr.members {
            let o = j.eqns[m].outputs[0];
            if is_row_reduction(j.eqns[m].prim) && level[&o] == k + 1 {
                loops[k].reduces.push(m);
                roots.extend(ops[&m].iter().filter_map(|op| match op {
                    Operand::Value(v) => Some(*v),
                    _ => None,
                }));
            }
        }
        for &v in &stores {
            if level[&v] == k {
                loops[k].stores.push(v);
                roots.push(v);
            }
        }
        // Full-space values this loop needs, computed or loaded.
        let mut body: BTreeSet<usize> = BTreeSet::new();
        let mut stack = roots;
        while let Some(v) = stack.pop() {
            if space(v) != Space::Full || body.contains(&def(v)) || loops[k].loads.contains(&v) {
                continue;
            }
            let d = def(v);
            match first.get(&v) {
                Some(&f) if f < k && is_transcendental(j.eqns[d].prim) => {
                    if !loops[f].saves.contains(&v) {
                        loops[f].saves.push(v);
                    }
                    loops[k].loads.push(v);
                }
                _ => {
                    body.insert(d);
                    stack.extend(ops[&d].iter().filter_map(|op| match op {
                        Operand::Value(w) => Some(*w),
                        _ => None,
                    }));
                }
            }
        }
        for &d in &body {
            first.entry(j.eqns[d].outputs[0]).or_insert(k);
        }
        loops[k].body = body.into_iter().collect();
        loops[k].loads.sort_by_key(|v| def(*v));
    }
    let mut steps = Vec::new();
    for (k, mut l) in loops.into_iter().enumerate() {
        l.saves.sort_by_key(|v| def(*v));
        steps.push(Step::Loop(l));
        let row: Vec<usize> = gr
            .members
            .iter()
            .copied()
            .filter(|&m| {
                let o = j.eqns[m].outputs[0];
                !is_row_reduction(j.eqns[m].prim) && space(o) == Space::Row && level[&o] == k + 1
            })
            .collect();
        if !row.is_empty() {
            steps.push(Step::Row(row));
        }
    }
    steps
}
