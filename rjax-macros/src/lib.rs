//! rjax-macros: `#[grad]`, `#[vmap]`, `#[jit]`.
//!
//! Parses the annotated function, diagnoses what is outside the accepted
//! subset, lowers it to rjax-core's IR, transforms it with rjax-core and
//! emits plain Rust calling rjax-runtime. No derivative or batching rule
//! lives here.
//!
//! The three attributes stack in any order; the outermost one sees the
//! others and one expansion produces the primal `fn f` and the companion
//! module `f` (`f::grad`, `f::vmap`, `f::jaxpr()`, ...). See the facade
//! crate `rjax` for the user contract.
#![warn(missing_docs)]

mod back;
mod front;
mod lower;
#[cfg(test)]
mod snapshots;

use front::{attr, context, guard};

use proc_macro::TokenStream;

/// Differentiation: keeps `fn f` and adds `f::grad`, `f::value_and_grad`,
/// `f::hessian` (scalar output), `f::jvp`, `f::vjp`, `f::jacobian`, ...
/// Arguments: `argnums = 0 | (0, 1)`, `has_aux`.
#[proc_macro_attribute]
pub fn grad(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(attr::Kind::Grad, args, item)
}

/// Batching: adds `f::vmap` (and every other companion).
/// Arguments: `in_axes = 0 | (0, None, ..)`, `out_axes = 0 | 1 | None | (0, None, ..)` (where each output puts its batch axis, as in JAX).
#[proc_macro_attribute]
pub fn vmap(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(attr::Kind::Vmap, args, item)
}

/// Compilation: `fn f` itself becomes the optimised code (after
/// rjax-core's passes), and the companions are added.
#[proc_macro_attribute]
pub fn jit(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(attr::Kind::Jit, args, item)
}

/// A function whose derivative is the user's rule (JAX's `custom_jvp` +
/// `defjvp`): `#[custom_jvp(jvp = f_jvp)] fn f(x: f64) -> f64 { .. }` with
/// an annotated `#[jit] fn f_jvp(x: f64, x_dot: f64) -> (f64, f64)` that
/// returns the output and its tangent (linear in the tangents). Every
/// companion and every annotated caller differentiates through the rule;
/// evaluation runs `f`'s own body. Stacks with `#[grad]`/`#[vmap]`/`#[jit]`.
#[proc_macro_attribute]
pub fn custom_jvp(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(attr::Kind::CustomJvp, args, item)
}

/// A function whose reverse-mode derivative is the user's (JAX's
/// `custom_vjp` + `defvjp`): `#[custom_vjp(fwd = f_fwd, bwd = f_bwd)]`,
/// `#[jit] fn f_fwd(args..) -> (out, residuals..)` and `#[jit] fn
/// f_bwd(residuals.., cotangent) -> argument cotangent(s)`. Forward mode
/// (`f::jvp`, `hessian`) through it is refused, as in JAX.
#[proc_macro_attribute]
pub fn custom_vjp(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(attr::Kind::CustomVjp, args, item)
}

/// One attribute macro's expansion, refusing a function inside an `impl`
/// or a `trait` (its companion module could not be emitted there).
fn attribute(kind: attr::Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    // Read before the guard: `proc_macro` spans and the source file.
    let block = context::enclosing_block(&item);
    let (args, item): (proc_macro2::TokenStream, proc_macro2::TokenStream) =
        (args.into(), item.into());
    // Parsing recurses over the body: inside the guard's stack.
    guard::run(move || match block {
        Some(block) => refuse_in_block(kind, block, args, item),
        None => pipeline::expand(kind, args, item),
    })
    .into()
}

/// The refusal of a function inside an `impl` or `trait`, followed by the
/// function as written without its rjax attributes (each would refuse it
/// once more). A method (`&self`) gets its own refusal from the expansion.
fn refuse_in_block(
    kind: attr::Kind,
    block: &str,
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let Ok(mut f) = syn::parse2::<syn::ItemFn>(item.clone()) else {
        return item;
    };
    if matches!(f.sig.inputs.first(), Some(syn::FnArg::Receiver(_))) {
        return pipeline::expand(kind, args, item);
    }
    let msg = format!(
        "`#[{}]` applies to free functions, and this one is inside {} `{block}` block, where its companion module (`f::grad`, ...) cannot be: move the function out of the `{block}` (to the module around it) and call it from there",
        kind.name(),
        if block == "impl" { "an" } else { "a" }
    );
    f.attrs.retain(|a| attr::kind_of(a).is_none());
    let mut out = syn::Error::new(proc_macro2::Span::call_site(), msg).to_compile_error();
    out.extend(quote::quote!(#f));
    out
}

/// Internal: the callback that brings an annotated callee's tokens into its
/// caller's expansion (see `pipeline::compose`).
#[doc(hidden)]
#[proc_macro]
pub fn __compose(input: TokenStream) -> TokenStream {
    guard::run(|| pipeline::compose(input.into())).into()
}

/// `#[derive(Tree)]`: the struct's fields become the leaves of a
/// `rjax::runtime::tree::Tree` (parameter trees, like JAX's pytrees), for
/// `tree_map`/`tree_zip` optimizer updates.
/// Fields may carry `#[rank(k)]` to fix an array field's rank when the
/// struct is a parameter of an annotated function.
#[proc_macro_derive(Tree, attributes(rank))]
pub fn derive_tree(input: TokenStream) -> TokenStream {
    guard::run(|| back::derive_tree::derive(input.into())).into()
}

/// One expansion, layer by layer: the item and the stacked attributes are
/// parsed and checked (`front`), callees' tokens are fetched through the
/// `__compose!` callback (`back::export`), tree parameters flatten
/// (`front::tree_param::expand`), then `back::generate` lowers (`lower`),
/// transforms (rjax-core) and emits. Errors at any stage end in
/// `back::fallback` plus the combined `compile_error!`s.
mod pipeline {
    use proc_macro2::TokenStream;
    use quote::quote;
    use syn::ItemFn;

    use crate::back;
    use crate::front::arena::ModelStore;
    use crate::front::attr::{self, Kind};
    use crate::front::ctxt::Ctxt;
    use crate::front::{ast, check};

    /// Expands `#[kind(args)] item`.
    pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
        expand_with(kind, args, item, Vec::new())
    }

    /// `__compose!{ {caller} {received} {pending} }`: the callback through
    /// which each callee's exported tokens reach the caller's expansion (one
    /// callee at a time, see [`export`]); the last step expands the caller.
    pub(crate) fn compose(input: TokenStream) -> TokenStream {
        let groups: Vec<TokenStream> = input
            .into_iter()
            .filter_map(|t| match t {
                proc_macro2::TokenTree::Group(g) => Some(g.stream()),
                _ => None,
            })
            .collect();
        let [caller, received, pending] = &groups[..] else {
            return quote!(::core::compile_error!("rjax: malformed __compose! call"););
        };
        let mut pending = back::export::parse_pending(pending.clone());
        if !pending.is_empty() {
            let next = pending.remove(0);
            let (key, mac) = match back::export::export_macro(&next) {
                Ok(x) => x,
                Err(e) => return e.to_compile_error(),
            };
            let rest = pending.iter().map(|p| quote!((#p)));
            return quote!(#mac! { {#caller} {#received [#key]} {#(#rest)*} });
        }
        let mut item: ItemFn = match syn::parse2(caller.clone()) {
            Ok(i) => i,
            Err(e) => return e.to_compile_error(),
        };
        let received = match back::export::parse_received(received.clone()) {
            Ok(v) => v,
            Err(e) => return e.to_compile_error(),
        };
        // The caller's first rjax attribute plays the invoked macro.
        let Some(pos) = item.attrs.iter().position(|a| attr::kind_of(a).is_some()) else {
            return quote!(::core::compile_error!("rjax: __compose! without an rjax attribute"););
        };
        let a = item.attrs.remove(pos);
        let kind = attr::kind_of(&a).unwrap();
        let args = match &a.meta {
            syn::Meta::List(l) => l.tokens.clone(),
            _ => TokenStream::new(),
        };
        expand_with(kind, args, quote!(#item), received)
    }

    fn expand_with(
        kind: Kind,
        args: TokenStream,
        item: TokenStream,
        received: Vec<(String, back::export::Export)>,
    ) -> TokenStream {
        let original = item.clone();
        let invoked_args = args.clone();
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
        // The caller tokens for the callback, and the tokens other functions
        // receive when they call this one: itself and what it needed.
        let kind_ident = quote::format_ident!("{}", kind.name());
        let caller_tokens = quote!(#[::rjax::#kind_ident(#invoked_args)] #original);
        let deps = back::export::received_tokens(&received);
        let exported = quote!({#caller_tokens} #deps);
        // Callee models (their own expansions report their errors).
        // What the models borrow besides `item`, dropped with this expansion.
        let store = ModelStore::default();
        let callee_cx = Ctxt::new();
        let callees = back::export::callees(&callee_cx, &received, &store);
        let _ = callee_cx.check();
        let mut deferred = None;
        let generated = match ast::function(&cx, &item, &store) {
            Some(func) => {
                check::check(&cx, &config, &func);
                let mut wanted: Vec<(String, &syn::Path)> =
                    func.callees.iter().map(|(k, p)| (k.clone(), p)).collect();
                if let Some(c) = &config.custom {
                    for p in c.paths() {
                        wanted.push((back::export::key(p), p));
                    }
                }
                let mut missing: Vec<(String, TokenStream)> = wanted
                    .iter()
                    .filter(|(k, _)| !callees.contains_key(k))
                    .map(|(k, p)| (k.clone(), quote!(#p)))
                    .collect();
                let defs = back::export::structs(&received);
                for p in &func.structs {
                    let k = crate::front::tree_param::key(p);
                    if !defs.contains_key(&k) && !missing.iter().any(|(m, _)| *m == k) {
                        missing.push((k, quote!(struct #p)));
                    }
                }
                // Structs nested in received structs: fetched in one more round.
                let nested_only = missing.is_empty();
                for p in crate::front::tree_param::nested_missing(&defs) {
                    let k = crate::front::tree_param::key(&p);
                    if !missing.iter().any(|(m, _)| *m == k) {
                        missing.push((k, quote!(struct #p)));
                    }
                }
                if !cx.has_errors() && received.is_empty() {
                    use syn::spanned::Spanned;
                    let spans: Vec<(String, proc_macro2::Span)> = wanted
                        .iter()
                        .filter(|(k, _)| !callees.contains_key(k))
                        .map(|(k, p)| (k.clone(), p.span()))
                        .collect();
                    back::unannotated::check(&cx, &func, &spans);
                }
                if cx.has_errors() {
                    None
                } else if !missing.is_empty() && (received.is_empty() || nested_only) {
                    // Ask each callee for its tokens, then expand again (with
                    // what was already received, for nested structs).
                    let paths = missing.iter().map(|(_, p)| quote!((#p)));
                    let got = back::export::received_tokens(&received);
                    deferred = Some(quote!(
                        ::rjax::__compose! { {#caller_tokens} {#got} {#(#paths)*} }
                    ));
                    None
                } else {
                    let mut func = func;
                    let mut config = config.clone();
                    match crate::front::tree_param::expand(&mut func, &mut config, &defs, &store) {
                        Ok(()) => Some(back::generate(
                            &cx, &config, &func, &primal, &callees, &exported,
                        )),
                        Err(m) => {
                            cx.error_at(m.span.unwrap_or(func.name.span()), m.msg);
                            None
                        }
                    }
                }
            }
            None => None,
        };
        if let Some(d) = deferred {
            let _ = cx.check();
            return d;
        }
        match cx.check() {
            Ok(()) => {
                let out = generated.unwrap_or_default();
                // For reading the generated code while developing the macros.
                if std::env::var_os("RJAX_MACROS_DEBUG").is_some() {
                    eprintln!("{out}");
                }
                out
            }
            Err(e) => {
                let mut out = back::fallback::emit(&primal);
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
}
