//! The companion module `f`: `grad`, `value_and_grad`, `hessian` (scalar
//! output), `jvp`, `vjp`, `jacobian`, `vmap`, `jaxpr`, `make_jaxpr`, each a
//! plain Rust function emitted from a jaxpr that rjax-core transformed.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use rjax_core::{Jaxpr, TensorType};
use syn::Ident;

use super::emit::{EmitCx, Emitter, bind_dims, elem_ty, local, rust_ty};
use super::error::CompanionError;
use super::size_checks::{batch_size_check, const_size_asserts, same_size_asserts};
use crate::front::ast::{Function, ParamTy, ValTy};
use crate::front::attr::{Config, InAxes};
use crate::front::check;
use crate::lower::xform;

/// What the companion generator works from.
pub struct Input<'a> {
    /// The checked function.
    pub f: &'a Function<'a>,
    /// Its attributes.
    pub config: &'a Config,
    /// The primal jaxpr (symbolic dims).
    pub jaxpr: &'a Jaxpr,
    /// The rank of each parameter.
    pub ranks: &'a [usize],
    /// How to emit (fused under `#[jit]`), for the primal and every
    /// companion.
    pub emit: &'a EmitCx,
}

/// Every companion, plus the errors of the ones the attributes asked for.
pub struct Output {
    /// Items of the module.
    pub items: TokenStream,
    /// (requested, message) for transformations that failed.
    pub errors: Vec<String>,
}

impl Input<'_> {
    fn name(&self) -> &Ident {
        self.f.name
    }

    /// `t: &Array<f32>` as the user wrote it.
    pub(super) fn decls(&self) -> Vec<TokenStream> {
        self.f
            .item
            .sig
            .inputs
            .iter()
            .map(|a| match a {
                syn::FnArg::Typed(pt) => {
                    let (p, t) = (&pt.pat, &pt.ty);
                    quote!(#p: #t)
                }
                syn::FnArg::Receiver(_) => unreachable!("refused by ast"),
            })
            .collect()
    }

    fn param_idents(&self) -> Vec<&Ident> {
        self.f.params.iter().map(|p| p.name).collect()
    }

    /// Owned IR-input values of the parameters.
    pub(super) fn owned_inputs(&self) -> Vec<TokenStream> {
        self.f
            .params
            .iter()
            .zip(self.ranks)
            .map(|(p, r)| {
                let n = p.name;
                match p.ty {
                    ParamTy::Scalar(s) => s.input(n),
                    // A rank-0 array is a native scalar in emitted code.
                    ParamTy::Array { .. } if *r == 0 => quote!(#n.item()),
                    _ => quote!(#n.clone()),
                }
            })
            .collect()
    }

    /// Binds struct arguments' fields (`crate::front::tree_param`), then checks
    /// that run-time ranks are the inferred ones.
    pub(super) fn rank_asserts(&self) -> TokenStream {
        let mut out = super::tree_param::unpack(self.f);
        for (p, r) in self.f.params.iter().zip(self.ranks) {
            if let ParamTy::Array { .. } = p.ty {
                let n = p.name;
                let msg = super::tree_param::rank_message(self.f, p, *r);
                out.extend(quote!(::core::assert!(#n.ndim() == #r, #msg, #n.shape());));
            }
        }
        let (types, who) = (self.jaxpr.in_types(), self.f.name.to_string());
        out.extend(const_size_asserts(self.f, &types, &who));
        out.extend(same_size_asserts(self.f, &types, &who, &[]));
        // Keys become their data before the body (see `keys.rs`).
        out.extend(super::keys::prologue(self.f, &[]));
        out
    }

    fn float_params(&self) -> Vec<usize> {
        self.f
            .params
            .iter()
            .enumerate()
            .filter(|(_, p)| matches!(p.ty, ParamTy::Scalar(s) | ParamTy::Array { elem: s, .. } if s.is_float()))
            .map(|(i, _)| i)
            .collect()
    }

    /// The Rust type of a (tangent/cotangent of a) parameter.
    fn param_value_ty(&self, i: usize) -> TokenStream {
        match self.f.params[i].ty {
            ParamTy::Scalar(s) => elem_ty(crate::lower::dtype(s)),
            ParamTy::Array { elem, .. } => {
                let e = elem_ty(crate::lower::dtype(elem));
                quote!(::rjax::Array<#e>)
            }
            ParamTy::Key => quote!(::rjax::random::Key),
            ParamTy::Tree { .. } => {
                unreachable!("struct parameters are replaced by their fields first")
            }
        }
    }

    fn ret_ty(&self) -> TokenStream {
        if let Some(p) = &self.f.ret.tree {
            return quote!(#p);
        }
        let tys: Vec<TokenStream> = self.f.ret.tys.iter().map(|t| valty(*t)).collect();
        tuple_if(&tys, self.f.ret.tuple)
    }
}

fn valty(t: ValTy) -> TokenStream {
    let e = elem_ty(crate::lower::dtype(t.elem()));
    match t {
        ValTy::Scalar(_) => e,
        ValTy::Array(_) => quote!(::rjax::Array<#e>),
    }
}

fn tuple_if(items: &[TokenStream], tuple: bool) -> TokenStream {
    if items.len() == 1 && !tuple {
        items[0].clone()
    } else {
        quote!((#(#items),*))
    }
}

/// A function whose body is `j` with inputs `inputs`, returning
/// `assemble(outputs)`.
#[allow(clippy::too_many_arguments)]
pub(super) fn function(
    cx: &EmitCx,
    name: &Ident,
    doc: &str,
    decls: &[TokenStream],
    ret: &TokenStream,
    prologue: TokenStream,
    j: &Jaxpr,
    inputs: &[TokenStream],
    shape_of: &[TokenStream],
    assemble: impl FnOnce(Vec<TokenStream>) -> TokenStream,
) -> TokenStream {
    let dims = bind_dims(&j.in_types(), shape_of);
    let em = Emitter::new(cx, j).body(inputs);
    let stmts = em.stmts;
    let result = assemble(em.outs);
    quote! {
        #[doc = #doc]
        pub fn #name(#(#decls),*) -> #ret {
            #prologue
            #dims
            #stmts
            #result
        }
    }
}

/// The jaxpr with only output 0 (what `grad` differentiates).
pub(super) fn first_output(j: &Jaxpr) -> Jaxpr {
    let mut j = j.clone();
    j.outvars.truncate(1);
    j
}

/// Generates the module's items.
pub fn generate(inp: &Input) -> Output {
    let mut items = TokenStream::new();
    let mut errors = Vec::new();
    let grad_requested = inp.config.grad.is_some();
    let vmap_requested = inp.config.vmap.is_some();
    let mut fail = |requested: bool, what: &str, e: CompanionError| {
        if requested && e.is_reported() {
            // Core's messages may already name the transformation.
            let e = e.to_string();
            let e = e.strip_prefix(&format!("{what}: ")).unwrap_or(&e);
            errors.push(format!("{what}: {e}"));
        }
    };
    let decls = inp.decls();
    let idents = inp.param_idents();
    let shape_of: Vec<TokenStream> = idents.iter().map(|n| quote!(#n)).collect();
    let inputs = inp.owned_inputs();
    let asserts = inp.rank_asserts();
    let argnums = check::argnums(inp.config);
    let has_aux = inp
        .config
        .grad
        .as_ref()
        .is_some_and(|g| g.has_aux.is_some());
    let scalar_out = has_aux || inp.f.ret.is_scalar_float();
    let float_out = matches!(inp.f.ret.tys.first(), Some(t) if t.elem().is_float());

    // jaxpr() and make_jaxpr(..)
    let text = inp.jaxpr.to_string();
    items.extend(quote! {
        /// The jaxpr of the function, with symbolic dimensions.
        pub fn jaxpr() -> ::rjax::core::Jaxpr {
            ::rjax::core::Jaxpr::parse(#text).expect("rjax: the jaxpr printed at compile time parses")
        }
    });
    {
        let syms = symbols(&inp.jaxpr.in_types());
        let pairs = syms.iter().map(|s| {
            let id = super::emit::dim_ident(s);
            quote!((#s, #id))
        });
        let dims = bind_dims(&inp.jaxpr.in_types(), &shape_of);
        items.extend(quote! {
            /// The jaxpr for these arguments' shapes.
            pub fn make_jaxpr(#(#decls),*) -> ::rjax::core::Jaxpr {
                #asserts
                #dims
                ::rjax::__private::specialize(&jaxpr(), &[#(#pairs),*])
            }
        });
    }

    // Gradients of a struct's fields come back as the struct.
    let leaf_ty = |i: usize| inp.param_value_ty(i);
    let placeholders: Vec<TokenStream> = (0..argnums.len()).map(|k| quote!(#k)).collect();
    let (grad_tys, _) =
        super::tree_param::group_grads(inp.f, &argnums, &placeholders, &leaf_ty, &[]);
    let grad_ty = tuple_if(&grad_tys, false);
    let group = |outs: &[TokenStream]| {
        let (_, vals) = super::tree_param::group_grads(inp.f, &argnums, outs, &leaf_ty, inp.ranks);
        tuple_if(&vals, false)
    };

    if scalar_out {
        let n_aux = if has_aux { inp.f.ret.tys.len() - 1 } else { 0 };
        let aux_tys: Vec<TokenStream> = inp.f.ret.tys.iter().skip(1).map(|t| valty(*t)).collect();
        let aux_ty = tuple_if(&aux_tys, false);
        let grad_j = if has_aux {
            inp.jaxpr.clone()
        } else {
            first_output(inp.jaxpr)
        };
        match xform::grad(&grad_j, &argnums, has_aux) {
            Ok(g) => {
                let ret = if has_aux {
                    quote!((#grad_ty, #aux_ty))
                } else {
                    grad_ty.clone()
                };
                items.extend(function(
                    inp.emit,
                    &format_ident!("grad"),
                    "Gradient with respect to `argnums` (reverse mode); with `has_aux`, `(grad, aux)`.",
                    &decls,
                    &ret,
                    asserts.clone(),
                    &g,
                    &inputs,
                    &shape_of,
                    |outs| {
                        let g = group(&outs[n_aux..]);
                        if has_aux {
                            let aux = tuple_if(&outs[..n_aux], false);
                            quote!((#g, #aux))
                        } else {
                            g
                        }
                    },
                ));
            }
            Err(e) => fail(grad_requested, "grad", e.into()),
        }
        match xform::value_and_grad(&grad_j, &argnums, has_aux) {
            Ok(g) => {
                let value_ty = inp.ret_ty();
                items.extend(function(
                    inp.emit,
                    &format_ident!("value_and_grad"),
                    "`(value, grad)`; with `has_aux`, `((value, aux), grad)`.",
                    &decls,
                    &quote!((#value_ty, #grad_ty)),
                    asserts.clone(),
                    &g,
                    &inputs,
                    &shape_of,
                    |outs| {
                        let g = group(&outs[1 + n_aux..]);
                        let v = &outs[0];
                        if has_aux {
                            let aux = &outs[1..1 + n_aux];
                            quote!(((#v, #(#aux),*), #g))
                        } else {
                            quote!((#v, #g))
                        }
                    },
                ));
            }
            Err(e) => fail(grad_requested, "value_and_grad", e.into()),
        }
        let a = argnums[0];
        let hessian = if let Some(g) = crate::front::tree_param::group_of(inp.f, a) {
            // With respect to an `SVector` or a struct (`tree_companions`).
            items.extend(super::tree_companions::hessian(
                inp,
                g,
                &decls,
                &asserts,
                &mut |w, e| fail(grad_requested, w, e),
            ));
            None
        } else {
            Some(xform::hessian(&first_output(inp.jaxpr), a))
        };
        match hessian {
            None => {}
            Some(Ok(h)) => {
                let ret = inp.param_value_ty(a);
                let ret = if inp.ranks[a] == 0 && matches!(inp.f.params[a].ty, ParamTy::Scalar(_)) {
                    ret
                } else {
                    let e = elem_ty(h.out_types()[0].dtype);
                    quote!(::rjax::Array<#e>)
                };
                items.extend(function(
                    inp.emit,
                    &format_ident!("hessian"),
                    "Hessian with respect to the first of `argnums` (forward over reverse).",
                    &decls,
                    &ret,
                    asserts.clone(),
                    &h,
                    &inputs,
                    &shape_of,
                    |outs| {
                        // A rank-0 array parameter's Hessian is a native scalar.
                        let o = &outs[0];
                        if h.out_types()[0].rank() == 0
                            && matches!(inp.f.params[a].ty, ParamTy::Array { .. })
                        {
                            quote!(::rjax::Array::scalar(#o))
                        } else {
                            o.clone()
                        }
                    },
                ));
            }
            Some(Err(e)) => fail(grad_requested, "hessian", e.into()),
        }
    } else {
        items.extend(quote! {
            #[doc(hidden)]
            pub fn grad<'a, A>(_: A) -> !
            where
                &'a (): ::rjax::__private::ScalarOutput,
            {
                ::core::unreachable!()
            }
        });
    }

    // Struct and nalgebra parameters or results: `tree_companions` for
    // the Jacobian; jvp, vjp and vmap take and give the user's types.
    let trees = !inp.f.trees.is_empty() || inp.f.ret.tree.is_some();
    if float_out {
        let a = argnums[0];
        if trees
            && (crate::front::tree_param::group_of(inp.f, a).is_some() || inp.f.ret.tree.is_some())
        {
            items.extend(super::tree_companions::jacobian(
                inp,
                a,
                &decls,
                &asserts,
                &mut |w, e| fail(grad_requested, w, e),
            ));
        } else {
            match xform::jacobian(&first_output(inp.jaxpr), a) {
                Ok(jac) => {
                    let t = &jac.out_types()[0];
                    items.extend(function(
                        inp.emit,
                        &format_ident!("jacobian"),
                        "Jacobian of the (first) output with respect to the first of `argnums`: shape out ++ in.",
                        &decls,
                        &rust_ty(t),
                        asserts.clone(),
                        &jac,
                        &inputs,
                        &shape_of,
                        |outs| outs[0].clone(),
                    ));
                }
                Err(e) => fail(grad_requested, "jacobian", e.into()),
            }
        }
        let wrt = crate::front::tree_param::whole_groups(inp.f, &inp.float_params());
        if inp.f.ret.tys.iter().all(|t| t.elem().is_float()) && !wrt.is_empty() {
            gen_jvp_vjp(inp, &wrt, &mut items, &mut |r, w, e| {
                fail(r && grad_requested, w, e)
            });
        }
    }

    // An integer or bool output: forward and reverse mode are not
    // generated; stubs whose bound is never met make a call to them a
    // compile error that says why (not "cannot find function `vjp`").
    let all_float = inp.f.ret.tys.iter().all(|t| t.elem().is_float());
    let mut missing: Vec<(&str, usize)> = Vec::new();
    if !all_float {
        missing.push(("vjp", decls.len()));
        missing.push(("jvp", 2));
    }
    if !float_out {
        missing.push(("jacobian", decls.len()));
    }
    for (name, arity) in missing {
        let name = format_ident!("{}", name);
        let tys: Vec<Ident> = (0..arity).map(|i| format_ident!("A{}", i)).collect();
        items.extend(quote! {
            #[doc(hidden)]
            pub fn #name<'a, #(#tys),*>(#(_: #tys),*) -> !
            where
                &'a (): ::rjax::__private::FloatOutputs,
            {
                ::core::unreachable!()
            }
        });
    }

    gen_vmap(inp, &mut items, &mut |w, e| fail(vmap_requested, w, e));

    Output { items, errors }
}

fn symbols(types: &[TensorType]) -> Vec<String> {
    let mut out = Vec::new();
    for t in types {
        for d in t.dims() {
            d.symbols(&mut out);
        }
    }
    out
}

fn gen_jvp_vjp(
    inp: &Input,
    wrt: &[usize],
    items: &mut TokenStream,
    fail: &mut dyn FnMut(bool, &str, CompanionError),
) {
    use crate::front::tree_param::{Orig, originals};
    let f = inp.f;
    let idents = inp.param_idents();
    let decls = inp.decls();
    let ret = inp.ret_ty();
    let nout = f.ret.tys.len();
    let tuple = f.ret.tuple;
    let shape_of: Vec<TokenStream> = idents.iter().map(|n| quote!(#n)).collect();
    let user_tys: Vec<TokenStream> = f
        .item
        .sig
        .inputs
        .iter()
        .map(|a| match a {
            syn::FnArg::Typed(pt) => {
                let t = &pt.ty;
                quote!(#t)
            }
            syn::FnArg::Receiver(_) => unreachable!(),
        })
        .collect();
    let leaf_tan = |i: usize| local(&format!("{}_dot", idents[i]));
    let orig_names: Vec<&Ident> = originals(f)
        .into_iter()
        .map(|o| match o {
            Orig::Leaf(i) => f.params[i].name,
            Orig::Group(g) => g.name,
        })
        .collect();
    // jvp((primals..), (tangents..)): one tangent per float parameter as
    // the user wrote it (a struct's tangent is the same struct).
    match xform::jvp(inp.jaxpr, wrt) {
        Ok(j) => {
            let (mut tan_decl, mut tan_tys, mut unpack) =
                (Vec::new(), Vec::new(), TokenStream::new());
            for (o, ty) in originals(f).into_iter().zip(&user_tys) {
                match o {
                    Orig::Leaf(i) if wrt.contains(&i) => {
                        tan_decl.push(leaf_tan(i));
                        tan_tys.push(match f.params[i].ty {
                            ParamTy::Array { elem, .. } => {
                                let e = elem_ty(crate::lower::dtype(elem));
                                quote!(&::rjax::Array<#e>)
                            }
                            _ => inp.param_value_ty(i),
                        });
                    }
                    Orig::Group(g) if wrt.contains(&g.first) => {
                        let name = local(&format!("{}_dot", g.name));
                        for k in 0..g.fields.len() {
                            let leaf = leaf_tan(g.first + k);
                            let v = super::tree_param::access(f, g, k, &quote!(#name));
                            unpack.extend(quote!(let #leaf = #v;));
                        }
                        tan_decl.push(name);
                        tan_tys.push(ty.clone());
                    }
                    _ => {}
                }
            }
            let mut inputs = inp.owned_inputs();
            for &i in wrt {
                let n = leaf_tan(i);
                inputs.push(match f.params[i].ty {
                    ParamTy::Scalar(_) => quote!(#n),
                    ParamTy::Array { .. } if inp.ranks[i] == 0 => quote!(#n.item()),
                    _ => quote!(#n.clone()),
                });
            }
            let mut shapes = shape_of.clone();
            shapes.extend(wrt.iter().map(|&i| {
                let n = leaf_tan(i);
                quote!(#n)
            }));
            let dims = bind_dims(&j.in_types(), &shapes);
            let em = Emitter::new(inp.emit, &j).body(&inputs);
            let stmts = em.stmts;
            let (outs, touts) = if f.ret.tree.is_some() {
                (
                    super::tree_param::result_value(f, &em.outs[..nout]),
                    super::tree_param::result_value(f, &em.outs[nout..]),
                )
            } else {
                (
                    tuple_if(&em.outs[..nout], tuple),
                    tuple_if(&em.outs[nout..], tuple),
                )
            };
            let asserts = inp.rank_asserts();
            items.extend(quote! {
                /// Forward mode: `(primal out, tangent out)` for tangents of the float parameters.
                pub fn jvp(primals: (#(#user_tys,)*), tangents: (#(#tan_tys,)*)) -> (#ret, #ret) {
                    let (#(#orig_names,)*) = primals;
                    let (#(#tan_decl,)*) = tangents;
                    #unpack
                    #asserts
                    #dims
                    #stmts
                    (#outs, #touts)
                }
            });
        }
        Err(e) => fail(true, "jvp", e.into()),
    }
    // vjp(primals) -> (out, pullback): the forward pass keeps residuals,
    // the pullback runs the backward pass on them.
    match xform::vjp(inp.jaxpr, wrt) {
        Ok((fwd, bwd, nres)) => {
            let ct_names: Vec<Ident> = (0..nout).map(|k| local(&format!("ct_{k}"))).collect();
            // Array cotangents by reference, like `jvp`'s tangents, so a
            // body can write `pullback(&ct)` (an annotated body's primal
            // is this very call).
            let ct_tys: Vec<TokenStream> = f
                .ret
                .tys
                .iter()
                .map(|t| match t {
                    ValTy::Scalar(_) => valty(*t),
                    ValTy::Array(_) => {
                        let v = valty(*t);
                        quote!(&#v)
                    }
                })
                .collect();
            let leaf_ty = |i: usize| inp.param_value_ty(i);
            let placeholders: Vec<TokenStream> = (0..wrt.len()).map(|k| quote!(#k)).collect();
            let (cots, _) = super::tree_param::group_grads(f, wrt, &placeholders, &leaf_ty, &[]);
            let cot_ty = tuple_if(&cots, false);
            let fdims = bind_dims(&fwd.in_types(), &shape_of);
            let fe = Emitter::new(inp.emit, &fwd).body(&inp.owned_inputs());
            let fstmts = fe.stmts;
            let out = if f.ret.tree.is_some() {
                super::tree_param::result_value(f, &fe.outs[..nout])
            } else {
                tuple_if(&fe.outs[..nout], tuple)
            };
            let res: Vec<Ident> = (0..nres).map(|k| local(&format!("residual_{k}"))).collect();
            let res_vals = &fe.outs[nout..];
            let res_tys: Vec<TensorType> = bwd.in_types()[..nres].to_vec();
            let mut inputs: Vec<TokenStream> = res
                .iter()
                .zip(&res_tys)
                .map(|(r, t)| {
                    if t.rank() == 0 {
                        quote!(#r)
                    } else {
                        quote!(#r.clone())
                    }
                })
                .collect();
            inputs.extend(ct_names.iter().zip(&f.ret.tys).map(|(c, t)| match t {
                ValTy::Scalar(_) => quote!(#c),
                ValTy::Array(_) => quote!(#c.clone()),
            }));
            let mut shapes: Vec<TokenStream> = res.iter().map(|o| quote!(#o)).collect();
            shapes.extend(ct_names.iter().map(|c| quote!(#c)));
            let bdims = bind_dims(&bwd.in_types(), &shapes);
            let be = Emitter::new(inp.emit, &bwd).body(&inputs);
            let bstmts = be.stmts;
            let (_, grouped) =
                super::tree_param::group_grads(f, wrt, &be.outs, &leaf_ty, inp.ranks);
            let result = tuple_if(&grouped, false);
            // A struct output cotangent is that struct, by reference like
            // an array; an nalgebra one by value like a scalar. Its
            // leaves are read out of it.
            let (ct_pat, ct_ty, ct_unpack) = if let Some(path) = &f.ret.tree {
                let ct = local("ct");
                let reads = ct_names.iter().enumerate().map(|(k, c)| {
                    let v = super::tree_param::ret_access(f, k, &quote!(#ct));
                    quote!(let #c = #v;)
                });
                let ty = if crate::front::tree_param::is_matrix(path) {
                    ret.clone()
                } else {
                    quote!(&#ret)
                };
                (quote!(#ct), ty, quote!(#(#reads)*))
            } else {
                (
                    tuple_if(
                        &ct_names.iter().map(|c| quote!(#c)).collect::<Vec<_>>(),
                        tuple,
                    ),
                    tuple_if(&ct_tys, tuple),
                    TokenStream::new(),
                )
            };
            let asserts = inp.rank_asserts();
            items.extend(quote! {
                /// Reverse mode: `(primal out, pullback)`; the pullback maps an output
                /// cotangent to the cotangents of the float parameters. It owns its
                /// residuals (`use<>`), so it outlives the borrowed arguments.
                pub fn vjp(#(#decls),*) -> (#ret, impl Fn(#ct_ty) -> #cot_ty + use<>) {
                    #asserts
                    #fdims
                    #fstmts
                    #(let #res = #res_vals;)*
                    (#out, move |#ct_pat: #ct_ty| -> #cot_ty {
                        #ct_unpack
                        #bdims
                        #bstmts
                        #result
                    })
                }
            });
        }
        Err(e) => fail(true, "vjp", e.into()),
    }
}

fn gen_vmap(inp: &Input, items: &mut TokenStream, fail: &mut dyn FnMut(&str, CompanionError)) {
    let n = inp.f.params.len();
    let axes: Vec<Option<usize>> = match inp.config.vmap.as_ref().and_then(|v| v.in_axes.as_ref()) {
        Some(InAxes::PerArg(list, _)) if list.len() == n => list.iter().map(|a| a.axis).collect(),
        Some(InAxes::All(a)) => vec![a.axis; n],
        _ => vec![Some(0); n],
    };
    if axes.iter().all(|a| a.is_none()) {
        return;
    }
    let out_axes = crate::front::attr::out_axes(inp.config.vmap.as_ref(), inp.jaxpr.outvars.len());
    let j = match xform::vmap(inp.jaxpr, &axes, &out_axes) {
        Ok(j) => j,
        Err(e) => return fail("vmap", e.into()),
    };
    let idents = inp.param_idents();
    // Struct and nalgebra parameters and results (`tree_companions`).
    let tree = match super::tree_companions::vmap_parts(inp, &axes) {
        Ok(t) => t,
        Err(e) => return fail("vmap", e),
    };
    let decls: Vec<TokenStream> = crate::front::tree_param::originals(inp.f)
        .into_iter()
        .zip(inp.decls())
        .map(|(o, d)| {
            let i = match o {
                crate::front::tree_param::Orig::Leaf(i) => i,
                crate::front::tree_param::Orig::Group(g) => return tree.decl(g, d),
            };
            let p = &inp.f.params[i];
            match (p.ty, axes[i]) {
                (ParamTy::Scalar(s), Some(_)) => {
                    let n = p.name;
                    let e = elem_ty(crate::lower::dtype(s));
                    quote!(#n: &::rjax::Array<#e>)
                }
                (ParamTy::Key, Some(_)) => {
                    let (n, t) = (p.name, super::keys::batch_type());
                    quote!(#n: #t)
                }
                _ => d,
            }
        })
        .collect();
    let inputs: Vec<TokenStream> = inp
        .f
        .params
        .iter()
        .zip(&axes)
        .zip(inp.ranks)
        .map(|((p, a), r)| {
            let n = p.name;
            match (p.ty, a) {
                (ParamTy::Scalar(_), None) => quote!(#n),
                (ParamTy::Array { .. }, None) if *r == 0 => quote!(#n.item()),
                _ => quote!(#n.clone()),
            }
        })
        .collect();
    let shape_of: Vec<TokenStream> = idents.iter().map(|n| quote!(#n)).collect();
    let outs: Vec<TokenStream> = j.out_types().iter().map(rust_ty).collect();
    let ret = tree
        .ret
        .clone()
        .unwrap_or_else(|| tuple_if(&outs, inp.f.ret.tuple));
    let tuple = inp.f.ret.tuple;
    let fname = inp.name().to_string();
    let mapped: Vec<bool> = axes.iter().map(Option::is_some).collect();
    let mut asserts = tree.unpack.clone();
    asserts.extend(super::keys::prologue(inp.f, &mapped));
    let who = format!("{fname}::vmap");
    for ((p, r), a) in inp.f.params.iter().zip(inp.ranks).zip(&axes) {
        let want = r + usize::from(a.is_some());
        if p.ty != ParamTy::Key && (matches!(p.ty, ParamTy::Array { .. }) || a.is_some()) {
            let n = p.name;
            // Also where an `in_axes` entry is out of range for the rank
            // passed: the rank is fixed when `f` is written.
            let shown = crate::front::tree_param::shown_name(inp.f, p).0;
            let why = match a {
                Some(a) => format!("rank {r} in `{fname}` plus the mapped axis {a}"),
                None => format!("unmapped, rank {r} in `{fname}`"),
            };
            let msg = format!("{who}: `{shown}` must have rank {want} ({why}), got shape {{:?}}");
            asserts.extend(quote!(::core::assert!(#n.ndim() == #want, #msg, #n.shape());));
        }
    }
    // One batch size; its symbol is then left out of the pairwise checks.
    asserts.extend(batch_size_check(inp.f, &axes, &who));
    let types = j.in_types();
    let batch_sym: Vec<String> = axes
        .iter()
        .zip(&types)
        .find_map(|(a, t)| match t.dims().get((*a)?) {
            Some(rjax_core::DimExpr::Sym(s)) => Some(s.clone()),
            _ => None,
        })
        .into_iter()
        .collect();
    asserts.extend(const_size_asserts(inp.f, &types, &who));
    asserts.extend(same_size_asserts(inp.f, &types, &who, &batch_sym));
    items.extend(function(
        inp.emit,
        &format_ident!("vmap"),
        "Batched over `in_axes` (default 0); outputs batched on `out_axes` (default 0).",
        &decls,
        &ret,
        asserts,
        &j,
        &inputs,
        &shape_of,
        |outs| {
            tree.result(inp.f, &outs)
                .unwrap_or_else(|| tuple_if(&outs, tuple))
        },
    ));
}
