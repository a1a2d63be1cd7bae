//! Calls to functions that are not annotated, refused with our own error.
//!
//! A callee's IR reaches the caller only if the callee is annotated (its
//! expansion defines the export macro, see [`super::export`]). For a
//! callee that is not, the path `h::__rjax_export!` would fail with
//! rustc's "could not find" error, which does not say what to do. So
//! before asking, the caller's source file (the same file rustc compiles)
//! is read: a bare name `h` defined there as a plain `fn` without an rjax
//! attribute is refused here, at the call. Callees reached through
//! another module or a `use` are left to the callback.

use proc_macro2::Span;
use syn::visit::Visit;

use crate::front::ast::Function;
use crate::front::ctxt::Ctxt;

/// Attribute names that make a function a callee (its last path segment).
const ANNOTATIONS: &[&str] = &["grad", "vmap", "jit", "custom_jvp", "custom_vjp"];

/// Records an error for each missing callee `(key, span)` that the
/// caller's own file defines without an rjax attribute.
pub fn check(cx: &Ctxt, func: &Function, missing: &[(String, Span)]) {
    let bare: Vec<&(String, Span)> = missing.iter().filter(|(k, _)| !k.contains("::")).collect();
    if bare.is_empty() {
        return;
    }
    // proc_macro (not proc_macro2) knows the file without extra features;
    // outside a macro call (the crate's own tests) there is no file.
    if !proc_macro::is_available() {
        return;
    }
    let Some(path) = func.name.span().unwrap().local_file() else {
        return;
    };
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let Ok(file) = syn::parse_file(&text) else {
        return;
    };
    let mut fns = Fns::default();
    fns.visit_file(&file);
    for (key, span) in bare {
        let found: Vec<bool> = fns
            .found
            .iter()
            .filter(|(n, _)| n == key)
            .map(|(_, annotated)| *annotated)
            .collect();
        if !found.is_empty() && !found.iter().any(|a| *a) {
            cx.error_at(
                *span,
                format!(
                    "`{key}` is not an annotated function, so its body cannot be transformed here: annotate it (`#[jit]`, `#[grad]` or `#[vmap]` on `fn {key}`) or give its derivative with `#[custom_jvp(jvp = ..)]`"
                ),
            );
        }
    }
}

/// Every free `fn` of the file: (name, has an rjax attribute).
#[derive(Default)]
struct Fns {
    found: Vec<(String, bool)>,
}

impl<'ast> Visit<'ast> for Fns {
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let annotated = f.attrs.iter().any(|a| {
            a.path()
                .segments
                .last()
                .is_some_and(|s| ANNOTATIONS.contains(&s.ident.to_string().as_str()))
        });
        self.found.push((f.sig.ident.to_string(), annotated));
        syn::visit::visit_item_fn(self, f);
    }
}
