//! `h::vjp(..)` in a body, parsed: JAX's `y, pullback = jax.vjp(h, x)`
//! written `let (y, pullback) = h::vjp(&x);`, the pullback then applied in
//! the same body (`let g = pullback(&ct);`). The pullback is not a Rust
//! closure in the IR: it names the callee's backward pass, which is inlined
//! where it is applied (lower/pullback.rs). So it may only be applied:
//! storing it in a tuple, returning it or passing it on is refused here.

use syn::spanned::Spanned;

use super::{Builder, Expr, ExprKind};

/// What to write instead, for every refusal below.
const FORM: &str =
    "write `let (y, pullback) = h::vjp(&x);` and apply it in this body: `let g = pullback(&ct);`";

impl<'a> Builder<'_, 'a> {
    /// Before `let pat = init;` is parsed: when `init` is `h::vjp(..)` and
    /// `pat` is `(y, name)`, allows that one call and returns `name`.
    pub(super) fn note_vjp_let(&self, local: &'a syn::Local) -> Option<String> {
        let vjp = local.init.as_ref().and_then(|i| match &*i.expr {
            syn::Expr::Call(c) if is_vjp_path(&c.func) => Some(c),
            _ => None,
        })?;
        let mut pat = &local.pat;
        while let syn::Pat::Type(pt) = pat {
            pat = &pt.pat;
        }
        let syn::Pat::Tuple(t) = pat else {
            return None;
        };
        let elems: Vec<&syn::Pat> = t.elems.iter().collect();
        let [_, syn::Pat::Ident(pi)] = &elems[..] else {
            return None;
        };
        self.vjp_call.set(vjp as *const syn::ExprCall as usize);
        Some(pi.ident.to_string())
    }

    /// After `let pat = init;` is parsed: the names it binds shadow earlier
    /// pullbacks, and `pullback` (from [`Self::note_vjp_let`]) is one.
    pub(super) fn bind_let(&self, local: &'a syn::Local, pullback: Option<String>) {
        let mut bound = Vec::new();
        collect_bound(&local.pat, &mut bound);
        let mut p = self.pullbacks.borrow_mut();
        p.retain(|n| !bound.contains(n));
        p.extend(pullback);
    }

    /// Whether this `h::vjp(..)` call is the allowed `let` form (once).
    pub(super) fn take_vjp(&self, call: &syn::ExprCall) -> bool {
        let ok = self.vjp_call.get() == call as *const syn::ExprCall as usize;
        if ok {
            self.vjp_call.set(0);
        }
        ok
    }

    /// The refusal of `h::vjp(..)` anywhere else.
    pub(super) fn refuse_vjp(&self, at: &syn::Path) {
        self.cx.error_spanned_by(
            at,
            format!("`vjp` returns a pullback closure, which a transformed body can only apply where it is made: {FORM}"),
        );
    }

    /// True when `name` is a pullback bound by [`Self::note_vjp_let`].
    pub(super) fn is_pullback(&self, name: &str) -> bool {
        self.pullbacks.borrow().iter().any(|p| p == name)
    }

    /// `pullback(ct)`: the callee's backward pass applied to `ct`.
    pub(super) fn pullback_call(&self, c: &'a syn::ExprCall, name: &'a syn::Ident) -> Expr<'a> {
        let args = c.args.iter().map(|a| self.expr(a)).collect();
        Expr {
            kind: ExprKind::Pullback(name, args),
            span: c.span(),
        }
    }

    /// A pullback named as a value (stored, returned, passed on): refused.
    pub(super) fn refuse_pullback_value(&self, id: &syn::Ident) {
        self.cx.error_spanned_by(
            id,
            format!("`{id}` is a pullback from `h::vjp`: it cannot be stored, returned or passed on, only applied in this body: write `let g = {id}(&ct);` and use `g`, or call `h::grad(..)`/`h::jacobian(..)`"),
        );
    }
}

/// `h::vjp`, `other::h::vjp` (a path of two or more segments ending in `vjp`).
pub(super) fn is_vjp_path(f: &syn::Expr) -> bool {
    match f {
        syn::Expr::Path(p) => {
            p.path.segments.len() >= 2 && p.path.segments.last().is_some_and(|s| s.ident == "vjp")
        }
        _ => false,
    }
}

fn collect_bound(p: &syn::Pat, out: &mut Vec<String>) {
    match p {
        syn::Pat::Ident(pi) => out.push(pi.ident.to_string()),
        syn::Pat::Type(pt) => collect_bound(&pt.pat, out),
        syn::Pat::Paren(pp) => collect_bound(&pp.pat, out),
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|e| collect_bound(e, out)),
        syn::Pat::Slice(t) => t.elems.iter().for_each(|e| collect_bound(e, out)),
        _ => {}
    }
}
