//! Fused elementwise loops run in stages over short blocks: what `#[jit]`
//! emits for a group with several transcendentals, such as
//! `exp(sin(x) * 2 + 1).tanh()`.
//!
//! Why: one loop body holding sin, exp and tanh is one long dependency
//! chain per element (well over a hundred instructions). The CPU overlaps
//! only as many iterations as its reorder window holds, so such a loop is
//! latency-bound: measured 2.95 ns per f32 element in L1 on one Zen3 core,
//! against 1.75 ns for the three functions run as separate loops. Here
//! the caller's `block` closure gets [`STAGE_BLOCK`] elements at a time and
//! runs one short loop per stage (each ending at one transcendental),
//! passing values between stages in stack arrays that stay in L1; each
//! short loop is throughput-bound. The data is still read and written once.
//!
//! The block closure runs inside [`dispatch`](crate::kernels::dispatch), so its loops
//! vectorise like [`map_nm`](super::map_nm)'s: pass it by value and mark it
//! `#[inline(always)]`.

use rayon::prelude::*;

use super::nary::{Ptrs, check_lens};
use crate::kernels::cpu::dispatch;
use crate::kernels::par::{chunk_len, parallel};

/// Elements per block: a few f32 temporaries of this length stay in L1
/// (4 KiB each), and each stage's loop is long enough that its start and
/// tail cost little (on the chain, 64: 3.2, 256: 2.25, 1024: 2.12 ns per
/// element on one core).
pub const STAGE_BLOCK: usize = 1024;

/// Runs `block` over `start..start + len` in blocks of [`STAGE_BLOCK`];
/// where it returns true (an element needs the precise path), redoes that
/// block element by element with `precise`.
///
/// # Safety
/// Every pointer is valid for `start + len` elements; outputs do not
/// overlap each other or the inputs, nor another task's range.
#[inline(always)]
unsafe fn run<T, U, const N: usize, const M: usize, B, G>(
    p: Ptrs<T, U, N, M>,
    start: usize,
    len: usize,
    block: &B,
    precise: Option<&G>,
) where
    T: Copy,
    B: Fn([&[T]; N], [&mut [U]; M]) -> bool,
    G: Fn([T; N]) -> [U; M],
{
    dispatch(
        #[inline(always)]
        || {
            let mut i0 = start;
            while i0 < start + len {
                let b = STAGE_BLOCK.min(start + len - i0);
                // SAFETY: per the function's contract, [i0, i0 + b) is in
                // bounds for every pointer and this task's alone.
                let xs: [&[T]; N] = std::array::from_fn(|k| unsafe {
                    std::slice::from_raw_parts(p.0[k].add(i0), b)
                });
                let os: [&mut [U]; M] = std::array::from_fn(|k| unsafe {
                    std::slice::from_raw_parts_mut(p.1[k].add(i0), b)
                });
                if block(xs, os)
                    && let Some(precise) = precise
                {
                    for i in 0..b {
                        // SAFETY: as above.
                        let y = precise(std::array::from_fn(|k| unsafe { *p.0[k].add(i0 + i) }));
                        for (k, v) in y.into_iter().enumerate() {
                            unsafe { *p.1[k].add(i0 + i) = v };
                        }
                    }
                }
                i0 += b;
            }
        },
    )
}

/// Splits `n` elements over rayon's pool when large (as `map_nm` does) and
/// runs [`run`] on each range.
fn split<T, U, const N: usize, const M: usize, B, G>(
    ins: [&[T]; N],
    outs: [&mut [U]; M],
    op: &str,
    block: &B,
    precise: Option<&G>,
) where
    T: Copy + Sync,
    U: Send,
    B: Fn([&[T]; N], [&mut [U]; M]) -> bool + Sync,
    G: Fn([T; N]) -> [U; M] + Sync,
{
    let n = check_lens(op, &ins, &outs);
    let p = Ptrs(ins.map(|s| s.as_ptr()), outs.map(|s| s.as_mut_ptr()));
    if parallel(n) {
        let c = chunk_len(n).next_multiple_of(STAGE_BLOCK);
        (0..n.div_ceil(c)).into_par_iter().for_each(|k| {
            let start = k * c;
            // SAFETY: distinct chunks are disjoint and in bounds; the
            // `&mut` outputs borrowed above alias nothing.
            unsafe { run(p, start, c.min(n - start), block, precise) }
        });
    } else {
        // SAFETY: as above, one range.
        unsafe { run(p, 0, n, block, precise) }
    }
}

/// `block(ins[i0..i0 + b], outs[i0..i0 + b])` for consecutive blocks of at
/// most [`STAGE_BLOCK`] elements covering slices of one length; `block`
/// writes every element of its output blocks.
///
/// ```
/// use rjax_runtime::kernels::{self, FastMath, STAGE_BLOCK};
/// let x: Vec<f32> = (0..3000).map(|i| i as f32 / 1000.0).collect();
/// let mut y = vec![0.0f32; 3000];
/// kernels::map_nm_blocks(
///     [&x[..]],
///     [&mut y[..]],
///     #[inline(always)]
///     |[x]: [&[f32]; 1], [y]: [&mut [f32]; 1]| {
///         let n = x.len();
///         let mut s = [0.0f32; STAGE_BLOCK];
///         let s = &mut s[..n];
///         for i in 0..n {
///             s[i] = x[i].fast_sin() * 2.0 + 1.0;
///         }
///         for i in 0..n {
///             y[i] = s[i].fast_exp();
///         }
///     },
/// );
/// assert!((y[500] - (0.5f32.sin() * 2.0 + 1.0).exp()).abs() < 1e-5);
/// ```
pub fn map_nm_blocks<T, U, const N: usize, const M: usize, B>(
    ins: [&[T]; N],
    outs: [&mut [U]; M],
    block: B,
) where
    T: Copy + Sync,
    U: Send,
    B: Fn([&[T]; N], [&mut [U]; M]) + Sync,
{
    // Inlined into `run`'s dispatch frame, so `block` is compiled there too.
    let block = {
        #[inline(always)]
        |xs: [&[T]; N], os: [&mut [U]; M]| -> bool {
            block(xs, os);
            false
        }
    };
    split::<T, U, N, M, _, fn([T; N]) -> [U; M]>(ins, outs, "kernels::map_nm_blocks", &block, None);
}

/// [`map_nm_blocks`] with the fallback of
/// [`map_nm_checked`](super::map_nm_checked): `block` returns whether any
/// element of its block was beyond a fast range, and such a block is
/// computed again element by element with `precise`.
pub fn map_nm_blocks_checked<T, U, const N: usize, const M: usize, B, G>(
    ins: [&[T]; N],
    outs: [&mut [U]; M],
    block: B,
    precise: G,
) where
    T: Copy + Sync,
    U: Send,
    B: Fn([&[T]; N], [&mut [U]; M]) -> bool + Sync,
    G: Fn([T; N]) -> [U; M] + Sync,
{
    split(
        ins,
        outs,
        "kernels::map_nm_blocks_checked",
        &block,
        Some(&precise),
    );
}

/// The f64 sum of a block's values: 8 partial sums (the adds vectorise;
/// a fixed order, so the result is deterministic).
#[inline(always)]
fn sum8<U: Copy + Into<f64>>(v: &[U]) -> f64 {
    let mut acc = [0.0f64; 8];
    let mut parts = v.chunks_exact(8);
    for c in &mut parts {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a += x.into();
        }
    }
    for (a, &x) in acc.iter_mut().zip(parts.remainder()) {
        *a += x.into();
    }
    acc.iter().sum()
}

/// The sum over `ins` of the values `block` writes, block by block; blocks
/// it flags are recomputed with `precise` first.
fn sum_split<T, U, const N: usize, B, G>(
    ins: [&[T]; N],
    op: &str,
    block: &B,
    precise: Option<&G>,
) -> f64
where
    T: Copy + Sync,
    U: Copy + Default + Into<f64>,
    B: Fn([&[T]; N], [&mut [U]; 1]) -> bool + Sync,
    G: Fn([T; N]) -> U + Sync,
{
    let n = check_lens::<T, U>(op, &ins, &[]);
    let seq = |start: usize, len: usize| -> f64 {
        dispatch(
            #[inline(always)]
            || {
                let mut vals = [U::default(); STAGE_BLOCK];
                let mut total = 0.0;
                let mut i0 = start;
                while i0 < start + len {
                    let b = STAGE_BLOCK.min(start + len - i0);
                    let xs: [&[T]; N] = std::array::from_fn(|k| &ins[k][i0..i0 + b]);
                    if block(xs, [&mut vals[..b]])
                        && let Some(precise) = precise
                    {
                        for (i, v) in vals[..b].iter_mut().enumerate() {
                            *v = precise(std::array::from_fn(|k| xs[k][i]));
                        }
                    }
                    total += sum8(&vals[..b]);
                    i0 += b;
                }
                total
            },
        )
    };
    if parallel(n) {
        let c = chunk_len(n).next_multiple_of(STAGE_BLOCK);
        let parts: Vec<f64> = (0..n.div_ceil(c))
            .into_par_iter()
            .map(|k| seq(k * c, c.min(n - k * c)))
            .collect();
        parts.iter().sum()
    } else {
        seq(0, n)
    }
}

/// `sum_i v[i]` (f64) where `block(ins[i0..i0 + b], [v[i0..i0 + b]])`
/// writes the values block by block: a full sum fused with staged
/// producers (see [`map_nm_blocks`]). Blocks are summed with 8 partial
/// sums and added in order, chunks of the pool in order (deterministic).
///
/// ```
/// use rjax_runtime::kernels::{self, FastMath, STAGE_BLOCK};
/// let x: Vec<f32> = (0..3000).map(|i| i as f32 / 3000.0).collect();
/// let s = kernels::map_sum_nm_blocks(
///     [&x[..]],
///     #[inline(always)]
///     |[x]: [&[f32]; 1], [v]: [&mut [f32]; 1]| {
///         let n = x.len();
///         let mut e = [0.0f32; STAGE_BLOCK];
///         let e = &mut e[..n];
///         for i in 0..n {
///             e[i] = x[i].fast_exp();
///         }
///         for i in 0..n {
///             v[i] = e[i].fast_tanh();
///         }
///     },
/// );
/// let want: f64 = x.iter().map(|&v| (v as f64).exp().tanh()).sum();
/// assert!((s - want).abs() < 1e-3);
/// ```
pub fn map_sum_nm_blocks<T, U, const N: usize, B>(ins: [&[T]; N], block: B) -> f64
where
    T: Copy + Sync,
    U: Copy + Default + Into<f64>,
    B: Fn([&[T]; N], [&mut [U]; 1]) + Sync,
{
    // Inlined into the summing loop's dispatch frame, like `block`.
    let block = {
        #[inline(always)]
        |xs: [&[T]; N], vs: [&mut [U]; 1]| -> bool {
            block(xs, vs);
            false
        }
    };
    sum_split::<T, U, N, _, fn([T; N]) -> U>(ins, "kernels::map_sum_nm_blocks", &block, None)
}

/// [`map_sum_nm_blocks`] with the fallback of
/// [`map_sum_nm_checked`](super::map_sum_nm_checked): a block `block`
/// flags has its values computed again with `precise` before it is summed.
pub fn map_sum_nm_blocks_checked<T, U, const N: usize, B, G>(
    ins: [&[T]; N],
    block: B,
    precise: G,
) -> f64
where
    T: Copy + Sync,
    U: Copy + Default + Into<f64>,
    B: Fn([&[T]; N], [&mut [U]; 1]) -> bool + Sync,
    G: Fn([T; N]) -> U + Sync,
{
    sum_split(
        ins,
        "kernels::map_sum_nm_blocks_checked",
        &block,
        Some(&precise),
    )
}
