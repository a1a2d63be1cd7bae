//! Emission of rjax-core's random primitives: calls to the runtime's
//! `lax::random_*` functions, which take key data (`Array<u32>` of shape
//! `[*b, 2]`) and per-key operands as arrays, plus the draw's shape.

use proc_macro2::TokenStream;
use quote::quote;
use rjax_core::ir::params::ParamsExt;
use rjax_core::{DimExpr, Eqn, Prim, TensorType};

use super::emit::{dim_expr, elem_ty};

/// The call for a random primitive (`None` for any other primitive).
/// `r` are the operands as `&Array` expressions; `operand_tys` their types.
pub fn value(
    e: &Eqn,
    r: &[TokenStream],
    operand_tys: &[TensorType],
    out: &TensorType,
) -> Option<TokenStream> {
    let lax = quote!(::rjax::runtime::lax);
    let pn = e.prim.name();
    let shape = || {
        let ds: Vec<DimExpr> = e.params.dims(pn, "shape").unwrap_or_default();
        let ds = ds.iter().map(dim_expr);
        quote!(&[#(#ds),*])
    };
    let t = elem_ty(out.dtype);
    Some(match e.prim {
        Prim::RandomSplit => {
            let ds = e.params.dims(pn, "shape").unwrap_or_default();
            let n = dim_expr(ds.first().unwrap_or(&DimExpr::Const(0)));
            let k = &r[0];
            quote!(#lax::random_split(#k, #n))
        }
        Prim::RandomBits => {
            let (k, s) = (&r[0], shape());
            quote!(#lax::random_bits(#k, #s))
        }
        Prim::RandomFoldIn => {
            let (k, d) = (&r[0], &r[1]);
            quote!(#lax::random_fold_in(#k, #d))
        }
        Prim::RandomUniform | Prim::RandomTruncatedNormal => {
            let f = quote::format_ident!("{}", pn);
            let (k, lo, hi, s) = (&r[0], &r[1], &r[2], shape());
            quote!(#lax::#f::<#t>(#k, #lo, #hi, #s))
        }
        Prim::RandomNormal | Prim::RandomGumbel | Prim::RandomExponential => {
            let f = quote::format_ident!("{}", pn);
            let (k, s) = (&r[0], shape());
            quote!(#lax::#f::<#t>(#k, #s))
        }
        Prim::RandomBernoulli => {
            let p = elem_ty(operand_tys[1].dtype);
            let (k, pr, s) = (&r[0], &r[1], shape());
            quote!(#lax::random_bernoulli::<#p>(#k, #pr, #s))
        }
        Prim::RandomRandint => {
            let (k, lo, hi, s) = (&r[0], &r[1], &r[2], shape());
            quote!(#lax::random_randint(#k, #lo, #hi, #s))
        }
        _ => return None,
    })
}
