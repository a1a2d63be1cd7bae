//! Visiting every index of an n-d shape in row-major order while tracking
//! the element offsets of `K` strided operands.
//!
//! This is the one loop behind broadcasting binary ops, transposes, slices,
//! `broadcast_in_dim` and reductions: each of those is "the right strides"
//! plus a call to [`walk`]. The last axis runs as a tight inner loop, so a
//! stride of 0 or 1 there vectorises.

/// Calls `f` with the `K` offsets of every index of `shape`, in row-major
/// order. `strides[j][d]` is operand `j`'s step along axis `d`; `base[j]` is
/// its offset at index zero.
#[inline]
pub fn walk<const K: usize>(
    shape: &[usize],
    strides: [&[isize]; K],
    base: [isize; K],
    mut f: impl FnMut([isize; K]),
) {
    let nd = shape.len();
    if shape.contains(&0) {
        return;
    }
    if nd == 0 {
        f(base);
        return;
    }
    let inner = shape[nd - 1];
    let inner_strides: [isize; K] = std::array::from_fn(|j| strides[j][nd - 1]);
    let mut idx = vec![0usize; nd - 1];
    let mut off = base;
    loop {
        let mut o = off;
        for _ in 0..inner {
            f(o);
            for j in 0..K {
                o[j] += inner_strides[j];
            }
        }
        // Advance the outer index like an odometer.
        let mut d = nd - 1;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            idx[d] += 1;
            for j in 0..K {
                off[j] += strides[j][d];
            }
            if idx[d] < shape[d] {
                break;
            }
            for j in 0..K {
                off[j] -= strides[j][d] * shape[d] as isize;
            }
            idx[d] = 0;
        }
    }
}

/// Copies the strided view (`shape`, `strides`, starting at `base`) of
/// `src` into a new contiguous row-major `Vec`.
pub fn gather<T: Copy>(src: &[T], shape: &[usize], strides: &[isize], base: isize) -> Vec<T> {
    let n: usize = shape.iter().product();
    let mut out = Vec::with_capacity(n);
    walk(shape, [strides], [base], |[o]| out.push(src[o as usize]));
    out
}

/// Writes the contiguous row-major `src` into the strided view (`shape`,
/// `strides`, starting at `base`) of `dst`.
pub fn scatter<T: Copy>(dst: &mut [T], shape: &[usize], strides: &[isize], base: isize, src: &[T]) {
    let mut it = src.iter();
    walk(shape, [strides], [base], |[o]| {
        if let Some(&v) = it.next() {
            dst[o as usize] = v;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::contiguous_strides;

    #[test]
    fn walk_visits_row_major_with_offsets() {
        let shape = [2, 3];
        let own = contiguous_strides(&shape);
        assert_eq!(own, vec![3, 1]);
        // A transposed reader: strides of a [3, 2] array read as [2, 3].
        let tr = [1isize, 2];
        let mut seen = Vec::new();
        walk(&shape, [&own, &tr], [0, 0], |[a, b]| seen.push((a, b)));
        assert_eq!(seen, vec![(0, 0), (1, 2), (2, 4), (3, 1), (4, 3), (5, 5)]);
    }

    #[test]
    fn walk_handles_rank_zero_and_empty() {
        let mut n = 0;
        walk(&[], [&[]], [7], |[o]| {
            assert_eq!(o, 7);
            n += 1
        });
        assert_eq!(n, 1);
        walk(&[2, 0, 3], [&[0, 0, 0]], [0], |_| n += 1);
        assert_eq!(n, 1);
    }

    #[test]
    fn gather_and_scatter_round_trip() {
        let src: Vec<i32> = (0..12).collect(); // [3, 4]
        // Column 1 and 3 of rows 0..3: a strided [3, 2] view.
        let got = gather(&src, &[3, 2], &[4, 2], 1);
        assert_eq!(got, vec![1, 3, 5, 7, 9, 11]);
        let mut dst = vec![0; 12];
        scatter(&mut dst, &[3, 2], &[4, 2], 1, &got);
        assert_eq!(dst, vec![0, 1, 0, 3, 0, 5, 0, 7, 0, 9, 0, 11]);
    }
}
