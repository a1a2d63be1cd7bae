//! `Array<T>`: an n-dimensional, row-major, contiguous array with shared
//! storage and copy-on-write.

use std::sync::Arc;

use crate::dtype::Element;
use crate::error::{Result, RjaxError};

/// An n-dimensional array, row-major, cheap to clone (shared storage, copy
/// on write).
///
/// ```
/// use rjax_runtime::Array;
/// let a = Array::from_shape_vec(vec![2, 2], vec![1.0f32, 2.0, 3.0, 4.0]).unwrap();
/// assert_eq!(a.shape(), &[2, 2]);
/// ```
#[derive(Clone)]
pub struct Array<T> {
    data: Arc<Vec<T>>,
    shape: Vec<usize>,
}

impl<T: Element> Array<T> {
    /// A 1-d array holding `data`.
    pub fn from_vec(data: Vec<T>) -> Self {
        let shape = vec![data.len()];
        Array {
            data: Arc::new(data),
            shape,
        }
    }

    /// An array of the given shape holding `data` in row-major order.
    pub fn from_shape_vec(shape: Vec<usize>, data: Vec<T>) -> Result<Self> {
        let n: usize = shape.iter().product();
        if n != data.len() {
            return Err(RjaxError::Invalid {
                op: "from_shape_vec",
                message: format!(
                    "shape {shape:?} needs {n} elements but {} were given",
                    data.len()
                ),
            });
        }
        Ok(Array {
            data: Arc::new(data),
            shape,
        })
    }

    /// A 0-d array holding one value.
    pub fn scalar(x: T) -> Self {
        Array {
            data: Arc::new(vec![x]),
            shape: vec![],
        }
    }

    /// The shape (one entry per axis).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The elements in row-major order.
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// The elements in row-major order, mutably; copies the storage first if
    /// it is shared (copy on write).
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        Arc::make_mut(&mut self.data).as_mut_slice()
    }

    /// The elements as a new `Vec`, row-major.
    pub fn to_vec(&self) -> Vec<T> {
        self.data.as_ref().clone()
    }

    /// The elements as a `Vec`, without a copy when the storage is not shared.
    pub fn into_vec(self) -> Vec<T> {
        Arc::try_unwrap(self.data).unwrap_or_else(|shared| shared.as_ref().clone())
    }
}

impl<T: Element> std::ops::Index<usize> for Array<T> {
    type Output = T;

    /// `a[i]` on a 1-d array.
    fn index(&self, i: usize) -> &T {
        assert!(
            self.shape.len() == 1,
            "index: a[{i}] needs a 1-d array, got shape {:?}; use a.get(&[..]) for n-d",
            self.shape
        );
        assert!(
            i < self.shape[0],
            "index: index {i} is out of bounds for shape {:?}",
            self.shape
        );
        &self.data[i]
    }
}

impl<T: Element> std::fmt::Debug for Array<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Array{{shape: {:?}, dtype: {}, data: {:?}}}",
            self.shape,
            T::DTYPE,
            self.data
        )
    }
}
