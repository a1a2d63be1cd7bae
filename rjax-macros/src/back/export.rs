//! The tokens an annotated function hands to its callers, and how a caller
//! turns them back into callee models.
//!
//! How a caller reaches a callee's IR: the expansion of `#[grad] fn h`
//! defines a hidden `macro_rules!` that pastes `h`'s own tokens (and those
//! of everything `h` itself needed: its callees and its custom rules,
//! recursively) into a `__compose!` call, and names it `__rjax_export`
//! inside the companion module `h`. A caller whose body names `h`,
//! `other::h`, `h::grad` or `other_crate::h::grad` first expands to
//! `<that path>::__rjax_export! {..}` (the path as the user wrote it, so
//! `use other::h;` and `other::h::grad` resolve as any Rust path does);
//! the callback re-invokes the caller's macro with the callee's tokens,
//! which it parses, lowers at the argument types and inlines. Callees are
//! fetched one at a time, then the caller expands.
//!
//! Reaching it from another crate (see [`export_macro_items`]): the macro
//! is `#[macro_export]` under a name unique in its crate, and the companion
//! module re-exports it with a one-segment `pub use`. That `use` resolves
//! the macro's textual (`macro_rules!`) scope, not the crate root, so it
//! escapes rustc's rule that a macro-expanded `#[macro_export]` macro may
//! not be named by an absolute path in its own crate (tried: `pub use
//! crate::name` is that error); and the macro's visibility is public, so
//! the re-export is seen from dependent crates. One path `h::__rjax_export`
//! then works in the same module, another module and another crate.
//!
//! Wire format (all inside one `__compose! { .. }`):
//! `{caller item} {received} {pending}` where `received` is a sequence
//! of `["key"] {export}`, `export` is `{item} received`, and `pending` is
//! a sequence of `(path)` groups still to fetch.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::quote;
use syn::ItemFn;

use crate::front::arena::ModelStore;
use crate::front::attr;
use crate::front::ctxt::Ctxt;
use crate::lower::{Callee, Callees};

/// One received export: the callee's item and its own dependencies.
pub struct Export {
    /// `#[rjax attr] fn h(..) {..}`, or a `#[derive(Tree)]` struct.
    pub item: syn::Item,
    /// What the callee's body (and its custom rule) refer to, by the key
    /// the callee's body uses.
    pub deps: Vec<(String, Export)>,
}

pub use crate::front::key::path_key as key;

/// Parses a `received` sequence: `["key"] {export}` ...
pub fn parse_received(ts: TokenStream) -> syn::Result<Vec<(String, Export)>> {
    let mut out = Vec::new();
    let mut it = ts.into_iter();
    while let Some(t) = it.next() {
        let TokenTree::Group(k) = t else {
            return Err(malformed());
        };
        let lit: syn::LitStr = syn::parse2(k.stream())?;
        let Some(TokenTree::Group(body)) = it.next() else {
            return Err(malformed());
        };
        out.push((lit.value(), parse_export(body.stream())?));
    }
    Ok(out)
}

fn parse_export(ts: TokenStream) -> syn::Result<Export> {
    let mut it = ts.into_iter();
    let Some(TokenTree::Group(item)) = it.next() else {
        return Err(malformed());
    };
    let item: syn::Item = syn::parse2(item.stream())?;
    let deps = parse_received(it.collect())?;
    Ok(Export { item, deps })
}

fn malformed() -> syn::Error {
    syn::Error::new(
        proc_macro2::Span::call_site(),
        "rjax: malformed `__compose!` input",
    )
}

/// The `received` tokens for `exports` (what a function re-exports as its
/// dependencies).
pub fn received_tokens(exports: &[(String, Export)]) -> TokenStream {
    let mut out = TokenStream::new();
    for (k, e) in exports {
        let item = &e.item;
        let deps = received_tokens(&e.deps);
        out.extend(quote!([#k] { {#item} #deps }));
    }
    out
}

/// Callee models for `exports` (errors of the callees' own attributes are
/// reported by their own expansions, so `cx` is discarded by the caller).
pub fn callees<'a>(cx: &Ctxt, exports: &[(String, Export)], store: &'a ModelStore) -> Callees<'a> {
    let mut out = Callees::new();
    for (k, e) in exports {
        let syn::Item::Fn(item) = &e.item else {
            continue;
        };
        let mut item: ItemFn = item.clone();
        let mut config = attr::parse_attrs(cx, &mut item.attrs);
        // The models borrow the item: the expansion's store keeps it.
        let item: &'a ItemFn = store.items.alloc(item);
        if let Some(mut f) = crate::front::ast::function(cx, item, store) {
            // Its struct parameters, with the structs it received.
            if let Err(m) =
                crate::front::tree_param::expand(&mut f, &mut config, &structs(&e.deps), store)
            {
                cx.error_at(m.span.unwrap_or(f.name.span()), m.msg);
                continue;
            }
            out.insert(
                k.clone(),
                Callee {
                    f,
                    config,
                    deps: callees(cx, &e.deps, store),
                },
            );
        }
    }
    out
}

/// The `#[derive(Tree)]` structs among `exports`, by key.
pub fn structs(exports: &[(String, Export)]) -> crate::front::tree_param::TreeDefs {
    let mut out = crate::front::tree_param::TreeDefs::new();
    for (k, e) in exports {
        if let syn::Item::Struct(s) = &e.item {
            out.insert(k.clone(), crate::front::tree_param::def(s));
        }
    }
    out
}

/// The macro path that exports a pending entry: `h::__rjax_export` for a
/// function `h`, `__rjax_tree_Params` for `struct Params` (the derive's).
pub fn export_macro(pending: &TokenStream) -> syn::Result<(String, TokenStream)> {
    let mut toks: Vec<TokenTree> = pending.clone().into_iter().collect();
    let is_struct = matches!(toks.first(), Some(TokenTree::Ident(i)) if i == "struct");
    if is_struct {
        toks.remove(0);
    }
    let mut path: syn::Path = syn::parse2(toks.into_iter().collect())?;
    if !is_struct {
        return Ok((key(&path), quote!(#path::__rjax_export)));
    }
    let k = format!("struct {}", key(&path));
    let last = path
        .segments
        .pop()
        .expect("a path has a segment")
        .into_value();
    let name = quote::format_ident!("__rjax_tree_{}", last.ident, span = last.ident.span());
    Ok((k, quote!(#path #name)))
}

/// The pending groups `(path)` as paths.
pub fn parse_pending(ts: TokenStream) -> Vec<TokenStream> {
    ts.into_iter()
        .filter_map(|t| match t {
            TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => Some(g.stream()),
            _ => None,
        })
        .collect()
}

/// The items of the companion module `name` that hand `exported` (this
/// function's tokens and its dependencies') to a caller's macro, in this
/// crate or in a dependent one (see the module docs).
pub fn export_macro_items(name: &syn::Ident, exported: &TokenStream) -> TokenStream {
    let unique = unique_name("__rjax_export", name, &exported.to_string());
    quote! {
        /// Hands this function's tokens to the macro of a caller.
        #[doc(hidden)]
        #[macro_export]
        macro_rules! #unique {
            ({$($caller:tt)*} {$($callees:tt)*} {$($pending:tt)*}) => {
                ::rjax::__compose! { {$($caller)*} {$($callees)* {#exported}} {$($pending)*} }
            };
        }
        #[doc(hidden)]
        pub use #unique as __rjax_export;
    }
}

/// `<prefix>_<name>_<hash>`: `#[macro_export]` macros share the crate
/// root, so two functions `h` in two modules need two names. The hash is
/// of where `name` is written (file, line, column), which a proc macro can
/// see and which differs between any two items written by hand, and of
/// the item's tokens (`text`), which tells apart items one `macro_rules!`
/// stamps out at one position with different bodies. (Identical items
/// stamped out twice still collide: rustc then reports the name as
/// defined twice.)
pub fn unique_name(prefix: &str, name: &syn::Ident, text: &str) -> syn::Ident {
    // Outside a macro call (the crate's own snapshot tests) there is no
    // source position: the tokens alone.
    let at = if proc_macro::is_available() {
        let span = name.span().unwrap();
        let file = span
            .local_file()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| span.file());
        format!("{file}:{}:{}", span.line(), span.column())
    } else {
        String::new()
    };
    // FNV-1a: stable, and enough to tell items apart.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in at.bytes().chain(text.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    quote::format_ident!("{}_{}_{:016x}", prefix, name, h)
}
