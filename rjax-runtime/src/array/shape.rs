//! Shape methods: `t transpose reshape broadcast_to expand_dims squeeze
//! slice index concatenate stack astype flatten`.

use std::ops::Range;

use super::Array;
use crate::dtype::Element;
use crate::error::{Result, RjaxError, or_panic};
use crate::lax;

impl<T: Element> Array<T> {
    /// The axes reversed (NumPy's `.T`; a matrix transpose for 2-d).
    pub fn t(&self) -> Array<T> {
        let perm: Vec<usize> = (0..self.ndim()).rev().collect();
        lax::transpose(self, &perm)
    }

    /// Output axis `i` is input axis `perm[i]`.
    ///
    /// # Panics
    /// When `perm` is not a permutation of the axes.
    #[track_caller]
    pub fn transpose(&self, perm: &[usize]) -> Array<T> {
        lax::transpose(self, perm)
    }

    /// [`Array::transpose`], or an error.
    pub fn try_transpose(&self, perm: &[usize]) -> Result<Array<T>> {
        lax::try_transpose(self, perm)
    }

    /// The same elements with another shape (no copy).
    ///
    /// # Panics
    /// When the element counts differ.
    #[track_caller]
    pub fn reshape(&self, shape: &[usize]) -> Array<T> {
        lax::reshape(self, shape)
    }

    /// [`Array::reshape`], or an error.
    pub fn try_reshape(&self, shape: &[usize]) -> Result<Array<T>> {
        lax::try_reshape(self, shape)
    }

    /// A 1-d view of all elements (no copy).
    pub fn flatten(&self) -> Array<T> {
        self.with_shape(vec![self.len()])
    }

    /// Broadcasts to `shape` by NumPy's rules (`jnp.broadcast_to`).
    ///
    /// # Panics
    /// With the text of [`Array::try_broadcast_to`]'s error.
    #[track_caller]
    pub fn broadcast_to(&self, shape: &[usize]) -> Array<T> {
        or_panic(self.try_broadcast_to(shape))
    }

    /// [`Array::broadcast_to`], or an error when `self` does not broadcast
    /// to exactly `shape`.
    pub fn try_broadcast_to(&self, shape: &[usize]) -> Result<Array<T>> {
        super::try_size("broadcast_to", shape)?;
        let out = lax::broadcast_shapes("broadcast_to", self.shape(), shape)?;
        if out != shape {
            return Err(RjaxError::shapes(
                "broadcast_to",
                self.shape(),
                shape,
                "cannot be broadcast together (the result would be larger)",
            ));
        }
        let lead = shape.len() - self.ndim();
        let dims: Vec<usize> = (lead..shape.len()).collect();
        lax::try_broadcast_in_dim(self, shape, &dims)
    }

    /// Inserts a size-1 axis at position `axis` of the result.
    ///
    /// # Panics
    /// When `axis > self.ndim()`.
    #[track_caller]
    pub fn expand_dims(&self, axis: usize) -> Array<T> {
        lax::expand_dims(self, &[axis])
    }

    /// Removes every size-1 axis (`jnp.squeeze(a)`).
    pub fn squeeze(&self) -> Array<T> {
        let dims: Vec<usize> = (0..self.ndim()).filter(|&d| self.shape()[d] == 1).collect();
        lax::squeeze(self, &dims)
    }

    /// Removes the listed axes, which must have size 1.
    ///
    /// # Panics
    /// When an axis is out of bounds or not of size 1.
    #[track_caller]
    pub fn squeeze_axes(&self, axes: &[usize]) -> Array<T> {
        lax::squeeze(self, axes)
    }

    /// The block `ranges[d]` along the first `ranges.len()` axes, whole
    /// along the others (`a[0..2, 1..3]` in NumPy terms).
    ///
    /// ```
    /// use rjax_runtime::array;
    /// let a = array![[1, 2, 3], [4, 5, 6]];
    /// assert_eq!(a.slice(&[0..2, 1..3]).to_vec(), vec![2, 3, 5, 6]);
    /// assert_eq!(a.slice(&[1..2]).to_vec(), vec![4, 5, 6]);
    /// ```
    ///
    /// # Panics
    /// With the text of [`Array::try_slice`]'s error.
    #[track_caller]
    pub fn slice(&self, ranges: &[Range<usize>]) -> Array<T> {
        or_panic(self.try_slice(ranges))
    }

    /// [`Array::slice`], or an error for more ranges than axes or a range
    /// out of bounds.
    pub fn try_slice(&self, ranges: &[Range<usize>]) -> Result<Array<T>> {
        if ranges.len() > self.ndim() {
            return Err(RjaxError::invalid(
                "slice",
                format!("{} ranges for shape {:?}", ranges.len(), self.shape()),
            ));
        }
        let mut start = vec![0; self.ndim()];
        let mut limit = self.shape().to_vec();
        for (d, r) in ranges.iter().enumerate() {
            start[d] = r.start;
            limit[d] = r.end;
        }
        lax::try_slice(self, &start, &limit, &[])
    }

    /// The sub-array at index `i` of the first axis, which disappears
    /// (NumPy's `a[i]`); a 0-d array for a 1-d `self`.
    ///
    /// # Panics
    /// With the text of [`Array::try_index`]'s error.
    #[track_caller]
    pub fn index(&self, i: usize) -> Array<T> {
        or_panic(self.try_index_axis(0, i))
    }

    /// [`Array::index`], or an error for a 0-d array or `i` out of bounds.
    pub fn try_index(&self, i: usize) -> Result<Array<T>> {
        self.try_index_axis(0, i)
    }

    /// The sub-array at index `i` of `axis`, which disappears (`a[:, i]`
    /// for `axis = 1`).
    ///
    /// # Panics
    /// With the text of [`Array::try_index_axis`]'s error.
    #[track_caller]
    pub fn index_axis(&self, axis: usize, i: usize) -> Array<T> {
        or_panic(self.try_index_axis(axis, i))
    }

    /// [`Array::index_axis`], or an error for a bad axis or index.
    pub fn try_index_axis(&self, axis: usize, i: usize) -> Result<Array<T>> {
        if axis >= self.ndim() || i >= self.shape()[axis] {
            return Err(RjaxError::invalid(
                "index",
                format!(
                    "index {i} on axis {axis} is out of bounds for shape {:?}",
                    self.shape()
                ),
            ));
        }
        let mut start = vec![0; self.ndim()];
        let mut limit = self.shape().to_vec();
        start[axis] = i;
        limit[axis] = i + 1;
        let s = lax::try_slice(self, &start, &limit, &[])?;
        lax::try_squeeze(&s, &[axis])
    }

    /// Joins arrays along `axis`; the other axes must agree
    /// (`jnp.concatenate`).
    ///
    /// # Panics
    /// With the text of [`Array::try_concatenate`]'s error.
    #[track_caller]
    pub fn concatenate(xs: &[&Array<T>], axis: usize) -> Array<T> {
        lax::concatenate(xs, axis)
    }

    /// [`Array::concatenate`], or an error for no arrays, a bad axis or
    /// shapes that differ off the axis.
    pub fn try_concatenate(xs: &[&Array<T>], axis: usize) -> Result<Array<T>> {
        lax::try_concatenate(xs, axis)
    }

    /// Stacks equal-shaped arrays along a new axis at position `axis`
    /// (`jnp.stack`).
    ///
    /// # Panics
    /// With the text of [`Array::try_stack`]'s error.
    #[track_caller]
    pub fn stack(xs: &[&Array<T>], axis: usize) -> Array<T> {
        or_panic(Array::try_stack(xs, axis))
    }

    /// [`Array::stack`], or an error for no arrays, a bad axis or shapes
    /// that differ.
    pub fn try_stack(xs: &[&Array<T>], axis: usize) -> Result<Array<T>> {
        let Some(first) = xs.first() else {
            return Err(RjaxError::invalid("stack", "needs at least one array"));
        };
        if axis > first.ndim() {
            return Err(RjaxError::invalid(
                "stack",
                format!(
                    "axis {axis} is out of bounds for stacking shape {:?}",
                    first.shape()
                ),
            ));
        }
        if let Some(x) = xs.iter().find(|x| x.shape() != first.shape()) {
            return Err(RjaxError::shapes(
                "stack",
                first.shape(),
                x.shape(),
                "differ",
            ));
        }
        let expanded: Vec<Array<T>> = xs.iter().map(|x| lax::expand_dims(x, &[axis])).collect();
        let refs: Vec<&Array<T>> = expanded.iter().collect();
        lax::concatenate_named("stack", &refs, axis)
    }

    /// The elements converted to `U` (`a.astype(jnp.int32)`), with XLA's
    /// conversion rules (see [`lax::convert_element_type`]).
    pub fn astype<U: Element>(&self) -> Array<U> {
        lax::convert_element_type(self)
    }
}
