//! Collectives in annotated bodies: `psum(x, "data")`, `pmean`, `pmax`,
//! `pmin`, `all_gather`, `all_gather_tiled(x, "data", dim)`,
//! `psum_scatter`, `psum_scatter_tiled`, `ppermute(x, "data", &[(0, 1),
//! (1, 0)])` and `axis_index("data")` (mesh axes as a string literal or a
//! list of them) — the names and arguments of
//! `rjax::sharding`'s functions, so the primal stays valid Rust. They
//! lower to rjax-core's collective primitives; `pmean` is `psum` divided
//! by `psum 1.0`, the axis size, as in JAX.
//!
//! The axis names and other constant arguments are read here from the
//! syn tree (string literals are not values of the accepted subset);
//! only the operand becomes an expression of the body.

use proc_macro2::Span;
use rjax_core::rules::collectives::{names_param, perm_param, size_of};
use rjax_core::{Atom, Param, Params, ParamsExt, Prim};
use syn::spanned::Spanned;

use super::{LResult, Lowerer, Value};
use crate::front::ast::Expr;

/// A collective call with its constant arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coll {
    /// The function called (`psum`, `all_gather_tiled` ...).
    pub name: &'static str,
    /// Mesh axis names.
    pub axes: &'static [&'static str],
    /// `all_gather_tiled` / `psum_scatter_tiled`: the dimension.
    pub dim: usize,
    /// `ppermute`: (source, destination) pairs.
    pub perm: &'static [(usize, usize)],
}

/// (name, number of arguments).
const CALLS: &[(&str, usize)] = &[
    ("psum", 2),
    ("pmean", 2),
    ("pmax", 2),
    ("pmin", 2),
    ("all_gather", 2),
    ("all_gather_tiled", 3),
    ("psum_scatter", 2),
    ("psum_scatter_tiled", 3),
    ("ppermute", 3),
    ("axis_index", 1),
];

fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

fn strip(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Reference(r) => strip(&r.expr),
        syn::Expr::Paren(p) => strip(&p.expr),
        syn::Expr::Group(g) => strip(&g.expr),
        _ => e,
    }
}

fn axis_names(e: &syn::Expr) -> syn::Result<&'static [&'static str]> {
    let one = |e: &syn::Expr| match strip(e) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Ok(&*Box::leak(s.value().into_boxed_str())),
        other => Err(syn::Error::new(
            other.span(),
            "mesh axis names must be string literals: write `\"data\"` or `&[\"data\", \"model\"]`",
        )),
    };
    match strip(e) {
        syn::Expr::Array(a) if !a.elems.is_empty() => {
            Ok(leak(a.elems.iter().map(one).collect::<syn::Result<_>>()?))
        }
        other => Ok(leak(vec![one(other)?])),
    }
}

fn int(e: &syn::Expr, what: &str) -> syn::Result<usize> {
    match strip(e) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse(),
        other => Err(syn::Error::new(
            other.span(),
            format!("{what} must be an integer literal"),
        )),
    }
}

fn perm(e: &syn::Expr) -> syn::Result<&'static [(usize, usize)]> {
    let bad = |sp: Span| {
        syn::Error::new(
            sp,
            "`ppermute`'s permutation must be literal (source, destination) pairs: `&[(0, 1), (1, 0)]`",
        )
    };
    let syn::Expr::Array(a) = strip(e) else {
        return Err(bad(e.span()));
    };
    let pairs = a
        .elems
        .iter()
        .map(|p| match strip(p) {
            syn::Expr::Tuple(t) if t.elems.len() == 2 => Ok((
                int(&t.elems[0], "a source")?,
                int(&t.elems[1], "a destination")?,
            )),
            other => Err(bad(other.span())),
        })
        .collect::<syn::Result<Vec<_>>>()?;
    Ok(leak(pairs))
}

/// If `name` is a collective, its constants and the operand expression
/// (none for `axis_index`), or the error that the call is malformed.
pub fn parse<'a>(
    name: &str,
    args: impl ExactSizeIterator<Item = &'a syn::Expr>,
    span: Span,
) -> Option<syn::Result<(Coll, Option<&'a syn::Expr>)>> {
    let &(name, want) = CALLS.iter().find(|(n, _)| *n == name)?;
    let args: Vec<&syn::Expr> = args.collect();
    if args.len() != want {
        let form = match name {
            "axis_index" => "axis_index(\"axis\")",
            "ppermute" => "ppermute(x, \"axis\", &[(src, dst), ..])",
            "all_gather_tiled" | "psum_scatter_tiled" => "(x, \"axis\", dim)",
            _ => "(x, \"axis\")",
        };
        return Some(Err(syn::Error::new(
            span,
            format!(
                "`{name}` takes {want} argument(s), not {}: write `{}{}`",
                args.len(),
                if form.starts_with('(') { name } else { "" },
                form
            ),
        )));
    }
    Some((|| {
        let (operand, axes_at) = if name == "axis_index" {
            (None, 0)
        } else {
            (Some(args[0]), 1)
        };
        let coll = Coll {
            name,
            axes: axis_names(args[axes_at])?,
            dim: match name {
                "all_gather_tiled" | "psum_scatter_tiled" => int(args[2], "the dimension")?,
                _ => 0,
            },
            perm: if name == "ppermute" {
                perm(args[2])?
            } else {
                &[]
            },
        };
        Ok((coll, operand))
    })())
}

impl Coll {
    fn names_param(&self) -> Param {
        names_param(self.axes)
    }

    /// `all_gather` / `reduce_scatter` params.
    fn gather_params(&self, dim_key: &str, tiled: bool) -> Params {
        let names: Vec<String> = self.axes.iter().map(|s| s.to_string()).collect();
        Params::from_pairs([
            ("axis_name", self.names_param()),
            (dim_key, Param::int(self.dim as i64)),
            ("axis_size", Param::Dim(size_of(&names))),
            ("tiled", Param::Bool(tiled)),
        ])
    }
}

impl Lowerer<'_> {
    /// Lowers a collective call; `args` holds the operand (if any).
    pub(crate) fn collective(&mut self, c: Coll, args: &[Expr], span: Span) -> LResult<Value> {
        let axes = Params::from_pairs([("axes", c.names_param())]);
        if c.name == "axis_index" {
            let p = Params::from_pairs([("axis_name", c.names_param())]);
            let r = self.b.eqn1(Prim::AxisIndex, p, &[]);
            return Ok(Value::Atom(self.core(r, span)?));
        }
        let v = self.expr(&args[0])?;
        let x = self.atom(v, args[0].span)?;
        let r: rjax_core::Result<Atom> = (|| match c.name {
            "psum" => self.b.eqn1(Prim::Psum, axes, &[x]),
            "pmax" => self.b.eqn1(Prim::Pmax, axes, &[x]),
            "pmin" => self.b.eqn1(Prim::Pmin, axes, &[x]),
            "pmean" => {
                let dt = self.b.dtype(x);
                if !dt.is_float() {
                    return Err(rjax_core::Error::shape(
                        "pmean",
                        format!("needs a floating operand, got {}", self.b.ty(x)),
                    ));
                }
                let s = self.b.eqn1(Prim::Psum, axes.clone(), &[x])?;
                // The group size, as JAX computes it: psum of 1.
                let one = self.b.lit(1.0, dt);
                let n = self.b.eqn1(Prim::Psum, axes, &[one])?;
                self.b.div(s, n)
            }
            "all_gather" | "all_gather_tiled" => {
                let p = c.gather_params("all_gather_dimension", c.name == "all_gather_tiled");
                self.b.eqn1(Prim::AllGather, p, &[x])
            }
            "psum_scatter" | "psum_scatter_tiled" => {
                let p = c.gather_params("scatter_dimension", c.name == "psum_scatter_tiled");
                self.b.eqn1(Prim::ReduceScatter, p, &[x])
            }
            "ppermute" => {
                let p = Params::from_pairs([
                    ("axis_name", c.names_param()),
                    ("perm", perm_param(c.perm)),
                ]);
                self.b.eqn1(Prim::Ppermute, p, &[x])
            }
            other => Err(rjax_core::Error::invalid(format!(
                "`{other}` is not a collective"
            ))),
        })();
        Ok(Value::Atom(self.core(r, span)?))
    }
}
