//! nalgebra's fixed-size vectors as parameters: `#[grad] fn f(v:
//! &SVector<f64, 3>) -> f64` with a body that reads `v[0]`, `v[1]`, ...
//!
//! The size is in the type, so the macro splits each `SVector<T, N>`
//! parameter into `N` scalars: it emits a hidden annotated twin
//! `__rjax_sv_f(v_0, v_1, v_2)` whose body reads the scalars, and the
//! companions `f::grad`, `f::value_and_grad`, `f::hessian` take and return
//! nalgebra types (`SVector<T, N>`, `SMatrix<T, N, N>`). Everything in the
//! twin is rank-0, so the generated derivative code is native scalar
//! arithmetic with no heap allocation. The primal `fn f` is kept as
//! written. Only constant indices `v[k]` are accepted in the body.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;
use syn::{FnArg, Ident, ItemFn, Type};

use crate::attr::Kind;

/// A parameter split into scalars.
struct Split {
    name: Ident,
    n: usize,
}

fn svector(ty: &Type) -> Option<(Type, Type, usize)> {
    let inner = match ty {
        Type::Reference(r) => &*r.elem,
        t => t,
    };
    let Type::Path(p) = inner else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "SVector" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return None;
    };
    let mut it = a.args.iter();
    let (Some(syn::GenericArgument::Type(elem)), Some(syn::GenericArgument::Const(n))) =
        (it.next(), it.next())
    else {
        return None;
    };
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(n),
        ..
    }) = n
    else {
        return None;
    };
    Some((inner.clone(), elem.clone(), n.base10_parse().ok()?))
}

struct Rewrite<'a> {
    splits: &'a [Split],
    errors: Vec<syn::Error>,
}

impl VisitMut for Rewrite<'_> {
    fn visit_expr_mut(&mut self, e: &mut syn::Expr) {
        if let syn::Expr::Index(ix) = e
            && let syn::Expr::Path(p) = &*ix.expr
            && let Some(id) = p.path.get_ident()
            && let Some(s) = self.splits.iter().find(|s| s.name == *id)
        {
            match &*ix.index {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(k),
                    ..
                }) if k.base10_parse::<usize>().is_ok_and(|k| k < s.n) => {
                    let k: usize = k.base10_parse().unwrap();
                    let name = format_ident!("{}_{}", s.name, k);
                    *e = syn::parse_quote!(#name);
                }
                other => self.errors.push(syn::Error::new_spanned(
                    other,
                    format!(
                        "`{}` is an `SVector` of size {}: index it with a constant below {}",
                        s.name, s.n, s.n
                    ),
                )),
            }
            return;
        }
        if let syn::Expr::Path(p) = &*e
            && let Some(id) = p.path.get_ident()
            && self.splits.iter().any(|s| s.name == *id)
        {
            self.errors.push(syn::Error::new_spanned(
                p,
                format!("the `SVector` parameter `{id}` can only be read element by element (`{id}[0]`) in a transformed function"),
            ));
            return;
        }
        syn::visit_mut::visit_expr_mut(self, e);
    }
}

/// The expansion of `#[grad] fn f(v: &SVector<..>, ..)`, or `None` when no
/// parameter is an `SVector`.
pub fn expand(kind: Kind, args: &TokenStream, item: &ItemFn) -> Option<TokenStream> {
    let mut splits = Vec::new();
    let mut scalar_params = Vec::new(); // the twin's parameters
    let mut scalar_names = Vec::new();
    let mut call_args = Vec::new(); // how a companion calls the twin
    for arg in &item.sig.inputs {
        let FnArg::Typed(pt) = arg else { return None };
        let syn::Pat::Ident(pi) = &*pt.pat else {
            return None;
        };
        match svector(&pt.ty) {
            Some((ty, elem, n)) => {
                for k in 0..n {
                    let id = format_ident!("{}_{}", pi.ident, k);
                    scalar_params.push(quote!(#id: #elem));
                    scalar_names.push(id);
                    let v = &pi.ident;
                    call_args.push(quote!(#v[#k]));
                }
                let _ = ty;
                splits.push(Split {
                    name: pi.ident.clone(),
                    n,
                });
            }
            None => {
                let (id, ty) = (&pi.ident, &pt.ty);
                scalar_params.push(quote!(#id: #ty));
                scalar_names.push(id.clone());
                call_args.push(quote!(#id));
            }
        }
    }
    if splits.is_empty() {
        return None;
    }
    let name = &item.sig.ident;
    if kind != Kind::Grad || !args.is_empty() {
        return Some(
            syn::Error::new(Span::call_site(), format!("`{name}`: `SVector` parameters are supported with a plain `#[grad]` (derivative with respect to the first parameter)"))
                .to_compile_error(),
        );
    }
    let mut body = item.block.clone();
    let mut rw = Rewrite {
        splits: &splits,
        errors: Vec::new(),
    };
    rw.visit_block_mut(&mut body);
    if let Some(mut e) = rw.errors.pop() {
        for x in rw.errors {
            e.combine(x);
        }
        let e = e.to_compile_error();
        return Some(quote!(#item #e));
    }
    let twin = format_ident!("__rjax_sv_{}", name);
    let ret = &item.sig.output;
    let vis = &item.vis;
    let syn::ReturnType::Type(_, ret_ty) = ret else {
        return None;
    };
    // The derivative is with respect to parameter 0.
    let first = item.sig.inputs.first().and_then(|a| match a {
        FnArg::Typed(pt) => svector(&pt.ty),
        FnArg::Receiver(_) => None,
    });
    let decls: Vec<&FnArg> = item.sig.inputs.iter().collect();
    let (argnums, grad_ty, build, hess_ty, build_h) = match first {
        Some((ty, elem, n)) => {
            let nums: Vec<usize> = (0..n).collect();
            let gs: Vec<Ident> = (0..n).map(|k| format_ident!("g_{}", k)).collect();
            (
                quote!((#(#nums,)*)),
                quote!(#ty),
                quote!({ let (#(#gs,)*) = g; <#ty>::from([#(#gs),*]) }),
                quote!(::nalgebra::SMatrix<#elem, #n, #n>),
                // row k of the Hessian is the gradient of d f / d v_k
                quote!(::nalgebra::SMatrix::<#elem, #n, #n>::from_fn(|i, j| h[i][j])),
            )
        }
        None => {
            return Some(
                syn::Error::new(Span::call_site(), format!("`{name}`: with `SVector` parameters, the first parameter must be the `SVector` to differentiate"))
                    .to_compile_error(),
            );
        }
    };
    let n0 = splits[0].n;
    // Hessian rows: row k is the gradient of ∂f/∂v_k, itself an annotated
    // twin calling `twin::grad` (composition), so all code stays scalar.
    let rows: Vec<Ident> = (0..n0)
        .map(|k| format_ident!("__rjax_sv_{}_d{}", name, k))
        .collect();
    let row_fns: Vec<TokenStream> = rows
        .iter()
        .enumerate()
        .map(|(k, row)| {
            let k = syn::Index::from(k);
            quote! {
                #[doc(hidden)]
                #[::rjax::grad(argnums = #argnums)]
                #vis fn #row(#(#scalar_params),*) -> #ret_ty {
                    #twin::grad(#(#scalar_names),*).#k
                }
            }
        })
        .collect();
    let gcalls: Vec<TokenStream> = rows
        .iter()
        .map(|r| quote!({ let g = super::#r::grad(#(#call_args),*); #build }))
        .collect();
    Some(quote! {
        #item

        #[doc(hidden)]
        #[::rjax::grad(argnums = #argnums)]
        #vis fn #twin(#(#scalar_params),*) -> #ret_ty #body

        #(#row_fns)*

        #[doc = "Companions of the function of the same name (nalgebra arguments): generated by rjax."]
        #[allow(dead_code, non_snake_case, clippy::all)]
        #vis mod #name {
            use super::*;
            /// Gradient with respect to the `SVector` parameter (no heap allocation).
            pub fn grad(#(#decls),*) -> #grad_ty {
                let g = super::#twin::grad(#(#call_args),*);
                #build
            }
            /// `(value, gradient)`.
            pub fn value_and_grad(#(#decls),*) -> (#ret_ty, #grad_ty) {
                let (value, g) = super::#twin::value_and_grad(#(#call_args),*);
                (value, #build)
            }
            /// Hessian with respect to the `SVector` parameter, as an `SMatrix`.
            pub fn hessian(#(#decls),*) -> #hess_ty {
                let h = [#(#gcalls),*];
                #build_h
            }
        }
    })
}
