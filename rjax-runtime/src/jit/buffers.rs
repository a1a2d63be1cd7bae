//! Output buffers for fused kernels: fresh ones, and reuse of a spare
//! buffer (the previous value of a loop-carried array) so that a `for`
//! loop ping-pongs between two buffers instead of allocating per step.

use crate::{Array, Element};

/// A buffer of `shape` to overwrite completely: `spare` when it has that
/// shape (the storage is unshared first if needed, so nobody else's
/// values change), else a new one.
#[inline]
pub fn buffer<T: Element>(spare: Option<Array<T>>, shape: &[usize]) -> Array<T> {
    match spare {
        Some(mut a) if a.shape() == shape => {
            a.as_mut_slice();
            a
        }
        // Zeroed memory comes from calloc: large buffers are fresh pages,
        // with no fill pass.
        _ => Array::from_raw(shape.to_vec(), vec![T::default(); shape.iter().product()]),
    }
}

/// A new buffer with the shape of `like`.
#[inline]
pub fn buffer_like<T: Element, U: Element>(like: &Array<U>) -> Array<T> {
    buffer(None, like.shape())
}

/// A 1-d array of length `len`, zero except for `terms` added at their
/// indices: the gradient of a function that reads single elements
/// (`t[0]`, `t[1]`, ..) assembled in one allocation.
///
/// # Panics
/// When an index is out of bounds (names the op and the length).
#[inline]
pub fn onehot<T: Element + std::ops::AddAssign>(len: usize, terms: &[(usize, T)]) -> Array<T> {
    let mut v = vec![T::default(); len];
    for &(i, x) in terms {
        assert!(
            i < len,
            "pad: index {i} is out of bounds for an array of length {len}"
        );
        v[i] += x;
    }
    Array::from_raw(vec![len], v)
}
