//! One pass over the rows of a batched program: the loop `#[jit]` emits
//! for `vmap` of a function of a few vector elements (a vmapped gradient
//! of f(t[0], t[1], t[2]), say), where the batched jaxpr reads columns of
//! `[rows, width]` inputs, runs elementwise code on them and assembles
//! columns of `[rows, len]` results. Instead of one strided copy per
//! column read, one loop per fused group and one pass to assemble the
//! result, each row is read, computed and written once.
//!
//! Rows go through stack buffers in strips of [`STRIP`], transposed to one
//! unit-stride lane per column, so the per-row function runs vectorised
//! across rows (LLVM vectorises the lane loop); blocks of rows go to
//! rayon's pool when the pass is large.

use std::ops::AddAssign;

use rayon::prelude::*;

use crate::Element;
use crate::kernels::dispatch;

/// Rows per strip: the lanes of a strip stay in L1.
const STRIP: usize = 64;

/// Rows per parallel task (a multiple of [`STRIP`]); several tasks per
/// thread at 10^6 rows, so a preempted thread holds up little.
const BLOCK_ROWS: usize = 1 << 13;

/// The output buffers as raw pointers, shared by the row-block tasks.
struct Outs<U, const K: usize>([*mut U; K]);
// Manual impls: derive would demand `U: Clone` (pointers copy anyway).
impl<U, const K: usize> Clone for Outs<U, K> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<U, const K: usize> Copy for Outs<U, K> {}
// SAFETY: tasks write disjoint row ranges of each buffer (see `rows`).
unsafe impl<U, const K: usize> Send for Outs<U, K> {}
unsafe impl<U, const K: usize> Sync for Outs<U, K> {}

impl<U, const K: usize> Outs<U, K> {
    /// Output `k` (a method, so closures capture the whole `Sync` struct,
    /// not its pointer array).
    #[inline(always)]
    fn get(&self, k: usize) -> *mut U {
        self.0[k]
    }
}

/// `f` applied to every row: input lane `c` of row `r` is
/// `ins[c].0[r * ins[c].1 + ins[c].2]` (element `col` of row `r` of a
/// row-major `[rows, width]` array; a 1-d `[rows]` input is width 1,
/// column 0), and result `m` of row `r` goes to column `dest[m].1` of row
/// `r` of output `dest[m].0` (a row-major `[rows, width]` buffer given as
/// `(data, width)`). Results aimed at the same element are added, and the
/// elements no result aims at are zero, unless each column of an output
/// gets exactly one result, which is then stored directly. Every element
/// of every output is written, so the buffers may hold stale values.
///
/// # Panics
/// When a column is out of bounds or a buffer does not hold `rows` rows
/// (the message names the operand).
///
/// ```
/// use rjax_runtime::jit;
/// // Rows of 3: out[r] = [0, x1 * x2, (x0 + x2) + 1], and the row sums.
/// let x = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let (mut out, mut sums) = ([9.0f32; 6], [9.0f32; 2]);
/// jit::rows(2, [(&x[..], 3, 0), (&x[..], 3, 1), (&x[..], 3, 2)],
///     [(&mut out[..], 3), (&mut sums[..], 1)], [(0, 1), (0, 2), (0, 2), (1, 0)],
///     |[a, b, c]| [b * c, a + c, 1.0, a + b + c]);
/// assert_eq!(out, [0.0, 6.0, 5.0, 0.0, 30.0, 11.0]);
/// assert_eq!(sums, [6.0, 15.0]);
/// ```
pub fn rows<T, U, const N: usize, const K: usize, const M: usize, F>(
    rows: usize,
    ins: [(&[T], usize, usize); N],
    outs: [(&mut [U], usize); K],
    dest: [(usize, usize); M],
    f: F,
) where
    T: Element,
    U: Element + AddAssign,
    F: Fn([T; N]) -> [U; M] + Sync,
{
    rows_checked(
        rows,
        ins,
        outs,
        dest,
        #[inline(always)]
        |x| (f(x), false),
        &f,
    );
}

/// [`rows`] with a fallback, as `kernels::map_nm_checked`: `fast` returns
/// the results and whether an operand was beyond its fast range (a sin
/// or cos of a huge value); the rows of a strip holding such a row are
/// recomputed with `precise`.
///
/// # Panics
/// As [`rows`].
pub fn rows_checked<T, U, const N: usize, const K: usize, const M: usize, F, G>(
    rows: usize,
    ins: [(&[T], usize, usize); N],
    outs: [(&mut [U], usize); K],
    dest: [(usize, usize); M],
    fast: F,
    precise: G,
) where
    T: Element,
    U: Element + AddAssign,
    F: Fn([T; N]) -> ([U; M], bool) + Sync,
    G: Fn([T; N]) -> [U; M] + Sync,
{
    for (k, &(d, w, col)) in ins.iter().enumerate() {
        assert!(
            col < w && d.len() == rows * w,
            "jit::rows: input {k} (column {col} of rows of {w}) holds {} elements, not {rows} rows",
            d.len()
        );
    }
    for (k, (o, w)) in outs.iter().enumerate() {
        assert!(
            o.len() == rows * w,
            "jit::rows: output {k} (rows of {w}) holds {} elements, not {rows} rows",
            o.len()
        );
    }
    let widths: [usize; K] = std::array::from_fn(|k| outs[k].1);
    for &(k, col) in &dest {
        assert!(
            k < K && col < widths[k],
            "jit::rows: result column {col} of output {k} is out of bounds"
        );
    }
    // An output whose every column gets exactly one result is stored
    // directly; any other is cleared per strip and summed into.
    // (No allocation: a hessian's row loop is a few rows.)
    let exact: [bool; K] = std::array::from_fn(|k| {
        let count = dest.iter().filter(|d| d.0 == k).count();
        let distinct = (0..M).all(|a| dest[a].0 != k || !dest[a + 1..].contains(&dest[a]));
        count == widths[k] && distinct
    });
    if rows == 0 {
        return;
    }
    let ptrs = Outs(outs.map(|(o, _)| o.as_mut_ptr()));
    let block = |r0: usize, n: usize| {
        dispatch(
            #[inline(always)]
            || {
                let mut cin = [[T::default(); STRIP]; N];
                let mut cout = [[U::default(); STRIP]; M];
                let mut s = 0;
                while s < n {
                    let len = STRIP.min(n - s);
                    let base = r0 + s;
                    for c in 0..N {
                        let (d, w, col) = ins[c];
                        for (i, v) in cin[c][..len].iter_mut().enumerate() {
                            // SAFETY: base + i < rows and col < w, checked above.
                            *v = unsafe { *d.get_unchecked((base + i) * w + col) };
                        }
                    }
                    // The whole strip (stale lanes past `len` included),
                    // so the trip count is constant and the loop vectorises.
                    let mut far = false;
                    for l in 0..STRIP {
                        let (o, bad) = fast(std::array::from_fn(|c| cin[c][l]));
                        far |= bad;
                        for m in 0..M {
                            cout[m][l] = o[m];
                        }
                    }
                    // Rare (or a stale lane past `len`): the strip again,
                    // precisely.
                    if far {
                        for l in 0..len {
                            let o = precise(std::array::from_fn(|c| cin[c][l]));
                            for m in 0..M {
                                cout[m][l] = o[m];
                            }
                        }
                    }
                    for k in 0..K {
                        if !exact[k] {
                            let w = widths[k];
                            // SAFETY: rows base..base + len of output k,
                            // which only this task writes.
                            unsafe {
                                std::slice::from_raw_parts_mut(ptrs.get(k).add(base * w), len * w)
                            }
                            .fill(U::default());
                        }
                    }
                    for m in 0..M {
                        let (k, col) = dest[m];
                        let (p, w) = (ptrs.get(k), widths[k]);
                        for (i, &v) in cout[m][..len].iter().enumerate() {
                            // SAFETY: as above; col < w.
                            unsafe {
                                let q = p.add((base + i) * w + col);
                                if exact[k] {
                                    *q = v;
                                } else {
                                    *q += v;
                                }
                            }
                        }
                    }
                    s += len;
                }
            },
        )
    };
    if crate::kernels::parallel(rows * (N + M)) {
        (0..rows.div_ceil(BLOCK_ROWS))
            .into_par_iter()
            .for_each(|b| block(b * BLOCK_ROWS, BLOCK_ROWS.min(rows - b * BLOCK_ROWS)));
    } else {
        block(0, rows);
    }
}
