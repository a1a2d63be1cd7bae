//! Conversions between `Array` and nalgebra's `DMatrix`, `DVector`,
//! `SMatrix` and `SVector`.
//!
//! nalgebra stores column-major, `Array` row-major: conversions reorder the
//! elements so that `array.get(&[i, j]) == matrix[(i, j)]`. Vectors
//! (`DVector`, and `SVector` = `SMatrix<T, N, 1>`) map to 1-d arrays; into
//! a vector type, an `[n, 1]` column is accepted too.
//! Conversions into nalgebra that can fail on the shape are `TryFrom`.

use nalgebra::{DMatrix, DVector, SMatrix, Scalar};

use super::Array;
use crate::dtype::Element;
use crate::error::RjaxError;

impl<T: Element + Scalar> From<&DMatrix<T>> for Array<T> {
    fn from(m: &DMatrix<T>) -> Self {
        // nalgebra's transpose is row-major order of the original.
        let data: Vec<T> = m.transpose().as_slice().to_vec();
        Array::from_raw(vec![m.nrows(), m.ncols()], data)
    }
}

impl<T: Element + Scalar> From<DMatrix<T>> for Array<T> {
    fn from(m: DMatrix<T>) -> Self {
        Array::from(&m)
    }
}

impl<T: Element + Scalar> TryFrom<&Array<T>> for DMatrix<T> {
    type Error = RjaxError;
    /// A 2-d array becomes a matrix of the same shape.
    fn try_from(a: &Array<T>) -> Result<Self, RjaxError> {
        match *a.shape() {
            [r, c] => Ok(DMatrix::from_row_slice(r, c, a.as_slice())),
            _ => Err(RjaxError::invalid(
                "DMatrix::try_from",
                format!("needs a 2-d array, got shape {:?}", a.shape()),
            )),
        }
    }
}

impl<T: Element + Scalar> TryFrom<Array<T>> for DMatrix<T> {
    type Error = RjaxError;
    fn try_from(a: Array<T>) -> Result<Self, RjaxError> {
        DMatrix::try_from(&a)
    }
}

impl<T: Element + Scalar> From<&DVector<T>> for Array<T> {
    fn from(v: &DVector<T>) -> Self {
        Array::from_vec(v.as_slice().to_vec())
    }
}

impl<T: Element + Scalar> From<DVector<T>> for Array<T> {
    fn from(v: DVector<T>) -> Self {
        Array::from(&v)
    }
}

/// The length of a vector-shaped array: `[n]` or `[n, 1]`.
fn vector_len<T: Element>(op: &'static str, a: &Array<T>) -> Result<usize, RjaxError> {
    match *a.shape() {
        [n] | [n, 1] => Ok(n),
        _ => Err(RjaxError::invalid(
            op,
            format!(
                "needs a 1-d array (or an [n, 1] column), got shape {:?}",
                a.shape()
            ),
        )),
    }
}

impl<T: Element + Scalar> TryFrom<&Array<T>> for DVector<T> {
    type Error = RjaxError;
    /// A 1-d array (or `[n, 1]` column) becomes a vector.
    fn try_from(a: &Array<T>) -> Result<Self, RjaxError> {
        let n = vector_len("DVector::try_from", a)?;
        Ok(DVector::from_column_slice(&a.as_slice()[..n]))
    }
}

impl<T: Element + Scalar> TryFrom<Array<T>> for DVector<T> {
    type Error = RjaxError;
    fn try_from(a: Array<T>) -> Result<Self, RjaxError> {
        DVector::try_from(&a)
    }
}

impl<T: Element + Scalar, const R: usize, const C: usize> From<&SMatrix<T, R, C>> for Array<T> {
    /// An `R×C` matrix becomes a `[R, C]` array, except that `C == 1` (an
    /// `SVector`, which nalgebra defines as an `R×1` matrix) gives a 1-d
    /// `[R]` array, like `DVector`.
    fn from(m: &SMatrix<T, R, C>) -> Self {
        let mut data = Vec::with_capacity(R * C);
        for i in 0..R {
            for j in 0..C {
                data.push(m[(i, j)]);
            }
        }
        let shape = if C == 1 { vec![R] } else { vec![R, C] };
        Array::from_raw(shape, data)
    }
}

impl<T: Element + Scalar, const R: usize, const C: usize> From<SMatrix<T, R, C>> for Array<T> {
    fn from(m: SMatrix<T, R, C>) -> Self {
        Array::from(&m)
    }
}

impl<T: Element + Scalar, const R: usize, const C: usize> TryFrom<&Array<T>> for SMatrix<T, R, C> {
    type Error = RjaxError;
    /// A `[R, C]` array becomes the matrix; when `C == 1` a 1-d `[R]` array
    /// is accepted too (so `SVector` round-trips with 1-d arrays).
    fn try_from(a: &Array<T>) -> Result<Self, RjaxError> {
        let fits = a.shape() == [R, C] || (C == 1 && a.shape() == [R]);
        if !fits {
            return Err(RjaxError::invalid(
                "SMatrix::try_from",
                format!("needs shape [{R}, {C}], got {:?}", a.shape()),
            ));
        }
        Ok(SMatrix::<T, R, C>::from_row_slice(a.as_slice()))
    }
}

impl<T: Element + Scalar, const R: usize, const C: usize> TryFrom<Array<T>> for SMatrix<T, R, C> {
    type Error = RjaxError;
    fn try_from(a: Array<T>) -> Result<Self, RjaxError> {
        SMatrix::try_from(&a)
    }
}
