//! `#[jit]`: the function itself becomes the code emitted from the jaxpr
//! after rjax-core's optimisation passes (same signature, same name), with
//! fused groups (back/fuse.rs), and a per-signature cache: a `static`
//! `SigCache` next to the function records each new input signature
//! (shapes and dtypes), runs the shape checks only then, and logs it with
//! `RJAX_LOG=1`; `f::cache_stats()` reads its counts.
//!
//! Functions whose inputs are all scalars have one signature, fixed at
//! compile time: they skip the lookup (one relaxed atomic add per call,
//! so a few-ns function stays a few ns).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Ident, ItemFn};

use super::companions::Input;
use super::emit::{Emitter, bind_dims};
use super::error::CompanionError;
use crate::front::ast::{ParamTy, Scalar};
use crate::lower::xform;

/// The name of the cache `static` of function `f`.
fn cache_ident(f: &Ident) -> Ident {
    format_ident!("__RJAX_JIT_CACHE_{}", f)
}

fn scalar_name(s: Scalar) -> &'static str {
    match s {
        Scalar::F32 => "f32",
        Scalar::F64 => "f64",
        Scalar::I32 => "i32",
        Scalar::U32 => "u32",
        Scalar::Usize => "usize",
        Scalar::Bool => "bool",
    }
}

/// `ArgSig` expressions of the inputs, and whether all are scalars.
fn signature(inp: &Input) -> (Vec<TokenStream>, bool) {
    let sig = quote!(::rjax::runtime::jit::ArgSig);
    let mut all_scalar = true;
    let parts = inp
        .f
        .params
        .iter()
        .map(|p| {
            let n = p.name;
            match p.ty {
                ParamTy::Scalar(s) => {
                    let d = scalar_name(s);
                    quote!(#sig::new(&[], #d))
                }
                ParamTy::Array { elem, .. } => {
                    all_scalar = false;
                    let d = scalar_name(elem);
                    quote!(#sig::new(#n.shape(), #d))
                }
                ParamTy::Key => quote!(#sig::new(&[], "key")),
                // Tree parameters arrive here as their fields (tree_jit).
                ParamTy::Tree { .. } => {
                    all_scalar = false;
                    quote!(#sig::new(&[], "tree"))
                }
            }
        })
        .collect();
    (parts, all_scalar)
}

/// Checks run once per new signature: ranks as inferred at compile time,
/// and equal sizes wherever one symbolic dimension appears twice.
fn shape_checks(inp: &Input) -> TokenStream {
    let fname = inp.f.name.to_string();
    let mut out = TokenStream::new();
    for (p, r) in inp.f.params.iter().zip(inp.ranks) {
        if let ParamTy::Array { .. } = p.ty {
            let n = p.name;
            // Struct fields are named as the user wrote them (`p.w`).
            let msg = super::tree_param::rank_message(inp.f, p, *r);
            out.extend(quote!(::core::assert!(#n.ndim() == #r, #msg, #n.shape());));
        }
    }
    let types = inp.jaxpr.in_types();
    out.extend(super::size_checks::const_size_asserts(
        inp.f, &types, &fname,
    ));
    out.extend(super::size_checks::same_size_asserts(
        inp.f,
        &types,
        &fname,
        &[],
    ));
    out
}

/// The optimised primal and its cache `static`.
pub fn primal(inp: &Input, original: &ItemFn) -> Result<TokenStream, CompanionError> {
    let j = xform::optimize(inp.jaxpr)?;
    let sig = &original.sig;
    let attrs = &original.attrs;
    let vis = &original.vis;
    let idents: Vec<_> = inp.f.params.iter().map(|p| p.name).collect();
    let shape_of: Vec<TokenStream> = idents.iter().map(|n| quote!(#n)).collect();
    let inputs = inp.owned_inputs();
    let dims = bind_dims(&j.in_types(), &shape_of);
    let keys = super::keys::prologue(inp.f, &[]);
    let em = Emitter::new(inp.emit, &j).body(&inputs);
    let stmts = em.stmts;
    let outs = em.outs;
    let result = if inp.f.ret.tuple || outs.len() != 1 {
        quote!((#(#outs),*))
    } else {
        quote!(#(#outs)*)
    };
    let cache = cache_ident(inp.f.name);
    let name = inp.f.name.to_string();
    let (parts, all_scalar) = signature(inp);
    let checks = shape_checks(inp);
    // A signature is stored only after its checks pass: one that failed
    // (a panic the caller caught) is checked again on its next call.
    let sig_var = super::emit::local("__rjax_sig");
    let guarded_checks = if all_scalar {
        quote!(if #cache.enter_scalar(&[#(#parts),*]) { #checks })
    } else {
        quote! {
            let #sig_var = [#(#parts),*];
            if #cache.enter(&#sig_var) {
                #checks
                #cache.commit(&#sig_var);
            }
        }
    };
    Ok(quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        static #cache: ::rjax::runtime::jit::SigCache = ::rjax::runtime::jit::SigCache::new(#name);
        #(#attrs)*
        #[allow(unused_variables, unused_mut, unused_parens, unused_braces, clippy::all)]
        #vis #sig {
            #keys
            #guarded_checks
            #dims
            #stmts
            #result
        }
    })
}

/// The `cache_stats` companion (inside the module `f`).
pub fn cache_companion(f: &Ident) -> TokenStream {
    let cache = cache_ident(f);
    quote! {
        /// Signature-cache counts of the `#[jit]` function: `hits` (calls
        /// with a signature seen before) and `misses` (new signatures).
        pub fn cache_stats() -> ::rjax::runtime::jit::CacheStats {
            super::#cache.stats()
        }
    }
}
