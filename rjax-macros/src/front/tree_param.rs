//! Trees as parameters and results of annotated functions (JAX's
//! pytrees): `#[derive(Tree)]` structs, `fn loss(p: &Params, x:
//! &Array<f32>) -> f32`, and tuples / fixed-size arrays of arrays,
//! scalars and trees, `fn loss(p: &(Array<f32>, Array<f32>), ..)`.
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
//! Fields may be `Array<T>` (with `#[rank(k)]` to fix a rank), scalars,
//! other derived structs, fixed-size arrays `[T; N]` of those, and static
//! nalgebra matrices (`crate::front::tree_node` holds the shape). A `Vec` field
//! is refused: its length is not in the type, and the macro must know
//! every leaf at compile time (use `[T; N]` or separate fields); `Vec`s
//! and tuples remain trees for the runtime helpers (`tree_map`).

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use crate::front::ast::{Function, Param, ParamTy, Scalar, TreeGroup, ValTy};
use crate::front::attr::{Argnum, Config, InAxes};
pub use crate::front::tree_node::Node;
use crate::lower::{LResult, Lowerer, Value, err};

/// A struct's fields, in declaration order.
#[derive(Clone, Debug)]
pub struct TreeDef {
    /// (field, its type).
    pub fields: Vec<(String, FieldTy)>,
}

/// The type of a field of a derived struct.
#[derive(Clone, Debug)]
pub enum FieldTy {
    /// An array (with its `#[rank(k)]`) or a scalar.
    Leaf(ValTy, Option<usize>),
    /// Another derived struct (its path as the struct's module writes it).
    Nested(syn::Path),
    /// `[T; N]`.
    Fixed(Box<FieldTy>, usize),
    /// A tuple `(A, B)`.
    Tuple(Vec<FieldTy>),
    /// A static nalgebra matrix.
    Matrix(syn::Path),
}

/// Structs by key (`struct Params`, `struct model::Params`), or why a
/// struct cannot be a parameter.
pub type TreeDefs = HashMap<String, Result<TreeDef, Refusal>>;

/// Why a struct cannot be a parameter, at the offending field when known.
#[derive(Clone, Debug)]
pub struct Refusal {
    /// The field's type, or `None` for the function's name.
    pub span: Option<proc_macro2::Span>,
    /// The message.
    pub msg: String,
}

impl From<String> for Refusal {
    fn from(msg: String) -> Self {
        Refusal { span: None, msg }
    }
}

/// The key under which a struct's fields travel.
pub fn key(path: &syn::Path) -> String {
    format!("struct {}", crate::back::export_key(path))
}

/// The fields of a derived struct; an error names a field we cannot take.
pub fn def(item: &syn::ItemStruct) -> Result<TreeDef, Refusal> {
    use syn::spanned::Spanned;
    let name = item.ident.to_string();
    let syn::Fields::Named(named) = &item.fields else {
        return Err(Refusal {
            span: Some(item.ident.span()),
            msg: format!(
                "`{name}` must have named fields to be a parameter of an annotated function"
            ),
        });
    };
    let mut fields = Vec::new();
    for f in &named.named {
        let fname = f.ident.as_ref().unwrap().to_string();
        let rank = f
            .attrs
            .iter()
            .find(|a| a.path().is_ident("rank"))
            .and_then(|a| a.parse_args::<syn::LitInt>().ok())
            .and_then(|l| l.base10_parse().ok());
        let ty = field_type(&f.ty, rank).map_err(|why| {
            let t = &f.ty;
            Refusal {
                span: Some(t.span()),
                msg: format!(
                    "field `{fname}` of `{name}` has type `{}`: {why}",
                    quote!(#t).to_string().replace(' ', "")
                ),
            }
        })?;
        fields.push((fname, ty));
    }
    Ok(TreeDef { fields })
}

const FIELD_HINT: &str = "a struct parameter of an annotated function takes `Array<T>`, scalar, `[T; N]`, nalgebra `SVector`/`SMatrix` and `#[derive(Tree)]` struct fields";

fn field_type(ty: &syn::Type, rank: Option<usize>) -> Result<FieldTy, String> {
    match ty {
        syn::Type::Array(a) => {
            let n = match &a.len {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(n),
                    ..
                }) => n.base10_parse::<usize>().map_err(|e| e.to_string())?,
                _ => return Err("write the length of a `[T; N]` field as a literal".to_string()),
            };
            Ok(FieldTy::Fixed(Box::new(field_type(&a.elem, rank)?), n))
        }
        syn::Type::Tuple(t) if !t.elems.is_empty() => Ok(FieldTy::Tuple(
            t.elems
                .iter()
                .map(|e| field_type(e, rank))
                .collect::<Result<_, _>>()?,
        )),
        syn::Type::Paren(p) => field_type(&p.elem, rank),
        syn::Type::Reference(r) => {
            let inner = &r.elem;
            Err(format!(
                "a tree holds its values, not references: write `{}` inside and take the whole tree by reference (`&(Array<f32>, Array<f32>)`)",
                quote!(#inner).to_string().replace(' ', "")
            ))
        }
        syn::Type::Path(p) if p.qself.is_none() => {
            let seg = p.path.segments.last().ok_or(FIELD_HINT)?;
            if crate::front::nalgebra_param::shape(&p.path).is_some() {
                return Ok(FieldTy::Matrix(p.path.clone()));
            }
            if seg.ident == "Vec" {
                return Err("a `Vec` field's length is not known at compile time, so it cannot be a parameter of an annotated function: use a fixed-size array `[Array<f32>; N]` or separate fields (`tree_map` and the other runtime helpers do take `Vec` fields)".to_string());
            }
            if seg.arguments.is_empty() {
                if let Some(s) = Scalar::from_ident(&seg.ident.to_string()) {
                    return Ok(FieldTy::Leaf(ValTy::Scalar(s), None));
                }
                let known = ["Key", "Option", "Box", "String"];
                let name = seg.ident.to_string();
                if name.starts_with(|c: char| c.is_ascii_uppercase())
                    && !known.contains(&name.as_str())
                {
                    return Ok(FieldTy::Nested(p.path.clone()));
                }
            }
            if seg.ident == "Array"
                && let syn::PathArguments::AngleBracketed(a) = &seg.arguments
                && let Some(syn::GenericArgument::Type(syn::Type::Path(e))) = a.args.first()
                && let Some(s) = e
                    .path
                    .get_ident()
                    .and_then(|i| Scalar::from_ident(&i.to_string()))
            {
                return Ok(FieldTy::Leaf(ValTy::Array(s), rank));
            }
            Err(FIELD_HINT.to_string())
        }
        _ => Err(FIELD_HINT.to_string()),
    }
}

/// The shape of the tree type `path`, nested structs resolved through
/// `find`.
fn node(
    path: &syn::Path,
    find: &dyn Fn(&syn::Path) -> Result<TreeDef, Refusal>,
    depth: usize,
) -> Result<Node, Refusal> {
    if let Some((elem, r, c)) = crate::front::nalgebra_param::shape(path) {
        let leaves = crate::front::nalgebra_param::fields(r, c)
            .into_iter()
            .map(|n| (n, ValTy::Scalar(elem)))
            .collect();
        return Ok(Node::Matrix(path.clone(), leaves));
    }
    if depth > 16 {
        return Err(format!(
            "`{}` nests too deeply (a struct containing itself?)",
            crate::back::export_key(path)
        )
        .into());
    }
    let d = find(path)?;
    let mut fields = Vec::new();
    for (n, t) in &d.fields {
        fields.push((n.clone(), field_node(t, find, depth)?));
    }
    Ok(Node::Struct(path.clone(), fields))
}

fn field_node(
    t: &FieldTy,
    find: &dyn Fn(&syn::Path) -> Result<TreeDef, Refusal>,
    depth: usize,
) -> Result<Node, Refusal> {
    Ok(match t {
        FieldTy::Leaf(v, r) => Node::Leaf(*v, *r),
        FieldTy::Nested(p) | FieldTy::Matrix(p) => node(p, find, depth + 1)?,
        FieldTy::Fixed(inner, n) => Node::Fixed(
            (0..*n)
                .map(|_| field_node(inner, find, depth))
                .collect::<Result<_, _>>()?,
        ),
        FieldTy::Tuple(items) => Node::Tuple(
            items
                .iter()
                .map(|t| field_node(t, find, depth))
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// The shape of a tree parameter's or result's type: a struct (or
/// nalgebra) path, or a tuple / `[T; N]` of leaves and trees.
fn type_node(
    ty: &syn::Type,
    find: &dyn Fn(&syn::Path) -> Result<TreeDef, Refusal>,
) -> Result<Node, Refusal> {
    use syn::spanned::Spanned;
    match ty {
        syn::Type::Path(p) => node(&p.path, find, 0),
        _ => {
            let t = field_type(ty, None).map_err(|msg| Refusal {
                span: Some(ty.span()),
                msg,
            })?;
            field_node(&t, find, 0)
        }
    }
}

/// The nested struct paths that `defs` name but do not hold (to fetch).
pub fn nested_missing(defs: &TreeDefs) -> Vec<syn::Path> {
    fn walk(t: &FieldTy, out: &mut Vec<syn::Path>) {
        match t {
            FieldTy::Nested(p) => out.push(p.clone()),
            FieldTy::Fixed(inner, _) => walk(inner, out),
            FieldTy::Tuple(items) => items.iter().for_each(|t| walk(t, out)),
            _ => {}
        }
    }
    let mut named = Vec::new();
    for d in defs.values().flatten() {
        for (_, t) in &d.fields {
            walk(t, &mut named);
        }
    }
    let mut out: Vec<syn::Path> = Vec::new();
    for p in named {
        let k = key(&p);
        if !defs.contains_key(&k) && !out.iter().any(|q| key(q) == k) {
            out.push(p);
        }
    }
    out
}

/// True for a static nalgebra type (all leaves scalars).
pub fn is_matrix(ty: &syn::Type) -> bool {
    matrix_shape(ty).is_some()
}

/// (element, rows, columns) of a static nalgebra type.
pub fn matrix_shape(ty: &syn::Type) -> Option<(Scalar, usize, usize)> {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => crate::front::nalgebra_param::shape(&p.path),
        _ => None,
    }
}

/// Reading leaf `k` of group `g` from the value `base`: `&base.w` for an
/// array, `base.b` for a scalar, `base[(i, j)]` for a matrix entry,
/// `&base.layer.w` / `&base.ws[1]` inside nested fields.
pub fn access(_f: &Function, g: &TreeGroup, k: usize, base: &TokenStream) -> TokenStream {
    g.node.access(base).swap_remove(k)
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
pub fn expand(f: &mut Function, config: &mut Config, defs: &TreeDefs) -> Result<(), Refusal> {
    let has_tree = f.params.iter().any(|p| p.tree.is_some()) || f.ret.tree.is_some();
    if !has_tree {
        return Ok(());
    }
    let find = |path: &syn::Path| -> Result<TreeDef, Refusal> {
        match defs.get(&key(path)) {
            Some(Ok(d)) => Ok(d.clone()),
            Some(Err(m)) => Err(m.clone()),
            None => Err(format!(
                "`{}` is not a `#[derive(Tree)]` struct this function can see (a struct nested in another must be visible by the same path where the function is)",
                crate::back::export_key(path)
            )
            .into()),
        }
    };
    let mut params: Vec<Param> = Vec::new();
    let mut map: Vec<Vec<usize>> = Vec::new();
    let mut trees = Vec::new();
    for p in std::mem::take(&mut f.params) {
        let (Some(ty), ParamTy::Tree { .. }) = (p.tree.clone(), p.ty) else {
            map.push(vec![params.len()]);
            params.push(p);
            continue;
        };
        let shape = type_node(&ty, &find)?;
        let leaves = shape.leaves();
        if leaves.is_empty() {
            // Nothing to differentiate, map or pass: every companion
            // would have an argument with no leaves at all.
            return Err(Refusal {
                span: Some(p.ty_span),
                msg: format!(
                    "`{}` holds no values (a `[T; 0]`, an empty struct or an empty tuple): remove the parameter, or give it at least one array or scalar",
                    p.name
                ),
            });
        }
        let first = params.len();
        map.push((first..first + leaves.len()).collect());
        for (label, ty, rank) in &leaves {
            params.push(Param {
                name: leak_ident(leaf_name(p.name, label)),
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
            ty,
            fields: leaves.into_iter().map(|(n, ..)| n).collect(),
            first,
            node: shape,
        });
    }
    f.params = params;
    f.trees = trees;
    if let Some(ty) = &f.ret.tree {
        let shape = type_node(ty, &find)?;
        let leaves = shape.leaves();
        if leaves.is_empty() {
            return Err(Refusal {
                span: Some(f.ret.span),
                msg: "the result holds no values (a `[T; 0]`, an empty struct or an empty tuple): return at least one array or scalar".into(),
            });
        }
        f.ret.tys = leaves.iter().map(|(_, t, _)| *t).collect();
        f.ret.fields = leaves.into_iter().map(|(n, ..)| n).collect();
        f.ret.node = Some(shape);
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
            let mut leaves = g
                .fields
                .iter()
                .map(|n| self.env[&leaf_name(g.name, n).to_string()].clone());
            let v = g.node.value(&mut leaves);
            self.env.insert(g.name.to_string(), v);
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
        if !matches!(v, Value::Struct(_) | Value::Tuple(_)) {
            return err(
                span,
                "the body must produce the tree (struct, tuple or array) the signature returns",
            );
        }
        let mut out = Vec::new();
        let node = f.ret.node.as_ref().expect("a tree result has its shape");
        if let Err(m) = node.flatten(v, &mut out) {
            return err(span, format!("the result: {m}"));
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
            (Some(g), v @ (Value::Struct(_) | Value::Tuple(_))) => {
                if let Err(m) = g.node.flatten(v, &mut out) {
                    return err(span, format!("the value passed as `{}`: {m}", g.name));
                }
            }
            (Some(g), _) => {
                let ty = &g.ty;
                return err(
                    span,
                    format!(
                        "`{}` of `{}` is a `{}`: pass a value of that type",
                        g.name,
                        f.name,
                        quote!(#ty).to_string().replace(' ', "")
                    ),
                );
            }
        }
    }
    Ok(out)
}

/// Gradient values of `argnums` (field parameters) regrouped into struct
/// values where a whole struct's fields are there.
pub fn regroup(f: &Function, argnums: &[usize], vals: Vec<Value>) -> Vec<Value> {
    apply_regroup(&regroup_plan(f, argnums), vals)
}

/// How values for `argnums` (leaf parameters) regroup: one entry per
/// resulting value, the tree's shape where a whole tree's leaves are there
/// (it takes that many values), `None` for one leaf on its own.
pub fn regroup_plan(f: &Function, argnums: &[usize]) -> Vec<Option<Node>> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < argnums.len() {
        let i = argnums[k];
        let whole = group_of(f, i).filter(|g| {
            i == g.first
                && argnums[k..]
                    .starts_with(&(g.first..g.first + g.fields.len()).collect::<Vec<_>>())
        });
        match whole {
            Some(g) => {
                out.push(Some(g.node.clone()));
                k += g.fields.len();
            }
            None => {
                out.push(None);
                k += 1;
            }
        }
    }
    out
}

/// Leaf values grouped by a `regroup_plan`.
pub fn apply_regroup(plan: &[Option<Node>], vals: Vec<Value>) -> Vec<Value> {
    let mut it = vals.into_iter();
    plan.iter()
        .map(|p| match p {
            Some(node) => node.value(&mut it),
            None => it.next().expect("one value per leaf"),
        })
        .collect()
}

/// A callee's struct result as a struct value.
pub fn struct_value(f: &Function, vals: Vec<Value>) -> Value {
    let node = f.ret.node.as_ref().expect("a tree result has its shape");
    node.value(&mut vals.into_iter())
}

impl Lowerer<'_> {
    /// `v[k]` (column-major, as nalgebra) or `m[(i, j)]` of a static
    /// nalgebra value: the leaf `_i_j` (constant indices only).
    pub fn vector_index(&mut self, v: Value, k: Value, span: proc_macro2::Span) -> LResult<Value> {
        let Value::Struct(fields) = v else {
            return err(span, "not a vector");
        };
        // `ws[k]` of a `[T; N]` field.
        if let Value::Weak(k, true) = k
            && let Some(i) = fields
                .iter()
                .position(|(n, _)| *n == format!("_{}", k as i64))
        {
            return Ok(fields.into_iter().nth(i).expect("found").1);
        }
        let rows = crate::front::nalgebra_param::rows_of(fields.iter().map(|(n, _)| n));
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
        let name = crate::front::nalgebra_param::field(i, j);
        match fields.into_iter().find(|(n, _)| *n == name) {
            Some((_, x)) => Ok(x),
            None => err(
                span,
                format!("entry ({i}, {j}) is out of the matrix's range"),
            ),
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

/// The name of leaf parameter `p` as the user knows it: a struct field
/// is shown as its access path (`p.hidden.w`), a plain parameter as itself.
pub fn shown_name(f: &Function, p: &Param) -> (String, bool) {
    let i = f.params.iter().position(|q| q.name == p.name);
    match i.and_then(|i| group_of(f, i).map(|g| (g, i))) {
        Some((g, i)) => {
            let gname = g.name;
            let shown = g.node.access(&quote!(#gname)).swap_remove(i - g.first);
            let shown = shown.to_string().replace(' ', "");
            (shown.trim_start_matches('&').to_string(), true)
        }
        None => (p.name.to_string(), false),
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
