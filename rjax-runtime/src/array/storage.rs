//! [`Storage`]: the elements behind an `Array`'s `Arc`. Up to
//! [`INLINE_LEN`] elements live inside the `Arc`'s own allocation (a tiny
//! array is one allocation, not two); larger ones in a `Vec`, which goes
//! to the [`buffer_cache`](super::buffer_cache) when the last owner drops
//! it, so that its pages serve the next array of that size.

use std::ops::{Deref, DerefMut};

use super::buffer_cache;
use crate::dtype::Element;

/// Largest element count stored inline.
pub const INLINE_LEN: usize = 4;

pub enum Storage<T> {
    Inline {
        len: u8,
        data: [T; INLINE_LEN],
    },
    /// `recycle` is `buffer_cache::recycle::<T>`, kept as a function
    /// pointer so that `Drop` (which cannot require `T: Element`) can
    /// call it.
    Heap {
        vec: Vec<T>,
        recycle: fn(Vec<T>),
    },
}

impl<T: Element> Storage<T> {
    /// Takes ownership of `vec` (no copy).
    #[inline]
    pub fn from_vec(vec: Vec<T>) -> Self {
        Storage::Heap {
            vec,
            recycle: buffer_cache::recycle::<T>,
        }
    }

    /// A copy of `s`: inline when short, else in a buffer from the cache.
    #[inline]
    pub fn from_slice(s: &[T]) -> Self {
        if s.len() <= INLINE_LEN {
            let mut data = [T::default(); INLINE_LEN];
            data[..s.len()].copy_from_slice(s);
            Storage::Inline {
                len: s.len() as u8,
                data,
            }
        } else {
            let mut v = buffer_cache::with_capacity(s.len());
            v.extend_from_slice(s);
            Storage::from_vec(v)
        }
    }

    /// The elements as a `Vec` (no copy for heap storage).
    pub fn into_vec(mut self) -> Vec<T> {
        match &mut self {
            Storage::Inline { len, data } => data[..*len as usize].to_vec(),
            // The emptied Vec left behind is not worth recycling (drop
            // checks the capacity first).
            Storage::Heap { vec, .. } => std::mem::take(vec),
        }
    }
}

impl<T: Element> Clone for Storage<T> {
    /// Copy on write: the copy's buffer comes from the cache.
    fn clone(&self) -> Self {
        Storage::from_slice(self)
    }
}

impl<T> Drop for Storage<T> {
    fn drop(&mut self) {
        if let Storage::Heap { vec, recycle } = self
            && vec.capacity() > 0
        {
            recycle(std::mem::take(vec));
        }
    }
}

impl<T> Deref for Storage<T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        match self {
            Storage::Inline { len, data } => &data[..*len as usize],
            Storage::Heap { vec, .. } => vec,
        }
    }
}

impl<T> DerefMut for Storage<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            Storage::Inline { len, data } => &mut data[..*len as usize],
            Storage::Heap { vec, .. } => vec,
        }
    }
}
