//! `#[derive(Tree)]`: a struct whose fields are trees (arrays, scalars,
//! tuples, `Vec`s, arrays of trees, other derived structs) becomes a
//! `rjax::runtime::tree::Tree<T>`: leaves in field order, rebuilt in the
//! same order. Generic over the element type `T`, bounded by every field
//! type being a `Tree<T>`, so `Params { w: Array<f32>, b: f32 }` is a
//! `Tree<f32>`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Data, DeriveInput, Fields};

/// Expands the derive.
pub fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let Data::Struct(s) = &input.data else {
        return syn::Error::new_spanned(
            &input.ident,
            "`#[derive(Tree)]` applies to structs (enums and unions have no fixed leaves)",
        )
        .to_compile_error();
    };
    let name = &input.ident;
    let elem = format_ident!("__RjaxElem");
    let (members, tys): (Vec<TokenStream>, Vec<&syn::Type>) = match &s.fields {
        Fields::Named(f) => f
            .named
            .iter()
            .map(|f| {
                let id = f.ident.as_ref().unwrap();
                (quote!(#id), &f.ty)
            })
            .unzip(),
        Fields::Unnamed(f) => f
            .unnamed
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let i = syn::Index::from(i);
                (quote!(#i), &f.ty)
            })
            .unzip(),
        Fields::Unit => (Vec::new(), Vec::new()),
    };
    let mut generics = input.generics.clone();
    generics
        .params
        .push(syn::parse_quote!(#elem: ::rjax::runtime::Element));
    let (impl_g, _, _) = generics.split_for_impl();
    let (_, ty_g, where_g) = input.generics.split_for_impl();
    let mut preds: Vec<TokenStream> = where_g
        .map(|w| w.predicates.iter().map(|p| quote!(#p)).collect())
        .unwrap_or_default();
    preds.extend(
        tys.iter()
            .map(|t| quote!(#t: ::rjax::runtime::tree::Tree<#elem>)),
    );
    let build = match &s.fields {
        Fields::Named(_) => {
            quote!(#name { #(#members: ::rjax::runtime::tree::Tree::<#elem>::rebuild(&self.#members, leaves)),* })
        }
        Fields::Unnamed(_) => {
            quote!(#name ( #(::rjax::runtime::tree::Tree::<#elem>::rebuild(&self.#members, leaves)),* ))
        }
        Fields::Unit => quote!(#name),
    };
    // The struct's tokens for annotated functions that take or return it
    // (`tree_param`), through the same callback as a callee's, reachable
    // from other crates the same way (see back/export.rs).
    let export = format_ident!("__rjax_tree_{}", name);
    let unique = super::export::unique_name("__rjax_tree", name, &quote!(#input).to_string());
    quote! {
        #[doc(hidden)]
        #[macro_export]
        macro_rules! #unique {
            ({$($caller:tt)*} {$($received:tt)*} {$($pending:tt)*}) => {
                ::rjax::__compose! { {$($caller)*} {$($received)* { {#input} }} {$($pending)*} }
            };
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        pub use #unique as #export;
        impl #impl_g ::rjax::runtime::tree::Tree<#elem> for #name #ty_g where #(#preds),* {
            fn leaves_into(&self, out: &mut ::std::vec::Vec<::rjax::runtime::Array<#elem>>) {
                #(::rjax::runtime::tree::Tree::<#elem>::leaves_into(&self.#members, out);)*
            }
            fn rebuild(&self, leaves: &mut dyn ::core::iter::Iterator<Item = ::rjax::runtime::Array<#elem>>) -> Self {
                let _ = &leaves;
                #build
            }
        }
    }
}
