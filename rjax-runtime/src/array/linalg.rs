//! `dot` and `matmul` with NumPy's rules, on top of `lax::dot_general`
//! (and so on the `gemm` kernel for floats).

use super::Array;
use crate::dtype::Num;
use crate::error::{Result, RjaxError, or_panic};
use crate::lax;

impl<T: Num> Array<T> {
    /// NumPy's `dot`: the sum over the last axis of `self` and the
    /// second-to-last of `other` (the only one when `other` is 1-d), so
    /// vector·vector is a 0-d array, matrix·matrix the matrix product and
    /// N-d·M-d has shape `self[..-1] ++ other[..-2] ++ other[-1:]`. A 0-d
    /// operand multiplies.
    ///
    /// ```
    /// use rjax_runtime::array;
    /// let a = array![[1.0, 2.0], [3.0, 4.0]];
    /// assert_eq!(a.dot(&array![1.0, 1.0]).to_vec(), vec![3.0, 7.0]);
    /// let e = array![[1.0, 2.0]].try_dot(&array![1.0, 2.0, 3.0]).unwrap_err();
    /// assert_eq!(e.to_string(), "dot: shapes [1, 2] and [3] do not align (2 != 3)");
    /// ```
    ///
    /// # Panics
    /// With the text of [`Array::try_dot`]'s error.
    #[track_caller]
    pub fn dot(&self, other: &Array<T>) -> Array<T> {
        or_panic(self.try_dot(other))
    }

    /// [`Array::dot`], returning an error when the contracted axes differ
    /// (`dot: shapes [3, 4] and [5, 2] do not align (4 != 5)`).
    pub fn try_dot(&self, other: &Array<T>) -> Result<Array<T>> {
        if self.ndim() == 0 || other.ndim() == 0 {
            return lax::try_mul(self, other);
        }
        let la = self.ndim() - 1;
        let rb = other.ndim().saturating_sub(2);
        lax::dot_general_named("dot", self, other, ((&[la], &[rb]), (&[], &[])))
    }

    /// NumPy's `matmul` (`@`): the matrix product over the last two axes,
    /// batched over the leading ones, which broadcast; a 1-d operand is a
    /// row (left) or column (right) vector whose axis is removed again.
    ///
    /// # Panics
    /// With the text of [`Array::try_matmul`]'s error.
    #[track_caller]
    pub fn matmul(&self, other: &Array<T>) -> Array<T> {
        or_panic(self.try_matmul(other))
    }

    /// [`Array::matmul`], returning an error for 0-d operands, inner sizes
    /// that differ, or batch shapes that do not broadcast.
    pub fn try_matmul(&self, other: &Array<T>) -> Result<Array<T>> {
        let (sa, sb) = (self.shape(), other.shape());
        if sa.is_empty() || sb.is_empty() {
            return Err(RjaxError::shapes(
                "matmul",
                sa,
                sb,
                "include a 0-d operand (use * to scale)",
            ));
        }
        let a = if sa.len() == 1 {
            self.with_shape(vec![1, sa[0]])
        } else {
            self.clone()
        };
        let b = if sb.len() == 1 {
            other.with_shape(vec![sb[0], 1])
        } else {
            other.clone()
        };
        let (na, nb) = (a.ndim(), b.ndim());
        let (k1, k2) = (a.shape()[na - 1], b.shape()[nb - 2]);
        if k1 != k2 {
            return Err(RjaxError::shapes(
                "matmul",
                sa,
                sb,
                format!("do not align ({k1} != {k2})"),
            ));
        }
        let batch = lax::broadcast_shapes("matmul", &a.shape()[..na - 2], &b.shape()[..nb - 2])
            .map_err(|_| {
                RjaxError::shapes(
                    "matmul",
                    sa,
                    sb,
                    "have batch axes that cannot be broadcast together",
                )
            })?;
        let nbatch = batch.len();
        let expand = |x: &Array<T>| -> Array<T> {
            let n = x.ndim();
            let mut shape = batch.clone();
            shape.extend_from_slice(&x.shape()[n - 2..]);
            let dims: Vec<usize> = (shape.len() - n..shape.len()).collect();
            lax::broadcast_in_dim(x, &shape, &dims)
        };
        let (a, b) = (expand(&a), expand(&b));
        let bd: Vec<usize> = (0..nbatch).collect();
        let r = lax::dot_general_named("matmul", &a, &b, ((&[nbatch + 1], &[nbatch]), (&bd, &bd)))?;
        // Drop the axes that 1-d operands gained.
        let mut shape = batch;
        if sa.len() > 1 {
            shape.push(sa[sa.len() - 2]);
        }
        if sb.len() > 1 {
            shape.push(sb[sb.len() - 1]);
        }
        Ok(r.with_shape(shape))
    }
}
