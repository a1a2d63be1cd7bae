//! Emission plan for `#[jit]`: a pre-pass over one jaxpr that finds
//! equations whose value is better folded into their consumers than
//! materialised as an `Array`:
//! - element reads: `squeeze(slice(t, [k], [k+1]))` (what `t[k]` lowers
//!   to) becomes `t.as_slice()[k]`, with no array for the slice;
//! - one-hot sums: `pad(reshape(s, [1]), 0, [(k, .., 0)])` added together
//!   (the gradient of element reads) becomes one zeroed buffer with the
//!   scalars added at their indices (`jit::onehot`);
//! - transposes read only by matmuls: the matmul kernel reads the
//!   operand transposed, so the transpose is never copied;
//! - the transpose of a matmul read only there: the matmul with swapped
//!   operands, `(op(a)·op(b))ᵀ = op(b)ᵀ·op(a)ᵀ`, so the gradient of
//!   `x.matmul(w)` with respect to `w` is written in place, not copied;
//! - bias broadcasts read only by matmul epilogues (`x.matmul(w) + b`):
//!   the kernel reads `b[j]` per column, the `[m, n]` broadcast is never
//!   built.

use std::collections::{HashMap, HashSet};

use rjax_core::ir::params::ParamsExt;
use rjax_core::ir::{DotGeneralParams, PadConfig};
use rjax_core::passes::{GroupKind, fusion_plan_with_kernels};
use rjax_core::{Atom, DType, DimExpr, Eqn, Jaxpr, Prim, Var};

/// How an equation is emitted instead of its `lax::` call.
pub enum Special {
    /// A rank-0 value read from element `index` (row-major, per-axis
    /// start indices) of `src`.
    ElementRead { src: Var, starts: Vec<DimExpr> },
    /// A 1-d array of length `len`: zeros plus `terms` (index, scalar).
    OneHot {
        len: DimExpr,
        terms: Vec<(usize, Atom)>,
    },
    /// Column `col` of the 2-d `src` (a batched element read).
    ColumnRead { src: Var, col: usize },
    /// A `[rows, len]` array: zeros plus `terms` (column, 1-d value).
    OneHotCols {
        rows: DimExpr,
        len: DimExpr,
        terms: Vec<(usize, Var)>,
    },
    /// The transpose of the matmul equation `dot` (which is skipped).
    DotT { dot: usize },
}

/// A batched one-hot sum being built: (defining eqn, rows, len, terms).
type ColsSum = (usize, DimExpr, DimExpr, Vec<(usize, Var)>);

/// `(lo, rows, len)` of a 2-d pad that only pads axis 1, by a constant.
fn pad_cols(j: &Jaxpr, e: &Eqn) -> Option<(usize, DimExpr, DimExpr)> {
    let cfg = PadConfig::read(&e.params).ok()?.0;
    let [r, c] = &cfg[..] else { return None };
    if !(r.0.is(0) && r.1.is(0) && r.2.is(0) && c.2.is(0)) {
        return None;
    }
    let lo = c.0.as_const()?;
    let out = j.ty(*e.outputs.first()?);
    (lo >= 0 && out.rank() == 2)
        .then(|| (lo as usize, out.dims()[0].clone(), out.dims()[1].clone()))
}

/// A one-hot sum being built: (defining equation, length, terms).
type OneHotSum = (usize, DimExpr, Vec<(usize, Atom)>);

/// The plan of one jaxpr.
#[derive(Default)]
pub struct Plan {
    /// Equations not emitted (folded into their consumers).
    pub skip: HashSet<usize>,
    /// Equations emitted in a special form.
    pub special: HashMap<usize, Special>,
    /// Transposed var -> its source, for elided 2-d transposes.
    pub transposed: HashMap<Var, Var>,
    /// Number of reads of each var (equation inputs and outputs).
    pub uses: HashMap<Var, usize>,
    /// Column operands of matmul epilogues: the var of a skipped
    /// `broadcast_in_dim` of a 1-d value along axis 1 -> (its equation,
    /// the 1-d source).
    pub cols: HashMap<Var, (usize, Var)>,
}

/// `(trans_a, trans_b)` when `e` is a 2-d float matmul the `fast` gemm
/// kernels take (`dot(a, b)`, `dot(a, bᵀ)`, `dot(aᵀ, b)`, `dot(aᵀ, bᵀ)`).
pub fn fast_dot(j: &Jaxpr, e: &Eqn) -> Option<(bool, bool)> {
    if e.prim != Prim::DotGeneral || e.inputs.len() != 2 {
        return None;
    }
    let (ta, tb) = (j.atom_type(&e.inputs[0]), j.atom_type(&e.inputs[1]));
    let float = matches!(ta.dtype, DType::F32 | DType::F64) && ta.dtype == tb.dtype;
    if !float || ta.rank() != 2 || tb.rank() != 2 || e.inputs.iter().any(|a| a.as_var().is_none()) {
        return None;
    }
    let ((lc, rc), (lb, rb)) = DotGeneralParams::read(&e.params).ok()?.nums();
    if !lb.is_empty() || !rb.is_empty() || lc.len() != 1 || rc.len() != 1 {
        return None;
    }
    Some((lc[0] == 0, rc[0] == 1))
}

fn is_transpose_2d(j: &Jaxpr, e: &Eqn) -> Option<Var> {
    let src = e.inputs.first()?.as_var()?;
    let perm = e.params.axes("transpose", "permutation").ok()?;
    (e.prim == Prim::Transpose && j.ty(src).rank() == 2 && perm == [1, 0]).then_some(src)
}

fn is_zero(a: &Atom) -> bool {
    a.as_lit().is_some_and(|l| l.value == 0.0)
}

/// `(lo, len)` of a 1-d pad with constant non-negative low padding and no
/// interior padding.
fn pad_1d(j: &Jaxpr, e: &Eqn) -> Option<(usize, DimExpr)> {
    let cfg = PadConfig::read(&e.params).ok()?.0;
    let [(lo, _, interior)] = &cfg[..] else {
        return None;
    };
    let (lo, interior) = (lo.as_const()?, interior.as_const()?);
    let out = j.ty(*e.outputs.first()?);
    (lo >= 0 && interior == 0 && out.rank() == 1).then(|| (lo as usize, out.dims()[0].clone()))
}

impl Plan {
    /// Analyses `j` (top level only; sub-jaxprs get their own plan), whose
    /// row kernels are `kernels`.
    pub fn new(j: &Jaxpr, kernels: &[rjax_core::kernel::Kernel]) -> Plan {
        let mut p = Plan::default();
        for e in &j.eqns {
            for a in &e.inputs {
                if let Some(v) = a.as_var() {
                    *p.uses.entry(v).or_default() += 1;
                }
            }
        }
        for a in &j.outvars {
            if let Some(v) = a.as_var() {
                *p.uses.entry(v).or_default() += 1;
            }
        }
        let def: HashMap<Var, usize> = j
            .eqns
            .iter()
            .enumerate()
            .flat_map(|(i, e)| e.outputs.iter().map(move |o| (*o, i)))
            .collect();
        let once = |v: Var, p: &Plan| p.uses.get(&v).copied() == Some(1);
        // Element reads.
        for (i, e) in j.eqns.iter().enumerate() {
            let out_rank0 = e.outputs.len() == 1 && j.ty(e.outputs[0]).rank() == 0;
            if !(out_rank0 && matches!(e.prim, Prim::Squeeze | Prim::Reshape)) {
                continue;
            }
            let Some(s) = e.inputs[0].as_var() else {
                continue;
            };
            let Some(&si) = def.get(&s) else { continue };
            let se = &j.eqns[si];
            let single = j.ty(s).dims().iter().all(|d| d.is(1));
            let unit_strides = se
                .params
                .axes("slice", "strides")
                .map_or(true, |st| st.iter().all(|&x| x == 1));
            if se.prim == Prim::Slice
                && single
                && unit_strides
                && once(s, &p)
                && let (Some(src), Ok(starts)) = (
                    se.inputs[0].as_var(),
                    se.params.dims("slice", "start_indices"),
                )
            {
                p.skip.insert(si);
                p.special.insert(i, Special::ElementRead { src, starts });
            }
        }
        // One-hot sums.
        let mut scalar1: HashMap<Var, (usize, Atom)> = HashMap::new();
        let mut onehot: HashMap<Var, OneHotSum> = HashMap::new();
        let mut absorbed: HashSet<Var> = HashSet::new();
        for (i, e) in j.eqns.iter().enumerate() {
            let Some(&o) = e.outputs.first() else {
                continue;
            };
            let ot = j.ty(o);
            if !ot.dtype.is_float() {
                continue;
            }
            match e.prim {
                Prim::Reshape | Prim::BroadcastInDim
                    if j.atom_type(&e.inputs[0]).rank() == 0
                        && ot.rank() == 1
                        && ot.dims()[0].is(1) =>
                {
                    scalar1.insert(o, (i, e.inputs[0]));
                }
                Prim::Pad if e.inputs.len() == 2 && is_zero(&e.inputs[1]) => {
                    let Some(x) = e.inputs[0].as_var() else {
                        continue;
                    };
                    // A scalar reshaped to [1] and padded: one term. The
                    // reshape is skipped only when this pad is its one use
                    // (a constant's reshape may be shared by several
                    // pads after CSE; it is then built once, inline).
                    if let (Some((ri, s)), Some((lo, len))) =
                        (scalar1.get(&x).cloned(), pad_1d(j, e))
                    {
                        if once(x, &p) {
                            p.skip.insert(ri);
                        }
                        onehot.insert(o, (i, len, vec![(lo, s)]));
                    }
                }
                Prim::Add | Prim::AddAny => {
                    let (Some(a), Some(b)) = (e.inputs[0].as_var(), e.inputs[1].as_var()) else {
                        continue;
                    };
                    if a == b || !once(a, &p) || !once(b, &p) {
                        continue;
                    }
                    if let (Some(x), Some(y)) = (onehot.get(&a), onehot.get(&b))
                        && x.1 == y.1
                    {
                        let mut terms = x.2.clone();
                        terms.extend(y.2.iter().cloned());
                        let len = x.1.clone();
                        absorbed.insert(a);
                        absorbed.insert(b);
                        onehot.insert(o, (i, len, terms));
                    }
                }
                _ => {}
            }
        }
        for (v, (i, len, terms)) in onehot {
            if absorbed.contains(&v) {
                p.skip.insert(i);
            } else {
                p.special.insert(i, Special::OneHot { len, terms });
            }
        }
        // Batched element reads: squeeze(slice(x, [0, k], [rows, k+1])).
        for (i, e) in j.eqns.iter().enumerate() {
            if e.prim != Prim::Squeeze || e.outputs.len() != 1 || j.ty(e.outputs[0]).rank() != 1 {
                continue;
            }
            let Some(s) = e.inputs[0].as_var() else {
                continue;
            };
            let Some(&si) = def.get(&s) else { continue };
            let se = &j.eqns[si];
            let Some(src) = se.inputs.first().and_then(|a| a.as_var()) else {
                continue;
            };
            let st = j.ty(src);
            let unit = se
                .params
                .axes("slice", "strides")
                .map_or(true, |x| x.iter().all(|&v| v == 1));
            let starts = se.params.dims("slice", "start_indices").unwrap_or_default();
            let sd = j.ty(s).dims().to_vec();
            if se.prim == Prim::Slice
                && unit
                && once(s, &p)
                && st.rank() == 2
                && sd.len() == 2
                && sd[1].is(1)
                && sd[0] == st.dims()[0]
                && starts.len() == 2
                && starts[0].is(0)
                && let Some(col) = starts[1].as_const()
            {
                p.skip.insert(si);
                p.special.insert(
                    i,
                    Special::ColumnRead {
                        src,
                        col: col as usize,
                    },
                );
            }
        }
        // Batched one-hot sums: pad(reshape(v, [rows, 1]), cols k) added.
        let mut col1: HashMap<Var, (usize, Var)> = HashMap::new();
        let mut cols: HashMap<Var, ColsSum> = HashMap::new();
        let mut absorbed: HashSet<Var> = HashSet::new();
        for (i, e) in j.eqns.iter().enumerate() {
            let Some(&o) = e.outputs.first() else {
                continue;
            };
            let ot = j.ty(o);
            if !ot.dtype.is_float() {
                continue;
            }
            match e.prim {
                Prim::Reshape if ot.rank() == 2 && ot.dims()[1].is(1) => {
                    if let Some(v) = e.inputs[0].as_var()
                        && j.ty(v).rank() == 1
                        && j.ty(v).dims()[0] == ot.dims()[0]
                    {
                        col1.insert(o, (i, v));
                    }
                }
                Prim::Pad if e.inputs.len() == 2 && is_zero(&e.inputs[1]) => {
                    let Some(x) = e.inputs[0].as_var() else {
                        continue;
                    };
                    if let (Some((ri, v)), Some((lo, rows, len)), true) =
                        (col1.get(&x).cloned(), pad_cols(j, e), once(x, &p))
                    {
                        p.skip.insert(ri);
                        cols.insert(o, (i, rows, len, vec![(lo, v)]));
                    }
                }
                Prim::Add | Prim::AddAny => {
                    let (Some(a), Some(b)) = (e.inputs[0].as_var(), e.inputs[1].as_var()) else {
                        continue;
                    };
                    if a == b || !once(a, &p) || !once(b, &p) {
                        continue;
                    }
                    if let (Some(x), Some(y)) = (cols.get(&a), cols.get(&b))
                        && x.1 == y.1
                        && x.2 == y.2
                    {
                        let mut terms = x.3.clone();
                        terms.extend(y.3.iter().cloned());
                        let (rows, len) = (x.1.clone(), x.2.clone());
                        absorbed.insert(a);
                        absorbed.insert(b);
                        cols.insert(o, (i, rows, len, terms));
                    }
                }
                _ => {}
            }
        }
        for (v, (i, rows, len, terms)) in cols {
            if absorbed.contains(&v) {
                p.skip.insert(i);
            } else {
                p.special
                    .insert(i, Special::OneHotCols { rows, len, terms });
            }
        }
        p.concat_cols(j, &def);
        // Transposes read only by fast matmuls.
        for (i, e) in j.eqns.iter().enumerate() {
            let Some(src) = is_transpose_2d(j, e) else {
                continue;
            };
            let t = e.outputs[0];
            let readers: Vec<&Eqn> = j
                .eqns
                .iter()
                .filter(|r| r.inputs.iter().any(|a| a.as_var() == Some(t)))
                .collect();
            let returned = j.outvars.iter().any(|a| a.as_var() == Some(t));
            if !returned && !readers.is_empty() && readers.iter().all(|r| fast_dot(j, r).is_some())
            {
                p.skip.insert(i);
                p.transposed.insert(t, src);
            }
        }
        // Transposes of matmuls.
        for (i, e) in j.eqns.iter().enumerate() {
            let Some(src) = is_transpose_2d(j, e) else {
                continue;
            };
            if p.transposed.contains_key(&e.outputs[0]) || !once(src, &p) {
                continue;
            }
            if let Some(&d) = def.get(&src)
                && fast_dot(j, &j.eqns[d]).is_some()
                && !p.skip.contains(&d)
            {
                p.skip.insert(d);
                p.special.insert(i, Special::DotT { dot: d });
            }
        }
        p.column_operands(j, &def, kernels);
        p
    }

    /// Concatenations of columns along axis 1, `concatenate([bcast(v0,
    /// [rows, 1]), bcast(v1, [rows, 1]), ..], 1)` (what `array![a, b]`
    /// batches to): the `[rows, k]` result is assembled from the 1-d
    /// values in one pass (a one-hot sum with one term per column), and
    /// the `[rows, 1]` pieces are never built.
    fn concat_cols(&mut self, j: &Jaxpr, def: &HashMap<Var, usize>) {
        for (i, e) in j.eqns.iter().enumerate() {
            let Some(&o) = e.outputs.first() else {
                continue;
            };
            let ot = j.ty(o);
            let axis1 = e
                .params
                .int("concatenate", "dimension")
                .is_ok_and(|d| d == 1);
            if e.prim != Prim::Concatenate || !axis1 || ot.rank() != 2 || !ot.dtype.is_float() {
                continue;
            }
            let rows = ot.dims()[0].clone();
            let mut terms = Vec::new();
            let mut pieces = Vec::new();
            for (k, a) in e.inputs.iter().enumerate() {
                let Some(x) = a.as_var() else { break };
                let Some(&d) = def.get(&x) else { break };
                let pe = &j.eqns[d];
                let Some(v) = pe.inputs.first().and_then(|a| a.as_var()) else {
                    break;
                };
                let (xt, vt) = (j.ty(x), j.ty(v));
                let along_rows = match pe.prim {
                    Prim::BroadcastInDim => pe
                        .params
                        .axes("broadcast_in_dim", "broadcast_dimensions")
                        .is_ok_and(|b| b == [0]),
                    Prim::Reshape => true,
                    _ => false,
                };
                let column = along_rows
                    && xt.rank() == 2
                    && xt.dims()[1].is(1)
                    && vt.rank() == 1
                    && vt.dims()[0] == rows
                    && vt.dtype == ot.dtype
                    && self.uses.get(&x) == Some(&1)
                    && !self.skip.contains(&d);
                if !column {
                    break;
                }
                terms.push((k, v));
                pieces.push(d);
            }
            if terms.len() == e.inputs.len() && !terms.is_empty() {
                let len = DimExpr::Const(terms.len() as i64);
                self.skip.extend(pieces);
                self.special
                    .insert(i, Special::OneHotCols { rows, len, terms });
            }
        }
    }

    /// Finds the bias broadcasts whose every read is in the epilogue of
    /// a fast matmul group (see [`Plan::cols`]).
    fn column_operands(
        &mut self,
        j: &Jaxpr,
        def: &HashMap<Var, usize>,
        kernels: &[rjax_core::kernel::Kernel],
    ) {
        let mut reads: HashMap<Var, usize> = HashMap::new();
        for g in fusion_plan_with_kernels(j, kernels).groups {
            let Some((&d, epi)) = g.eqns.split_first() else {
                continue;
            };
            if g.kind != GroupKind::DotEpilogue
                || fast_dot(j, &j.eqns[d]).is_none()
                || self.skip.contains(&d)
            {
                continue;
            }
            for &i in epi {
                for a in &j.eqns[i].inputs {
                    if let Some(v) = a.as_var() {
                        *reads.entry(v).or_default() += 1;
                    }
                }
            }
        }
        let returned: HashSet<Var> = j.outvars.iter().filter_map(|a| a.as_var()).collect();
        for (v, n) in reads {
            let Some(&b) = def.get(&v) else { continue };
            let e = &j.eqns[b];
            let bd = e.params.axes("broadcast_in_dim", "broadcast_dimensions");
            let Some(src) = e.inputs.first().and_then(|a| a.as_var()) else {
                continue;
            };
            let column = e.prim == Prim::BroadcastInDim
                && bd.is_ok_and(|d| d == [1])
                && j.ty(src).rank() == 1
                && j.ty(v).rank() == 2
                && j.ty(v).dtype.is_float();
            if column && self.uses.get(&v) == Some(&n) && !returned.contains(&v) {
                self.skip.insert(b);
                self.cols.insert(v, (b, src));
            }
        }
    }
}
