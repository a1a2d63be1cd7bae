//! `epi(x · xᵀ)` computing only one triangle of the symmetric product
//! (half the flops of a general gemm), with the elementwise epilogue fused
//! into the pass that writes the result, and the other triangle filled by
//! mirroring. This is the `tanh(dot(x, x.t()))` step of the seed test_fn.
//!
//! f32 on AVX2 or AVX-512 runs the packed kernel (`avx2.rs`, 6x64 tiles
//! of the AVX-512 microkernel where the CPU has it), the epilogue applied
//! per tile. Without it (`RJAX_NO_PACKED`) the AVX-512 strips below split
//! the work by strips of 6 rows over rayon's pool (above a size
//! threshold); strip i writes row i's lower part and column i's upper
//! part, so no two strips write the same entry. Otherwise (f64, other
//! CPUs) the gemm crate per block row (`lower_blocks`).

use std::cell::RefCell;

use rayon::prelude::*;

use super::float::{GemmFloat, gemm_block};
use super::nt::MR;
use crate::Array;
use crate::kernels::cpu::dispatch;

/// Below this many multiply-adds the kernel stays on the calling thread.
const PAR_MIN_FMAS: usize = 1 << 20;

thread_local! {
    /// Per-thread strip scratch, reused across calls (no allocation per call).
    static STRIP_F32: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// A pointer that may be shared across the pool because every task writes
/// a disjoint set of entries.
#[derive(Clone, Copy)]
struct SharedOut<T>(*mut T);
// SAFETY: tasks write disjoint entries (see the module docs).
unsafe impl<T> Send for SharedOut<T> {}
unsafe impl<T> Sync for SharedOut<T> {}

/// `out (m x m) = epi(x xᵀ)` for `x` of `m x k`, row-major slices.
///
/// ```
/// use rjax_runtime::kernels;
/// let x = [1.0f32, 2.0, 3.0, 4.0]; // 2 x 2
/// let mut out = [0.0f32; 4];
/// kernels::syrk_epilogue_slice(&x, 2, 2, &mut out, |v| v + 1.0);
/// assert_eq!(out, [6.0, 12.0, 12.0, 26.0]);
/// ```
pub fn syrk_epilogue_slice<T: GemmFloat, E: Fn(T) -> T + Sync>(
    x: &[T],
    m: usize,
    k: usize,
    out: &mut [T],
    epi: E,
) {
    // Checked products: wrapped ones (m = 2^32, k = 0) would accept an
    // empty output that the kernels then write m * m elements into.
    let (mk, mm) = (
        crate::array::size("kernels::syrk_epilogue", &[m, k]),
        crate::array::size("kernels::syrk_epilogue", &[m, m]),
    );
    assert!(
        x.len() == mk,
        "kernels::syrk_epilogue: input has {} elements, shape [{m}, {k}] needs {mk}",
        x.len(),
    );
    assert!(
        out.len() == mm,
        "kernels::syrk_epilogue: output has {} elements, shape [{m}, {m}] needs {mm}",
        out.len(),
    );
    if m == 0 {
        return;
    }
    // The packed kernel (6x64 AVX-512 tiles, 6x16 AVX2 ones) before the
    // strips: at m = k = 512 on one Zen4 core the syrk took 1.38 ms
    // packed against 1.55 ms by the AVX-512 strips, at 1024 22 against
    // 30 ms.
    if T::has_packed_kernel() && k > 0 {
        return packed(x, m, k, out, &epi);
    }
    if !T::has_strip_kernel() || k == 0 {
        return lower_blocks(x, m, k, out, &epi);
    }
    let dst = SharedOut(out.as_mut_ptr());
    let strip = |blk: usize| {
        let i0 = blk * MR;
        let rows = MR.min(m - i0);
        let jend = i0 + rows; // lower triangle including the diagonal block
        with_scratch::<T, _>(rows * jend, |s| {
            // SAFETY: has_strip_kernel(); x holds rows 0..m of length k and
            // s holds rows * jend values.
            unsafe { T::strip(x, x, k, i0, rows, jend, s, jend, &epi) };
            let d = dst;
            for ii in 0..rows {
                let i = i0 + ii;
                // SAFETY: entries (i, 0..=i) belong to this strip only.
                unsafe {
                    std::ptr::copy_nonoverlapping(s[ii * jend..].as_ptr(), d.0.add(i * m), i + 1)
                };
            }
            for j in 0..jend {
                for ii in 0..rows {
                    let i = i0 + ii;
                    if j < i {
                        // SAFETY: entry (j, i) with j < i belongs to strip of row i.
                        unsafe { *d.0.add(j * m + i) = s[ii * jend + j] };
                    }
                }
            }
        });
    };
    let blocks = m.div_ceil(MR);
    if m * m * k / 2 >= PAR_MIN_FMAS && rayon::current_num_threads() > 1 {
        // Heaviest strips first so the tail of the schedule is short ones.
        // One strip per task: a thread preempted by another process then holds
        // up at most one strip (the shared 2-core machine is rarely idle).
        (0..blocks)
            .into_par_iter()
            .rev()
            .with_max_len(1)
            .for_each(strip);
    } else {
        (0..blocks).for_each(strip);
    }
}

/// `epi(x xᵀ)` by the packed AVX2 kernel (`avx2_gemm::syrk`): each
/// lower-triangle tile gets its epilogue once and is written to `(i, j)`
/// and mirrored to `(j, i)` while in L1 (no second pass over the output).
fn packed<T: GemmFloat, E: Fn(T) -> T + Sync>(x: &[T], m: usize, k: usize, out: &mut [T], epi: &E) {
    // SAFETY: has_packed_kernel(), k > 0; x holds m * k values, out m * m
    // (checked by the caller) and they do not overlap (`&mut`).
    unsafe { T::packed_syrk(x.as_ptr(), m, k, out.as_mut_ptr(), epi) }
}

/// Rows per block of [`lower_blocks`]. Measured at m = k = 512 on one
/// AVX2 core: 16 rows 3.4 ms, 32 2.7 ms, 64 2.32 ms, 128 2.27 ms, 512
/// (the full product) 3.1 ms: the gemm crate is slow on short blocks,
/// which costs more than the extra products of wider diagonal blocks.
/// Smaller matrices get at least four block rows (costs 1 : 2 : 3 : 4,
/// which two threads split evenly, heaviest first).
fn block_rows(m: usize) -> usize {
    (m / 4).next_multiple_of(16).clamp(32, 128)
}

/// `epi(x xᵀ)` without the strip kernel: block row `t` (rows `i0..i1`)
/// is the product of those rows of `x` with rows `0..i1` (the lower
/// triangle and the diagonal block) through the gemm crate on one
/// thread, then the epilogue while the block is in cache, then its
/// mirror into columns `i0..i1` of the rows above. A block row writes
/// rows `i0..i1` left of `i1` and columns `i0..i1` above the diagonal, so
/// no two write the same entry.
fn lower_blocks<T: GemmFloat, E: Fn(T) -> T + Sync>(
    x: &[T],
    m: usize,
    k: usize,
    out: &mut [T],
    epi: &E,
) {
    let br = block_rows(m);
    let dst = SharedOut(out.as_mut_ptr());
    let src = x.as_ptr() as usize;
    let block = |t: usize| {
        let d = dst;
        let (i0, i1) = (t * br, ((t + 1) * br).min(m));
        let xp = src as *const T;
        // SAFETY: rows i0..i1 of x and rows 0..i1 (read as columns of xᵀ)
        // are in bounds; the written block (rows i0..i1, columns 0..i1)
        // belongs to this task only (see above).
        unsafe {
            gemm_block(
                i1 - i0,
                i1,
                k,
                d.0.add(i0 * m),
                m,
                xp.add(i0 * k),
                k,
                1,
                xp,
                1,
                k,
            )
        };
        dispatch(
            #[inline(always)]
            || {
                for i in i0..i1 {
                    // SAFETY: row i, columns 0..i1: this task's block.
                    let row = unsafe { std::slice::from_raw_parts_mut(d.0.add(i * m), i1) };
                    for v in row {
                        *v = epi(*v);
                    }
                }
                // Mirror: one destination row at a time, reading a column
                // of the block (its cache lines stay in L1 across rows).
                // The diagonal block's upper half is overwritten too, so
                // the result is exactly symmetric.
                for j in 0..i1 {
                    for i in (j + 1).max(i0)..i1 {
                        // SAFETY: (i, j) with j < i is in this block; (j, i)
                        // is above the diagonal in columns i0..i1: written by
                        // this task only.
                        unsafe { *d.0.add(j * m + i) = *d.0.add(i * m + j) };
                    }
                }
            },
        );
    };
    let blocks = m.div_ceil(br);
    if m * m * k / 2 >= PAR_MIN_FMAS && rayon::current_num_threads() > 1 {
        // Heaviest block rows (the bottom ones) first: short ones fill the tail.
        (0..blocks)
            .into_par_iter()
            .rev()
            .with_max_len(1)
            .for_each(block);
    } else {
        (0..blocks).for_each(block);
    }
}

/// Runs `f` on a per-thread scratch slice of `len` values of type `T`.
fn with_scratch<T: GemmFloat, R>(len: usize, f: impl FnOnce(&mut [T]) -> R) -> R {
    if std::any::TypeId::of::<T>() == std::any::TypeId::of::<f32>() {
        STRIP_F32.with(|s| {
            let mut s = s.borrow_mut();
            if s.len() < len {
                s.resize(len, 0.0);
            }
            // SAFETY: T is f32 (checked above).
            let v: &mut [T] =
                unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr() as *mut T, len) };
            f(v)
        })
    } else {
        f(&mut vec![T::zero(); len])
    }
}

fn dims2(op: &str, shape: &[usize]) -> (usize, usize) {
    assert!(
        shape.len() == 2,
        "{op}: expected a 2-d array, got shape {shape:?}"
    );
    (shape[0], shape[1])
}

/// `epi(dot(x, x.t()))` as a new `[m, m]` array, for `x` of shape `[m, k]`.
///
/// ```
/// use rjax_runtime::{Array, kernels};
/// let x = Array::from_shape_vec(vec![2, 2], vec![1.0f32, 2.0, 3.0, 4.0]).unwrap();
/// let y = kernels::syrk_epilogue(&x, kernels::tanh_f32);
/// assert!((y.as_slice()[1] - 11.0f32.tanh()).abs() < 1e-6);
/// ```
pub fn syrk_epilogue<T: GemmFloat, E: Fn(T) -> T + Sync>(x: &Array<T>, epi: E) -> Array<T> {
    let (m, k) = dims2("kernels::syrk_epilogue", x.shape());
    let mut out = vec![T::zero(); crate::array::size("kernels::syrk_epilogue", &[m, m])];
    syrk_epilogue_slice(x.as_slice(), m, k, &mut out, epi);
    Array::from_shape_vec(vec![m, m], out).expect("kernels::syrk_epilogue: [m, m]")
}

/// `out = epi(dot(x, x.t()))` into an existing `[m, m]` buffer (for
/// ping-pong buffers in a loop: no allocation per iteration).
pub fn syrk_epilogue_into<T: GemmFloat, E: Fn(T) -> T + Sync>(
    x: &Array<T>,
    out: &mut Array<T>,
    epi: E,
) {
    let (m, k) = dims2("kernels::syrk_epilogue_into", x.shape());
    assert!(
        out.shape() == [m, m],
        "kernels::syrk_epilogue_into: input shape {:?} needs output shape [{m}, {m}], got {:?}",
        x.shape(),
        out.shape()
    );
    syrk_epilogue_slice(x.as_slice(), m, k, out.as_mut_slice(), epi);
}
