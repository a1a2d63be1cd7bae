//! nalgebra's fixed-size `SVector<T, N>` / `SMatrix<T, R, C>` (and the
//! aliases `VectorN<T>`, `MatrixN<T>`) as parameters and results of
//! annotated functions.
//!
//! A static matrix is a tree of `R * C` scalar leaves (`crate::front::tree_param`)
//! named `_i_j`, listed column-major like nalgebra's storage, so the
//! emitted code reads and builds it with scalar code only: no `Array`, no
//! heap allocation. In a body, `v[k]` (column-major linear index, as
//! nalgebra) and `m[(i, j)]` read a leaf; the indices must be constants.

use proc_macro2::TokenStream;
use quote::quote;

use crate::front::ast::Scalar;

/// (element, rows, columns) of a static nalgebra type with a float
/// element and literal sizes.
pub fn shape(path: &syn::Path) -> Option<(Scalar, usize, usize)> {
    let seg = path.segments.last()?;
    let name = seg.ident.to_string();
    let syn::PathArguments::AngleBracketed(a) = &seg.arguments else {
        return None;
    };
    let args: Vec<&syn::GenericArgument> = a.args.iter().collect();
    let elem = |g: &syn::GenericArgument| match g {
        syn::GenericArgument::Type(syn::Type::Path(e)) => {
            Scalar::from_ident(&e.path.get_ident()?.to_string()).filter(|s| s.is_float())
        }
        _ => None,
    };
    let size = |g: &syn::GenericArgument| match g {
        syn::GenericArgument::Const(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        })) => n.base10_parse::<usize>().ok().filter(|&n| n > 0),
        _ => None,
    };
    let alias = |prefix: &str| -> Option<usize> {
        let n: usize = name.strip_prefix(prefix)?.parse().ok()?;
        (1..=6).contains(&n).then_some(n)
    };
    match &args[..] {
        [e, n] if name == "SVector" => Some((elem(e)?, size(n)?, 1)),
        [e, r, c] if name == "SMatrix" => Some((elem(e)?, size(r)?, size(c)?)),
        [e] => {
            if let Some(n) = alias("Vector") {
                Some((elem(e)?, n, 1))
            } else {
                let n = alias("Matrix")?;
                Some((elem(e)?, n, n))
            }
        }
        _ => None,
    }
}

/// The leaf name of entry `(i, j)`.
pub fn field(i: usize, j: usize) -> String {
    format!("_{i}_{j}")
}

/// The entry of a leaf name.
pub fn entry(name: &str) -> Option<(usize, usize)> {
    let (i, j) = name.strip_prefix('_')?.split_once('_')?;
    Some((i.parse().ok()?, j.parse().ok()?))
}

/// The leaves of an `r x c` matrix, column-major.
pub fn fields(r: usize, c: usize) -> Vec<String> {
    (0..c)
        .flat_map(|j| (0..r).map(move |i| field(i, j)))
        .collect()
}

/// The rows of a matrix value from its leaf names.
pub fn rows_of<'a>(names: impl Iterator<Item = &'a String>) -> usize {
    names
        .filter_map(|n| entry(n))
        .map(|(i, _)| i + 1)
        .max()
        .unwrap_or(1)
}

/// The Rust type `SMatrix<T, r, c>` (an `SVector` when `c == 1`).
pub fn ty(elem: &TokenStream, r: usize, c: usize) -> TokenStream {
    quote!(::rjax::__private::nalgebra::SMatrix<#elem, #r, #c>)
}

/// A value of type `path` from its leaves (column-major): copies from a
/// stack slice, no allocation.
pub fn assemble(path: &TokenStream, vals: &[TokenStream]) -> TokenStream {
    quote!(<#path>::from_column_slice(&[#(#vals),*]))
}

/// Reading leaf `name` of `base`.
pub fn access(base: &TokenStream, name: &str) -> TokenStream {
    let (i, j) = entry(name).expect("a matrix leaf name");
    quote!(#base[(#i, #j)])
}

/// `SVector::new(..)`, `SMatrix::<T, R, C>::new(..)`, `Vector3::new(..)`,
/// `Matrix2::new(..)` in a body: the (rows, columns) of the value, its
/// arguments being the entries row by row (nalgebra's `new`). `None`
/// when the call is not one of these; `Err` when the shape is unknown.
pub fn constructor(path: &syn::Path, nargs: usize) -> Option<Result<(usize, usize), String>> {
    let segs: Vec<&syn::PathSegment> = path.segments.iter().collect();
    let [ty, f] = &segs[..] else {
        return None;
    };
    if f.ident != "new" {
        return None;
    }
    let name = ty.ident.to_string();
    // The sizes as written in a turbofish, if any.
    let turbofish: Option<(usize, usize)> = match &ty.arguments {
        syn::PathArguments::AngleBracketed(a) => {
            let (id, args) = (&ty.ident, &a.args);
            shape(&syn::parse_quote!(#id<#args>)).map(|(_, r, c)| (r, c))
        }
        _ => None,
    };
    let square = |prefix: &str| -> Option<usize> {
        let n: usize = name.strip_prefix(prefix)?.parse().ok()?;
        (1..=6).contains(&n).then_some(n)
    };
    let rc = match name.as_str() {
        "SVector" => Some(turbofish.unwrap_or((nargs, 1))),
        "SMatrix" => match turbofish {
            Some(rc) => Some(rc),
            None => {
                return Some(Err(
                    "the shape of `SMatrix::new` is not known here: write `SMatrix::<f64, R, C>::new(..)` or `Matrix2::new(..)`"
                        .to_string(),
                ));
            }
        },
        _ => {
            if let Some(n) = square("Vector") {
                Some((n, 1))
            } else {
                square("Matrix").map(|n| (n, n))
            }
        }
    };
    let (r, c) = rc?;
    if r * c != nargs {
        return Some(Err(format!(
            "`{name}::new` of a {r}x{c} value takes {} entries (row by row), not {nargs}",
            r * c
        )));
    }
    Some(Ok((r, c)))
}

/// The leaf names of `new`'s arguments, in argument (row-major) order.
pub fn constructor_fields(r: usize, c: usize) -> Vec<String> {
    (0..r)
        .flat_map(|i| (0..c).map(move |j| field(i, j)))
        .collect()
}
