//! Optimisation passes, each IR -> IR and value-preserving: dead-code
//! elimination, common-subexpression elimination, constant folding,
//! algebraic simplification; `optimize` runs them to a fixed point. Also
//! the fusion analysis the jit emitter consumes (`fusion`, and `stages`
//! for cutting a fused loop at its transcendentals, `ranges` for the
//! value ranges that let it skip clamps) and the
//! emission-time combining of all-reduces (`combine`).

pub mod combine;
pub mod cse;
pub mod dce;
pub mod fold;
pub mod fusion;
pub mod outer;
pub mod ranges;
pub mod scalarize;
pub mod simplify;
pub mod stages;

pub use combine::combine_psums;
pub use cse::cse;
pub use dce::{compact, dce};
pub use fold::fold_constants;
pub use fusion::{FusionGroup, FusionPlan, GroupKind, fusion_plan, fusion_plan_with_kernels};
pub use outer::outer_products_to_mul;
pub use ranges::{Interval, value_ranges};
pub use scalarize::scalarize;
pub use simplify::simplify;
pub use stages::{Stage, is_transcendental, loop_stages};

use crate::ir::verify::debug_verify;
use crate::ir::{Jaxpr, Param};
use std::sync::Arc;

/// Applies `pass` to every sub-jaxpr in the equations' params (bodies,
/// branches), keeping their signatures.
pub fn map_sub_jaxprs(j: &Jaxpr, pass: &dyn Fn(&Jaxpr) -> Jaxpr) -> Jaxpr {
    fn go(p: &Param, pass: &dyn Fn(&Jaxpr) -> Jaxpr) -> Param {
        match p {
            Param::Jaxpr(s) => Param::Jaxpr(Arc::new(pass(s))),
            Param::Tuple(v) => Param::Tuple(v.iter().map(|x| go(x, pass)).collect()),
            Param::List(v) => Param::List(v.iter().map(|x| go(x, pass)).collect()),
            other => other.clone(),
        }
    }
    let mut out = j.clone();
    for e in &mut out.eqns {
        if e.params
            .values()
            .any(|p| matches!(p, Param::Jaxpr(_) | Param::Tuple(_)))
        {
            for v in e.params.values_mut() {
                *v = go(v, pass);
            }
        }
    }
    out
}

/// Simplification, constant folding, CSE and DCE until nothing changes
/// (at most 8 rounds), recursing into sub-jaxprs.
///
/// Under `debug_assertions` the verifier runs after every pass and panics
/// naming it (`ir::verify::debug_verify`).
pub fn optimize(j: &Jaxpr) -> Jaxpr {
    let step = |name: &str, pass: fn(&Jaxpr) -> Jaxpr, j: &Jaxpr| {
        let out = pass(j);
        debug_verify(&out, name);
        out
    };
    debug_verify(j, "the input of optimize");
    let d = step("dce", dce, j);
    let mut cur = step("outer_products_to_mul", outer_products_to_mul, &d);
    for _ in 0..8 {
        let s = step("simplify", simplify, &cur);
        let f = step("fold_constants", fold_constants, &s);
        let c = step("cse", cse, &f);
        let next = step("dce", dce, &c);
        if next == cur {
            break;
        }
        cur = next;
    }
    cur
}
