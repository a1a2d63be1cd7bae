//! Shapes (static rank, symbolic or constant dims) and the type of a value
//! (`TensorType` = dtype + shape, printed `f32[3,n]`).

use super::dim::DimExpr;
use super::dtype::DType;
use std::collections::HashMap;
use std::fmt;

/// A shape: one `DimExpr` per axis; the rank is always known.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Shape(pub Vec<DimExpr>);

impl Shape {
    /// The rank-0 shape.
    pub fn scalar() -> Self {
        Shape(Vec::new())
    }
    /// A shape of constant dims.
    pub fn concrete(dims: &[usize]) -> Self {
        Shape(dims.iter().map(|&d| DimExpr::Const(d as i64)).collect())
    }
    /// Number of axes.
    pub fn rank(&self) -> usize {
        self.0.len()
    }
    /// The dims.
    pub fn dims(&self) -> &[DimExpr] {
        &self.0
    }
    /// All dims as constants, if none is symbolic.
    pub fn as_concrete(&self) -> Option<Vec<usize>> {
        self.0
            .iter()
            .map(|d| d.as_const().map(|c| c.max(0) as usize))
            .collect()
    }
    /// The number of elements (a dim expression).
    pub fn size(&self) -> DimExpr {
        DimExpr::product(&self.0)
    }
    /// Evaluates every dim with the given symbol values.
    pub fn eval(&self, env: &HashMap<String, i64>) -> Option<Vec<usize>> {
        self.0
            .iter()
            .map(|d| d.eval(env).map(|c| c.max(0) as usize))
            .collect()
    }
    /// Substitutes bound symbols.
    pub fn substitute(&self, env: &HashMap<String, i64>) -> Shape {
        Shape(self.0.iter().map(|d| d.substitute(env)).collect())
    }
}

impl From<Vec<DimExpr>> for Shape {
    fn from(v: Vec<DimExpr>) -> Self {
        Shape(v)
    }
}
impl From<&[usize]> for Shape {
    fn from(v: &[usize]) -> Self {
        Shape::concrete(v)
    }
}
impl<const N: usize> From<[usize; N]> for Shape {
    fn from(v: [usize; N]) -> Self {
        Shape::concrete(&v)
    }
}
impl From<Vec<usize>> for Shape {
    fn from(v: Vec<usize>) -> Self {
        Shape::concrete(&v)
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{d}")?;
        }
        f.write_str("]")
    }
}

/// The abstract value of a variable: dtype and shape (JAX's `ShapedArray`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TensorType {
    /// Element type.
    pub dtype: DType,
    /// Shape.
    pub shape: Shape,
}

impl TensorType {
    /// A type from its parts.
    pub fn new(dtype: DType, shape: impl Into<Shape>) -> Self {
        TensorType {
            dtype,
            shape: shape.into(),
        }
    }
    /// A rank-0 type.
    pub fn scalar(dtype: DType) -> Self {
        TensorType {
            dtype,
            shape: Shape::scalar(),
        }
    }
    /// Rank.
    pub fn rank(&self) -> usize {
        self.shape.rank()
    }
    /// Dims.
    pub fn dims(&self) -> &[DimExpr] {
        &self.shape.0
    }
    /// Same shape, another dtype.
    pub fn with_dtype(&self, dtype: DType) -> Self {
        TensorType {
            dtype,
            shape: self.shape.clone(),
        }
    }
}

impl fmt::Display for TensorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.dtype, self.shape)
    }
}
