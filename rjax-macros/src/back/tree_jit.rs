//! `#[jit]` of a function with `#[derive(Tree)]` parameters or result:
//! the optimised code is emitted for a hidden function over the fields
//! (`__rjax_flat_step(p_w1, p_b1, ..)`), and `fn step(p: &Params, ..)
//! -> Params` keeps the user's signature, unpacking the struct's fields
//! and rebuilding the struct result around one call to it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ItemFn;

use super::companions::Input;
use super::emit::elem_ty;
use super::error::CompanionError;
use super::jit;
use crate::front::ast::{ParamTy, ValTy};
use crate::lower::dtype;

/// True when the jit primal needs the wrapper.
pub fn needed(inp: &Input) -> bool {
    !inp.f.trees.is_empty() || inp.f.ret.tree.is_some()
}

/// The wrapper and the optimised function over the fields.
pub fn primal(inp: &Input, original: &ItemFn) -> Result<TokenStream, CompanionError> {
    let f = inp.f;
    let flat_name = format_ident!("__rjax_flat_{}", f.name);
    let leaves: Vec<&syn::Ident> = f.params.iter().map(|p| p.name).collect();
    let decls: Vec<TokenStream> = f
        .params
        .iter()
        .map(|p| {
            let n = p.name;
            match p.ty {
                ParamTy::Scalar(s) => {
                    let t = elem_ty(dtype(s));
                    quote!(#n: #t)
                }
                ParamTy::Array { elem, .. } => {
                    let t = elem_ty(dtype(elem));
                    quote!(#n: &::rjax::Array<#t>)
                }
                ParamTy::Key => quote!(#n: ::rjax::random::Key),
                ParamTy::Tree { .. } => unreachable!("replaced by the fields"),
            }
        })
        .collect();
    let outs: Vec<TokenStream> = f
        .ret
        .tys
        .iter()
        .map(|t| {
            let e = elem_ty(dtype(t.elem()));
            match t {
                ValTy::Scalar(_) => e,
                ValTy::Array(_) => quote!(::rjax::Array<#e>),
            }
        })
        .collect();
    let flat_ret = if f.ret.tuple || outs.len() != 1 {
        quote!((#(#outs),*))
    } else {
        quote!(#(#outs)*)
    };
    let flat_item: ItemFn = syn::parse2(quote! {
        #[doc(hidden)]
        #[allow(non_snake_case, clippy::too_many_arguments)]
        fn #flat_name(#(#decls),*) -> #flat_ret { ::core::unreachable!() }
    })
    .map_err(|e| CompanionError::Internal(e.to_string()))?;
    let flat = jit::primal(inp, &flat_item)?;
    let unpack = super::tree_param::unpack(f);
    let result = match &f.ret.tree {
        Some(_) if f.ret.fields.len() == 1 => {
            super::tree_param::result_value(f, &[quote!(__rjax_r)])
        }
        Some(_) => {
            let vals: Vec<TokenStream> = (0..f.ret.fields.len())
                .map(|k| {
                    let k = syn::Index::from(k);
                    quote!(__rjax_r.#k)
                })
                .collect();
            super::tree_param::result_value(f, &vals)
        }
        None => quote!(__rjax_r),
    };
    let attrs = &original.attrs;
    let vis = &original.vis;
    let sig = &original.sig;
    Ok(quote! {
        #flat
        #(#attrs)*
        #[allow(non_snake_case)]
        #vis #sig {
            #unpack
            let __rjax_r = #flat_name(#(#leaves),*);
            #result
        }
    })
}
