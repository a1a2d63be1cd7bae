//! [`Data`]: the elements of an `Array`. Up to [`INLINE_LEN`] of them
//! live inside the `Array` value itself: no allocation, no reference
//! count, and a clone copies them (a few words, cheaper than counting a
//! shared owner). Larger ones are a `Vec` shared through an `Arc` (clone
//! = one more owner, copy on write), which goes to the
//! [`buffer_cache`](super::buffer_cache) when the last owner drops it, so
//! that its pages serve the next array of that size.
//!
//! Why inline: a tiny `#[jit]` function (`grad` of a function of a
//! 3-vector) costs a few ns of arithmetic; building its result in a heap
//! allocation and freeing it again, plus the atomic counts of clones of
//! its input, were most of its per-call time.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::buffer_cache;
use crate::dtype::Element;

/// Largest element count stored inline.
pub const INLINE_LEN: usize = 4;

/// An array's elements: inline when short, else shared.
#[derive(Clone)]
pub enum Data<T> {
    /// At most [`INLINE_LEN`] elements; entries past `len` are
    /// `T::default()`.
    Inline { len: u8, vals: [T; INLINE_LEN] },
    /// More elements, shared by clones.
    Shared(Arc<Heap<T>>),
}

impl<T: Element> Data<T> {
    /// Takes ownership of `vec` (no copy unless it is short enough to be
    /// stored inline).
    #[inline]
    pub fn from_vec(vec: Vec<T>) -> Self {
        if vec.len() <= INLINE_LEN {
            Data::from_slice(&vec)
        } else {
            Data::Shared(Arc::new(Heap {
                vec,
                recycle: buffer_cache::recycle::<T>,
            }))
        }
    }

    /// A copy of `s`: inline when short, else in a buffer from the cache.
    #[inline]
    pub fn from_slice(s: &[T]) -> Self {
        if s.len() <= INLINE_LEN {
            // Element by element: a copy of a run-time length would be a
            // call to memcpy (and memset for the rest), slower than these
            // few moves.
            let mut vals = [T::default(); INLINE_LEN];
            for (k, v) in vals.iter_mut().enumerate() {
                if k < s.len() {
                    *v = s[k];
                }
            }
            Data::Inline {
                len: s.len() as u8,
                vals,
            }
        } else {
            Data::Shared(Arc::new(Heap::copy_of(s)))
        }
    }

    /// The elements, mutably: a shared buffer is copied first when another
    /// array holds it too (copy on write).
    #[inline]
    pub fn make_mut(&mut self) -> &mut [T] {
        match self {
            Data::Inline { len, vals } => &mut vals[..*len as usize],
            Data::Shared(a) => &mut Arc::make_mut(a).vec,
        }
    }

    /// True when no other array holds these elements (writing to them
    /// then copies nothing).
    #[inline]
    pub fn is_unshared(&mut self) -> bool {
        match self {
            Data::Inline { .. } => true,
            Data::Shared(a) => Arc::get_mut(a).is_some(),
        }
    }

    /// True when both are one shared buffer (never for inline elements:
    /// each array holds its own copy).
    pub fn same_buffer(&self, other: &Self) -> bool {
        match (self, other) {
            (Data::Shared(a), Data::Shared(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// The elements as a `Vec` (no copy for an unshared heap buffer).
    pub fn into_vec(self) -> Vec<T> {
        match self {
            Data::Inline { len, vals } => vals[..len as usize].to_vec(),
            Data::Shared(a) => Arc::try_unwrap(a).map_or_else(
                |a| a.to_vec(),
                |mut h| {
                    // The emptied Vec left behind is not worth recycling (drop
                    // checks the capacity first).
                    std::mem::take(&mut h.vec)
                },
            ),
        }
    }
}

impl<T> Deref for Data<T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        match self {
            Data::Inline { len, vals } => &vals[..*len as usize],
            Data::Shared(a) => &a.vec,
        }
    }
}

/// A heap buffer of an array (more than [`INLINE_LEN`] elements).
/// `recycle` is `buffer_cache::recycle::<T>`, kept as a function pointer
/// so that `Drop` (which cannot require `T: Element`) can call it.
pub struct Heap<T> {
    vec: Vec<T>,
    recycle: fn(Vec<T>),
}

impl<T: Element> Heap<T> {
    /// A copy of `s` in a buffer from the cache.
    fn copy_of(s: &[T]) -> Self {
        let mut vec = buffer_cache::with_capacity(s.len());
        vec.extend_from_slice(s);
        Heap {
            vec,
            recycle: buffer_cache::recycle::<T>,
        }
    }
}

impl<T: Element> Clone for Heap<T> {
    /// Copy on write: the copy's buffer comes from the cache.
    fn clone(&self) -> Self {
        Heap::copy_of(&self.vec)
    }
}

impl<T> Drop for Heap<T> {
    fn drop(&mut self) {
        if self.vec.capacity() > 0 {
            (self.recycle)(std::mem::take(&mut self.vec));
        }
    }
}

impl<T> Deref for Heap<T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        &self.vec
    }
}

impl<T> DerefMut for Heap<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.vec
    }
}
