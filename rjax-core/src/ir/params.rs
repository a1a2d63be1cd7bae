//! Equation parameters: a sorted map from name to a small value tree,
//! printed as JAX does (`[limit_indices=(1,) start_indices=(0,)]`).
//!
//! Integers are dimension expressions (a constant is just `Dim(Const)`), so
//! `shape=(n, 3)` and `y=2` share one representation. Typed accessors
//! (`int`, `ints`, `dims`, `dtype`, `jaxpr` ...) turn a value back into what
//! a rule needs and fail with the primitive's name if it is malformed.

use super::dim::DimExpr;
use super::dtype::DType;
use super::jaxpr::Jaxpr;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One parameter value.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    /// An integer or a dimension expression.
    Dim(DimExpr),
    /// `True` / `False`.
    Bool(bool),
    /// A float (rare: e.g. custom rules' constants).
    Float(f64),
    /// A bare word: a dtype name (`float32`), `None`, an enum-like name.
    Word(String),
    /// A tuple `(a, b)`, printed `(a,)` when it has one element.
    Tuple(Vec<Param>),
    /// A list `[a, b]`.
    List(Vec<Param>),
    /// A sub-jaxpr (cond branches, scan and while bodies, custom rules).
    Jaxpr(Arc<Jaxpr>),
}

impl Param {
    /// An integer.
    pub fn int(v: i64) -> Self {
        Param::Dim(DimExpr::Const(v))
    }
    /// A tuple of integers.
    pub fn ints(v: &[i64]) -> Self {
        Param::Tuple(v.iter().map(|&x| Param::int(x)).collect())
    }
    /// A tuple of integers given as usize.
    pub fn usizes(v: &[usize]) -> Self {
        Param::Tuple(v.iter().map(|&x| Param::int(x as i64)).collect())
    }
    /// A tuple of dims.
    pub fn dims(v: &[DimExpr]) -> Self {
        Param::Tuple(v.iter().cloned().map(Param::Dim).collect())
    }
    /// A dtype, printed with its NumPy name.
    pub fn dtype(d: DType) -> Self {
        Param::Word(d.numpy_name().to_string())
    }
    /// A sub-jaxpr.
    pub fn jaxpr(j: Jaxpr) -> Self {
        Param::Jaxpr(Arc::new(j))
    }
    /// A tuple of sub-jaxprs.
    pub fn jaxprs(js: Vec<Jaxpr>) -> Self {
        Param::Tuple(js.into_iter().map(Param::jaxpr).collect())
    }
    /// The elements of a tuple or list.
    pub fn elems(&self) -> Option<&[Param]> {
        match self {
            Param::Tuple(v) | Param::List(v) => Some(v),
            _ => None,
        }
    }
    /// The integer value.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Param::Dim(d) => d.as_const(),
            Param::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }
    /// The dim value (a bare symbol parses as a word, so accept that too).
    pub fn as_dim(&self) -> Option<DimExpr> {
        match self {
            Param::Dim(d) => Some(d.clone()),
            Param::Word(w) if w != "None" => Some(DimExpr::Sym(w.clone())),
            _ => None,
        }
    }
}

/// The parameters of one equation, sorted by name.
pub type Params = BTreeMap<String, Param>;

fn bad(prim: &str, key: &str, what: &str) -> Error {
    Error::invalid(format!("{prim}: parameter `{key}` missing or not {what}"))
}

/// Typed access to `Params`; `prim` is used in error messages.
pub trait ParamsExt {
    /// Builds params from pairs.
    fn from_pairs<const N: usize>(pairs: [(&str, Param); N]) -> Params;
    /// An integer param.
    fn int(&self, prim: &str, key: &str) -> Result<i64>;
    /// A bool param.
    fn bool(&self, prim: &str, key: &str) -> Result<bool>;
    /// A tuple of integers.
    fn ints(&self, prim: &str, key: &str) -> Result<Vec<i64>>;
    /// A tuple of non-negative integers (axes).
    fn axes(&self, prim: &str, key: &str) -> Result<Vec<usize>>;
    /// A tuple of dims.
    fn dims(&self, prim: &str, key: &str) -> Result<Vec<DimExpr>>;
    /// A dtype.
    fn dtype(&self, prim: &str, key: &str) -> Result<DType>;
    /// A sub-jaxpr.
    fn jaxpr(&self, prim: &str, key: &str) -> Result<&Jaxpr>;
    /// A tuple of sub-jaxprs.
    fn jaxprs(&self, prim: &str, key: &str) -> Result<Vec<&Jaxpr>>;
    /// A param that may be absent or `None`.
    fn opt(&self, key: &str) -> Option<&Param>;
}

impl ParamsExt for Params {
    fn from_pairs<const N: usize>(pairs: [(&str, Param); N]) -> Params {
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
    fn int(&self, prim: &str, key: &str) -> Result<i64> {
        self.get(key)
            .and_then(Param::as_int)
            .ok_or_else(|| bad(prim, key, "an integer"))
    }
    fn bool(&self, prim: &str, key: &str) -> Result<bool> {
        match self.get(key) {
            Some(Param::Bool(b)) => Ok(*b),
            _ => Err(bad(prim, key, "a bool")),
        }
    }
    fn ints(&self, prim: &str, key: &str) -> Result<Vec<i64>> {
        self.get(key)
            .and_then(Param::elems)
            .and_then(|v| v.iter().map(Param::as_int).collect())
            .ok_or_else(|| bad(prim, key, "a tuple of integers"))
    }
    fn axes(&self, prim: &str, key: &str) -> Result<Vec<usize>> {
        let v = self.ints(prim, key)?;
        if v.iter().any(|&x| x < 0) {
            return Err(bad(prim, key, "non-negative"));
        }
        Ok(v.into_iter().map(|x| x as usize).collect())
    }
    fn dims(&self, prim: &str, key: &str) -> Result<Vec<DimExpr>> {
        self.get(key)
            .and_then(Param::elems)
            .and_then(|v| v.iter().map(Param::as_dim).collect())
            .ok_or_else(|| bad(prim, key, "a tuple of dims"))
    }
    fn dtype(&self, prim: &str, key: &str) -> Result<DType> {
        match self.get(key) {
            Some(Param::Word(w)) => DType::from_name(w).ok_or_else(|| bad(prim, key, "a dtype")),
            _ => Err(bad(prim, key, "a dtype")),
        }
    }
    fn jaxpr(&self, prim: &str, key: &str) -> Result<&Jaxpr> {
        match self.get(key) {
            Some(Param::Jaxpr(j)) => Ok(j),
            _ => Err(bad(prim, key, "a jaxpr")),
        }
    }
    fn jaxprs(&self, prim: &str, key: &str) -> Result<Vec<&Jaxpr>> {
        let v = self
            .get(key)
            .and_then(Param::elems)
            .ok_or_else(|| bad(prim, key, "a tuple of jaxprs"))?;
        v.iter()
            .map(|p| match p {
                Param::Jaxpr(j) => Ok(&**j),
                _ => Err(bad(prim, key, "a tuple of jaxprs")),
            })
            .collect()
    }
    fn opt(&self, key: &str) -> Option<&Param> {
        match self.get(key) {
            Some(Param::Word(w)) if w == "None" => None,
            p => p,
        }
    }
}
