//! Output buffers for fused kernels: fresh ones, and reuse of a spare
//! buffer (the previous value of a loop-carried array) so that a `for`
//! loop ping-pongs between two buffers instead of allocating per step.

use crate::array::buffer_cache;
use crate::{Array, Element};

/// Element counts up to which results are built from a stack array
/// (those of at most 4 elements then live inline: no allocation).
const SHORT: usize = 8;

/// A buffer of `shape` whose every element the caller overwrites before
/// reading: `spare` when it has that shape and nobody else holds its
/// storage, else one from [`buffer_cache`] (the pages of a dropped array
/// of about that size, holding its stale values) or a new zeroed one. No
/// fill or copy pass either way.
#[inline]
pub fn buffer<T: Element>(spare: Option<Array<T>>, shape: &[usize]) -> Array<T> {
    if let Some(mut a) = spare
        && a.shape() == shape
        && a.is_unshared()
    {
        return a;
    }
    // Emitted code builds result shapes from its inputs' (a product's
    // `[m, n]` of two empty operands can overflow): checked once here.
    let n = crate::array::size("jit", shape);
    // Short arrays hold their elements inline: no Vec to fill and drop.
    if n <= SHORT {
        return Array::from_raw_slice(shape, &[T::default(); SHORT][..n]);
    }
    Array::from_raw(shape, buffer_cache::overwrite(n))
}

/// A new buffer with the shape of `like`.
#[inline]
pub fn buffer_like<T: Element, U: Element>(like: &Array<U>) -> Array<T> {
    buffer(None, like.shape())
}

/// A 1-d array of length `len`, zero except for `terms` added at their
/// indices: the gradient of a function that reads single elements
/// (`t[0]`, `t[1]`, ..) assembled in one pass.
///
/// # Panics
/// When an index is out of bounds (names the op and the length).
#[inline]
pub fn onehot<T: Element + std::ops::AddAssign>(len: usize, terms: &[(usize, T)]) -> Array<T> {
    // Short results (the gradient of f(t[0], t[1], t[2])) are built in
    // place, inline in the array: no allocation, and with the constant
    // indices of emitted code, no stack round trip either.
    if len <= 4 {
        let mut v = [T::default(); 4];
        for &(i, x) in terms {
            if i >= len {
                onehot_out_of_bounds(i, len);
            }
            v[i] += x;
        }
        return Array::inline_vector(len, v);
    }
    if len <= SHORT {
        let mut v = [T::default(); SHORT];
        for &(i, x) in terms {
            if i >= len {
                onehot_out_of_bounds(i, len);
            }
            v[i] += x;
        }
        return Array::from_raw_slice([len], &v[..len]);
    }
    let mut v = vec![T::default(); len];
    for &(i, x) in terms {
        if i >= len {
            onehot_out_of_bounds(i, len);
        }
        v[i] += x;
    }
    Array::from_raw([len], v)
}

#[cold]
#[inline(never)]
fn onehot_out_of_bounds(i: usize, len: usize) -> ! {
    panic!("pad: index {i} is out of bounds for an array of length {len}")
}

/// Column `col` of a 2-d array as a new 1-d array (one strided pass): the
/// batched form of an element read, `x[:, col]`.
///
/// # Panics
/// When `x` is not 2-d or `col` is out of bounds.
pub fn column<T: Element>(x: &Array<T>, col: usize) -> Array<T> {
    let s = x.shape();
    assert!(
        s.len() == 2 && col < s[1],
        "slice: column {col} is out of bounds for shape {s:?}"
    );
    let (rows, cols) = (s[0], s[1]);
    let src = x.as_slice();
    let mut out = buffer_cache::overwrite(rows);
    by_row_blocks(&mut out, 1, |r0, block| {
        for (k, o) in block.iter_mut().enumerate() {
            *o = src[(r0 + k) * cols + col];
        }
    });
    Array::from_raw([rows], out)
}

/// Rows per block of the row-parallel passes below.
const BLOCK_ROWS: usize = 1 << 14;

/// Runs `f(first_row, rows)` over blocks of `out` (rows of `len`
/// elements), on rayon's pool when the output is large enough to pay for
/// it: these strided passes are memory-bound and a single core does not
/// saturate the bus.
fn by_row_blocks<T: Element>(out: &mut [T], len: usize, f: impl Fn(usize, &mut [T]) + Sync) {
    use rayon::prelude::*;
    let len = len.max(1);
    let chunk = BLOCK_ROWS * len;
    if crate::kernels::parallel(out.len()) {
        out.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(b, block)| f(b * BLOCK_ROWS, block));
    } else {
        for (b, block) in out.chunks_mut(chunk).enumerate() {
            f(b * BLOCK_ROWS, block);
        }
    }
}

/// A `[rows, len]` array, zero except for the columns in `terms` (column,
/// values of length `rows`) added in: the batched one-hot gradient, in one
/// pass over the output.
///
/// # Panics
/// When a column is out of bounds or a value has the wrong length.
pub fn onehot_cols<T: Element + std::ops::AddAssign>(
    rows: usize,
    len: usize,
    terms: &[(usize, &Array<T>)],
) -> Array<T> {
    for (c, v) in terms {
        assert!(
            *c < len && v.len() == rows,
            "pad: column {c} of [{rows}, {len}] from a value of shape {:?}",
            v.shape()
        );
    }
    // Each row is cleared and filled in one pass (the buffer may hold a
    // dropped array's values).
    let mut out = buffer_cache::overwrite(rows * len);
    by_row_blocks(&mut out, len, |r0, block| {
        for (k, row) in block.chunks_exact_mut(len.max(1)).enumerate() {
            row.fill(T::default());
            for (c, v) in terms {
                row[*c] += v.as_slice()[r0 + k];
            }
        }
    });
    Array::from_raw([rows, len], out)
}
