//! Emission of the collective primitives: calls to
//! `::rjax::runtime::lax::{psum, all_gather, ..}` with the params as
//! plain values, and the `size_<axis>` dims of gathered shapes bound from
//! the mesh of the enclosing `shard_map` at run time.

use proc_macro2::TokenStream;
use quote::quote;
use rjax_core::ir::params::ParamsExt;
use rjax_core::rules::collectives::{eqn_axes, perm};
use rjax_core::{Eqn, Jaxpr, Prim};

use super::emit::dim_ident;

/// The jaxpr to emit: rjax-core's `combine_psums` applied, so the
/// gradients of many replicated parameters are all-reduced in one
/// rendezvous of the devices instead of one each. `None` when `j` stays
/// as it is (fewer than two psums).
pub fn for_emission(j: &Jaxpr) -> Option<Jaxpr> {
    let psums = j.eqns.iter().filter(|e| e.prim == Prim::Psum).count();
    (psums >= 2).then(|| rjax_core::passes::combine_psums(j))
}

fn names(v: &[String]) -> TokenStream {
    quote!(&[#(#v),*])
}

/// The `lax` call of a collective equation; `r` are its operands as
/// `&Array` expressions. `None` for other primitives.
pub fn call(e: &Eqn, r: &[TokenStream]) -> Option<TokenStream> {
    let lax = quote!(::rjax::runtime::lax);
    let p = &e.params;
    let pn = e.prim.name();
    let axes = names(&eqn_axes(e.prim, p).ok()?);
    Some(match e.prim {
        Prim::Psum | Prim::Pmax | Prim::Pmin | Prim::Pvary => {
            let name = quote::format_ident!("{}", pn);
            let x = &r[0];
            quote!(#lax::#name(#x, #axes))
        }
        Prim::AllGather | Prim::ReduceScatter => {
            let key = if e.prim == Prim::AllGather {
                "all_gather_dimension"
            } else {
                "scatter_dimension"
            };
            let dim = p.int(pn, key).ok()? as usize;
            let tiled = p.bool(pn, "tiled").ok()?;
            let name = quote::format_ident!("{}", pn);
            let x = &r[0];
            quote!(#lax::#name(#x, #axes, #dim, #tiled))
        }
        Prim::Ppermute => {
            let pairs = perm(p).ok()?;
            let pairs = pairs.iter().map(|(s, d)| quote!((#s, #d)));
            let x = &r[0];
            quote!(#lax::ppermute(#x, #axes, &[#(#pairs),*]))
        }
        Prim::AxisIndex => quote!(#lax::axis_index(#axes)),
        _ => return None,
    })
}

/// `let dim_size_data = lax::axis_size(&["data"]);` for every group
/// size symbol the jaxpr's types and `dim_as_value`s mention, so shapes of gathered values
/// (`f64[size_data]`, and the iotas and broadcasts of their jacobians and
/// transposes) can be written anywhere in the body.
pub fn bind_sizes(j: &Jaxpr) -> TokenStream {
    let mut syms = Vec::new();
    let types = j
        .invars
        .iter()
        .chain(j.eqns.iter().flat_map(|e| e.outputs.iter()))
        .map(|v| j.ty(*v));
    for t in types {
        for d in t.dims() {
            d.symbols(&mut syms);
        }
    }
    // The group size a `pmean` divides by (`dim_as_value[dim=size_data]`).
    for e in j.eqns.iter().filter(|e| e.prim == Prim::DimAsValue) {
        if let Some(d) = e.params.get("dim").and_then(rjax_core::Param::as_dim) {
            d.symbols(&mut syms);
        }
    }
    syms.sort();
    syms.dedup();
    let mut out = TokenStream::new();
    for s in syms {
        if let Some(axis) = s.strip_prefix("size_") {
            let id = dim_ident(&s);
            out.extend(quote! {
                #[allow(unused_variables)]
                let #id: usize = ::rjax::runtime::lax::axis_size(&[#axis]);
            });
        }
    }
    out
}
