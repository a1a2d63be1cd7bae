//! The reference interpreter's value type: a row-major array of `f64`
//! with a dtype tag. Every value is rounded to its dtype after each
//! operation (f32 through `as f32`, integers wrapped), so results match
//! what the dtype would compute. Deliberately simple: it is an oracle.

use crate::error::{Error, Result};
use crate::ir::DType;

/// A concrete array.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// Element type.
    pub dtype: DType,
    /// Concrete shape.
    pub shape: Vec<usize>,
    /// Row-major elements.
    pub data: Vec<f64>,
}

/// Rounds a value to what `dtype` can hold (f32 rounding, integer wrap).
pub fn round_to(v: f64, dtype: DType) -> f64 {
    match dtype {
        DType::F64 => v,
        DType::F32 => v as f32 as f64,
        DType::Bool => (v != 0.0) as i32 as f64,
        DType::I32 => {
            if v.is_nan() {
                0.0
            } else {
                (v.trunc() as i64 as i32) as f64
            }
        }
        DType::U32 => {
            if v.is_nan() {
                0.0
            } else {
                (v.trunc() as i64 as u32) as f64
            }
        }
        DType::U64 => {
            if v.is_nan() || v < 0.0 {
                0.0
            } else {
                v.trunc()
            }
        }
    }
}

impl Tensor {
    /// A tensor from parts; checks the element count.
    pub fn new(dtype: DType, shape: Vec<usize>, data: Vec<f64>) -> Result<Self> {
        let n: usize = shape.iter().product();
        if n != data.len() {
            return Err(Error::Eval(format!(
                "tensor of shape {shape:?} needs {n} elements, got {}",
                data.len()
            )));
        }
        Ok(Tensor { dtype, shape, data }.rounded())
    }
    /// A rank-0 tensor.
    pub fn scalar(v: f64, dtype: DType) -> Self {
        Tensor {
            dtype,
            shape: vec![],
            data: vec![round_to(v, dtype)],
        }
    }
    /// A 1-d tensor.
    pub fn vector(v: &[f64], dtype: DType) -> Self {
        Tensor {
            dtype,
            shape: vec![v.len()],
            data: v.to_vec(),
        }
        .rounded()
    }
    /// A tensor filled with `v`.
    pub fn full(dtype: DType, shape: &[usize], v: f64) -> Self {
        let n = shape.iter().product();
        Tensor {
            dtype,
            shape: shape.to_vec(),
            data: vec![round_to(v, dtype); n],
        }
    }
    /// Zeros.
    pub fn zeros(dtype: DType, shape: &[usize]) -> Self {
        Self::full(dtype, shape, 0.0)
    }
    /// Element count.
    pub fn size(&self) -> usize {
        self.data.len()
    }
    /// Rank.
    pub fn rank(&self) -> usize {
        self.shape.len()
    }
    /// The single element of a size-1 tensor.
    pub fn item(&self) -> f64 {
        self.data[0]
    }
    /// Rounds every element to the dtype.
    pub fn rounded(mut self) -> Self {
        if self.dtype != DType::F64 {
            let d = self.dtype;
            self.data.iter_mut().for_each(|x| *x = round_to(*x, d));
        }
        self
    }
    /// Row-major strides.
    pub fn strides(&self) -> Vec<usize> {
        strides(&self.shape)
    }
    /// Elementwise map into `dtype`.
    pub fn map(&self, dtype: DType, f: impl Fn(f64) -> f64) -> Tensor {
        Tensor {
            dtype,
            shape: self.shape.clone(),
            data: self.data.iter().map(|&x| f(x)).collect(),
        }
        .rounded()
    }
}

/// Row-major strides of a shape.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// Multi-index of a flat position.
pub fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for i in (0..shape.len()).rev() {
        if shape[i] > 0 {
            idx[i] = flat % shape[i];
            flat /= shape[i];
        }
    }
    idx
}

/// Flat position of a multi-index.
pub fn ravel(idx: &[usize], shape: &[usize]) -> usize {
    let mut f = 0;
    for (i, &d) in shape.iter().enumerate() {
        f = f * d + idx[i];
    }
    f
}
