//! Cross-cutting checks between the attributes and the signature. Each
//! check states its rule in a comment; each failure is a spanned error that
//! says what to write instead.

use crate::front::ast::{Function, ParamTy, ValTy};
use crate::front::attr::{Config, InAxes};
use crate::front::ctxt::Ctxt;

/// The parameter positions `grad` differentiates with respect to.
pub fn argnums(config: &Config) -> Vec<usize> {
    match config.grad.as_ref().and_then(|g| g.argnums.as_ref()) {
        Some((list, _)) => list.iter().map(|a| a.index).collect(),
        None => vec![0],
    }
}

/// Runs every check, recording failures in `cx`.
pub fn check(cx: &Ctxt, config: &Config, f: &Function) {
    check_argnums(cx, config, f);
    check_has_aux(cx, config, f);
    check_in_axes(cx, config, f);
}

// argnums name existing parameters, and only float parameters: a
// derivative with respect to an integer or a `Key` does not exist, and
// returning a silent zero would hide a bug.
fn check_argnums(cx: &Ctxt, config: &Config, f: &Function) {
    let n = f.params.len();
    let Some(grad) = &config.grad else {
        return;
    };
    let list = match &grad.argnums {
        Some((list, span)) if list.is_empty() => {
            cx.error_at(
                *span,
                "`argnums = ()` names no parameter to differentiate: write `argnums = 0` or a non-empty tuple such as `argnums = (0, 1)`",
            );
            return;
        }
        Some((list, _)) => list.clone(),
        None if n == 0 => {
            cx.error_at(
                grad.span,
                "`#[grad]` needs a parameter to differentiate: add one, e.g. `x: f32`",
            );
            return;
        }
        None => vec![crate::front::attr::Argnum {
            index: 0,
            span: f.params[0].ty_span,
        }],
    };
    for a in list {
        let Some(p) = f.params.get(a.index) else {
            cx.error_at(
                a.span,
                format!(
                    "argnums {} is out of range: `{}` has {n} parameter(s), so use 0..={}",
                    a.index,
                    f.name,
                    n.saturating_sub(1)
                ),
            );
            continue;
        };
        let bad = match p.ty {
            ParamTy::Key => Some("a `Key`".to_string()),
            ParamTy::Scalar(s) | ParamTy::Array { elem: s, .. } if !s.is_float() => {
                Some(format!("an integer or boolean (`{}`)", s.rust_name()))
            }
            _ => None,
        };
        if let Some(what) = bad {
            cx.error_at(
                p.ty_span,
                format!(
                    "cannot differentiate with respect to `{}`: it is {what}, which has no derivative; differentiate with respect to an f32/f64 parameter (`argnums` picks which)",
                    p.name
                ),
            );
        }
    }
}

// has_aux means the function returns `(value, aux)` with a scalar float
// value: the gradient is of the first component, aux is passed through.
fn check_has_aux(cx: &Ctxt, config: &Config, f: &Function) {
    let Some(span) = config.grad.as_ref().and_then(|g| g.has_aux) else {
        return;
    };
    let ok = f.ret.tuple
        && f.ret.tys.len() == 2
        && matches!(f.ret.tys[0], ValTy::Scalar(s) if s.is_float());
    if !ok {
        let mut e = syn::Error::new(
            f.ret.span,
            "`has_aux` needs the result `(value, aux)`: return a tuple whose first element is the f32/f64 value to differentiate, e.g. `-> (f32, Array<f32>)`",
        );
        e.combine(syn::Error::new(span, "`has_aux` requested here"));
        cx.push(e);
    }
}

// in_axes has one entry per parameter (or a single entry for all); a mapped
// Key is a `Vec<Key>`, a batch with no other axis than 0.
fn check_in_axes(cx: &Ctxt, config: &Config, f: &Function) {
    let Some(vmap) = &config.vmap else {
        return;
    };
    // At least one parameter is mapped: otherwise there is no batch (JAX:
    // "vmap must have at least one non-None value in in_axes").
    let all_none = match &vmap.in_axes {
        Some(InAxes::All(a)) => a.axis.is_none().then_some(a.span),
        Some(InAxes::PerArg(list, span)) => {
            (!list.is_empty() && list.iter().all(|a| a.axis.is_none())).then_some(*span)
        }
        None => None,
    };
    if let Some(span) = all_none {
        cx.error_at(
            span,
            "vmap must have at least one non-None value in `in_axes`: map a parameter over an axis, e.g. `in_axes = (0, None)`",
        );
        return;
    }
    if let Some(InAxes::PerArg(list, span)) = &vmap.in_axes {
        if list.len() != f.params.len() {
            cx.error_at(
                *span,
                format!(
                    "`in_axes` has {} entries but `{}` has {} parameter(s): give one axis (or `None`) per parameter",
                    list.len(),
                    f.name,
                    f.params.len()
                ),
            );
            return;
        }
        for (ax, p) in list.iter().zip(&f.params) {
            match (ax.axis, p.ty) {
                (Some(a), ParamTy::Key) if a > 0 => cx.error_at(
                    ax.span,
                    format!("`{}` is a `Key`: a batch of keys is a `Vec<Key>` (from `random::split(key, n)`) mapped along axis 0, so write `0`, or `None` for one key shared by every row", p.name),
                ),
                (Some(a), ParamTy::Scalar(_)) if a > 0 => cx.error_at(
                    ax.span,
                    format!("`{}` is a scalar, batched as a 1-d array: its axis can only be 0 or `None`", p.name),
                ),
                _ => {}
            }
        }
    }
    if let Some(InAxes::All(ax)) = &vmap.in_axes
        && ax.axis.is_some_and(|a| a > 0)
        && let Some(p) = f.params.iter().find(|p| p.ty == ParamTy::Key)
    {
        cx.error_at(
            ax.span,
            format!("`{}` is a `Key`, mapped along axis 0 only (a `Vec<Key>`): give per-parameter axes, e.g. `in_axes = (1, 0)`", p.name),
        );
    }
    check_out_axes(cx, vmap, f);
}

// out_axes is one entry for all outputs or one per element of the returned
// tuple; a tree result takes one entry for every leaf, and an nalgebra
// result (a `Vec` of matrices, one per row of the batch) only 0.
fn check_out_axes(cx: &Ctxt, vmap: &crate::front::attr::VmapAttr, f: &Function) {
    let Some(out) = &vmap.out_axes else {
        return;
    };
    let matrix = f
        .ret
        .tree
        .as_ref()
        .is_some_and(crate::front::tree_param::is_matrix);
    match out {
        InAxes::PerArg(_, span) if f.ret.tree.is_some() => cx.error_at(
            *span,
            "a tree result takes one `out_axes` for all its leaves: write `out_axes = 1`",
        ),
        InAxes::PerArg(list, span) if !f.ret.tuple || list.len() != f.ret.tys.len() => {
            cx.error_at(
                *span,
                format!(
                    "`out_axes` has {} entries but `{}` returns {} value(s): give one axis (or `None`) per element of the returned tuple, or one for all",
                    list.len(),
                    f.name,
                    if f.ret.tuple { f.ret.tys.len() } else { 1 }
                ),
            )
        }
        InAxes::All(a) if matrix && a.axis != Some(0) => cx.error_at(
            a.span,
            "an nalgebra result is batched as a `Vec` of matrices: only `out_axes = 0` applies",
        ),
        _ => {}
    }
    // A scalar output batches to a 1-d array: axis 0 or None only.
    let entries: Vec<&crate::front::attr::Axis> = match out {
        InAxes::All(a) => vec![a; f.ret.tys.len()],
        InAxes::PerArg(list, _) => list.iter().collect(),
    };
    if f.ret.tree.is_none() {
        for (a, t) in entries.iter().zip(&f.ret.tys) {
            if matches!(t, ValTy::Scalar(_)) && a.axis.is_some_and(|k| k > 0) {
                cx.error_at(
                    a.span,
                    "a scalar output is batched as a 1-d array: its `out_axes` can only be 0 or `None`",
                );
            }
        }
    }
}
