//! Run-time size checks at the entry of generated functions, after the
//! rank checks (which make `shape()[k]` valid): sizes the body fixed to
//! constants, sizes one symbol names twice, and `vmap`'s batch size. The
//! emitted code relies on them, so a wrong call stops here, naming each
//! parameter as the user wrote it (`x`, `p.w`, `p.0`), instead of deep in
//! a kernel with an op the user never wrote.

use proc_macro2::TokenStream;
use quote::quote;
use rjax_core::{DimExpr, TensorType};

use crate::front::ast::{Function, ParamTy};
use crate::front::tree_param::{group_of, is_matrix, shown_name};

/// Parameter sizes the body fixed to constants (`array![1.0, 2.0, 3.0] *
/// x` makes `x`'s length 3 in the jaxpr).
pub(super) fn const_size_asserts(f: &Function, types: &[TensorType], who: &str) -> TokenStream {
    let mut out = TokenStream::new();
    for (p, t) in f.params.iter().zip(types) {
        if !matches!(p.ty, ParamTy::Array { .. }) {
            continue;
        }
        let n = p.name;
        let shown = shown_name(f, p).0;
        for (k, d) in t.dims().iter().enumerate() {
            if let Some(c) = d.as_const() {
                let c = c as usize;
                let msg = format!(
                    "{who}: `{shown}` axis {k} must have size {c} (a constant-sized value in the body meets it), got shape {{:?}}"
                );
                out.extend(quote!(::core::assert!(#n.shape()[#k] == #c, #msg, #n.shape());));
            }
        }
    }
    out
}

/// Equal sizes wherever one symbolic dimension names axes of two array
/// parameters (`x * y` identifies their lengths; a callee's `h::vmap`
/// identifies its mapped axes with the caller's), except the symbols in
/// `skip` (checked otherwise, e.g. vmap's batch size).
pub(super) fn same_size_asserts(
    f: &Function,
    types: &[TensorType],
    who: &str,
    skip: &[String],
) -> TokenStream {
    let mut out = TokenStream::new();
    let mut first: Vec<(&String, TokenStream, String)> = Vec::new();
    for (p, t) in f.params.iter().zip(types) {
        if !matches!(p.ty, ParamTy::Array { .. }) {
            continue;
        }
        let n = p.name;
        for (k, d) in t.dims().iter().enumerate() {
            let DimExpr::Sym(s) = d else {
                continue;
            };
            if skip.contains(s) {
                continue;
            }
            let here = quote!(#n.shape()[#k]);
            let what = format!("`{}` axis {k}", shown_name(f, p).0);
            match first.iter().find(|(f, _, _)| *f == s) {
                None => first.push((s, here, what)),
                Some((_, there, w0)) => {
                    let msg = format!(
                        "{who}: {w0} and {what} must have the same size (both are `{s}` in the jaxpr), got {{}} and {{}}"
                    );
                    out.extend(quote!(::core::assert!(#there == #here, #msg, #there, #here);));
                }
            }
        }
    }
    out
}

/// `f::vmap`'s check that every mapped argument has the batch size:
/// `axes[i]` is leaf parameter i's mapped axis (after the key prologue, a
/// mapped key is its `u32[n, 2]` data; an nalgebra slice counts once).
/// Nothing when fewer than two arguments are mapped.
pub(super) fn batch_size_check(f: &Function, axes: &[Option<usize>], who: &str) -> TokenStream {
    let batch = quote!(::rjax::__private::Batch);
    let mut args = Vec::new();
    for (i, (p, a)) in f.params.iter().zip(axes).enumerate() {
        let Some(a) = a else { continue };
        let n = p.name;
        match group_of(f, i) {
            Some(g) if is_matrix(&g.ty) => {
                if i == g.first {
                    let (s, name) = (g.name.to_string(), g.name);
                    args.push(quote!((#s, #batch::Slice(#name.len()))));
                }
            }
            _ if p.ty == ParamTy::Key => {
                let s = n.to_string();
                args.push(quote!((#s, #batch::Keys(#n.shape()[0]))));
            }
            _ => {
                let s = shown_name(f, p).0;
                args.push(quote!((#s, #batch::Axis(#n.shape(), #a))));
            }
        }
    }
    if args.len() < 2 {
        return TokenStream::new();
    }
    quote!(::rjax::__private::check_batch_sizes(#who, &[#(#args),*]);)
}
