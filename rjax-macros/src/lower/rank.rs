//! Rank inference. `Array<T>` carries no rank in its Rust type, but the IR
//! needs static ranks: each array parameter's rank is found by lowering
//! with candidate ranks (1, 2, 3, then 0; the first assignment that lowers
//! and type-checks wins; `#[rank(k)]` on a parameter fixes it). Loop
//! carries whose dims differ only by symbol name identify those symbols
//! (`x = tanh(dot(x, x.t()))` makes `x` square: `f32[n,n]`).

use std::collections::HashMap;

use rjax_core::Jaxpr;

use super::{Callees, LowerError, lower};
use crate::front::ast::{Function, ParamTy};

/// The order in which ranks are tried.
const CANDIDATES: [usize; 4] = [1, 2, 3, 0];
/// At most this many assignments are tried.
const MAX_TRIES: usize = 256;

/// A lowered function with the ranks it was lowered at.
pub struct Lowered {
    /// The primal jaxpr (symbolic dims).
    pub jaxpr: Jaxpr,
    /// The rank of each parameter (0 for scalars).
    pub ranks: Vec<usize>,
}

/// Lowers `f`, inferring array ranks; the error of the first candidate
/// when none fits, plus a hint to annotate a rank when the candidates
/// failed in different places.
pub fn lower_inferring(f: &Function, callees: &Callees) -> Result<Lowered, syn::Error> {
    let arrays: Vec<usize> = f
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p.ty, ParamTy::Array { .. }) && p.rank.is_none())
        .map(|(i, _)| i)
        .collect();
    let base: Vec<usize> = f
        .params
        .iter()
        .map(|p| match p.ty {
            ParamTy::Array { .. } => p.rank.unwrap_or(CANDIDATES[0]),
            _ => 0,
        })
        .collect();
    let mut first_err: Option<LowerError> = None;
    // Whether some assignment failed differently: only then can a rank
    // annotation be the fix. When every rank fails with the same message at
    // the same tokens the error does not depend on the ranks, and a hint
    // about them is noise.
    let mut rank_dependent = false;
    for ranks in assignments(&base, &arrays).take(MAX_TRIES) {
        match lower_unifying(f, &ranks, callees) {
            Ok(jaxpr) => return Ok(Lowered { jaxpr, ranks }),
            Err(e) => match &first_err {
                None => first_err = Some(e),
                Some(first) => {
                    rank_dependent |= first.msg != e.msg
                        || format!("{:?}", first.span) != format!("{:?}", e.span);
                }
            },
        }
    }
    let e = first_err.expect("at least one assignment is tried");
    let mut err = syn::Error::new(e.span, e.msg);
    if !arrays.is_empty() && rank_dependent {
        let names: Vec<String> = arrays
            .iter()
            .map(|&i| format!("`{}`", f.params[i].name))
            .collect();
        err.combine(syn::Error::new(
            f.params[arrays[0]].ty_span,
            format!(
                "no rank of {} (tried 1, 2, 3, 0) makes the body type-check; if the body is right, fix the rank with an annotation: `#[rank(2)] {}: &Array<..>`",
                names.join(", "),
                f.params[arrays[0]].name
            ),
        ));
    }
    Err(err)
}

/// Lowers, retrying while loop carries ask for symbols to be identified.
fn lower_unifying(f: &Function, ranks: &[usize], callees: &Callees) -> Result<Jaxpr, LowerError> {
    let mut same: HashMap<String, String> = HashMap::new();
    loop {
        let mut unify = Vec::new();
        let r = lower(f, ranks, &same, &mut unify, callees);
        if let Ok(j) = &r {
            unify.extend(crate::lower::symbols::assumed_equal(j));
        }
        match r {
            Ok(j) if unify.is_empty() => return Ok(j),
            Err(e) if unify.is_empty() => return Err(e),
            e => {
                let before = same.len();
                for (a, b) in unify {
                    let (a, b) = (super::resolve(&same, &a), super::resolve(&same, &b));
                    let constant = |s: &str| s.parse::<i64>().is_ok();
                    if a != b && !(constant(&a) && constant(&b)) {
                        // Keep a constant size, else the earlier symbol
                        // (n before m). Two different constants stay a
                        // shape error of the lowering.
                        let (keep, drop) =
                            if constant(&a) || (!constant(&b) && order(&a) <= order(&b)) {
                                (a, b)
                            } else {
                                (b, a)
                            };
                        same.insert(drop, keep);
                    }
                }
                if same.len() == before {
                    return e;
                }
            }
        }
    }
}

fn order(s: &str) -> usize {
    super::SYMBOLS
        .iter()
        .position(|x| *x == s)
        .unwrap_or(usize::MAX)
}

/// Every rank assignment for the `free` parameters, lowest total first.
fn assignments(base: &[usize], free: &[usize]) -> impl Iterator<Item = Vec<usize>> {
    let k = free.len();
    let total = CANDIDATES.len().pow(k.min(5) as u32);
    let mut all: Vec<Vec<usize>> = (0..total)
        .map(|mut code| {
            let mut r = base.to_vec();
            for &i in free.iter().take(5) {
                r[i] = CANDIDATES[code % CANDIDATES.len()];
                code /= CANDIDATES.len();
            }
            r
        })
        .collect();
    // Prefer assignments whose candidates come early in CANDIDATES.
    let pos = |r: usize| CANDIDATES.iter().position(|c| *c == r).unwrap_or(0);
    all.sort_by_key(|r| free.iter().map(|&i| pos(r[i])).sum::<usize>());
    all.into_iter()
}
