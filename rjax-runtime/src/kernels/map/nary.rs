//! [`map_nm`]: one pass over `N` input slices writing `M` output slices,
//! `outs[k][i] = f([ins[0][i], .., ins[N-1][i]])[k]`: the loop `#[jit]`
//! emits for a fused elementwise group with any number of operands and of
//! values used after the group (e.g. the three partial derivatives of a
//! batched gradient computed from shared `sin`/`cos` values).
//!
//! Like [`map1`](super::map1), the loop runs inside
//! [`dispatch`](crate::kernels::dispatch) (AVX-512/AVX2 code) and is split over
//! rayon's pool only from [`PAR_MIN_LEN`](crate::kernels::PAR_MIN_LEN) elements on;
//! pass the closure by value and mark it `#[inline(always)]`.

use rayon::prelude::*;

use super::stream;
use crate::kernels::cpu::dispatch;
use crate::kernels::par::PAR_MIN_LEN;

/// Pointers that tasks may share: every task reads and writes its own
/// disjoint index range.
pub(super) struct Ptrs<T, U, const N: usize, const M: usize>(
    pub(super) [*const T; N],
    pub(super) [*mut U; M],
);
// Manual impls: derive would demand `T: Clone, U: Clone` (pointers copy anyway).
impl<T, U, const N: usize, const M: usize> Clone for Ptrs<T, U, N, M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, U, const N: usize, const M: usize> Copy for Ptrs<T, U, N, M> {}
// SAFETY: tasks touch disjoint ranges (see `map_nm` and
// `checked::map_nm_checked`).
unsafe impl<T, U, const N: usize, const M: usize> Send for Ptrs<T, U, N, M> {}
unsafe impl<T, U, const N: usize, const M: usize> Sync for Ptrs<T, U, N, M> {}

/// The loop over `start..start + len`, rebuilt as slices so that the
/// bounds are known to the vectoriser.
///
/// # Safety
/// Every pointer is valid for `start + len` elements; outputs do not
/// overlap each other or the inputs.
#[inline(always)]
unsafe fn run<T: Copy, U, const N: usize, const M: usize, F: Fn([T; N]) -> [U; M]>(
    p: Ptrs<T, U, N, M>,
    start: usize,
    len: usize,
    f: &F,
    streaming: bool,
) {
    dispatch(
        #[inline(always)]
        || {
            // SAFETY: per the function's contract.
            let (ins, outs) = unsafe { (p.0.map(|q| q.add(start)), p.1.map(|q| q.add(start))) };
            if streaming {
                // Blocks into stack buffers, copied out with streaming
                // stores (see `kernels::stream`).
                let mut bufs: [_; M] = std::array::from_fn(|_| stream::block_buf::<U>());
                let mut i0 = 0;
                while i0 < len {
                    let b = stream::BLOCK.min(len - i0);
                    // i indexes the inputs (by pointer) and each buffer.
                    #[allow(clippy::needless_range_loop)]
                    for i in 0..b {
                        // SAFETY: i0 + i < len; per the function's contract.
                        let y = f(std::array::from_fn(|k| unsafe { *ins[k].add(i0 + i) }));
                        for (k, v) in y.into_iter().enumerate() {
                            bufs[k][i].write(v);
                        }
                    }
                    for (k, buf) in bufs.iter().enumerate() {
                        // SAFETY: buf[..b] was written above; outs[k] has
                        // room for i0 + b elements.
                        unsafe { stream::stream_out(outs[k].add(i0), buf.as_ptr(), b) };
                    }
                    i0 += b;
                }
                stream::fence();
                return;
            }
            for i in 0..len {
                // SAFETY: i < len; per the function's contract.
                let y = f(std::array::from_fn(|k| unsafe { *ins[k].add(i) }));
                for (k, v) in y.into_iter().enumerate() {
                    // SAFETY: as above; outputs are disjoint.
                    unsafe { outs[k].add(i).write(v) };
                }
            }
        },
    )
}

/// `outs[k][i] = f([ins[0][i], ..])[k]` for slices of one length.
///
/// ```
/// use rjax_runtime::kernels;
/// let (x, y) = ([1.0f32, 2.0], [3.0f32, 4.0]);
/// let (mut s, mut p) = ([0.0f32; 2], [0.0f32; 2]);
/// kernels::map_nm([&x[..], &y[..]], [&mut s[..], &mut p[..]], |[a, b]| [a + b, a * b]);
/// assert_eq!((s, p), ([4.0, 6.0], [3.0, 8.0]));
/// ```
pub fn map_nm<T, U, const N: usize, const M: usize, F>(ins: [&[T]; N], outs: [&mut [U]; M], f: F)
where
    T: Copy + Sync,
    U: Send,
    F: Fn([T; N]) -> [U; M] + Sync,
{
    let n = check_lens("kernels::map_nm", &ins, &outs);
    let p = Ptrs(ins.map(|s| s.as_ptr()), outs.map(|s| s.as_mut_ptr()));
    let st = stream::should_stream::<U>(n, M);
    if n >= PAR_MIN_LEN && rayon::current_num_threads() > 1 {
        let threads = rayon::current_num_threads();
        // Several chunks per thread, so a preempted thread holds up little.
        let chunk = n
            .div_ceil(threads * 8)
            .next_multiple_of(64)
            .max(PAR_MIN_LEN / 2);
        (0..n.div_ceil(chunk)).into_par_iter().for_each(|c| {
            let start = c * chunk;
            // SAFETY: ranges of distinct chunks are disjoint and in bounds;
            // the `&mut` outputs borrowed above do not alias anything.
            unsafe { run(p, start, chunk.min(n - start), &f, st) }
        });
    } else {
        // SAFETY: as above, one range.
        unsafe { run(p, 0, n, &f, st) }
    }
}

/// `sum_i f([ins[0][i], ..])` in one pass: a full reduction fused with its
/// elementwise producer. Accumulates in f64 with 8 partial sums (the adds
/// vectorise; fixed order, so the result is deterministic), per chunk of
/// the pool when large, chunks added in order.
///
/// ```
/// use rjax_runtime::kernels;
/// let (x, y) = ([1.0f32, 2.0, 3.0], [4.0f32, 5.0, 6.0]);
/// assert_eq!(kernels::map_sum_nm([&x[..], &y[..]], |[a, b]| (a * b) as f64), 32.0);
/// ```
pub fn map_sum_nm<T, const N: usize, F>(ins: [&[T]; N], f: F) -> f64
where
    T: Copy + Sync,
    F: Fn([T; N]) -> f64 + Sync,
{
    let n = ins.first().map_or(0, |s| s.len());
    for (k, s) in ins.iter().enumerate() {
        assert!(
            s.len() == n,
            "kernels::map_sum_nm: input {k} has {} elements but {n} were expected",
            s.len()
        );
    }
    let seq = |start: usize, len: usize| -> f64 {
        dispatch(
            #[inline(always)]
            || {
                let xs: [&[T]; N] = std::array::from_fn(|k| &ins[k][start..start + len]);
                let mut acc = [0.0f64; 8];
                let full = len / 8 * 8;
                let mut i = 0;
                while i < full {
                    for (l, a) in acc.iter_mut().enumerate() {
                        *a += f(std::array::from_fn(|k| xs[k][i + l]));
                    }
                    i += 8;
                }
                for (l, a) in acc.iter_mut().enumerate().take(len - full) {
                    *a += f(std::array::from_fn(|k| xs[k][full + l]));
                }
                acc.iter().sum()
            },
        )
    };
    if n >= PAR_MIN_LEN && rayon::current_num_threads() > 1 {
        let chunk = n
            .div_ceil(rayon::current_num_threads() * 8)
            .next_multiple_of(64)
            .max(PAR_MIN_LEN / 2);
        let parts: Vec<f64> = (0..n.div_ceil(chunk))
            .into_par_iter()
            .map(|c| seq(c * chunk, chunk.min(n - c * chunk)))
            .collect();
        parts.iter().sum()
    } else {
        seq(0, n)
    }
}

/// The common length of a map's inputs and outputs (the first input's, or
/// the first output's when there is no input); a panic naming `op` and the
/// slice that differs otherwise.
pub(super) fn check_lens<T, U>(op: &str, ins: &[&[T]], outs: &[&mut [U]]) -> usize {
    let n = ins
        .first()
        .map(|s| s.len())
        .or(outs.first().map(|s| s.len()))
        .unwrap_or(0);
    for (k, s) in ins.iter().enumerate() {
        assert!(
            s.len() == n,
            "{op}: input {k} has {} elements but {n} were expected",
            s.len()
        );
    }
    for (k, s) in outs.iter().enumerate() {
        assert!(
            s.len() == n,
            "{op}: output {k} has {} elements but {n} were expected",
            s.len()
        );
    }
    n
}
