//! [`Dims`]: an array's shape, stored inline (no heap allocation) up to
//! rank [`INLINE_RANK`]. Creating, cloning and dropping a small array is
//! then one allocation for its storage instead of two: this is most of
//! the cost of a tiny `#[jit]` function such as `grad` of a function of a
//! 3-vector.

use std::ops::Deref;

/// Largest rank kept inline.
pub const INLINE_RANK: usize = 4;

/// A shape: `&[usize]` by `Deref`.
#[derive(Clone)]
pub enum Dims {
    /// Rank up to [`INLINE_RANK`]; entries past `len` are zero. (`len`
    /// is a whole word so that copying an `Array` is aligned word moves:
    /// with a packed byte, a profile of a tiny `grad` showed stalls on
    /// the unaligned copies.)
    Inline {
        len: usize,
        dims: [usize; INLINE_RANK],
    },
    /// Higher ranks.
    Heap(Vec<usize>),
}

impl Dims {
    /// The shape `s` (copied).
    #[inline]
    pub fn from_slice(s: &[usize]) -> Self {
        if s.len() <= INLINE_RANK {
            let mut dims = [0; INLINE_RANK];
            dims[..s.len()].copy_from_slice(s);
            Dims::Inline { len: s.len(), dims }
        } else {
            Dims::Heap(s.to_vec())
        }
    }
}

impl Deref for Dims {
    type Target = [usize];

    #[inline]
    fn deref(&self) -> &[usize] {
        match self {
            Dims::Inline { len, dims } => &dims[..*len],
            Dims::Heap(v) => v,
        }
    }
}

impl std::fmt::Debug for Dims {
    /// As the slice: `[2, 3]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl PartialEq for Dims {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl From<Vec<usize>> for Dims {
    #[inline]
    fn from(v: Vec<usize>) -> Self {
        if v.len() <= INLINE_RANK {
            Dims::from_slice(&v)
        } else {
            Dims::Heap(v)
        }
    }
}

impl From<&[usize]> for Dims {
    #[inline]
    fn from(s: &[usize]) -> Self {
        Dims::from_slice(s)
    }
}

impl From<&Vec<usize>> for Dims {
    #[inline]
    fn from(s: &Vec<usize>) -> Self {
        Dims::from_slice(s)
    }
}

impl<const N: usize> From<[usize; N]> for Dims {
    #[inline]
    fn from(s: [usize; N]) -> Self {
        Dims::from_slice(&s)
    }
}

impl<const N: usize> From<&[usize; N]> for Dims {
    #[inline]
    fn from(s: &[usize; N]) -> Self {
        Dims::from_slice(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_heap_read_back() {
        for s in [
            vec![],
            vec![3],
            vec![2, 3, 4, 5],
            vec![1, 2, 3, 4, 5],
            vec![7; 9],
        ] {
            let d = Dims::from(s.clone());
            assert_eq!(&*d, &s[..]);
            assert_eq!(matches!(d, Dims::Inline { .. }), s.len() <= INLINE_RANK);
            assert!(d == Dims::from_slice(&s));
        }
        assert!(Dims::from([2, 3]) != Dims::from([2, 3, 1]));
    }
}
