//! `#[derive(Tree)]` structs as parameters and results of annotated
//! functions (JAX's pytrees): `fn loss(p: &Params, x: &Array<f32>) -> f32`.
//!
//! The struct's fields reach the macro the way a callee's tokens do (the
//! derive defines a hidden `__rjax_tree_Params!` export, see
//! `expand::export`). A struct parameter is then replaced by one
//! parameter per field (`p.w1`, `p.b1`, ...), so lowering, rjax-core's
//! transformations and emission see only arrays and scalars; `argnums`
//! and `in_axes` are remapped to the fields. In the body `p.w1` reads a
//! field and `Params { w1: .., b1: .. }` builds a value; `grad` with
//! respect to `p` returns a `Params` of gradients, the same struct.
//!
//! Fields must be `Array<T>` (with `#[rank(k)]` to fix a rank) or
//! scalars; nested structs, `Vec`s and tuples are trees for the runtime
//! helpers (`tree_map`) but not parameters of annotated functions.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use crate::ast::{Function, Param, ParamTy, Scalar, TreeGroup, ValTy};
use crate::attr::{Argnum, Config, InAxes};
use crate::lower::{LResult, Lowerer, Value, err};

/// A struct's fields, in declaration order.
#[derive(Clone, Debug)]
pub struct TreeDef {
    /// (field, type, `#[rank(k)]`).
    pub fields: Vec<(String, ValTy, Option<usize>)>,
}

/// Structs by key (`struct Params`, `struct model::Params`), or why a
/// struct cannot be a parameter.
pub type TreeDefs = HashMap<String, Result<TreeDef, String>>;

/// The key under which a struct's fields travel.
pub fn key(path: &syn::Path) -> String {
    format!("struct {}", crate::expand::export_key(path))
}

/// The fields of a derived struct; an error names a field we cannot take.
pub fn def(item: &syn::ItemStruct) -> Result<TreeDef, String> {
    let name = item.ident.to_string();
    let syn::Fields::Named(named) = &item.fields else {
        return Err(format!(
            "`{name}` must have named fields to be a parameter of an annotated function"
        ));
    };
    let mut fields = Vec::new();
    for f in &named.named {
        let fname = f.ident.as_ref().unwrap().to_string();
        let ty = field_type(&f.ty).ok_or_else(|| {
            let t = &f.ty;
            format!(
                "field `{fname}` of `{name}` has type `{}`: a struct parameter of an annotated function takes `Array<T>` and scalar fields",
                quote!(#t).to_string().replace(' ', "")
            )
        })?;
        let rank = f
            .attrs
            .iter()
            .find(|a| a.path().is_ident("rank"))
            .and_then(|a| a.parse_args::<syn::LitInt>().ok())
            .and_then(|l| l.base10_parse().ok());
        fields.push((fname, ty, rank));
    }
    Ok(TreeDef { fields })
}

fn field_type(ty: &syn::Type) -> Option<ValTy> {
    let syn::Type::Path(p) = ty else {
        return None;
    };
    let seg = p.path.segments.last()?;
    if seg.arguments.is_empty() {
        return Scalar::from_ident(&seg.ident.to_string()).map(ValTy::Scalar);
    }
    if seg.ident != "Array" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(a) = &seg.arguments else {
        return None;
    };
    match a.args.first()? {
        syn::GenericArgument::Type(syn::Type::Path(e)) => {
            Scalar::from_ident(&e.path.get_ident()?.to_string()).map(ValTy::Array)
        }
        _ => None,
    }
}

/// `SVector<T, N>` / `SMatrix<T, R, C>` as a tree of `R * C` scalar
/// leaves `_i_j`, column-major (`crate::nalgebra_param`).
fn matrix_def(path: &syn::Path) -> Option<TreeDef> {
    let (elem, r, c) = crate::nalgebra_param::shape(path)?;
    Some(TreeDef {
        fields: crate::nalgebra_param::fields(r, c)
            .into_iter()
            .map(|n| (n, ValTy::Scalar(elem), None))
            .collect(),
    })
}

/// True for a static nalgebra type (all leaves scalars).
pub fn is_matrix(path: &syn::Path) -> bool {
    crate::nalgebra_param::shape(path).is_some()
}

/// The value of a tree type from its field values, in order.
pub fn assemble(path: &syn::Path, fields: &[String], vals: &[TokenStream]) -> TokenStream {
    if is_matrix(path) {
        return crate::nalgebra_param::assemble(&quote!(#path), vals);
    }
    let inits = fields.iter().zip(vals).map(|(n, v)| {
        let field = format_ident!("{}", n);
        quote!(#field: #v)
    });
    quote!(#path { #(#inits),* })
}

/// Reading leaf `k` of group `g` from the struct value `base`: `&base.w`
/// for an array field, `base.b` for a scalar, `base[(i, j)]` for a matrix
/// entry.
pub fn access(f: &Function, g: &TreeGroup, k: usize, base: &TokenStream) -> TokenStream {
    let n = &g.fields[k];
    if is_matrix(&g.path) {
        return crate::nalgebra_param::access(base, n);
    }
    let field = format_ident!("{}", n);
    match f.params[g.first + k].ty {
        ParamTy::Scalar(_) => quote!(#base.#field),
        _ => quote!(&#base.#field),
    }
}

fn leak_ident(i: Ident) -> &'static Ident {
    Box::leak(Box::new(i))
}

/// The hidden name of field `field` of parameter `p`.
fn leaf_name(p: &Ident, field: &str) -> Ident {
    format_ident!("__rjax_{}_{}", p, field)
}

/// Replaces struct parameters by their fields and a struct result by its
/// fields (as a tuple), remapping `config`'s `argnums` and `in_axes`.
pub fn expand(f: &mut Function, config: &mut Config, defs: &TreeDefs) -> Result<(), String> {
    let has_tree = f.params.iter().any(|p| p.tree.is_some()) || f.ret.tree.is_some();
    if !has_tree {
        return Ok(());
    }
    let vector_defs: Vec<(String, Result<TreeDef, String>)> = f
        .params
        .iter()
        .filter_map(|p| p.tree.as_ref())
        .chain(f.ret.tree.as_ref())
        .filter_map(|p| Some((key(p), Ok(matrix_def(p)?))))
        .collect();
    let vector_defs: TreeDefs = vector_defs.into_iter().collect();
    let find = |path: &syn::Path| -> Result<&TreeDef, String> {
        match vector_defs.get(&key(path)).or_else(|| defs.get(&key(path))) {
            Some(Ok(d)) => Ok(d),
            Some(Err(m)) => Err(m.clone()),
            None => Err(format!(
                "`{}` is not a `#[derive(Tree)]` struct this function can see",
                crate::expand::export_key(path)
            )),
        }
    };
    let mut params: Vec<Param> = Vec::new();
    let mut map: Vec<Vec<usize>> = Vec::new();
    let mut trees = Vec::new();
    for p in std::mem::take(&mut f.params) {
        let (Some(path), ParamTy::Tree { .. }) = (p.tree.clone(), p.ty) else {
            map.push(vec![params.len()]);
            params.push(p);
            continue;
        };
        let d = find(&path)?;
        let first = params.len();
        map.push((first..first + d.fields.len()).collect());
        for (field, ty, rank) in &d.fields {
            params.push(Param {
                name: leak_ident(leaf_name(p.name, field)),
                ty: match *ty {
                    ValTy::Scalar(s) => ParamTy::Scalar(s),
                    ValTy::Array(elem) => ParamTy::Array { elem, by_ref: true },
                },
                ty_span: p.ty_span,
                rank: *rank,
                tree: None,
            });
        }
        trees.push(TreeGroup {
            name: p.name,
            path,
            fields: d.fields.iter().map(|(n, ..)| n.clone()).collect(),
            first,
        });
    }
    f.params = params;
    f.trees = trees;
    if let Some(path) = &f.ret.tree {
        let d = find(path)?;
        f.ret.tys = d.fields.iter().map(|(_, t, _)| *t).collect();
        f.ret.fields = d.fields.iter().map(|(n, ..)| n.clone()).collect();
    }
    if let Some(g) = &mut config.grad {
        let span = g.span;
        let listed: Vec<Argnum> = match &g.argnums {
            Some((l, _)) => l.clone(),
            None => vec![Argnum { index: 0, span }],
        };
        let leaves: Vec<Argnum> = listed
            .iter()
            .flat_map(|a| {
                map.get(a.index)
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |index| Argnum {
                        index,
                        span: a.span,
                    })
            })
            .collect();
        g.argnums = Some((leaves, span));
    }
    if let Some(InAxes::PerArg(list, _)) = config.vmap.as_mut().and_then(|v| v.in_axes.as_mut()) {
        *list = list
            .iter()
            .zip(&map)
            .flat_map(|(a, m)| m.iter().map(move |_| *a))
            .collect();
    }
    Ok(())
}

impl Lowerer<'_> {
    /// After the field parameters are bound: the struct parameters as
    /// values, so `p.w1` and passing `p` to a callee work.
    pub fn bind_trees(&mut self, f: &Function) {
        for g in &f.trees {
            let fields = g
                .fields
                .iter()
                .map(|n| {
                    let v = self.env[&leaf_name(g.name, n).to_string()].clone();
                    (n.clone(), v)
                })
                .collect();
            self.env.insert(g.name.to_string(), Value::Struct(fields));
        }
    }

    /// `base.field`.
    pub fn named_field(
        &mut self,
        base: Value,
        field: &Ident,
        span: proc_macro2::Span,
    ) -> LResult<Value> {
        match base {
            Value::Struct(fields) => match fields.into_iter().find(|(n, _)| field == n) {
                Some((_, v)) => Ok(v),
                None => err(span, format!("no field `{field}` in this struct")),
            },
            _ => err(
                span,
                format!("`.{field}` needs a `#[derive(Tree)]` struct value"),
            ),
        }
    }

    /// The struct result as the tuple of its fields in declaration order
    /// (`Ret::tys`), whatever the literal's order.
    pub fn struct_result(
        &mut self,
        f: &Function,
        v: Value,
        span: proc_macro2::Span,
    ) -> LResult<Value> {
        if f.ret.tree.is_none() {
            return Ok(v);
        }
        let Value::Struct(mut fields) = v else {
            return err(
                span,
                "the body must produce the struct the signature returns",
            );
        };
        let mut out = Vec::new();
        for n in &f.ret.fields {
            match fields.iter().position(|(m, _)| m == n) {
                Some(i) => out.push(fields.swap_remove(i).1),
                None => return err(span, format!("the result has no field `{n}`")),
            }
        }
        Ok(Value::Tuple(out))
    }
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

/// The group of parameter `i`, if it is a struct's field.
pub fn group_of<'f, 'a>(f: &'f Function<'a>, i: usize) -> Option<&'f TreeGroup<'a>> {
    f.trees
        .iter()
        .find(|g| (g.first..g.first + g.fields.len()).contains(&i))
}

/// Gradients of `argnums` (field parameters) regrouped: a whole struct's
/// fields become one struct value. Returns (types, values), one per
/// original argument.
pub fn group_grads(
    f: &Function,
    argnums: &[usize],
    outs: &[TokenStream],
    leaf_ty: &dyn Fn(usize) -> TokenStream,
) -> (Vec<TokenStream>, Vec<TokenStream>) {
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
                let path = &g.path;
                tys.push(quote!(#path));
                vals.push(assemble(path, &g.fields, &outs[k..k + g.fields.len()]));
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

/// A call's arguments with each struct argument replaced by its fields
/// (in the callee's declaration order), as the callee's parameters are.
pub fn flatten_args(
    f: &Function,
    vals: Vec<Value>,
    span: proc_macro2::Span,
) -> LResult<Vec<Value>> {
    if f.trees.is_empty() {
        return Ok(vals);
    }
    let mut slots = Vec::new(); // original parameters: Some(group) or None
    let mut i = 0;
    while i < f.params.len() {
        match group_of(f, i) {
            Some(g) => {
                slots.push(Some(g));
                i += g.fields.len();
            }
            None => {
                slots.push(None);
                i += 1;
            }
        }
    }
    if vals.len() != slots.len() {
        return err(
            span,
            format!(
                "`{}` takes {} argument(s), not {}",
                f.name,
                slots.len(),
                vals.len()
            ),
        );
    }
    let mut out = Vec::new();
    for (v, slot) in vals.into_iter().zip(slots) {
        match (slot, v) {
            (None, v) => out.push(v),
            (Some(g), Value::Struct(mut fields)) => {
                for n in &g.fields {
                    match fields.iter().position(|(m, _)| m == n) {
                        Some(k) => out.push(fields.swap_remove(k).1),
                        None => {
                            return err(
                                span,
                                format!("the struct passed as `{}` has no field `{n}`", g.name),
                            );
                        }
                    }
                }
            }
            (Some(g), _) => {
                return err(
                    span,
                    format!(
                        "`{}` of `{}` is a struct: pass the struct value",
                        g.name, f.name
                    ),
                );
            }
        }
    }
    Ok(out)
}

/// Gradient values of `argnums` (field parameters) regrouped into struct
/// values where a whole struct's fields are there.
pub fn regroup(f: &Function, argnums: &[usize], mut vals: Vec<Value>) -> Vec<Value> {
    if f.trees.is_empty() {
        return vals;
    }
    let mut out = Vec::new();
    let mut k = 0;
    vals.reverse();
    while k < argnums.len() {
        let i = argnums[k];
        let whole = group_of(f, i).filter(|g| {
            i == g.first
                && argnums[k..]
                    .starts_with(&(g.first..g.first + g.fields.len()).collect::<Vec<_>>())
        });
        match whole {
            Some(g) => {
                let fields = g
                    .fields
                    .iter()
                    .map(|n| (n.clone(), vals.pop().expect("one value per field")))
                    .collect();
                out.push(Value::Struct(fields));
                k += g.fields.len();
            }
            None => {
                out.push(vals.pop().expect("one value per argnum"));
                k += 1;
            }
        }
    }
    out
}

/// A callee's struct result as a struct value.
pub fn struct_value(f: &Function, vals: Vec<Value>) -> Value {
    Value::Struct(f.ret.fields.iter().cloned().zip(vals).collect())
}

impl Lowerer<'_> {
    /// `v[k]` (column-major, as nalgebra) or `m[(i, j)]` of a static
    /// nalgebra value: the leaf `_i_j` (constant indices only).
    pub fn vector_index(&mut self, v: Value, k: Value, span: proc_macro2::Span) -> LResult<Value> {
        let Value::Struct(fields) = v else {
            return err(span, "not a vector");
        };
        let rows = crate::nalgebra_param::rows_of(fields.iter().map(|(n, _)| n));
        let (i, j) = match k {
            Value::Weak(k, true) => ((k as usize) % rows, (k as usize) / rows),
            Value::Tuple(ij) => match ij[..] {
                [Value::Weak(i, true), Value::Weak(j, true)] => (i as usize, j as usize),
                _ => {
                    return err(
                        span,
                        "index a matrix with constants: `m[(0, 1)]` (variable indices need an `Array`)",
                    );
                }
            },
            _ => {
                return err(
                    span,
                    "index an `SVector` with a constant: `v[0]` (variable indices need an `Array`)",
                );
            }
        };
        let name = crate::nalgebra_param::field(i, j);
        match fields.into_iter().find(|(n, _)| *n == name) {
            Some((_, x)) => Ok(x),
            None => err(span, format!("entry ({i}, {j}) is out of the matrix's range")),
        }
    }
}

/// A parameter as the user wrote it: a plain one (its index among the
/// leaf parameters) or a struct / nalgebra group.
pub enum Orig<'f, 'a> {
    /// A plain parameter.
    Leaf(usize),
    /// A struct or nalgebra parameter.
    Group(&'f TreeGroup<'a>),
}

/// The user's parameters in order.
pub fn originals<'f, 'a>(f: &'f Function<'a>) -> Vec<Orig<'f, 'a>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < f.params.len() {
        match group_of(f, i) {
            Some(g) => {
                out.push(Orig::Group(g));
                i += g.fields.len();
            }
            None => {
                out.push(Orig::Leaf(i));
                i += 1;
            }
        }
    }
    out
}

/// Reading output `k` of a struct or nalgebra result from `base` (a
/// value of the result's type): `&base.w`, `base.b`, `base[(i, j)]`.
pub fn ret_access(f: &Function, k: usize, base: &TokenStream) -> TokenStream {
    let path = f.ret.tree.as_ref().expect("a tree result");
    let n = &f.ret.fields[k];
    if is_matrix(path) {
        return crate::nalgebra_param::access(base, n);
    }
    let field = format_ident!("{}", n);
    match f.ret.tys[k] {
        ValTy::Scalar(_) => quote!(#base.#field),
        ValTy::Array(_) => quote!(&#base.#field),
    }
}

/// The result value from the outputs: the struct or matrix rebuilt, or
/// the plain value / tuple.
pub fn result_value(f: &Function, outs: &[TokenStream]) -> TokenStream {
    match &f.ret.tree {
        Some(path) => assemble(path, &f.ret.fields, outs),
        None if outs.len() == 1 && !f.ret.tuple => outs[0].clone(),
        None => quote!((#(#outs),*)),
    }
}

/// `leaves` without the leaves of groups that are not wholly in it (a
/// struct with an integer field gets no tangent: its float fields are
/// left out with it).
pub fn whole_groups(f: &Function, leaves: &[usize]) -> Vec<usize> {
    leaves
        .iter()
        .copied()
        .filter(|&i| match group_of(f, i) {
            Some(g) => (g.first..g.first + g.fields.len()).all(|k| leaves.contains(&k)),
            None => true,
        })
        .collect()
}
