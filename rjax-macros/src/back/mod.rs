//! One expansion: parse the item and the stacked attributes, check, then
//! lower, transform and emit the primal and the companion module. Errors
//! at any stage end in [`fallback`] plus the combined `compile_error!`s.

mod collective;
mod companions;
pub mod derive_tree;
mod emit;
mod emit_random;
mod export;
mod fallback;
mod fuse;
mod jit;
mod kernel;
mod keys;
mod plan;
mod rows;
mod size_checks;
mod staged;
mod tree_companions;
mod tree_jit;
mod unannotated;

pub(crate) use export::key as export_key;
pub(crate) use export::unique_name;

use proc_macro2::TokenStream;
use syn::ItemFn;

use crate::front::attr::{self, Kind};
use crate::front::ctxt::Ctxt;
use crate::front::{ast, check};
use crate::lower;
use quote::quote;

/// Expands `#[kind(args)] item`.
pub fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    expand_with(kind, args, item, Vec::new())
}

/// `__compose!{ {caller} {received} {pending} }`: the callback through
/// which each callee's exported tokens reach the caller's expansion (one
/// callee at a time, see [`export`]); the last step expands the caller.
pub fn compose(input: TokenStream) -> TokenStream {
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
    let mut pending = export::parse_pending(pending.clone());
    if !pending.is_empty() {
        let next = pending.remove(0);
        let (key, mac) = match export::export_macro(&next) {
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
    let received = match export::parse_received(received.clone()) {
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
    received: Vec<(String, export::Export)>,
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
    let deps = export::received_tokens(&received);
    let exported = quote!({#caller_tokens} #deps);
    // Callee models (their own expansions report their errors).
    let callee_cx = Ctxt::new();
    let callees = export::callees(&callee_cx, &received);
    let _ = callee_cx.check();
    let mut deferred = None;
    let generated = match ast::function(&cx, &item) {
        Some(func) => {
            check::check(&cx, &config, &func);
            let mut wanted: Vec<(String, &syn::Path)> =
                func.callees.iter().map(|(k, p)| (k.clone(), p)).collect();
            if let Some(c) = &config.custom {
                for p in c.paths() {
                    wanted.push((export::key(p), p));
                }
            }
            let mut missing: Vec<(String, TokenStream)> = wanted
                .iter()
                .filter(|(k, _)| !callees.contains_key(k))
                .map(|(k, p)| (k.clone(), quote!(#p)))
                .collect();
            let defs = export::structs(&received);
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
                unannotated::check(&cx, &func, &spans);
            }
            if cx.has_errors() {
                None
            } else if !missing.is_empty() && (received.is_empty() || nested_only) {
                // Ask each callee for its tokens, then expand again (with
                // what was already received, for nested structs).
                let paths = missing.iter().map(|(_, p)| quote!((#p)));
                let got = export::received_tokens(&received);
                deferred = Some(quote!(
                    ::rjax::__compose! { {#caller_tokens} {#got} {#(#paths)*} }
                ));
                None
            } else {
                let mut func = func;
                let mut config = config.clone();
                match crate::front::tree_param::expand(&mut func, &mut config, &defs) {
                    Ok(()) => Some(generate(&cx, &config, &func, &primal, &callees, &exported)),
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

/// Lower, transform, emit. Errors go to `cx` (the caller then emits the
/// fallback).
fn generate(
    cx: &Ctxt,
    config: &attr::Config,
    func: &ast::Function,
    primal: &ItemFn,
    callees: &lower::Callees,
    exported: &TokenStream,
) -> TokenStream {
    let mut lowered = match lower::rank::lower_inferring(func, callees) {
        Ok(l) => l,
        Err(e) => {
            cx.push(e);
            return TokenStream::new();
        }
    };
    if let Some(c) = &config.custom {
        let name = func.name.to_string();
        match crate::lower::custom::wrap(&name, lowered.jaxpr, c, callees) {
            Ok(j) => lowered.jaxpr = j,
            Err(e) => {
                // At the rule named in the attribute (the attribute's own
                // span is the callback's when the rules were fetched).
                use syn::spanned::Spanned;
                cx.error_at(c.paths()[0].span(), e);
                return TokenStream::new();
            }
        }
    }
    let input = companions::Input {
        f: func,
        config,
        jaxpr: &lowered.jaxpr,
        ranks: &lowered.ranks,
    };
    // Under #[jit], every emitter (primal and companions) fuses.
    let _jit_mode = emit::jit_scope(config.jit.is_some());
    let out = companions::generate(&input);
    let at = config
        .grad
        .as_ref()
        .map(|g| g.span)
        .or(config.vmap.as_ref().map(|v| v.span))
        .unwrap_or_else(proc_macro2::Span::call_site);
    for e in &out.errors {
        cx.error_at(at, format!("rjax could not transform `{}`: {e}", func.name));
    }
    // The primal may be used only through its companions.
    let mut primal = primal.clone();
    primal.attrs.push(syn::parse_quote!(#[allow(dead_code)]));
    let primal = &primal;
    // `#[jit]` replaces the body, so rustc would no longer see the user's
    // moves of `Key`s: a never-called copy of the original keeps "a key is
    // used once" a compile error (E0382 on the user's own tokens).
    let key_moves = if config.jit.is_some() && func.params.iter().any(|p| p.ty == ast::ParamTy::Key)
    {
        let mut copy = primal.clone();
        copy.vis = syn::Visibility::Inherited;
        quote!(const _: () = { #[allow(dead_code, unused, clippy::all)] #copy };)
    } else {
        TokenStream::new()
    };
    let primal = match config.jit {
        Some(span) => match if tree_jit::needed(&input) {
            tree_jit::primal(&input, primal)
        } else {
            jit::primal(&input, primal)
        } {
            Ok(p) => p,
            Err(e) => {
                cx.error_at(
                    span,
                    format!("`#[jit]` could not optimise `{}`: {e}", func.name),
                );
                quote!(#primal)
            }
        },
        None => quote!(#primal),
    };
    let name = func.name;
    let vis = &primal_vis(func);
    let mut items = out.items;
    if config.jit.is_some() {
        items.extend(jit::cache_companion(name));
    }
    let export = export::export_macro_items(name, exported);
    quote! {
        #primal
        #key_moves
        #[doc = "Companions of the function of the same name: generated by rjax."]
        #[allow(dead_code, unused_variables, unused_mut, unused_imports, unused_macros, unused_parens, non_snake_case, clippy::all)]
        #vis mod #name {
            use super::*;
            #items
            #export
        }
    }
}

fn primal_vis(func: &ast::Function) -> syn::Visibility {
    func.item.vis.clone()
}
