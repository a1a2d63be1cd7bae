//! What is emitted when a function has errors: the primal unchanged and a
//! companion module whose functions accept any arguments and diverge, so
//! the user sees the real errors and not a cascade of "cannot find
//! `f::grad`" ones.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ItemFn;

/// The companion names every annotated function may have.
const COMPANIONS: &[&str] = &[
    "grad",
    "value_and_grad",
    "hessian",
    "jvp",
    "vjp",
    "jacobian",
    "vmap",
    "make_jaxpr",
];

/// Primal + stub module for `item` (already stripped of rjax attributes).
/// The primal keeps its signature but its body diverges, so rustc does not
/// add its own complaints about constructs rjax already refused.
pub fn emit(item: &ItemFn) -> TokenStream {
    let mut stub = item.clone();
    stub.block = syn::parse_quote!({ ::core::unreachable!("rjax: this function did not compile") });
    stub.attrs
        .push(syn::parse_quote!(#[allow(unused_variables, unreachable_code)]));
    let item = &stub;
    if matches!(item.sig.inputs.first(), Some(syn::FnArg::Receiver(_))) || item.sig.ident == "rjax"
    {
        // A method: no companion module can live in an `impl`. A function
        // named `rjax` (refused): a module `rjax` would hide the crate.
        return quote!(#item);
    }
    let name = &item.sig.ident;
    let vis = &item.vis;
    let n = item.sig.inputs.len();
    let stubs = COMPANIONS.iter().map(|c| {
        let arity = if *c == "jvp" { 2 } else { n };
        let c = format_ident!("{c}");
        let tys: Vec<_> = (0..arity).map(|i| format_ident!("A{i}")).collect();
        quote! {
            pub fn #c<#(#tys),*>(#(_: #tys),*) -> ! {
                ::core::unreachable!("rjax: `{}` did not compile", ::core::stringify!(#name))
            }
        }
    });
    quote! {
        #item
        #[doc(hidden)]
        #[allow(dead_code, non_snake_case, clippy::all)]
        #vis mod #name {
            #(#stubs)*
            pub fn jaxpr() -> ! {
                ::core::unreachable!("rjax: `{}` did not compile", ::core::stringify!(#name))
            }
        }
    }
}
