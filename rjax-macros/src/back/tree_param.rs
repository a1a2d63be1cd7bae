//! The regrouping boundary of tree and nalgebra parameters: the emitted
//! companions take and return the user's trees (`#[derive(Tree)]`
//! structs, tuples, `[T; N]`, static matrices) while the jaxprs see only
//! their leaves. Here: reading the leaves out of a tree argument and
//! rebuilding a tree (gradients, results) from leaf values, as Rust code.
//! Flattening happens once before lowering, in `front::tree_param::expand`.

use proc_macro2::TokenStream;
use quote::quote;

use crate::front::ast::{Function, Param, ParamTy, TreeGroup};
use crate::front::tree_param::{group_of, shown_name};

/// Reading leaf `k` of group `g` from the value `base`: `&base.w` for an
/// array, `base.b` for a scalar, `base[(i, j)]` for a matrix entry,
/// `&base.layer.w` / `&base.ws[1]` inside nested fields.
pub fn access(_f: &Function, g: &TreeGroup, k: usize, base: &TokenStream) -> TokenStream {
    g.node.access(base).swap_remove(k)
}

/// Companions: statements binding each field parameter from the struct
/// argument (`let __rjax_p_w1 = &p.w1;`).
pub fn unpack(f: &Function) -> TokenStream {
    let mut out = TokenStream::new();
    for g in &f.trees {
        let p = g.name;
        for k in 0..g.fields.len() {
            let leaf = f.params[g.first + k].name;
            let v = access(f, g, k, &quote!(#p));
            out.extend(quote!(let #leaf = #v;));
        }
    }
    out
}

/// Gradients of `argnums` (field parameters) regrouped: a whole struct's
/// fields become one struct value. Returns (types, values), one per
/// original argument.
pub fn group_grads(
    f: &Function,
    argnums: &[usize],
    outs: &[TokenStream],
    leaf_ty: &dyn Fn(usize) -> TokenStream,
    ranks: &[usize],
) -> (Vec<TokenStream>, Vec<TokenStream>) {
    // The gradient of a rank-0 array parameter is a native scalar in the
    // emitted code: back into an `Array` for its slot (`ranks` empty when
    // only the types are wanted).
    let outs: Vec<TokenStream> = outs
        .iter()
        .zip(argnums)
        .map(|(o, &i)| match f.params[i].ty {
            ParamTy::Array { .. } if ranks.get(i) == Some(&0) => quote!(::rjax::Array::scalar(#o)),
            _ => o.clone(),
        })
        .collect();
    let outs = &outs[..];
    let (mut tys, mut vals) = (Vec::new(), Vec::new());
    let mut k = 0;
    while k < argnums.len() {
        let i = argnums[k];
        match group_of(f, i) {
            Some(g)
                if i == g.first
                    && argnums[k..]
                        .starts_with(&(g.first..g.first + g.fields.len()).collect::<Vec<_>>()) =>
            {
                let ty = &g.ty;
                tys.push(quote!(#ty));
                vals.push(g.node.assemble(&outs[k..k + g.fields.len()]));
                k += g.fields.len();
            }
            _ => {
                tys.push(leaf_ty(i));
                vals.push(outs[k].clone());
                k += 1;
            }
        }
    }
    (tys, vals)
}

/// Reading output `k` of a struct or nalgebra result from `base` (a
/// value of the result's type): `&base.w`, `base.b`, `base[(i, j)]`.
pub fn ret_access(f: &Function, k: usize, base: &TokenStream) -> TokenStream {
    let node = f.ret.node.as_ref().expect("a tree result has its shape");
    node.access(base).swap_remove(k)
}

/// The result value from the outputs: the struct or matrix rebuilt, or
/// the plain value / tuple.
pub fn result_value(f: &Function, outs: &[TokenStream]) -> TokenStream {
    match &f.ret.node {
        Some(node) => node.assemble(outs),
        None if outs.len() == 1 && !f.ret.tuple => outs[0].clone(),
        None => quote!((#(#outs),*)),
    }
}

/// The message of the run-time rank check of leaf parameter `p`, naming
/// a struct field by its access path with the place of its `#[rank(k)]`
/// (the struct's field).
pub fn rank_message(f: &Function, p: &Param, r: usize) -> String {
    let fname = f.name;
    match shown_name(f, p) {
        (shown, true) => format!(
            "{fname}: `{shown}` must have rank {r} (inferred at compile time; annotate the struct's field with `#[rank(k)]` to choose another), got shape {{:?}}"
        ),
        (n, false) => format!(
            "{fname}: `{n}` must have rank {r} (inferred at compile time; annotate `#[rank(k)] {n}` to choose another), got shape {{:?}}"
        ),
    }
}
