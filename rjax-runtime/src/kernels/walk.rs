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

/// The strided view (`shape`, `strides` of 0 or more, from offset 0) of
/// `src` as a new contiguous row-major `Vec`, built by block copies: what
/// `broadcast_in_dim` materialises. Adjacent axes that step together are
/// merged first; then a broadcast axis (stride 0) repeats the block built
/// for its first index (`extend_from_within`, a `memcpy`), the innermost
/// axis is a slice copy (stride 1) or a fill (stride 0), and only other
/// strides fall back to element reads. [`gather`] visits element by
/// element, which for `[8192] -> [8192, 256]` cost ~15 ns per element.
pub fn broadcast_copy<T: crate::Element>(src: &[T], shape: &[usize], strides: &[isize]) -> Vec<T> {
    let n: usize = shape.iter().product();
    let mut out: Vec<T> = crate::array::buffer_cache::with_capacity(n);
    if n == 0 {
        return out;
    }
    // Merge axis k into k + 1 when stepping k is stepping k + 1 that many
    // times (both broadcast, or both contiguous); drop axes of size 1.
    let mut dims: Vec<(usize, isize)> = Vec::with_capacity(shape.len());
    for (&d, &s) in shape.iter().zip(strides) {
        if d == 1 {
            continue;
        }
        dims.push((d, s));
    }
    let mut merged: Vec<(usize, isize)> = Vec::with_capacity(dims.len());
    for (d, s) in dims.into_iter().rev() {
        match merged.last_mut() {
            Some((d1, s1)) if s == *s1 * *d1 as isize => *d1 *= d,
            _ => merged.push((d, s)),
        }
    }
    merged.reverse();
    fill(&mut out, src, &merged, 0);
    debug_assert_eq!(out.len(), n);
    out
}

/// Appends the view `dims` (size, stride) of `src` from `base` to `out`.
fn fill<T: Copy>(out: &mut Vec<T>, src: &[T], dims: &[(usize, isize)], base: isize) {
    let Some((&(n, s), rest)) = dims.split_first() else {
        out.push(src[base as usize]);
        return;
    };
    if rest.is_empty() {
        match s {
            0 => out.resize(out.len() + n, src[base as usize]),
            1 => out.extend_from_slice(&src[base as usize..base as usize + n]),
            _ => out.extend((0..n as isize).map(|k| src[(base + k * s) as usize])),
        }
        return;
    }
    if s == 0 {
        let start = out.len();
        fill(out, src, rest, base);
        let end = out.len();
        for _ in 1..n {
            out.extend_from_within(start..end);
        }
        return;
    }
    for k in 0..n as isize {
        fill(out, src, rest, base + k * s);
    }
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

    #[test]
    fn broadcast_copy_equals_gather() {
        let src: Vec<f32> = (0..24).map(|v| v as f32).collect();
        // (shape, strides): rows, columns, middle axes, size-1 axes,
        // a transposed read, empty shapes, a scalar.
        let cases: [(&[usize], &[isize]); 10] = [
            (&[4, 6], &[1, 0]),
            (&[4, 6], &[0, 1]),
            (&[3, 2, 4], &[0, 4, 1]),
            (&[2, 3, 4], &[4, 0, 1]),
            (&[2, 1, 3, 4], &[12, 0, 4, 1]),
            (&[4, 3, 2], &[1, 0, 4]),
            (&[5, 2, 3], &[0, 3, 1]),
            (&[2, 0, 3], &[0, 0, 1]),
            (&[], &[]),
            (&[3, 2, 2], &[0, 0, 0]),
        ];
        for (shape, strides) in cases {
            let want = gather(&src, shape, strides, 0);
            assert_eq!(
                broadcast_copy(&src, shape, strides),
                want,
                "{shape:?} {strides:?}"
            );
        }
    }
}
