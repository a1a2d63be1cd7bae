//! Emission plan for `#[jit]`: a pre-pass over one jaxpr that finds
//! equations whose value is better folded into their consumers than
//! materialised as an `Array`:
//! - element reads: `squeeze(slice(t, [k], [k+1]))` (what `t[k]` lowers
//!   to) becomes `t.as_slice()[k]`, with no array for the slice;
//! - one-hot sums: `pad(reshape(s, [1]), 0, [(k, .., 0)])` added together
//!   (the gradient of element reads) becomes one zeroed buffer with the
//!   scalars added at their indices (`jit::onehot`);
//! - transposes read only by matmuls: the matmul kernel reads the
//!   operand transposed, so the transpose is never copied.

use std::collections::{HashMap, HashSet};

use rjax_core::ir::params::ParamsExt;
use rjax_core::{Atom, DType, DimExpr, Eqn, Jaxpr, Param, Prim, Var};

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
    let ((lc, rc), (lb, rb)) = super::emit::dim_numbers(&e.params);
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
    let cfg = e.params.get("padding_config")?.elems()?;
    let [one] = cfg else { return None };
    let parts = one.elems()?;
    let lo = parts.first()?.as_dim()?.as_const()?;
    let interior = parts
        .get(2)
        .and_then(Param::as_dim)
        .map_or(Some(0), |d| d.as_const())?;
    let out = j.ty(*e.outputs.first()?);
    (lo >= 0 && interior == 0 && out.rank() == 1).then(|| (lo as usize, out.dims()[0].clone()))
}

impl Plan {
    /// Analyses `j` (top level only; sub-jaxprs get their own plan).
    pub fn new(j: &Jaxpr) -> Plan {
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
                    if let (Some((ri, s)), Some((lo, len)), true) =
                        (scalar1.get(&x).cloned(), pad_1d(j, e), once(x, &p))
                    {
                        p.skip.insert(ri);
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
        p
    }
}
