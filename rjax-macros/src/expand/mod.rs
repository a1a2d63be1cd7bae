//! One expansion: parse the item and the stacked attributes, check, then
//! lower, transform and emit the primal and the companion module. Errors
//! at any stage end in [`fallback`] plus the combined `compile_error!`s.

mod fallback;

use proc_macro2::TokenStream;
use syn::ItemFn;

use crate::attr::{self, Kind};
use crate::ctxt::Ctxt;
use crate::{ast, check};

/// Expands `#[kind(args)] item`.
pub fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item: ItemFn = match syn::parse2(item) {
        Ok(item) => item,
        Err(e) => {
            return syn::Error::new(
                e.span(),
                "rjax attributes apply to free functions (`fn f(t: &Array<f32>) -> f32 { .. }`)",
            )
            .to_compile_error();
        }
    };
    let cx = Ctxt::new();
    let config = attr::parse(&cx, kind, args, &mut item.attrs);
    let primal = strip_param_attrs(&item);
    let generated = match ast::function(&cx, &item) {
        Some(func) => {
            check::check(&cx, &config, &func);
            if cx.has_errors() {
                None
            } else {
                Some(generate(&cx, &config, &func, &primal))
            }
        }
        None => None,
    };
    match cx.check() {
        Ok(()) => generated.unwrap_or_default(),
        Err(e) => {
            let mut out = fallback::emit(&primal);
            out.extend(e.to_compile_error());
            out
        }
    }
}

/// The primal as the user wrote it, without our `#[rank(k)]` markers.
fn strip_param_attrs(item: &ItemFn) -> ItemFn {
    let mut item = item.clone();
    for input in &mut item.sig.inputs {
        if let syn::FnArg::Typed(pt) = input {
            pt.attrs.retain(|a| !a.path().is_ident("rank"));
        }
    }
    item
}

fn generate(_cx: &Ctxt, _config: &attr::Config, _func: &ast::Function, primal: &ItemFn) -> TokenStream {
    fallback::emit(primal)
}
