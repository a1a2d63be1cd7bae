//! The accepted subset of Rust, as types. Building a [`Function`] from the
//! syn tree is where every unsupported construct is refused: each refusal is
//! a spanned error naming the construct and saying what to write instead,
//! recorded in the [`Ctxt`] so that all of a function's errors are reported
//! together. Nodes keep the spans of the tokens they came from, for the
//! errors of later stages (rank inference, lowering).

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Ident, ItemFn};

use crate::front::arena::ModelStore;
use crate::front::collective::Coll;
use crate::front::ctxt::Ctxt;
use crate::front::prims::{self, Op};
use crate::front::suggest::did_you_mean;

mod pullback;

/// Element types of scalars and arrays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `i32`
    I32,
    /// `u32`
    U32,
    /// `usize` (an index; lowered as `i32`)
    Usize,
    /// `bool`
    Bool,
}

impl Scalar {
    /// A scalar parameter `n` as an input of generated code: a `usize`
    /// index becomes the IR's `i32`, other scalars pass as they are.
    pub fn input(self, n: &Ident) -> proc_macro2::TokenStream {
        match self {
            Scalar::Usize => quote::quote!((#n as i32)),
            _ => quote::quote!(#n),
        }
    }
}

impl Scalar {
    /// True for `f32`/`f64`, the only types one can differentiate.
    pub fn is_float(self) -> bool {
        matches!(self, Scalar::F32 | Scalar::F64)
    }

    /// The Rust name.
    pub fn rust_name(self) -> &'static str {
        match self {
            Scalar::F32 => "f32",
            Scalar::F64 => "f64",
            Scalar::I32 => "i32",
            Scalar::U32 => "u32",
            Scalar::Usize => "usize",
            Scalar::Bool => "bool",
        }
    }

    pub(crate) fn from_ident(s: &str) -> Option<Scalar> {
        Some(match s {
            "f32" => Scalar::F32,
            "f64" => Scalar::F64,
            "i32" => Scalar::I32,
            "u32" => Scalar::U32,
            "usize" => Scalar::Usize,
            "bool" => Scalar::Bool,
            _ => return None,
        })
    }
}

/// The type of a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamTy {
    /// A scalar passed by value.
    Scalar(Scalar),
    /// `&Array<T>` (`by_ref`) or `Array<T>`.
    Array {
        /// Element type.
        elem: Scalar,
        /// Passed as `&Array<T>`.
        by_ref: bool,
    },
    /// A PRNG `Key` (not differentiable).
    Key,
    /// A tree: a `#[derive(Tree)]` struct (`&Params` or `Params`), a
    /// tuple `&(Array<f32>, Array<f32>)` or a fixed-size array
    /// `&[Array<f32>; 2]`: replaced by one parameter per leaf once the
    /// struct's fields are known (`crate::front::tree_param`).
    Tree {
        /// Passed as `&S`.
        by_ref: bool,
    },
}

/// The type of a value: a result or an intermediate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValTy {
    /// A native scalar.
    Scalar(Scalar),
    /// An `Array<T>`.
    Array(Scalar),
}

impl ValTy {
    /// The element type.
    pub fn elem(self) -> Scalar {
        match self {
            ValTy::Scalar(s) | ValTy::Array(s) => s,
        }
    }
}

/// One parameter.
pub struct Param<'a> {
    /// Its name.
    pub name: &'a Ident,
    /// Its type.
    pub ty: ParamTy,
    /// The type's tokens, for errors.
    pub ty_span: Span,
    /// An explicit `#[rank(k)]`, if any.
    pub rank: Option<usize>,
    /// The tree's type (struct, tuple or `[T; N]`), for a `Tree` parameter.
    pub tree: Option<syn::Type>,
}

/// The result type: one value or a tuple of values.
pub struct Ret {
    /// The components (one unless `tuple`).
    pub tys: Vec<ValTy>,
    /// Written as a tuple.
    pub tuple: bool,
    /// The tokens, for errors.
    pub span: Span,
    /// A tree result (a `#[derive(Tree)]` struct, a nested tuple or a
    /// `[T; N]`): `tys` are its leaves once known.
    pub tree: Option<syn::Type>,
    /// The struct result's leaf labels, in order.
    pub fields: Vec<String>,
    /// The struct result's shape, once known.
    pub node: Option<crate::front::tree_node::Node>,
}

impl Ret {
    /// True when the function returns one float scalar (grad applies).
    pub fn is_scalar_float(&self) -> bool {
        !self.tuple && matches!(self.tys[..], [ValTy::Scalar(s)] if s.is_float())
    }
}

/// A checked function.
pub struct Function<'a> {
    /// The original item.
    pub item: &'a ItemFn,
    /// Its name.
    pub name: &'a Ident,
    /// Its parameters.
    pub params: Vec<Param<'a>>,
    /// Its result.
    pub ret: Ret,
    /// Its body.
    pub body: Block<'a>,
    /// Annotated functions it calls (by name, first use first).
    pub callees: Vec<(String, syn::Path)>,
    /// `#[derive(Tree)]` structs it names (parameters, result, literals).
    pub structs: Vec<syn::Path>,
    /// The struct parameters, once replaced by their fields.
    pub trees: Vec<TreeGroup<'a>>,
}

/// A struct parameter replaced by one parameter per field.
pub struct TreeGroup<'a> {
    /// The parameter's name (`p` in `p: &Params`).
    pub name: &'a Ident,
    /// The tree's type as written in the signature (without `&`).
    pub ty: syn::Type,
    /// Field names, in declaration order.
    pub fields: Vec<String>,
    /// Index in `Function::params` of the first field's parameter.
    pub first: usize,
    /// The struct's shape (nested fields, `[T; N]`, matrices).
    pub node: crate::front::tree_node::Node,
}

/// A block: statements and an optional tail value.
pub struct Block<'a> {
    /// The statements.
    pub stmts: Vec<Stmt<'a>>,
    /// The value of the block.
    pub tail: Option<Box<Expr<'a>>>,
    /// The block's span.
    pub span: Span,
}

/// A statement.
pub enum Stmt<'a> {
    /// `let pat = init;`
    Let(Pat<'a>, Expr<'a>),
    /// `x = value;` (also `x += value;`, desugared).
    Assign(&'a Ident, Expr<'a>),
    /// An expression statement (`for`, `while`, `if`, `return`).
    Expr(Expr<'a>),
}

/// A binding pattern.
pub enum Pat<'a> {
    /// `x` or `mut x`.
    Bind(&'a Ident),
    /// `_`.
    Wild,
    /// `(a, b, ..)`.
    Tuple(Vec<Pat<'a>>, Span),
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

/// An expression with the span of its tokens.
pub struct Expr<'a> {
    /// What it is.
    pub kind: ExprKind<'a>,
    /// Where it is.
    pub span: Span,
}

/// The accepted expressions.
pub enum ExprKind<'a> {
    /// A variable.
    Var(&'a Ident),
    /// A float literal, with its suffix type if written.
    Float(f64, Option<Scalar>),
    /// An integer literal, with its suffix type if written.
    Int(i64, Option<Scalar>),
    /// `true` / `false`.
    Bool(bool),
    /// `-e`.
    Neg(Box<Expr<'a>>),
    /// `!e`.
    Not(Box<Expr<'a>>),
    /// `a op b`.
    Binary(BinOp, Box<Expr<'a>>, Box<Expr<'a>>),
    /// A primitive call: `x.sin()`, `dot(a, b)`; receiver first.
    Prim(Op, &'a str, Vec<Expr<'a>>),
    /// A collective over mesh axes (`psum(x, "data")` ...) with its
    /// constant arguments (`front::collective`) and its operand, if any.
    Collective(Coll, Vec<Expr<'a>>),
    /// `t[i]`.
    Index(Box<Expr<'a>>, Box<Expr<'a>>),
    /// `t.0`.
    Field(Box<Expr<'a>>, usize),
    /// `(a, b, ..)`.
    Tuple(Vec<Expr<'a>>),
    /// `if c { .. } else { .. }`.
    If(Box<Expr<'a>>, Block<'a>, Option<Block<'a>>),
    /// `for i in lo..hi { .. }`.
    For(Option<&'a Ident>, Box<Expr<'a>>, Box<Expr<'a>>, Block<'a>),
    /// `while c { .. }`.
    While(Box<Expr<'a>>, Block<'a>),
    /// `return e`.
    Return(Box<Expr<'a>>),
    /// `{ .. }`.
    Block(Block<'a>),
    /// `e as T`.
    Cast(Box<Expr<'a>>, Scalar),
    /// `[0, 2]`: a list of integer constants (axes).
    IntList(Vec<i64>),
    /// `array![a, b, c]`: a 1-d array of scalars (`jnp.array`).
    Stack(Vec<Expr<'a>>),
    /// A call to another annotated function `h(..)` or to one of its
    /// companions `h::grad(..)`: (callee, companion, arguments).
    Call(String, Option<&'static str>, Vec<Expr<'a>>),
    /// `p.w`: a field of a `#[derive(Tree)]` struct value.
    NamedField(Box<Expr<'a>>, &'a Ident),
    /// `Params { w: .., b: .. }`: a `#[derive(Tree)]` struct value (its
    /// fields by name; the signature or the callee says which struct).
    StructLit(Vec<(&'a Ident, Expr<'a>)>),
    /// `pullback(ct)`: a pullback bound by `let (y, pullback) = h::vjp(..)`
    /// applied to a cotangent (ast/pullback.rs).
    Pullback(&'a Ident, Vec<Expr<'a>>),
}

/// Companions that can be called (and so composed) inside a body.
pub const CALLABLE_COMPANIONS: &[&str] = &[
    "grad",
    "value_and_grad",
    "hessian",
    "jacobian",
    "vmap",
    "jvp",
];

/// Builds the model of `item`, recording every refusal in `cx`. Returns
/// `None` when the signature itself is unusable.
pub fn function<'a>(cx: &Ctxt, item: &'a ItemFn, store: &'a ModelStore) -> Option<Function<'a>> {
    let sig = &item.sig;
    let mut ok = true;
    if let Some(a) = &sig.asyncness {
        cx.error_spanned_by(
            a,
            "`async fn` cannot be transformed: remove `async` (rjax functions compute, they do not await)",
        );
        ok = false;
    }
    if let Some(c) = &sig.constness {
        cx.error_spanned_by(c, "`const fn` cannot be transformed: remove `const`");
        ok = false;
    }
    if let Some(u) = &sig.unsafety {
        cx.error_spanned_by(u, "`unsafe fn` cannot be transformed: remove `unsafe`");
        ok = false;
    }
    if let Some(v) = &sig.variadic {
        cx.error_spanned_by(v, "variadic functions cannot be transformed");
        ok = false;
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &sig.generics,
            "generic functions cannot be transformed (the IR needs concrete element types): write one function per type, e.g. `t: &Array<f32>`",
        );
        ok = false;
    }
    if sig.ident == "rjax" {
        // Its companion module `rjax` would stand where the generated code
        // (and `use rjax::prelude::*`) expects the crate.
        cx.error_spanned_by(
            &sig.ident,
            "an annotated function cannot be named `rjax`: its companion module `rjax` would hide the `rjax` crate; rename the function (e.g. `rjax_fn`)",
        );
        ok = false;
    }
    let mut params = Vec::new();
    let generic = !sig.generics.params.is_empty();
    for input in sig.inputs.iter().filter(|_| !generic) {
        match input {
            syn::FnArg::Receiver(r) => {
                cx.error_spanned_by(
                    r,
                    "methods cannot be transformed: write a free function taking the value as a parameter",
                );
                ok = false;
            }
            syn::FnArg::Typed(pt) => match param(cx, pt) {
                Some(p) => params.push(p),
                None => ok = false,
            },
        }
    }
    let ret = if generic {
        None
    } else {
        ret_type(cx, &sig.output, &sig.ident)
    };
    let mut structs: Vec<syn::Path> = Vec::new();
    for t in params.iter().filter_map(|p| p.tree.as_ref()) {
        struct_paths(t, &mut structs);
    }
    if let Some(Ret { tree: Some(t), .. }) = &ret {
        struct_paths(t, &mut structs);
    }
    // nalgebra vectors carry their fields in the type: nothing to fetch.
    structs.retain(|p| crate::front::nalgebra_param::shape(p).is_none());
    let builder = Builder::new(cx, item, store);
    let body = builder.block(&item.block);
    let callees = builder.callees.into_inner();
    structs.extend(builder.structs.into_inner());
    match (ok, ret) {
        (true, Some(ret)) => Some(Function {
            item,
            name: &sig.ident,
            params,
            ret,
            body,
            callees,
            structs,
            trees: Vec::new(),
        }),
        _ => None,
    }
}

fn param<'a>(cx: &Ctxt, pt: &'a syn::PatType) -> Option<Param<'a>> {
    let name = match &*pt.pat {
        syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => &pi.ident,
        other => {
            cx.error_spanned_by(
                other,
                "parameters must be plain names: write `t: &Array<f32>` and destructure in the body",
            );
            return None;
        }
    };
    let mut rank = None;
    for attr in &pt.attrs {
        if attr.path().is_ident("rank") {
            match attr
                .parse_args::<syn::LitInt>()
                .and_then(|l| l.base10_parse())
            {
                Ok(r) => rank = Some(r),
                Err(_) => cx.error_spanned_by(attr, "write the rank as `#[rank(2)]`"),
            }
        } else {
            cx.error_spanned_by(
                attr,
                "unknown parameter attribute: the only one accepted is `#[rank(k)]`",
            );
        }
    }
    let ty = param_type(cx, &pt.ty)?;
    let tree = match (&ty, &*pt.ty) {
        (ParamTy::Tree { .. }, syn::Type::Reference(r)) => tree_type(&r.elem),
        (ParamTy::Tree { .. }, t) => tree_type(t),
        _ => None,
    };
    Some(Param {
        name,
        ty,
        ty_span: pt.ty.span(),
        rank,
        tree,
    })
}

const TYPE_HINT: &str = "accepted types are f32, f64, i32, u32, usize, bool, `&Array<T>`, `Array<T>`, `Key`, `#[derive(Tree)]` structs, nalgebra `SVector`/`SMatrix`, and tuples `&(A, B)` or arrays `&[A; N]` of those";

fn param_type(cx: &Ctxt, ty: &syn::Type) -> Option<ParamTy> {
    match ty {
        syn::Type::Reference(r) => {
            if let Some(m) = &r.mutability {
                cx.error_spanned_by(
                    m,
                    "`&mut` parameters cannot be transformed: take `&Array<T>` and return the new value",
                );
                return None;
            }
            if let Some(l) = &r.lifetime {
                cx.error_spanned_by(
                    l,
                    "named lifetimes are not accepted: write `&Array<T>` with the lifetime elided",
                );
                return None;
            }
            if tree_type(&r.elem).is_some() {
                return Some(ParamTy::Tree { by_ref: true });
            }
            match value_type(cx, &r.elem)? {
                ValTy::Array(elem) => Some(ParamTy::Array { elem, by_ref: true }),
                ValTy::Scalar(_) => {
                    cx.error_spanned_by(ty, "pass scalars by value: write `x: f32`, not `x: &f32`");
                    None
                }
            }
        }
        syn::Type::Path(p) if p.qself.is_none() && last_ident(&p.path) == Some("Key") => {
            Some(ParamTy::Key)
        }
        t if tree_type(t).is_some() => Some(ParamTy::Tree { by_ref: false }),
        _ => match value_type(cx, ty)? {
            ValTy::Scalar(s) => Some(ParamTy::Scalar(s)),
            ValTy::Array(elem) => Some(ParamTy::Array {
                elem,
                by_ref: false,
            }),
        },
    }
}

/// A tree type: a struct path (see `tree_path`), or a tuple or a
/// fixed-size array whose elements are arrays, scalars or trees (JAX's
/// pytrees `(w, b)` and `[w1, w2]`). References inside are refused later
/// with a hint (`crate::front::tree_param::field_type`).
pub fn tree_type(ty: &syn::Type) -> Option<syn::Type> {
    let element = |e: &syn::Type| tree_type(e).is_some() || is_leaf_type(e);
    let ok = match ty {
        syn::Type::Path(_) => tree_path(ty).is_some(),
        syn::Type::Tuple(t) => !t.elems.is_empty() && t.elems.iter().all(element),
        syn::Type::Array(a) => element(&a.elem),
        syn::Type::Paren(p) => return tree_type(&p.elem),
        _ => false,
    };
    ok.then(|| ty.clone())
}

/// `Array<T>` or a scalar type (a leaf of a tree), without reporting.
fn is_leaf_type(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else {
        return false;
    };
    let Some(seg) = p.path.segments.last() else {
        return false;
    };
    (seg.arguments.is_empty() && Scalar::from_ident(&seg.ident.to_string()).is_some())
        || seg.ident == "Array"
}

/// The struct paths named inside tree type `ty` (to fetch their fields);
/// nalgebra types carry their shape and need nothing.
fn struct_paths(ty: &syn::Type, out: &mut Vec<syn::Path>) {
    match ty {
        syn::Type::Path(p) if tree_path(ty).is_some() => out.push(p.path.clone()),
        syn::Type::Tuple(t) => t.elems.iter().for_each(|e| struct_paths(e, out)),
        syn::Type::Array(a) => struct_paths(&a.elem, out),
        syn::Type::Paren(p) => struct_paths(&p.elem, out),
        _ => {}
    }
}

/// A path type naming a user struct (`Params`, `model::Params`): a
/// capitalised last segment without generic arguments that is none of the
/// types we know. Whether it derives `Tree` is checked when its fields
/// are fetched.
fn tree_path(ty: &syn::Type) -> Option<syn::Path> {
    let syn::Type::Path(p) = ty else {
        return None;
    };
    if p.qself.is_none() && crate::front::nalgebra_param::shape(&p.path).is_some() {
        return Some(p.path.clone());
    }
    let seg = p.path.segments.last()?;
    let name = seg.ident.to_string();
    let known = ["Array", "Key", "Vec", "Option", "Box", "String"];
    (p.qself.is_none()
        && seg.arguments.is_empty()
        && name.starts_with(|c: char| c.is_ascii_uppercase())
        && !known.contains(&name.as_str()))
    .then(|| p.path.clone())
}

fn last_ident(path: &syn::Path) -> Option<&'static str> {
    let seg = path.segments.last()?;
    let s = seg.ident.to_string();
    ["Key", "Array"].into_iter().find(|k| *k == s)
}

fn value_type(cx: &Ctxt, ty: &syn::Type) -> Option<ValTy> {
    if let syn::Type::Path(p) = ty
        && p.qself.is_none()
    {
        let seg = p.path.segments.last()?;
        if seg.arguments.is_empty()
            && let Some(s) = Scalar::from_ident(&seg.ident.to_string())
        {
            return Some(ValTy::Scalar(s));
        }
        if seg.ident == "Array"
            && let syn::PathArguments::AngleBracketed(args) = &seg.arguments
            && let [syn::GenericArgument::Type(syn::Type::Path(e))] =
                &args.args.iter().collect::<Vec<_>>()[..]
            && let Some(id) = e.path.get_ident()
            && let Some(s) = Scalar::from_ident(&id.to_string())
        {
            if s == Scalar::Usize {
                cx.error_spanned_by(e, "arrays of `usize` are not supported: use `Array<i32>`");
                return None;
            }
            return Some(ValTy::Array(s));
        }
    }
    let shown = quote::quote!(#ty).to_string().replace(' ', "");
    let hint = if shown.starts_with("Vec<Array") || shown.starts_with("&Vec<Array") {
        " (a `Vec`'s length is not known at compile time: take a fixed-size array `&[Array<f32>; N]` or a tuple)".to_string()
    } else if shown.starts_with("Vec<") || shown.starts_with('[') || shown.starts_with("&[") {
        " (for a vector of numbers use `&Array<f32>`)".to_string()
    } else if shown.starts_with("(&") {
        " (a tuple of references is not a tree: take the tuple by reference, `&(Array<f32>, Array<f32>)`)"
            .to_string()
    } else {
        String::new()
    };
    cx.error_spanned_by(ty, format!("unsupported type `{shown}`: {TYPE_HINT}{hint}"));
    None
}

fn ret_type(cx: &Ctxt, out: &syn::ReturnType, name: &Ident) -> Option<Ret> {
    let ty = match out {
        syn::ReturnType::Default => {
            cx.error_spanned_by(
                name,
                "a transformed function must return a value: add `-> f32`, `-> Array<f32>` or a tuple",
            );
            return None;
        }
        syn::ReturnType::Type(_, ty) => ty,
    };
    match &**ty {
        syn::Type::Reference(r) => {
            cx.error_spanned_by(
                r,
                "returning a reference lets it escape the function: return an owned value (`Array<T>`, use `.clone()`)",
            );
            None
        }
        syn::Type::Tuple(t) if t.elems.is_empty() => {
            cx.error_spanned_by(
                t,
                "a transformed function must return a value: return `f32`, `Array<f32>` or a tuple",
            );
            None
        }
        syn::Type::Tuple(t) if t.elems.iter().all(is_leaf_type) || tree_type(ty).is_none() => {
            let tys: Option<Vec<ValTy>> = t.elems.iter().map(|e| value_type(cx, e)).collect();
            Some(Ret {
                tys: tys?,
                tuple: true,
                span: t.span(),
                tree: None,
                fields: Vec::new(),
                node: None,
            })
        }
        other if tree_type(other).is_some() => Some(Ret {
            tys: Vec::new(),
            tuple: true,
            span: other.span(),
            tree: tree_type(other),
            fields: Vec::new(),
            node: None,
        }),
        other => Some(Ret {
            tys: vec![value_type(cx, other)?],
            tuple: false,
            span: other.span(),
            tree: None,
            fields: Vec::new(),
            node: None,
        }),
    }
}

/// Builds body nodes; knows the function's `let mut` names to explain
/// closures that capture mutable state.
struct Builder<'c, 'a> {
    cx: &'c Ctxt,
    mutable: Vec<String>,
    /// Names bound to closures (already refused; calls to them are not).
    closures: Vec<String>,
    /// Annotated functions called.
    callees: std::cell::RefCell<Vec<(String, syn::Path)>>,
    /// Struct literals' paths.
    structs: std::cell::RefCell<Vec<syn::Path>>,
    /// Parameters that are not structs (their fields are not values).
    plain_params: Vec<String>,
    /// Names bound to pullbacks by `let (y, pb) = h::vjp(..)`.
    pullbacks: std::cell::RefCell<Vec<String>>,
    /// The address of the one `h::vjp(..)` call being parsed in that form.
    vjp_call: std::cell::Cell<usize>,
    _item: &'a ItemFn,
    /// Where values the model borrows but the syn tree lacks are kept.
    store: &'a ModelStore,
}

impl<'c, 'a> Builder<'c, 'a> {
    fn new(cx: &'c Ctxt, item: &'a ItemFn, store: &'a ModelStore) -> Self {
        let mut mutable = Vec::new();
        collect_mut_names(&item.block, &mut mutable);
        let mut closures = Vec::new();
        collect_closure_names(&item.block, &mut closures);
        let plain_params = item
            .sig
            .inputs
            .iter()
            .filter_map(|a| match a {
                syn::FnArg::Typed(pt) => match (&*pt.pat, &*pt.ty) {
                    (_, syn::Type::Reference(r)) if tree_type(&r.elem).is_some() => None,
                    (_, t) if tree_type(t).is_some() => None,
                    (syn::Pat::Ident(pi), _) => Some(pi.ident.to_string()),
                    _ => None,
                },
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        Builder {
            cx,
            mutable,
            closures,
            callees: Default::default(),
            structs: Default::default(),
            plain_params,
            pullbacks: Default::default(),
            vjp_call: Default::default(),
            _item: item,
            store,
        }
    }

    /// A primitive's name as written, kept by the store for the model.
    fn name(&self, name: String) -> &'a str {
        self.store.names.alloc(name)
    }

    fn err(&self, span: Span) -> Expr<'a> {
        // Placeholder node after a refusal: lowering never runs then.
        Expr {
            kind: ExprKind::Float(0.0, None),
            span,
        }
    }

    fn block(&self, b: &'a syn::Block) -> Block<'a> {
        let mut stmts = Vec::new();
        let mut tail = None;
        let n = b.stmts.len();
        for (i, s) in b.stmts.iter().enumerate() {
            match s {
                syn::Stmt::Local(local) => {
                    if let Some(st) = self.local(local) {
                        stmts.push(st);
                    }
                }
                syn::Stmt::Item(item) => self.cx.error_spanned_by(
                    item,
                    "items cannot be declared inside a transformed function: move them outside",
                ),
                syn::Stmt::Macro(m) => self.refuse_macro(&m.mac),
                syn::Stmt::Expr(e, semi) => {
                    if semi.is_none() && i + 1 == n && !is_statement_like(e) {
                        tail = Some(Box::new(self.expr(e)));
                    } else if let Some(st) = self.stmt_expr(e) {
                        stmts.push(st);
                    }
                }
            }
        }
        Block {
            stmts,
            tail,
            span: b.span(),
        }
    }

    fn local(&self, local: &'a syn::Local) -> Option<Stmt<'a>> {
        let pat = self.pat(&local.pat)?;
        let Some(init) = &local.init else {
            self.cx.error_spanned_by(
                local,
                "`let` without a value: give it one (`let x = 0.0;`), each binding becomes one IR value",
            );
            return None;
        };
        if let Some((_, els)) = &init.diverge {
            self.cx
                .error_spanned_by(els, "`let .. else` is not supported: use `if`/`else`");
            return None;
        }
        let pullback = self.note_vjp_let(local);
        let init = self.expr(&init.expr);
        self.bind_let(local, pullback);
        Some(Stmt::Let(pat, init))
    }

    fn pat(&self, p: &'a syn::Pat) -> Option<Pat<'a>> {
        match p {
            syn::Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                Some(Pat::Bind(&pi.ident))
            }
            syn::Pat::Wild(_) => Some(Pat::Wild),
            syn::Pat::Type(pt) => self.pat(&pt.pat),
            syn::Pat::Paren(pp) => self.pat(&pp.pat),
            syn::Pat::Tuple(t) => {
                let parts: Option<Vec<_>> = t.elems.iter().map(|e| self.pat(e)).collect();
                Some(Pat::Tuple(parts?, t.span()))
            }
            // `let [k1, k2] = random::split2(key);`: an array of values
            // destructures like a tuple.
            syn::Pat::Slice(t) => {
                let parts: Option<Vec<_>> = t.elems.iter().map(|e| self.pat(e)).collect();
                Some(Pat::Tuple(parts?, t.span()))
            }
            other => {
                self.cx.error_spanned_by(
                    other,
                    "unsupported pattern: bind names (`let x = ..`) or tuples of names (`let (x, y) = ..`)",
                );
                None
            }
        }
    }

    fn refuse_macro(&self, m: &syn::Macro) {
        let name = m
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        self.cx.error_spanned_by(
            m,
            format!("macro `{name}!` cannot be transformed: compute values with operators and jax.numpy-named calls, and print outside the function"),
        );
    }

    fn stmt_expr(&self, e: &'a syn::Expr) -> Option<Stmt<'a>> {
        match e {
            syn::Expr::Assign(a) => {
                let target = self.assign_target(&a.left)?;
                Some(Stmt::Assign(target, self.expr(&a.right)))
            }
            syn::Expr::Binary(b) if compound_op(&b.op).is_some() => {
                let target = self.assign_target(&b.left)?;
                let op = compound_op(&b.op).unwrap();
                let span = b.span();
                let value = Expr {
                    kind: ExprKind::Binary(
                        op,
                        Box::new(Expr {
                            kind: ExprKind::Var(target),
                            span: b.left.span(),
                        }),
                        Box::new(self.expr(&b.right)),
                    ),
                    span,
                };
                Some(Stmt::Assign(target, value))
            }
            _ => Some(Stmt::Expr(self.expr(e))),
        }
    }

    fn assign_target(&self, left: &'a syn::Expr) -> Option<&'a Ident> {
        if let syn::Expr::Path(p) = left
            && let Some(id) = p.path.get_ident()
        {
            return Some(id);
        }
        if let syn::Expr::Index(_) = left {
            self.cx.error_spanned_by(
                left,
                "in-place update of an element is not supported (arrays are values): build a new array, e.g. with `where_(mask, new, old)`",
            );
        } else {
            self.cx.error_spanned_by(
                left,
                "only local variables can be assigned: write `x = ..` for a `let mut x`",
            );
        }
        None
    }

    fn boxed(&self, e: &'a syn::Expr) -> Box<Expr<'a>> {
        Box::new(self.expr(e))
    }

    fn expr(&self, e: &'a syn::Expr) -> Expr<'a> {
        let span = e.span();
        let kind = match e {
            syn::Expr::Paren(p) => return self.expr(&p.expr),
            syn::Expr::Group(g) => return self.expr(&g.expr),
            syn::Expr::Path(p) => match p.path.get_ident() {
                Some(id) if p.qself.is_none() && self.is_pullback(&id.to_string()) => {
                    self.refuse_pullback_value(id);
                    return self.err(span);
                }
                Some(id) if p.qself.is_none() => ExprKind::Var(id),
                _ => {
                    let shown = quote::quote!(#p).to_string().replace(' ', "");
                    self.cx.error_spanned_by(
                        p,
                        format!("path `{shown}` cannot be used as a value here: use local variables, parameters and literals"),
                    );
                    return self.err(span);
                }
            },
            syn::Expr::Lit(l) => match &l.lit {
                syn::Lit::Float(f) => ExprKind::Float(
                    f.base10_parse().unwrap_or(0.0),
                    Scalar::from_ident(f.suffix()),
                ),
                syn::Lit::Int(i) => ExprKind::Int(
                    i.base10_parse().unwrap_or(0),
                    Scalar::from_ident(i.suffix()),
                ),
                syn::Lit::Bool(b) => ExprKind::Bool(b.value),
                other => {
                    self.cx.error_spanned_by(
                        other,
                        "only numeric and boolean literals can appear in a transformed function",
                    );
                    return self.err(span);
                }
            },
            syn::Expr::Unary(u) => match u.op {
                syn::UnOp::Neg(_) => ExprKind::Neg(self.boxed(&u.expr)),
                syn::UnOp::Not(_) => ExprKind::Not(self.boxed(&u.expr)),
                syn::UnOp::Deref(_) => return self.expr(&u.expr),
                _ => {
                    self.cx.error_spanned_by(u, "unsupported unary operator");
                    return self.err(span);
                }
            },
            syn::Expr::Reference(r) => {
                if let Some(m) = &r.mutability {
                    self.cx.error_spanned_by(
                        m,
                        "`&mut` borrows are not supported: values are immutable, reassign a `let mut` instead",
                    );
                    return self.err(span);
                }
                return self.expr(&r.expr);
            }
            syn::Expr::Binary(b) => {
                match bin_op(&b.op) {
                    Some(op) => ExprKind::Binary(op, self.boxed(&b.left), self.boxed(&b.right)),
                    None => {
                        let shown = quote::quote!(#b.op).to_string();
                        let _ = shown;
                        let op = &b.op;
                        let text = quote::quote!(#op).to_string();
                        let hint = if compound_op(&b.op).is_some() {
                            "a compound assignment is a statement: write `x += y;` on its own line"
                        } else if text == "%" {
                            "write the remainder with `x - (x / y).floor() * y`"
                        } else {
                            "use `+ - * /`, comparisons, `&&`/`||`, or a jax.numpy-named function"
                        };
                        self.cx.error_spanned_by(
                        b.op,
                        format!("operator `{text}` is not supported in a transformed function: {hint}"),
                    );
                        return self.err(span);
                    }
                }
            }
            syn::Expr::MethodCall(m) => {
                if let Some(tf) = &m.turbofish {
                    self.cx.error_spanned_by(
                        tf,
                        "turbofish on a method is not supported: the types come from the signature",
                    );
                    return self.err(span);
                }
                let name = m.method.to_string();
                let mut args = vec![self.expr(&m.receiver)];
                args.extend(m.args.iter().map(|a| self.expr(a)));
                match prims::method(&name, m.args.len()) {
                    Ok(op) => ExprKind::Prim(op, self.name(name), args),
                    Err(arities) => {
                        self.unknown_call(&m.method, &name, m.args.len(), arities, true);
                        return self.err(span);
                    }
                }
            }
            syn::Expr::Call(c) => return self.call(c),
            syn::Expr::Index(i) => ExprKind::Index(self.boxed(&i.expr), self.boxed(&i.index)),
            syn::Expr::Field(f) => match &f.member {
                syn::Member::Unnamed(idx) => {
                    ExprKind::Field(self.boxed(&f.base), idx.index as usize)
                }
                syn::Member::Named(n) => {
                    // Fields of `#[derive(Tree)]` values; an array or a
                    // scalar parameter has none.
                    let plain = matches!(&*f.base, syn::Expr::Path(p)
                        if p.path.get_ident().is_some_and(|i| self.plain_params.contains(&i.to_string())));
                    if plain {
                        self.cx.error_spanned_by(
                            n,
                            format!("field access `.{n}` is not supported: pass the field's value as its own parameter"),
                        );
                        return self.err(span);
                    }
                    ExprKind::NamedField(self.boxed(&f.base), n)
                }
            },
            syn::Expr::Tuple(t) => ExprKind::Tuple(t.elems.iter().map(|e| self.expr(e)).collect()),
            syn::Expr::If(i) => {
                if let syn::Expr::Let(l) = &*i.cond {
                    self.cx.error_spanned_by(
                        l,
                        "`if let` is not supported: branch on a boolean condition",
                    );
                    return self.err(span);
                }
                let els = i.else_branch.as_ref().map(|(_, e)| match &**e {
                    syn::Expr::Block(b) => self.block(&b.block),
                    other => Block {
                        span: other.span(),
                        stmts: Vec::new(),
                        tail: Some(self.boxed(other)),
                    },
                });
                ExprKind::If(self.boxed(&i.cond), self.block(&i.then_branch), els)
            }
            syn::Expr::ForLoop(f) => {
                let var = match &*f.pat {
                    syn::Pat::Ident(pi) => Some(&pi.ident),
                    syn::Pat::Wild(_) => None,
                    other => {
                        self.cx
                            .error_spanned_by(other, "the loop variable must be a name or `_`");
                        return self.err(span);
                    }
                };
                let syn::Expr::Range(r) = strip(&f.expr) else {
                    self.cx.error_spanned_by(
                        &f.expr,
                        "`for` loops must run over a range: write `for i in 0..n` (it becomes a `scan`)",
                    );
                    return self.err(span);
                };
                if let syn::RangeLimits::Closed(c) = &r.limits {
                    self.cx.error_spanned_by(
                        c,
                        "inclusive ranges are not supported: write `lo..hi + 1`",
                    );
                    return self.err(span);
                }
                let (Some(lo), Some(hi)) = (&r.start, &r.end) else {
                    self.cx.error_spanned_by(
                        r,
                        "the loop range needs both bounds: write `for i in 0..n`",
                    );
                    return self.err(span);
                };
                if let Some(l) = &f.label {
                    self.cx.error_spanned_by(l, "loop labels are not supported");
                }
                ExprKind::For(var, self.boxed(lo), self.boxed(hi), self.block(&f.body))
            }
            syn::Expr::While(w) => {
                if let syn::Expr::Let(l) = &*w.cond {
                    self.cx.error_spanned_by(
                        l,
                        "`while let` is not supported: loop `while cond { .. }` on a boolean",
                    );
                    return self.err(span);
                }
                ExprKind::While(self.boxed(&w.cond), self.block(&w.body))
            }
            syn::Expr::Loop(l) => {
                let msg = if contains_break_value(&l.body) {
                    "`loop` with `break value` is not supported: write `while cond { .. }` and carry the result in a `let mut` variable"
                } else {
                    "`loop` is not supported: write `while cond { .. }` (it becomes a `while` primitive)"
                };
                self.cx.error_spanned_by(l.loop_token, msg);
                return self.err(span);
            }
            syn::Expr::Break(b) => {
                self.cx.error_spanned_by(
                    b,
                    "`break` is not supported: put the exit test in the `while` condition",
                );
                return self.err(span);
            }
            syn::Expr::Continue(c) => {
                self.cx.error_spanned_by(
                    c,
                    "`continue` is not supported: wrap the rest of the loop body in `if`/`else`",
                );
                return self.err(span);
            }
            syn::Expr::Return(r) => match &r.expr {
                Some(v) => ExprKind::Return(self.boxed(v)),
                None => {
                    self.cx
                        .error_spanned_by(r, "`return` needs a value: write `return x;`");
                    return self.err(span);
                }
            },
            syn::Expr::Block(b) if b.label.is_none() => ExprKind::Block(self.block(&b.block)),
            syn::Expr::Cast(c) => match &*c.ty {
                syn::Type::Path(p)
                    if p.path
                        .get_ident()
                        .and_then(|i| Scalar::from_ident(&i.to_string()))
                        .is_some() =>
                {
                    let s = Scalar::from_ident(&p.path.get_ident().unwrap().to_string()).unwrap();
                    ExprKind::Cast(self.boxed(&c.expr), s)
                }
                other => {
                    self.cx.error_spanned_by(
                        other,
                        "casts are only to scalar types (`as f32`, `as i32`, ...)",
                    );
                    return self.err(span);
                }
            },
            syn::Expr::Closure(c) => {
                let mut names = Vec::new();
                collect_idents_expr(&c.body, &mut names);
                let captured: Vec<&String> =
                    names.iter().filter(|n| self.mutable.contains(n)).collect();
                if let Some(name) = captured.first() {
                    self.cx.error_spanned_by(
                        c,
                        format!("closure capturing mutable state `{name}`: write a `for` loop that reassigns `{name}` (it becomes a `scan` with `{name}` carried)"),
                    );
                } else {
                    self.cx.error_spanned_by(
                        c,
                        "closures are not supported in a transformed function: write a separate annotated function and call it",
                    );
                }
                return self.err(span);
            }
            syn::Expr::Macro(m)
                if m.mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "array") =>
            {
                let parser =
                    syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
                match m.mac.parse_body_with(parser) {
                    Ok(items)
                        if !items.is_empty()
                            && !items.iter().any(|e| matches!(e, syn::Expr::Array(_))) =>
                    {
                        // The model borrows the syn tree; parsed macro bodies
                        // are owned, so the expansion's store keeps them.
                        let items: &'a Vec<syn::Expr> =
                            self.store.exprs.alloc(items.into_iter().collect());
                        ExprKind::Stack(items.iter().map(|e| self.expr(e)).collect())
                    }
                    _ => {
                        self.cx.error_spanned_by(
                            &m.mac,
                            "`array!` in a transformed function builds a 1-d array from scalars: write `array![a, b, c]`",
                        );
                        return self.err(span);
                    }
                }
            }
            syn::Expr::Macro(m) => {
                self.refuse_macro(&m.mac);
                return self.err(span);
            }
            syn::Expr::Async(a) => {
                self.cx
                    .error_spanned_by(a, "`async` blocks cannot be transformed");
                return self.err(span);
            }
            syn::Expr::Await(a) => {
                self.cx
                    .error_spanned_by(a, "`.await` cannot be transformed");
                return self.err(span);
            }
            syn::Expr::Unsafe(u) => {
                self.cx
                    .error_spanned_by(u.unsafe_token, "`unsafe` blocks cannot be transformed");
                return self.err(span);
            }
            syn::Expr::Match(m) => {
                self.cx.error_spanned_by(
                    m.match_token,
                    "`match` is not supported: write `if`/`else` on a boolean condition (it becomes `cond` or `select_n`)",
                );
                return self.err(span);
            }
            syn::Expr::Struct(s) if s.rest.is_none() && s.qself.is_none() => {
                let mut fields = Vec::new();
                for fv in &s.fields {
                    match &fv.member {
                        syn::Member::Named(n) => fields.push((n, self.expr(&fv.expr))),
                        syn::Member::Unnamed(_) => {
                            self.cx.error_spanned_by(
                                fv,
                                "tuple-struct literals are not supported: name the fields",
                            );
                            return self.err(span);
                        }
                    }
                }
                self.structs.borrow_mut().push(s.path.clone());
                ExprKind::StructLit(fields)
            }
            syn::Expr::Struct(s) => {
                self.cx.error_spanned_by(
                    s,
                    "struct literals with `..` are not supported: write every field of the `#[derive(Tree)]` struct",
                );
                return self.err(span);
            }
            syn::Expr::Array(a)
                // Empty too: `&[]`, the shape of a scalar draw.
                if a.elems.iter().all(|e| int_lit(e).is_some()) =>
            {
                ExprKind::IntList(a.elems.iter().filter_map(int_lit).collect())
            }
            // `[1..3, 0..2]`: the ranges of `slice`, as (starts, limits).
            syn::Expr::Array(a)
                if !a.elems.is_empty() && a.elems.iter().all(|e| int_range(e).is_some()) =>
            {
                let (starts, limits) = a.elems.iter().filter_map(int_range).unzip();
                let list = |v| Expr {
                    kind: ExprKind::IntList(v),
                    span,
                };
                ExprKind::Tuple(vec![list(starts), list(limits)])
            }
            // `[a, b]` of values: the list argument of `concatenate`/`stack`.
            syn::Expr::Array(a) if !a.elems.is_empty() => {
                ExprKind::Tuple(a.elems.iter().map(|e| self.expr(e)).collect())
            }
            syn::Expr::Array(a) => {
                self.cx.error_spanned_by(
                    a,
                    "empty array literals are not supported in a transformed function: pass an `&Array<T>` parameter",
                );
                return self.err(span);
            }
            syn::Expr::Try(t) => {
                self.cx.error_spanned_by(
                    t.question_token,
                    "`?` is not supported: a transformed function cannot fail, shape errors panic with the op's name",
                );
                return self.err(span);
            }
            syn::Expr::Range(r) => {
                self.cx
                    .error_spanned_by(r, "ranges only appear in `for i in lo..hi` and, with constant bounds, in `a.slice(&[1..3, 0..2])`");
                return self.err(span);
            }
            other => {
                self.cx.error_spanned_by(
                    other,
                    "this expression is outside the subset rjax transforms: see the accepted subset in rjax-macros' docs",
                );
                return self.err(span);
            }
        };
        Expr { kind, span }
    }

    fn call(&self, c: &'a syn::ExprCall) -> Expr<'a> {
        let span = c.span();
        let syn::Expr::Path(p) = &*c.func else {
            self.cx.error_spanned_by(
                &c.func,
                "only named functions can be called: write `sin(x)` or `x.sin()`",
            );
            return self.err(span);
        };
        if self.refuse_recursion(&p.path) {
            return self.err(span);
        }
        let segs: Vec<String> = p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        // `jnp::sin`, `rjax::numpy::sin`: the last segment names the primitive.
        let prefix_ok = segs.len() == 1
            || segs[..segs.len() - 1]
                .iter()
                .all(|s| matches!(s.as_str(), "jnp" | "numpy" | "rjax" | "lax"))
            // `Array::concatenate(&[&a, &b], 0)`, the eager API's spelling.
            || (segs.len() == 2
                && segs[0] == "Array"
                && matches!(segs[1].as_str(), "concatenate" | "stack"));
        let name = segs.last().cloned().unwrap_or_default();
        // Collectives take mesh axis names (string literals): parsed apart.
        if prefix_ok && let Some(r) = crate::front::collective::parse(&name, c.args.iter(), span) {
            return match r {
                Ok((coll, operand)) => Expr {
                    kind: ExprKind::Collective(
                        coll,
                        operand.map(|a| self.expr(a)).into_iter().collect(),
                    ),
                    span,
                },
                Err(e) => {
                    self.cx.push(e);
                    self.err(span)
                }
            };
        }
        if let Some(id) = p.path.get_ident()
            && self.is_pullback(&name)
        {
            return self.pullback_call(c, id);
        }
        let vjp_here = pullback::is_vjp_path(&c.func) && self.take_vjp(c);
        let args: Vec<Expr<'a>> = c.args.iter().map(|a| self.expr(a)).collect();
        // `Array::zeros(&[2, 3])` (lowered by lower/fill.rs) and
        // `random::normal::<f32>(key, &[3])` (lower/random.rs).
        let n = c.args.len();
        match prims::constructor_call(&p.path, n).or_else(|| prims::random_call(&p.path, n)) {
            Some(Ok(op)) => {
                return Expr {
                    kind: ExprKind::Prim(op, self.name(name), args),
                    span,
                };
            }
            Some(Err(msg)) => {
                self.cx.error_spanned_by(p, msg);
                return self.err(span);
            }
            None => {}
        }
        if segs.len() == 1 && self.closures.contains(&name) {
            return self.err(span);
        }
        // `SVector::new(a, b)`, `Matrix2::new(a, b, c, d)`: a static
        // nalgebra value with leaves `_i_j` (`crate::front::nalgebra_param`).
        match crate::front::nalgebra_param::constructor(&p.path, args.len()) {
            Some(Ok((r, c))) => {
                let names = crate::front::nalgebra_param::constructor_fields(r, c);
                let fields = args
                    .into_iter()
                    .zip(names)
                    .map(|(e, n)| {
                        let id: &'a Ident = self.store.idents.alloc(quote::format_ident!("{}", n));
                        (id, e)
                    })
                    .collect();
                return Expr {
                    kind: ExprKind::StructLit(fields),
                    span,
                };
            }
            Some(Err(msg)) => {
                self.cx.error_spanned_by(p, msg);
                return self.err(span);
            }
            None => {}
        }
        if !prefix_ok {
            // `h::grad(..)`, `other::h::grad(..)` or `other::h(..)`: an
            // annotated function reached by its path (see back::export).
            let mut path = p.path.clone();
            let last = segs.last().map(String::as_str).unwrap_or_default();
            let comp = if CALLABLE_COMPANIONS.contains(&last) {
                path.segments.pop();
                path.segments.pop_punct();
                CALLABLE_COMPANIONS.iter().copied().find(|c| *c == last)
            } else if last == "vjp" && vjp_here {
                path.segments.pop();
                path.segments.pop_punct();
                Some("vjp")
            } else if last == "vjp" {
                self.refuse_vjp(&p.path);
                return self.err(span);
            } else if matches!(last, "jaxpr" | "make_jaxpr") {
                // Not a value of the IR: otherwise the callback would look
                // for `h::jaxpr::__rjax_export` and rustc's error would not
                // say why.
                self.cx.error_spanned_by(
                    p,
                    format!("`{last}` gives a function's IR for printing and cannot be called inside a transformed body: call it outside (`println!(\"{{}}\", h::{last}(..))`), and inside call `h(..)` or a companion such as `h::grad(..)`"),
                );
                return self.err(span);
            } else {
                None
            };
            return self.callee(path, comp, args, span);
        }
        if segs.len() == 1
            && prims::function(&name, c.args.len()).is_err()
            && !prims::function_names().contains(&name.as_str())
            && did_you_mean(&name, &prims::function_names()).is_none()
        {
            // Not a primitive: another annotated function.
            return self.callee(p.path.clone(), None, args, span);
        }
        match prims::function(&name, c.args.len()) {
            Ok(op) => Expr {
                kind: ExprKind::Prim(op, self.name(name), args),
                span,
            },
            Err(arities) => {
                let ident = &p.path.segments.last().unwrap().ident;
                self.unknown_call(ident, &name, c.args.len(), arities, false);
                self.err(span)
            }
        }
    }

    fn callee(
        &self,
        path: syn::Path,
        comp: Option<&'static str>,
        args: Vec<Expr<'a>>,
        span: Span,
    ) -> Expr<'a> {
        if self.refuse_recursion(&path) {
            return self.err(span);
        }
        let name = crate::front::key::path_key(&path);
        let mut c = self.callees.borrow_mut();
        if !c.iter().any(|(n, _)| *n == name) {
            c.push((name.clone(), path));
        }
        Expr {
            kind: ExprKind::Call(name, comp, args),
            span,
        }
    }

    /// A call to the function itself (or to its companion, `f::grad`):
    /// rjax traces the body once, at compile time, and the recursion would
    /// never end. `true` (after the error) when `path` is one.
    fn refuse_recursion(&self, path: &syn::Path) -> bool {
        let own = &self._item.sig.ident;
        let segs: Vec<&Ident> = path.segments.iter().map(|s| &s.ident).collect();
        let recursive = match segs[..] {
            [m, f] | [m, f, _] if m == "self" || m == "crate" => f == own,
            [f] | [f, _] => f == own,
            _ => false,
        };
        if recursive {
            self.cx.error_spanned_by(
                path,
                format!(
                    "`{own}` calls itself: a transformed function is traced once, at compile time, so recursion cannot be transformed; write the repetition as a loop (`for i in 0..n {{ .. }}` or `while`), or call another annotated function"
                ),
            );
        }
        recursive
    }

    fn unknown_call(&self, at: &Ident, name: &str, got: usize, arities: Vec<usize>, method: bool) {
        let kind = if method { "method" } else { "function" };
        if !arities.is_empty() {
            let want: Vec<String> = arities.iter().map(|a| a.to_string()).collect();
            self.cx.error_spanned_by(
                at,
                format!(
                    "`{name}` takes {} argument(s), not {got}",
                    want.join(" or ")
                ),
            );
            return;
        }
        let names = if method {
            prims::method_names()
        } else {
            prims::function_names()
        };
        let hint = match special_hint(name) {
            Some(h) => h.to_string(),
            None => match did_you_mean(name, &names) {
                Some(s) => format!("did you mean `{s}`?"),
                None => {
                    "use a jax.numpy-named primitive (sin, exp, log, dot, sum, ...)".to_string()
                }
            },
        };
        self.cx
            .error_spanned_by(at, format!("unsupported {kind} `{name}`: {hint}"));
    }
}

/// `a..b` with integer literal bounds.
fn int_range(e: &syn::Expr) -> Option<(i64, i64)> {
    match e {
        syn::Expr::Range(syn::ExprRange {
            start: Some(a),
            end: Some(b),
            limits: syn::RangeLimits::HalfOpen(_),
            ..
        }) => Some((int_lit(a)?, int_lit(b)?)),
        _ => None,
    }
}

/// An integer literal, possibly negated (`2`, `-1`): an axis or a size.
fn int_lit(e: &syn::Expr) -> Option<i64> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse().ok(),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => int_lit(expr).map(|v| -v),
        _ => None,
    }
}

fn special_hint(name: &str) -> Option<&'static str> {
    Some(match name {
        "norm" => "write `(t * t).sum().sqrt()`",
        "sinh" => "write `(x.exp() - (-x).exp()) / 2.0`",
        "cosh" => "write `(x.exp() + (-x).exp()) / 2.0`",
        "exp2" => "write `(x * std::f32::consts::LN_2).exp()` as `(x * 0.6931472).exp()`",
        "log10" => "write `x.ln() / 10f32.ln()` as `x.ln() / 2.3025851`",
        "iter" | "into_iter" | "map" => {
            "iterators are not supported: write `for i in 0..n` over indices"
        }
        "push" | "insert" => "arrays are values: build the result with `concatenate` or `where_`",
        _ => return None,
    })
}

fn strip(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip(&p.expr),
        syn::Expr::Group(g) => strip(&g.expr),
        e => e,
    }
}

fn is_statement_like(e: &syn::Expr) -> bool {
    matches!(e, syn::Expr::ForLoop(_) | syn::Expr::While(_))
}

fn bin_op(op: &syn::BinOp) -> Option<BinOp> {
    use syn::BinOp as B;
    Some(match op {
        B::Add(_) => BinOp::Add,
        B::Sub(_) => BinOp::Sub,
        B::Mul(_) => BinOp::Mul,
        B::Div(_) => BinOp::Div,
        B::Lt(_) => BinOp::Lt,
        B::Le(_) => BinOp::Le,
        B::Gt(_) => BinOp::Gt,
        B::Ge(_) => BinOp::Ge,
        B::Eq(_) => BinOp::Eq,
        B::Ne(_) => BinOp::Ne,
        B::And(_) => BinOp::And,
        B::Or(_) => BinOp::Or,
        _ => return None,
    })
}

fn compound_op(op: &syn::BinOp) -> Option<BinOp> {
    use syn::BinOp as B;
    Some(match op {
        B::AddAssign(_) => BinOp::Add,
        B::SubAssign(_) => BinOp::Sub,
        B::MulAssign(_) => BinOp::Mul,
        B::DivAssign(_) => BinOp::Div,
        _ => return None,
    })
}

fn contains_break_value(b: &syn::Block) -> bool {
    use syn::visit::Visit;
    struct V(bool);
    impl<'ast> Visit<'ast> for V {
        fn visit_expr_break(&mut self, b: &'ast syn::ExprBreak) {
            if b.expr.is_some() {
                self.0 = true;
            }
        }
    }
    let mut v = V(false);
    v.visit_block(b);
    v.0
}

fn collect_mut_names(b: &syn::Block, out: &mut Vec<String>) {
    use syn::visit::Visit;
    struct V<'o>(&'o mut Vec<String>);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if p.mutability.is_some() {
                self.0.push(p.ident.to_string());
            }
        }
    }
    V(out).visit_block(b);
}

fn collect_idents_expr(e: &syn::Expr, out: &mut Vec<String>) {
    use syn::visit::Visit;
    struct V<'o>(&'o mut Vec<String>);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_path(&mut self, p: &'ast syn::Path) {
            if let Some(id) = p.get_ident() {
                self.0.push(id.to_string());
            }
        }
    }
    V(out).visit_expr(e);
}

fn collect_closure_names(b: &syn::Block, out: &mut Vec<String>) {
    use syn::visit::Visit;
    struct V<'o>(&'o mut Vec<String>);
    impl<'ast> Visit<'ast> for V<'_> {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            if let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init)
                && matches!(*init.expr, syn::Expr::Closure(_))
            {
                self.0.push(pi.ident.to_string());
            }
            syn::visit::visit_local(self, l);
        }
    }
    V(out).visit_block(b);
}
