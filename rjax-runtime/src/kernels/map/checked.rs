//! Fused loops whose fast body can say "this element needs the precise
//! body": what `#[jit]` emits for a group containing `sin`/`cos`, whose
//! vectorised range reduction is exact only for |x| below
//! [`SIN_COS_F32_MAX`](super::SIN_COS_F32_MAX) / `SIN_COS_F64_MAX`.
//!
//! The fast body returns its results and a flag (`|x| > MAX` or not
//! finite, for every sin/cos operand: a compare and an or, branch-free, so
//! the loop still vectorises). The loop runs in blocks of 1024; a
//! block with any flag set is computed again with the precise body (the
//! same code with std's sin/cos for the out-of-range operands), which
//! gives the same bits as the fast body on every in-range element. So
//! ordinary data costs one compare per operand and one test per block, and
//! a huge argument gets std's accuracy.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::nary::{Ptrs, check_lens};
use crate::kernels::cpu::dispatch;
use crate::kernels::par::{PAR_MIN_LEN, parallel};

/// Elements per block (one flag test each; long enough that the block
/// loop's overhead is small, short enough that a recomputed block is).
const BLOCK: usize = 1024;

fn chunk(n: usize) -> usize {
    n.div_ceil(rayon::current_num_threads() * 8)
        .next_multiple_of(BLOCK)
        .max(PAR_MIN_LEN / 2)
}

/// # Safety
/// Every pointer is valid for `start + len` elements; outputs do not
/// overlap each other or the inputs, nor another task's range.
#[inline(always)]
unsafe fn run<T, U, const N: usize, const M: usize, F, G>(
    p: Ptrs<T, U, N, M>,
    start: usize,
    len: usize,
    fast: &F,
    precise: &G,
) where
    T: Copy,
    F: Fn([T; N]) -> ([U; M], bool),
    G: Fn([T; N]) -> [U; M],
{
    // Slices, not pointers: with raw pointers that may alias, LLVM kept
    // this loop scalar (measured 6x slower).
    // SAFETY: per the function's contract.
    let xs: [&[T]; N] =
        std::array::from_fn(|k| unsafe { std::slice::from_raw_parts(p.0[k].add(start), len) });
    let mut os: [&mut [MaybeUninit<U>]; M] = std::array::from_fn(|k| unsafe {
        std::slice::from_raw_parts_mut(p.1[k].add(start) as *mut MaybeUninit<U>, len)
    });
    dispatch(
        #[inline(always)]
        || {
            let mut i0 = 0;
            while i0 < len {
                let b = BLOCK.min(len - i0);
                // Block slices of length b each, so that no index needs a
                // bounds check.
                let xb: [&[T]; N] = std::array::from_fn(|k| &xs[k][i0..i0 + b]);
                let mut ob = os.each_mut().map(|o| &mut o[i0..i0 + b]);
                let mut far = false;
                for i in 0..b {
                    let (y, bad) = fast(std::array::from_fn(|k| xb[k][i]));
                    for (o, v) in ob.iter_mut().zip(y) {
                        o[i].write(v);
                    }
                    far |= bad;
                }
                if far {
                    for i in 0..b {
                        let y = precise(std::array::from_fn(|k| xb[k][i]));
                        for (o, v) in ob.iter_mut().zip(y) {
                            o[i].write(v);
                        }
                    }
                }
                i0 += b;
            }
        },
    )
}

/// [`map_nm`](super::map_nm) with a fallback: `fast` returns the results
/// and whether any operand was beyond its fast range; blocks holding such
/// an element are recomputed with `precise`. Pass both closures by value,
/// `fast` marked `#[inline(always)]`.
///
/// ```
/// use rjax_runtime::kernels::{self, FastMath, SIN_COS_F32_MAX};
/// let x = [0.5f32, 1e30, -2.0];
/// let mut y = [0.0f32; 3];
/// kernels::map_nm_checked(
///     [&x[..]],
///     [&mut y[..]],
///     |[v]: [f32; 1]| ([v.fast_sin()], !(v.abs() <= SIN_COS_F32_MAX)),
///     |[v]: [f32; 1]| [if v.abs() <= SIN_COS_F32_MAX { v.fast_sin() } else { v.sin() }],
/// );
/// assert_eq!(y[1], 1e30f32.sin());
/// ```
pub fn map_nm_checked<T, U, const N: usize, const M: usize, F, G>(
    ins: [&[T]; N],
    outs: [&mut [U]; M],
    fast: F,
    precise: G,
) where
    T: Copy + Sync,
    U: Send,
    F: Fn([T; N]) -> ([U; M], bool) + Sync,
    G: Fn([T; N]) -> [U; M] + Sync,
{
    let n = check_lens("kernels::map_nm_checked", &ins, &outs);
    let p = Ptrs(ins.map(|s| s.as_ptr()), outs.map(|s| s.as_mut_ptr()));
    if parallel(n) {
        let c = chunk(n);
        (0..n.div_ceil(c)).into_par_iter().for_each(|k| {
            let start = k * c;
            // SAFETY: distinct chunks are disjoint and in bounds; the
            // `&mut` outputs borrowed above alias nothing.
            unsafe { run(p, start, c.min(n - start), &fast, &precise) }
        });
    } else {
        // SAFETY: as above, one range.
        unsafe { run(p, 0, n, &fast, &precise) }
    }
}

/// [`map_sum_nm`](super::map_sum_nm) with the same fallback: the sum of
/// `fast(..).0`, where every block holding a flagged element is summed
/// with `precise` instead. f64 accumulation, 8 partial sums per block,
/// blocks and chunks added in order (deterministic).
pub fn map_sum_nm_checked<T, const N: usize, F, G>(ins: [&[T]; N], fast: F, precise: G) -> f64
where
    T: Copy + Sync,
    F: Fn([T; N]) -> (f64, bool) + Sync,
    G: Fn([T; N]) -> f64 + Sync,
{
    let n = check_lens::<T, f64>("kernels::map_sum_nm_checked", &ins, &[]);
    let seq = |start: usize, len: usize| -> f64 {
        dispatch(
            #[inline(always)]
            || {
                let xs: [&[T]; N] = std::array::from_fn(|k| &ins[k][start..start + len]);
                let mut acc = [0.0f64; 8];
                let mut i0 = 0;
                while i0 < len {
                    let b = BLOCK.min(len - i0);
                    let mut blk = [0.0f64; 8];
                    let mut far = false;
                    // Lanes of 8 (the adds vectorise), then the tail.
                    let full = b / 8 * 8;
                    let at = |i: usize| -> [T; N] { std::array::from_fn(|k| xs[k][i0 + i]) };
                    for j in (0..full).step_by(8) {
                        for (l, a) in blk.iter_mut().enumerate() {
                            let (v, bad) = fast(at(j + l));
                            *a += v;
                            far |= bad;
                        }
                    }
                    for (l, a) in blk.iter_mut().enumerate().take(b - full) {
                        let (v, bad) = fast(at(full + l));
                        *a += v;
                        far |= bad;
                    }
                    if far {
                        blk = [0.0; 8];
                        for i in 0..b {
                            blk[i % 8] += precise(at(i));
                        }
                    }
                    for (a, v) in acc.iter_mut().zip(blk) {
                        *a += v;
                    }
                    i0 += b;
                }
                acc.iter().sum()
            },
        )
    };
    if parallel(n) {
        let c = chunk(n);
        let parts: Vec<f64> = (0..n.div_ceil(c))
            .into_par_iter()
            .map(|k| seq(k * c, c.min(n - k * c)))
            .collect();
        parts.iter().sum()
    } else {
        seq(0, n)
    }
}
