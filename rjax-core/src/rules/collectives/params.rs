//! The params of collectives: mesh axis names as a tuple of words
//! (`axes=(data,)`), the group size of the gathering ops as a symbolic dim
//! named after the axes (`axis_size=size_data`), and `ppermute`'s
//! `perm=((0, 1), (1, 0))`.

use crate::error::{Error, Result};
use crate::ir::params::ParamsExt;
use crate::ir::{DimExpr, Param, Params, Prim};

/// A tuple of axis names as a param.
pub fn names_param(names: &[&str]) -> Param {
    Param::Tuple(names.iter().map(|n| Param::Word(n.to_string())).collect())
}

/// The axis names stored under `key`.
pub fn axis_names(p: &Params, prim: Prim, key: &str) -> Result<Vec<String>> {
    let bad = || {
        Error::invalid(format!(
            "{prim}: parameter `{key}` missing or not axis names"
        ))
    };
    let elems = p.get(key).and_then(Param::elems).ok_or_else(bad)?;
    let names: Vec<String> = elems
        .iter()
        .map(|e| match e {
            Param::Word(w) => Ok(w.clone()),
            _ => Err(bad()),
        })
        .collect::<Result<_>>()?;
    if names.is_empty() {
        return Err(bad());
    }
    Ok(names)
}

/// The symbolic group size over `names`: one symbol per axis
/// (`size_data`), multiplied, so the dims stay exact polynomials that the
/// emitted code binds from the mesh at run time.
pub fn size_of(names: &[String]) -> DimExpr {
    names.iter().fold(DimExpr::Const(1), |acc, n| {
        DimExpr::mul(&acc, &DimExpr::sym(format!("size_{n}")))
    })
}

/// `axis_size` of `all_gather` / `reduce_scatter`: the param if present,
/// else the symbolic size of `axis_name`.
pub fn axis_size_dim(p: &Params, prim: Prim) -> Result<DimExpr> {
    match p.get("axis_size").and_then(Param::as_dim) {
        Some(d) => Ok(d),
        None => Ok(size_of(&axis_names(p, prim, "axis_name")?)),
    }
}

/// `ppermute`'s (source, destination) pairs; each source and each
/// destination at most once.
pub fn perm(p: &Params) -> Result<Vec<(usize, usize)>> {
    let bad = || Error::invalid("ppermute: parameter `perm` missing or not (src, dst) pairs");
    let pairs: Vec<(usize, usize)> = p
        .get("perm")
        .and_then(Param::elems)
        .ok_or_else(bad)?
        .iter()
        .map(|e| match e.elems() {
            Some([s, d]) => match (s.as_int(), d.as_int()) {
                (Some(s), Some(d)) if s >= 0 && d >= 0 => Ok((s as usize, d as usize)),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        })
        .collect::<Result<_>>()?;
    for (i, &(s, d)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|&(s2, d2)| s2 == s || d2 == d) {
            return Err(Error::shape(
                "ppermute",
                format!("{pairs:?} is not a permutation: a source or destination repeats"),
            ));
        }
    }
    Ok(pairs)
}

/// `perm` as a param.
pub fn perm_param(pairs: &[(usize, usize)]) -> Param {
    Param::Tuple(pairs.iter().map(|&(s, d)| Param::usizes(&[s, d])).collect())
}

/// Convenience: `axes=(..)` params for psum / pmax / pmin / pvary.
pub fn axes_params(names: &[&str]) -> Params {
    Params::from_pairs([("axes", names_param(names))])
}
