//! Symbolic dims that the operations of a lowered jaxpr assume equal.
//!
//! Each array parameter gets fresh symbols (`w: f64[n]`, `x: f64[m,k]`);
//! `x.dot(w)` is accepted because a symbolic dim is assumed equal to the
//! one it meets, but rjax-core's transformations (a transpose's `reshape`,
//! a Jacobian's broadcast) then compare `k` with `n` and fail. Lowering is
//! retried with the symbols identified (`k := n`), the same way loop
//! carries are unified, so `f::grad`, `f::hessian` and callers that inline
//! `f` all see one symbol per size.

use rjax_core::ir::DotGeneralParams;
use rjax_core::{DimExpr, Jaxpr, ParamsExt, Prim, TensorType};

/// Pairs of distinct symbols that some equation of `j` needs equal, and
/// of a symbol and the constant size it meets (written as its digits, see
/// `lower::input_types`).
pub fn assumed_equal(j: &Jaxpr) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pair = |a: &DimExpr, b: &DimExpr| match (a, b) {
        (DimExpr::Sym(x), DimExpr::Sym(y)) if x != y => out.push((x.clone(), y.clone())),
        (DimExpr::Sym(x), DimExpr::Const(c)) | (DimExpr::Const(c), DimExpr::Sym(x)) if *c != 1 => {
            out.push((x.clone(), c.to_string()))
        }
        _ => {}
    };
    for e in &j.eqns {
        let tys: Vec<TensorType> = e.inputs.iter().map(|a| j.atom_type(a)).collect();
        // Elementwise primitives of several operands (the table's
        // families): their operands of equal rank have equal dims.
        if e.prim.is_elementwise() && e.inputs.len() >= 2 {
            for w in tys.windows(2) {
                if w[0].rank() == w[1].rank() {
                    for (a, b) in w[0].dims().iter().zip(w[1].dims()) {
                        pair(a, b);
                    }
                }
            }
        } else if e.prim == Prim::BroadcastInDim
            && let (Some(t), Some(&o)) = (tys.first(), e.outputs.first())
            && let Ok(bd) = e.params.axes("broadcast_in_dim", "broadcast_dimensions")
        {
            // A symbolic dim never broadcasts: it is the output dim it maps to.
            let out = j.ty(o);
            for (i, &k) in bd.iter().enumerate() {
                if let (Some(a), Some(b)) = (t.dims().get(i), out.dims().get(k)) {
                    pair(a, b);
                }
            }
        } else if e.prim == Prim::Reshape
            && let (Some(t), Some(&o)) = (tys.first(), e.outputs.first())
        {
            // A reshape to constant sizes of an operand with one symbolic
            // dim (`x.reshape(&[8, 2])` of `x: [n]`) fixes that dim: the
            // element counts must agree, as JAX traces at that shape.
            let out: Option<i64> = j.ty(o).dims().iter().map(DimExpr::as_const).product();
            let syms: Vec<&DimExpr> = t.dims().iter().filter(|d| d.as_const().is_none()).collect();
            let known: Option<i64> = t
                .dims()
                .iter()
                .filter_map(DimExpr::as_const)
                .try_fold(1i64, |a, c| a.checked_mul(c));
            if let (Some(out), [s], Some(known)) = (out, syms.as_slice(), known)
                && matches!(s, DimExpr::Sym(_))
                && known > 0
                && out % known == 0
            {
                pair(s, &DimExpr::Const(out / known));
            }
        } else if e.prim == Prim::DotGeneral
            && tys.len() == 2
            && let Ok(DotGeneralParams {
                contract: (lc, rc),
                batch: (lb, rb),
            }) = DotGeneralParams::read(&e.params)
        {
            for (l, r) in lc.iter().zip(&rc).chain(lb.iter().zip(&rb)) {
                if let (Some(a), Some(b)) = (tys[0].dims().get(*l), tys[1].dims().get(*r)) {
                    pair(a, b);
                }
            }
        }
    }
    out
}
