//! Collective calls in annotated bodies (`psum(x, "data")`, ...; the
//! list is in `lower::collective`): their constant arguments (mesh axis
//! names as string literals, dimensions, permutations) are read here from
//! the syn tree, since string literals are not values of the accepted
//! subset; only the operand becomes an expression of the body.

use proc_macro2::Span;
use syn::spanned::Spanned;

/// A collective call with its constant arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coll {
    /// The function called (`psum`, `all_gather_tiled` ...).
    pub name: &'static str,
    /// Mesh axis names.
    pub axes: Vec<String>,
    /// `all_gather_tiled` / `psum_scatter_tiled`: the dimension.
    pub dim: usize,
    /// `ppermute`: (source, destination) pairs.
    pub perm: Vec<(usize, usize)>,
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

fn strip(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Reference(r) => strip(&r.expr),
        syn::Expr::Paren(p) => strip(&p.expr),
        syn::Expr::Group(g) => strip(&g.expr),
        _ => e,
    }
}

fn axis_names(e: &syn::Expr) -> syn::Result<Vec<String>> {
    let one = |e: &syn::Expr| match strip(e) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Ok(s.value()),
        other => Err(syn::Error::new(
            other.span(),
            "mesh axis names must be string literals: write `\"data\"` or `&[\"data\", \"model\"]`",
        )),
    };
    match strip(e) {
        syn::Expr::Array(a) if !a.elems.is_empty() => a.elems.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
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

fn perm(e: &syn::Expr) -> syn::Result<Vec<(usize, usize)>> {
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
    Ok(pairs)
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
                Vec::new()
            },
        };
        Ok((coll, operand))
    })())
}
