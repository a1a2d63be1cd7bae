//! `#[jit]`: the function itself becomes the code emitted from the jaxpr
//! after rjax-core's optimisation passes (same signature, same name).

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

use super::companions::Input;
use super::emit::{Emitter, bind_dims};
use super::xform;
use crate::ast::ParamTy;

/// The optimised primal.
pub fn primal(inp: &Input, original: &ItemFn) -> Result<TokenStream, String> {
    let j = xform::optimize(inp.jaxpr)?;
    let sig = &original.sig;
    let attrs = &original.attrs;
    let vis = &original.vis;
    let idents: Vec<_> = inp.f.params.iter().map(|p| p.name).collect();
    let shape_of: Vec<TokenStream> = idents.iter().map(|n| quote!(#n)).collect();
    let inputs: Vec<TokenStream> = inp
        .f
        .params
        .iter()
        .map(|p| {
            let n = p.name;
            match p.ty {
                ParamTy::Scalar(_) => quote!(#n),
                _ => quote!(#n.clone()),
            }
        })
        .collect();
    let dims = bind_dims(&j.in_types(), &shape_of);
    let keys = super::keys::prologue(inp.f, &[]);
    let em = Emitter::new(&j).body(&inputs);
    let stmts = em.stmts;
    let outs = em.outs;
    let result = if inp.f.ret.tuple || outs.len() != 1 {
        quote!((#(#outs),*))
    } else {
        quote!(#(#outs)*)
    };
    Ok(quote! {
        #(#attrs)*
        #[allow(unused_variables, unused_mut, unused_parens, clippy::all)]
        #vis #sig {
            #keys
            #dims
            #stmts
            #result
        }
    })
}
