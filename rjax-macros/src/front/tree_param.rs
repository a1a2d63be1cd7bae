//! Trees as parameters and results of annotated functions (JAX's
//! pytrees): `#[derive(Tree)]` structs, `fn loss(p: &Params, x:
//! &Array<f32>) -> f32`, and tuples / fixed-size arrays of arrays,
//! scalars and trees, `fn loss(p: &(Array<f32>, Array<f32>), ..)`.
//!
//! The struct's fields reach the macro the way a callee's tokens do (the
//! derive defines a hidden `__rjax_tree_Params!` export, see
//! `back::export`). A struct parameter is then replaced by one
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

use quote::{format_ident, quote};
use syn::Ident;

use crate::front::arena::ModelStore;
use crate::front::ast::{Function, Param, ParamTy, Scalar, TreeGroup, ValTy};
use crate::front::attr::{Argnum, Config, InAxes};
pub use crate::front::tree_node::Node;

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
    format!("struct {}", crate::front::key::path_key(path))
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
            crate::front::key::path_key(path)
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

/// The hidden name of field `field` of parameter `p`.
pub fn leaf_name(p: &Ident, field: &str) -> Ident {
    format_ident!("__rjax_{}_{}", p, field)
}

/// Replaces struct parameters by their fields and a struct result by its
/// fields (as a tuple), remapping `config`'s `argnums` and `in_axes`.
pub fn expand<'a>(
    f: &mut Function<'a>,
    config: &mut Config,
    defs: &TreeDefs,
    store: &'a ModelStore,
) -> Result<(), Refusal> {
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
                crate::front::key::path_key(path)
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
                name: store.idents.alloc(leaf_name(p.name, label)),
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

/// The group of parameter `i`, if it is a struct's field.
pub fn group_of<'f, 'a>(f: &'f Function<'a>, i: usize) -> Option<&'f TreeGroup<'a>> {
    f.trees
        .iter()
        .find(|g| (g.first..g.first + g.fields.len()).contains(&i))
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
