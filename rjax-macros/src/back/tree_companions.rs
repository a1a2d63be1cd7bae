//! `jacobian` and `hessian` of functions with `#[derive(Tree)]` or
//! nalgebra parameters and results, with the natural result types:
//!
//! - with respect to an `SVector<T, N>` (scalar leaves), everything is
//!   reverse mode over scalars, so the code has no `Array` and no heap
//!   allocation: `hessian` -> `SMatrix<T, N, N>` (reverse over reverse,
//!   one scalar pullback per row); `jacobian` of an `SVector<T, M>` output
//!   -> `SMatrix<T, M, N>`, of a scalar output -> `SVector<T, N>`; the
//!   Jacobian of an `SVector` output with respect to a scalar is an
//!   `SVector<T, M>`.
//! - with respect to a struct: `jacobian` is the same struct, field `w`
//!   holding d out / d w of shape `out ++ w.shape()` (JAX's pytree
//!   Jacobian) when every block fits its field's type (array fields, or
//!   a scalar output); `hessian` (a struct of structs in JAX) is a
//!   compile error that says what to write instead.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::companions::{Input, first_output, function};
use super::emit::elem_ty;
use super::error::CompanionError;
use crate::front::ast::{ParamTy, TreeGroup, ValTy};
use crate::front::tree_param::{group_of, is_matrix};
use crate::lower::xform;

/// (element tokens, rows, columns) of a group that is a static matrix.
fn matrix(g: &TreeGroup) -> Option<(TokenStream, usize, usize)> {
    let (e, r, c) = crate::front::tree_param::matrix_shape(&g.ty)?;
    Some((elem_ty(crate::lower::dtype(e)), r, c))
}

fn leaves(g: &TreeGroup) -> Vec<usize> {
    (g.first..g.first + g.fields.len()).collect()
}

/// The parameters' names, whose shapes bind the symbolic dims.
fn shapes(inp: &Input) -> Vec<TokenStream> {
    inp.f
        .params
        .iter()
        .map(|p| {
            let n = p.name;
            quote!(#n)
        })
        .collect()
}

/// How a companion's outputs become its result.
type Build = Box<dyn Fn(&[TokenStream]) -> TokenStream>;

/// (jaxpr, argnums, result type, how the outputs assemble).
type Plan = (rjax_core::Jaxpr, Vec<usize>, TokenStream, Build);

/// A never-callable companion, with the function's parameters, whose
/// bound explains the refusal at the call.
fn stub(name: &str, bound: &str, decls: &[TokenStream]) -> TokenStream {
    let name = format_ident!("{}", name);
    let bound = format_ident!("{}", bound);
    quote! {
        #[doc(hidden)]
        pub fn #name<'__rjax>(#(#decls),*) -> !
        where
            &'__rjax (): ::rjax::__private::#bound,
        {
            ::core::unreachable!()
        }
    }
}

/// `hessian` when the first of `argnums` belongs to a group.
pub fn hessian(
    inp: &Input,
    g: &TreeGroup,
    decls: &[TokenStream],
    asserts: &TokenStream,
    fail: &mut dyn FnMut(&str, CompanionError),
) -> TokenStream {
    let Some((e, n, 1)) = matrix(g) else {
        return stub("hessian", "HessianOfStruct", decls);
    };
    let shape_of = shapes(inp);
    match xform::hessian_many(&first_output(inp.jaxpr), &leaves(g)) {
        Ok(h) => {
            let ty = crate::front::nalgebra_param::ty(&e, n, n);
            function(
                inp.emit,
                &format_ident!("hessian"),
                "Hessian with respect to the `SVector` (reverse over reverse on its scalar leaves: no allocation).",
                decls,
                &ty,
                asserts.clone(),
                &h,
                &inp.owned_inputs(),
                &shape_of,
                |outs| quote!(<#ty>::from_row_slice(&[#(#outs),*])),
            )
        }
        Err(m) => {
            fail("hessian", m.into());
            TokenStream::new()
        }
    }
}

/// `jacobian` when the first of `argnums` belongs to a group or the
/// result is a struct / nalgebra value.
pub fn jacobian(
    inp: &Input,
    a: usize,
    decls: &[TokenStream],
    asserts: &TokenStream,
    fail: &mut dyn FnMut(&str, CompanionError),
) -> TokenStream {
    let f = inp.f;
    let shape_of = shapes(inp);
    let ret_vec = f
        .ret
        .tree
        .as_ref()
        .and_then(crate::front::tree_param::matrix_shape)
        .filter(|s| s.2 == 1)
        .map(|s| s.1);
    let scalar_out = f.ret.tree.is_none() && f.ret.is_scalar_float();
    let group = group_of(f, a);
    // (jaxpr, argnums, result type, how the outputs assemble).
    let plan: Option<Plan> = match (group, ret_vec) {
        // SVector in: scalar or SVector out.
        (Some(g), _)
            if matrix(g).is_some_and(|m| m.2 == 1) && (scalar_out || ret_vec.is_some()) =>
        {
            let (e, n, _) = matrix(g).unwrap();
            let m = ret_vec.unwrap_or(1);
            let ty = crate::front::nalgebra_param::ty(&e, m.max(1), n);
            let ty = if scalar_out {
                crate::front::nalgebra_param::ty(&e, n, 1)
            } else {
                ty
            };
            let j = if scalar_out {
                first_output(inp.jaxpr)
            } else {
                inp.jaxpr.clone()
            };
            let t = ty.clone();
            Some((
                j,
                leaves(g),
                ty,
                Box::new(move |o| quote!(<#t>::from_row_slice(&[#(#o),*]))),
            ))
        }
        // A scalar in, SVector out.
        (None, Some(m)) if matches!(f.params[a].ty, ParamTy::Scalar(s) if s.is_float()) => {
            let ValTy::Scalar(s) = f.ret.tys[0] else {
                unreachable!("matrix leaves are scalars")
            };
            let ty = crate::front::nalgebra_param::ty(&elem_ty(crate::lower::dtype(s)), m, 1);
            let t = ty.clone();
            Some((
                inp.jaxpr.clone(),
                vec![a],
                ty,
                Box::new(move |o| quote!(<#t>::from_row_slice(&[#(#o),*]))),
            ))
        }
        // A struct in, one output: the struct of blocks.
        (Some(g), None) if !is_matrix(&g.ty) && f.ret.tree.is_none() && !f.ret.tuple => {
            let out_rank = inp.jaxpr.out_types()[0].rank();
            let fits = out_rank == 0
                || leaves(g)
                    .iter()
                    .all(|&i| matches!(f.params[i].ty, ParamTy::Array { .. }));
            fits.then(|| {
                let (path, node) = (g.ty.clone(), g.node.clone());
                let ty = quote!(#path);
                // A rank-0 block of an array field is a native scalar.
                let wrap: Vec<bool> = leaves(g)
                    .iter()
                    .map(|&i| {
                        matches!(f.params[i].ty, ParamTy::Array { .. })
                            && out_rank + inp.ranks[i] == 0
                    })
                    .collect();
                let build: Build = Box::new(move |o| {
                    let o: Vec<TokenStream> = o
                        .iter()
                        .zip(&wrap)
                        .map(|(x, w)| {
                            if *w {
                                quote!(::rjax::Array::scalar(#x))
                            } else {
                                x.clone()
                            }
                        })
                        .collect();
                    node.assemble(&o)
                });
                (first_output(inp.jaxpr), leaves(g), ty, build)
            })
        }
        _ => None,
    };
    let Some((j, wrt, ty, build)) = plan else {
        return stub("jacobian", "JacobianOfThis", decls);
    };
    match xform::jacobian_many(&j, &wrt) {
        Ok(jac) => function(
            inp.emit,
            &format_ident!("jacobian"),
            "Jacobian of the output with respect to the first of `argnums` (see the crate docs for the result type of struct and nalgebra arguments).",
            decls,
            &ty,
            asserts.clone(),
            &jac,
            &inp.owned_inputs(),
            &shape_of,
            |outs| build(&outs),
        ),
        Err(m) => {
            fail("jacobian", m.into());
            TokenStream::new()
        }
    }
}

/// How `vmap` takes struct and nalgebra arguments and gives such results.
/// A mapped struct has every field mapped on the same axis (JAX's
/// `in_axes` for a pytree), so its fields must be arrays; a mapped
/// nalgebra argument is a slice `&[SVector<T, N>]` (one value per batch
/// row) and a nalgebra result a `Vec` of them.
pub struct VmapParts {
    /// Mapped nalgebra groups (by first leaf).
    sliced: Vec<usize>,
    /// Statements binding the leaves.
    pub unpack: TokenStream,
    /// The result type, for a struct / nalgebra result.
    pub ret: Option<TokenStream>,
}

impl VmapParts {
    /// The declaration of group `g`'s parameter.
    pub fn decl(&self, g: &TreeGroup, user: TokenStream) -> TokenStream {
        if !self.sliced.contains(&g.first) {
            return user;
        }
        let (n, path) = (g.name, &g.ty);
        quote!(#n: &[#path])
    }

    /// The result from the batched outputs, for a struct / nalgebra result.
    pub fn result(
        &self,
        f: &crate::front::ast::Function,
        outs: &[TokenStream],
    ) -> Option<TokenStream> {
        let path = f.ret.tree.as_ref()?;
        if !is_matrix(path) {
            return Some(super::tree_param::result_value(f, outs));
        }
        let cols: Vec<syn::Ident> = (0..outs.len())
            .map(|k| format_ident!("__rjax_col_{}", k))
            .collect();
        let c0 = &cols[0];
        Some(quote! {{
            #(let #cols = #outs.to_vec();)*
            (0..#c0.len())
                .map(|b| <#path>::from_column_slice(&[#(#cols[b]),*]))
                .collect::<::std::vec::Vec<_>>()
        }})
    }
}

/// The vmap pieces for `axes` (per leaf), or why there is no such vmap.
pub fn vmap_parts(inp: &Input, axes: &[Option<usize>]) -> Result<VmapParts, CompanionError> {
    let f = inp.f;
    let mut parts = VmapParts {
        sliced: Vec::new(),
        unpack: TokenStream::new(),
        ret: None,
    };
    for g in &f.trees {
        let p = g.name;
        let mapped = axes[g.first];
        if mapped.is_some() && is_matrix(&g.ty) {
            if mapped != Some(0) {
                return Err(CompanionError::Unsupported(format!(
                    "`{p}` is an nalgebra value: its batch is a slice `&[..]`, mapped with in_axes 0 or None"
                )));
            }
            parts.sliced.push(g.first);
            for (k, x) in g.node.access(&quote!(__rjax_x)).into_iter().enumerate() {
                let leaf = f.params[g.first + k].name;
                parts.unpack.extend(quote!(
                    let #leaf = ::rjax::Array::from_vec(#p.iter().map(|__rjax_x| #x).collect::<::std::vec::Vec<_>>());
                ));
            }
            continue;
        }
        if mapped.is_some()
            && let Some(k) = leaves(g)
                .iter()
                .position(|&i| !matches!(f.params[i].ty, ParamTy::Array { .. }))
        {
            return Err(CompanionError::Unsupported(format!(
                "field `{}` of the mapped struct `{p}` is a scalar, which cannot hold a batch: make it an `Array` field or pass `{p}` unmapped (in_axes None)",
                g.fields[k]
            )));
        }
        for k in 0..g.fields.len() {
            let leaf = f.params[g.first + k].name;
            let v = super::tree_param::access(f, g, k, &quote!(#p));
            parts.unpack.extend(quote!(let #leaf = #v;));
        }
    }
    if let Some(path) = &f.ret.tree {
        if is_matrix(path) {
            parts.ret = Some(quote!(::std::vec::Vec<#path>));
        } else if let Some(k) = f.ret.tys.iter().position(|t| matches!(t, ValTy::Scalar(_))) {
            return Err(CompanionError::Unsupported(format!(
                "field `{}` of the struct result is a scalar, which cannot hold a batch: make it an `Array`",
                f.ret.fields[k]
            )));
        } else {
            parts.ret = Some(quote!(#path));
        }
    }
    Ok(parts)
}
