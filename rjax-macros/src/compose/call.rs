//! Which calls in a body are calls to annotated functions, and their AST
//! node: `ExprKind::Prim(Op::Call, "path|companion", args)`.

use proc_macro2::Span;

use crate::ast::{Expr, ExprKind};
use crate::prims::{self, Op};
use crate::suggest::did_you_mean;

/// The companions a body may call on another annotated function.
pub const COMPANIONS: &[&str] = &[
    "grad",
    "value_and_grad",
    "hessian",
    "jacobian",
    "jvp",
    "vmap",
];

/// Path prefixes that are never user functions (jax.numpy names, types).
const NOT_CALLEES: &[&str] = &[
    "jnp", "numpy", "rjax", "lax", "random", "std", "core", "f32", "f64", "i32", "u32", "usize",
    "bool", "Array",
];

/// `segs` as a call to an annotated function: (callee path, companion).
/// `None` for primitives and for names that look like a misspelt one.
pub fn classify(segs: &[String]) -> Option<(Vec<String>, Option<String>)> {
    let (last, prefix) = segs.split_last()?;
    // `Some(x)`, `Array::from_vec(..)`: constructors and types, never annotated functions.
    if segs
        .iter()
        .any(|s| s.starts_with(|c: char| c.is_ascii_uppercase()))
    {
        return None;
    }
    if prefix.is_empty() {
        let names = prims::function_names();
        if names.contains(&last.as_str()) || did_you_mean(last, &names).is_some() {
            return None;
        }
        return Some((segs.to_vec(), None));
    }
    if NOT_CALLEES.contains(&prefix[0].as_str()) {
        return None;
    }
    if COMPANIONS.contains(&last.as_str()) {
        Some((prefix.to_vec(), Some(last.clone())))
    } else {
        Some((segs.to_vec(), None))
    }
}

/// The node for a call to an annotated function, or the arguments back
/// when `segs` is not one.
pub fn call_expr<'a>(
    segs: &[String],
    _prefix_ok: bool,
    args: Vec<Expr<'a>>,
    span: Span,
) -> Result<Expr<'a>, Vec<Expr<'a>>> {
    match classify(segs) {
        Some((callee, companion)) => {
            let name = format!("{}|{}", callee.join("::"), companion.unwrap_or_default());
            Ok(Expr {
                kind: ExprKind::Prim(Op::Call, Box::leak(name.into_boxed_str()), args),
                span,
            })
        }
        None => Err(args),
    }
}
