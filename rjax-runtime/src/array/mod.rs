//! `Array<T>`: an n-dimensional, row-major, contiguous array with shared
//! storage and copy-on-write.
//!
//! This file holds the type, its storage and element access. The
//! jax.numpy-style API is spread by family over the sibling files, each
//! built on [`crate::lax`]:
//! - `construct.rs`: `zeros ones full arange linspace eye`, `array![..]`;
//! - `math.rs`: elementwise methods (`sin`, `maximum`, `clip`, `where_`...)
//!   and comparisons (`less`, `equal`...);
//! - `ops.rs`: `+ - * /` and unary `-` on arrays, references and scalars;
//! - `reduce.rs`: `sum mean max min prod argmax logsumexp`;
//! - `linalg.rs`: `dot`, `matmul`;
//! - `shape.rs`: `t transpose reshape broadcast_to expand_dims squeeze
//!   slice index concatenate stack astype`;
//! - `fmt.rs`: `Debug`, NumPy-like `Display`;
//! - `nalgebra.rs`: conversions to and from nalgebra matrices and vectors.
//!
//! Storage (`storage.rs`, `dims.rs`, `buffer_cache.rs`): the shape is
//! inline up to rank 4 and up to 4 elements are inline in the `Array`
//! value itself, so a tiny array costs no allocation at all (and a clone
//! of it is a copy); buffers of large arrays go to [`buffer_cache`] when
//! dropped and serve the next array of about that size (no fresh pages to
//! fault in).
//!
//! # Conventions chosen where NumPy, JAX and Rust disagree
//! - `len()` is the number of elements (as ndarray), not the first axis.
//! - `a.max()`, `a.sum()`... reduce everything to a scalar `T`;
//!   `a.sum_axes(&[1], keepdims)` reduces some axes, with or without
//!   keepdims. Elementwise max/min are `maximum`/`minimum`.
//! - Comparisons use jax.numpy's names (`equal`, `less`...) because `eq`
//!   and `lt` belong to Rust's `PartialEq`/`PartialOrd`.
//! - `==` on arrays (`PartialEq`) is whole-array equality: same shape and
//!   same elements.

pub mod buffer_cache;
mod construct;
mod dims;
mod fmt;
mod linalg;
mod math;
mod nalgebra;
mod ops;
mod reduce;
mod shape;
mod size;
mod storage;

pub use math::{try_where_, where_};
pub(crate) use size::try_add_dims;
pub use size::{size, try_size};

use crate::dtype::Element;
use crate::error::{Result, RjaxError};
use dims::Dims;
use storage::Data;

/// An n-dimensional array, row-major, cheap to clone (shared storage, copy
/// on write; arrays of at most 4 elements hold them inline and a clone
/// copies them).
///
/// ```
/// use rjax_runtime::Array;
/// let a = Array::from_shape_vec(vec![2, 2], vec![1.0f32, 2.0, 3.0, 4.0]).unwrap();
/// assert_eq!(a.shape(), &[2, 2]);
/// ```
#[derive(Clone)]
pub struct Array<T> {
    data: Data<T>,
    shape: Dims,
}

impl<T: Element> Array<T> {
    /// A 1-d array holding `data`.
    pub fn from_vec(data: Vec<T>) -> Self {
        Array {
            shape: Dims::from([data.len()]),
            data: Data::from_vec(data),
        }
    }

    /// An array of the given shape holding `data` in row-major order.
    pub fn from_shape_vec(shape: Vec<usize>, data: Vec<T>) -> Result<Self> {
        let n = try_size("from_shape_vec", &shape)?;
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
            data: Data::from_vec(data),
            shape: shape.into(),
        })
    }

    /// A 0-d array holding one value.
    pub fn scalar(x: T) -> Self {
        Array {
            data: Data::from_slice(&[x]),
            shape: Dims::from([]),
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
        self.data.make_mut()
    }

    /// The elements as a new `Vec`, row-major.
    pub fn to_vec(&self) -> Vec<T> {
        self.data.to_vec()
    }

    /// An array from parts already known to agree (`shape` product equals
    /// `data.len()`).
    pub(crate) fn from_raw(shape: impl Into<Dims>, data: Vec<T>) -> Self {
        let shape = shape.into();
        debug_assert_eq!(try_size("array", &shape).ok(), Some(data.len()));
        Array {
            data: Data::from_vec(data),
            shape,
        }
    }

    /// An array of parts already known to agree, copying `data` (inline
    /// when it has at most 4 elements: no allocation).
    #[inline]
    pub(crate) fn from_raw_slice(shape: impl Into<Dims>, data: &[T]) -> Self {
        let shape = shape.into();
        debug_assert_eq!(try_size("array", &shape).ok(), Some(data.len()));
        Array {
            data: Data::from_slice(data),
            shape,
        }
    }

    /// A 1-d array of the first `len` (at most 4) of `vals`, the rest
    /// being `T::default()`: stored inline, built in place.
    #[inline]
    pub(crate) fn inline_vector(len: usize, vals: [T; storage::INLINE_LEN]) -> Self {
        debug_assert!(len <= storage::INLINE_LEN);
        Array {
            data: Data::Inline {
                len: len as u8,
                vals,
            },
            shape: Dims::from([len]),
        }
    }

    /// True when no other array shares this one's storage (writing to it
    /// then copies nothing).
    pub(crate) fn is_unshared(&mut self) -> bool {
        self.data.is_unshared()
    }

    /// The same storage seen with another shape of the same size (no copy).
    pub(crate) fn with_shape(&self, shape: impl Into<Dims>) -> Self {
        let shape = shape.into();
        debug_assert_eq!(try_size("array", &shape).ok(), Some(self.data.len()));
        Array {
            data: self.data.clone(),
            shape,
        }
    }

    /// The elements as a `Vec`, without a copy when the storage is not
    /// shared (and not one of the inline storages of arrays of at most 4
    /// elements).
    pub fn into_vec(self) -> Vec<T> {
        self.data.into_vec()
    }
}

impl<T: Element> Array<T> {
    /// Number of elements (the product of the shape), as NumPy's `size`.
    pub fn size(&self) -> usize {
        self.data.len()
    }

    /// The value of a 0-d (or one-element) array.
    ///
    /// # Panics
    /// When the array has more or fewer than one element.
    #[track_caller]
    pub fn item(&self) -> T {
        assert!(
            self.data.len() == 1,
            "item: needs an array with one element, got shape {:?}",
            self.shape
        );
        self.data[0]
    }

    /// The row-major offset of a full index, or the error text.
    fn offset(&self, op: &'static str, index: &[usize]) -> Result<usize> {
        if index.len() != self.shape.len()
            || index.iter().zip(self.shape.iter()).any(|(i, d)| i >= d)
        {
            return Err(RjaxError::invalid(
                op,
                format!(
                    "index {index:?} is out of bounds for shape {:?}",
                    self.shape
                ),
            ));
        }
        Ok(index
            .iter()
            .zip(self.shape.iter())
            .fold(0, |acc, (&i, &d)| acc * d + i))
    }

    /// The element at a full index (`a.get(&[i, j])`).
    ///
    /// # Panics
    /// With the text of [`Array::try_get`]'s error.
    #[track_caller]
    pub fn get(&self, index: &[usize]) -> T {
        crate::error::or_panic(self.try_get(index))
    }

    /// The element at a full index, or an error when the index has the
    /// wrong length or is out of bounds.
    pub fn try_get(&self, index: &[usize]) -> Result<T> {
        Ok(self.data[self.offset("get", index)?])
    }

    /// Sets the element at a full index (copying shared storage first).
    ///
    /// # Panics
    /// When the index has the wrong length or is out of bounds.
    #[track_caller]
    pub fn set(&mut self, index: &[usize], value: T) {
        let at = crate::error::or_panic(self.offset("set", index));
        self.as_mut_slice()[at] = value;
    }

    /// True when both arrays share one storage buffer (no copy happened
    /// since one was cloned from the other). Never for arrays of at most 4
    /// elements: they hold their elements inline, and a clone copies them.
    pub fn shares_storage(&self, other: &Array<T>) -> bool {
        self.data.same_buffer(&other.data)
    }
}

impl<T: Element> PartialEq for Array<T> {
    /// Same shape and equal elements (so NaN makes arrays unequal, as in
    /// IEEE).
    fn eq(&self, other: &Self) -> bool {
        self.shape == other.shape && self.data[..] == other.data[..]
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

impl<T: Element> std::ops::IndexMut<usize> for Array<T> {
    /// `a[i] = v` on a 1-d array (copying shared storage first).
    fn index_mut(&mut self, i: usize) -> &mut T {
        assert!(
            self.shape.len() == 1 && i < self.shape[0],
            "index: a[{i}] needs a 1-d array with more than {i} elements, got shape {:?}",
            self.shape
        );
        &mut self.as_mut_slice()[i]
    }
}
