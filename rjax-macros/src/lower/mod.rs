//! Lowering: the checked model of a function ([`crate::front::ast`]) to an
//! rjax-core jaxpr, through core's `Builder` (which runs each primitive's
//! shape rule, so a rank that does not fit fails here).
//!
//! Rust bindings become SSA values: `let mut x` + `x = ..` rebinds the name
//! in the environment; loops carry the names they reassign; `if`/`else`
//! on a run-time `bool` becomes `cond` (only the taken side runs), with
//! `select_n` of both sides as the fallback.
//!
//! The ranks of `Array` parameters are inputs to lowering; [`rank`] finds
//! them by trying candidates.

mod branch;
mod call;
pub mod collective;
mod control;
pub mod custom;
mod expr;
mod fill;
pub mod nalgebra_ops;
mod pullback;
mod random;
pub mod rank;
pub mod symbols;
pub mod tree;
mod vocab;
pub mod xform;

use std::collections::HashMap;

use proc_macro2::Span;
use rjax_core::{Atom, Builder, DType, DimExpr, Jaxpr, TensorType};

use crate::front::ast::{Function, ParamTy, Scalar, ValTy};
use crate::front::attr::Config;

/// An annotated function called from the body being lowered, with its
/// attributes (for `argnums`, `in_axes`).
pub struct Callee<'a> {
    /// The callee's checked model.
    pub f: Function<'a>,
    /// Its attributes.
    pub config: Config,
    /// What its own body and custom rules call, by the keys they use.
    pub deps: Callees<'a>,
}

/// Callees by the path the body writes (`h`, `other::h`).
pub type Callees<'a> = HashMap<String, Callee<'a>>;

/// A lowering error: where, and what (a core error or our own message).
#[derive(Debug)]
pub struct LowerError {
    /// The offending tokens.
    pub span: Span,
    /// The message.
    pub msg: String,
}

/// Result of lowering steps.
pub type LResult<T> = Result<T, LowerError>;

pub(crate) fn err<T>(span: Span, msg: impl Into<String>) -> LResult<T> {
    Err(LowerError {
        span,
        msg: msg.into(),
    })
}

/// A value in the environment.
#[derive(Clone, Debug)]
pub enum Value {
    /// An IR atom.
    Atom(Atom),
    /// An untyped numeric literal (`2.0`, `1`): typed where it is used,
    /// like Rust's inference of literal types.
    Weak(f64, bool),
    /// A tuple of values.
    Tuple(Vec<Value>),
    /// A list of integer constants (`&[0, 1]` axes).
    Ints(Vec<i64>),
    /// A `#[derive(Tree)]` struct value: its fields by name.
    Struct(Vec<(String, Value)>),
    /// The pullback of `let (y, pullback) = h::vjp(..)` (see [`pullback`]).
    Pullback(std::rc::Rc<pullback::Pullback>),
}

/// The element dtype of a Rust scalar type (`usize` indices are i32).
pub fn dtype(s: Scalar) -> DType {
    match s {
        Scalar::F32 => DType::F32,
        Scalar::F64 => DType::F64,
        Scalar::I32 | Scalar::Usize => DType::I32,
        Scalar::U32 => DType::U32,
        Scalar::Bool => DType::Bool,
    }
}

/// Symbol names given to array dimensions, in order of appearance.
const SYMBOLS: &[&str] = &["n", "m", "k", "p", "q", "r", "s", "u", "v", "w"];

/// The IR input types of `f`'s parameters for the given ranks (one per
/// parameter; ignored for scalars), with fresh symbolic dims, after the
/// symbol identifications in `same`.
pub fn input_types(
    f: &Function,
    ranks: &[usize],
    same: &HashMap<String, String>,
) -> Vec<TensorType> {
    let mut next = 0;
    f.params
        .iter()
        .zip(ranks)
        .map(|(p, &r)| match p.ty {
            ParamTy::Scalar(s) => TensorType::scalar(dtype(s)),
            ParamTy::Key => TensorType::new(DType::U32, vec![DimExpr::Const(2)]),
            ParamTy::Tree { .. } => {
                unreachable!("struct parameters are replaced by their fields first")
            }
            ParamTy::Array { elem, .. } => {
                let dims: Vec<DimExpr> = (0..r)
                    .map(|_| {
                        let name = SYMBOLS
                            .get(next)
                            .map(|s| s.to_string())
                            .unwrap_or(format!("d{next}"));
                        next += 1;
                        let name = resolve(same, &name);
                        // A symbol identified with a constant size is it.
                        match name.parse::<i64>() {
                            Ok(c) => DimExpr::Const(c),
                            Err(_) => DimExpr::Sym(name),
                        }
                    })
                    .collect();
                TensorType::new(dtype(elem), dims)
            }
        })
        .collect()
}

fn resolve(same: &HashMap<String, String>, name: &str) -> String {
    let mut cur = name.to_string();
    while let Some(n) = same.get(&cur) {
        cur = n.clone();
    }
    cur
}

/// Lowering state for one (sub-)jaxpr.
pub(crate) struct Lowerer<'f> {
    pub b: Builder,
    pub env: HashMap<String, Value>,
    /// The float type untyped literals default to.
    pub default_float: DType,
    /// Pairs of symbols found to need equality (loop carries).
    pub unify: &'f mut Vec<(String, String)>,
    /// Annotated functions the body may call.
    pub callees: &'f Callees<'f>,
    /// The `if`s (by their `then` block's address) that could not become a
    /// `cond` in this lowering: lowered again inside the `select_n`
    /// fallback of an enclosing `if`, they go straight to `select_n`, so a
    /// chain of failing `if`s costs linear, not exponential, time.
    pub failed_conds: std::rc::Rc<std::cell::RefCell<std::collections::HashSet<usize>>>,
}

/// Lowers `f` with the given parameter ranks. `Err` carries the first
/// failure; `unify` receives symbol pairs that must be identified (the
/// caller retries with them).
pub fn lower<'f>(
    f: &Function,
    ranks: &[usize],
    same: &HashMap<String, String>,
    unify: &'f mut Vec<(String, String)>,
    callees: &'f Callees<'f>,
) -> LResult<Jaxpr> {
    let types = input_types(f, ranks, same);
    lower_typed(f, types, unify, callees)
}

/// Lowers `f` with the given input types.
pub fn lower_typed<'f>(
    f: &Function,
    types: Vec<TensorType>,
    unify: &'f mut Vec<(String, String)>,
    callees: &'f Callees<'f>,
) -> LResult<Jaxpr> {
    let mut b = Builder::new();
    let mut env = HashMap::new();
    for (p, t) in f.params.iter().zip(types) {
        let v = b.input_typed(t);
        env.insert(p.name.to_string(), Value::Atom(v.into()));
    }
    let default_float = f
        .params
        .iter()
        .find_map(|p| match p.ty {
            ParamTy::Scalar(s) | ParamTy::Array { elem: s, .. } if s.is_float() => Some(dtype(s)),
            _ => None,
        })
        .or_else(|| {
            f.ret
                .tys
                .iter()
                .map(|t| t.elem())
                .find(|s| s.is_float())
                .map(dtype)
        })
        .unwrap_or(DType::F32);
    let mut lw = Lowerer {
        b,
        env,
        default_float,
        unify,
        callees,
        failed_conds: Default::default(),
    };
    lw.bind_trees(f);
    let out = lw.function_body(&f.body)?;
    let out = lw.struct_result(f, out, f.ret.span)?;
    let outs = lw.flatten_result(out, &f.ret.tys, f.ret.tuple, f.ret.span)?;
    Ok(lw.b.build(&outs))
}

impl Lowerer<'_> {
    /// The final value checked against the declared result types.
    fn flatten_result(
        &mut self,
        v: Value,
        tys: &[ValTy],
        tuple: bool,
        span: Span,
    ) -> LResult<Vec<Atom>> {
        let parts = match (v, tuple) {
            (Value::Tuple(parts), true) if parts.len() == tys.len() => parts,
            (v, false) => vec![v],
            (_, true) => {
                return err(
                    span,
                    format!("the body does not produce a {}-tuple", tys.len()),
                );
            }
        };
        let mut outs = Vec::new();
        for (p, t) in parts.into_iter().zip(tys) {
            let a = self.atom_as(p, dtype(t.elem()), span)?;
            let ty = self.b.ty(a);
            // A declared `Array` is not a scalar: a rank-0 result would be
            // emitted as a plain number, so rank inference must look on
            // (`x.dot(w)` -> `Array<f32>` makes `x` a matrix).
            let ok = ty.dtype == dtype(t.elem())
                && match t {
                    ValTy::Scalar(_) => ty.rank() == 0,
                    ValTy::Array(_) => ty.rank() > 0,
                };
            if !ok {
                let hint = match t {
                    ValTy::Array(s) if ty.rank() == 0 && ty.dtype == dtype(*s) => format!(
                        ": the value is a scalar, so declare the result as `{}`",
                        s.rust_name()
                    ),
                    _ => String::new(),
                };
                return err(
                    span,
                    format!(
                        "the body produces `{ty}` where the signature says `{}`{hint}",
                        show_valty(*t)
                    ),
                );
            }
            outs.push(a);
        }
        Ok(outs)
    }

    /// A value as an atom of dtype `want` (typing a weak literal).
    pub fn atom_as(&mut self, v: Value, want: DType, span: Span) -> LResult<Atom> {
        match v {
            Value::Atom(a) => Ok(a),
            Value::Weak(x, _) => Ok(self.b.lit(x, want)),
            Value::Tuple(_) => err(
                span,
                "a tuple cannot be used as a number here: destructure it with `let (a, b) = ..`",
            ),
            Value::Ints(_) => err(
                span,
                "a list of integers is only accepted as axes (`a.sum_axes(&[1], false)`)",
            ),
            Value::Struct(_) => err(
                span,
                "a struct cannot be used as a number here: read a field (`p.w`)",
            ),
            Value::Pullback(_) => err(
                span,
                "a pullback cannot be used as a value: apply it to a cotangent (`pullback(&ct)`)",
            ),
        }
    }

    /// A value as an atom, typing a weak literal with its default type.
    pub fn atom(&mut self, v: Value, span: Span) -> LResult<Atom> {
        let want = match v {
            Value::Weak(_, true) => DType::I32,
            _ => self.default_float,
        };
        self.atom_as(v, want, span)
    }

    /// Wraps a core error with a span.
    pub fn core<T>(&self, r: rjax_core::Result<T>, span: Span) -> LResult<T> {
        r.map_err(|e| LowerError {
            span,
            msg: e.to_string(),
        })
    }
}

fn show_valty(t: ValTy) -> String {
    match t {
        ValTy::Scalar(s) => s.rust_name().to_string(),
        ValTy::Array(s) => format!("Array<{}>", s.rust_name()),
    }
}
