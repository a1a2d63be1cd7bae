//! Elementwise passes: one pass over the data applying a closure, which
//! is a whole fused chain of ops in `#[jit]` code and one op in the eager
//! `lax` functions (they run the same loops).
//!
//! The closure runs inside a loop compiled for the CPU's widest vector
//! instructions (see [`dispatch`](crate::kernels::dispatch)), so a body
//! made of arithmetic and `kernels::` math vectorises. Inputs of at least
//! [`PAR_MIN_LEN`](crate::kernels::PAR_MIN_LEN) elements are split over
//! rayon's pool; smaller ones run on the calling thread with no thread
//! overhead.
//!
//! **Contract for callers (and for the `#[jit]` emitter):** pass the
//! closure by value (not `&f`) and mark it `#[inline(always)]`. Then its
//! body is compiled inside the AVX-512/AVX2 loop and vectorises; otherwise
//! LLVM may keep it out of line, compiled for baseline x86-64, where the
//! math's `mul_add` becomes a software fma call (measured: 10 ms vs 900 ms
//! for `exp(sin(x)*2+1).tanh()` over 10^7 f32).
//!
//! ```
//! use rjax_runtime::{Array, kernels};
//! let x = Array::from_vec(vec![0.0f32, 1.0, 2.0]);
//! let y = kernels::map1(&x, #[inline(always)] |v| kernels::tanh_f32(v * 2.0 + 1.0));
//! assert!((y.as_slice()[0] - 1.0f32.tanh()).abs() < 1e-6);
//! ```

use std::mem::MaybeUninit;

use rayon::prelude::*;

mod checked;
mod nary;
mod staged;
mod stream;

pub use checked::{map_nm_checked, map_sum_nm_checked};
pub use nary::{map_nm, map_sum_nm};
pub use staged::{
    STAGE_BLOCK, map_nm_blocks, map_nm_blocks_checked, map_sum_nm_blocks, map_sum_nm_blocks_checked,
};
pub use stream::{STREAM_MIN_BYTES, set_stream_stores};

use super::cpu::dispatch;
use super::par::{chunk_len, parallel};
use crate::array::buffer_cache;
use crate::{Array, Element};

/// Views an initialised slice as uninitialised storage to overwrite.
fn as_uninit<T: Copy>(s: &mut [T]) -> &mut [MaybeUninit<T>] {
    // SAFETY: same layout; we only write initialised `T: Copy` values back.
    unsafe { &mut *(s as *mut [T] as *mut [MaybeUninit<T>]) }
}

#[inline(always)]
fn kernel1<T: Copy, U, F: Fn(T) -> U>(x: &[T], out: &mut [MaybeUninit<U>], f: &F) {
    for (o, &a) in out.iter_mut().zip(x) {
        o.write(f(a));
    }
}

#[inline(always)]
fn kernel2<T: Copy, U, F: Fn(T, T) -> U>(x: &[T], y: &[T], out: &mut [MaybeUninit<U>], f: &F) {
    for ((o, &a), &b) in out.iter_mut().zip(x).zip(y) {
        o.write(f(a, b));
    }
}

#[inline(always)]
fn kernel3<T: Copy, F: Fn(T, T, T) -> T>(
    x: &[T],
    y: &[T],
    z: &[T],
    out: &mut [MaybeUninit<T>],
    f: &F,
) {
    for (((o, &a), &b), &c) in out.iter_mut().zip(x).zip(y).zip(z) {
        o.write(f(a, b, c));
    }
}

/// `kernel` over blocks of `stream::BLOCK` into a stack buffer, each block
/// then copied out with streaming stores (see `kernels::stream`).
#[inline(always)]
fn blocks1<T: Copy, U, F: Fn(T) -> U>(x: &[T], out: &mut [MaybeUninit<U>], f: &F) {
    let mut buf = stream::block_buf::<U>();
    for (o, a) in out.chunks_mut(stream::BLOCK).zip(x.chunks(stream::BLOCK)) {
        kernel1(a, &mut buf[..a.len()], f);
        // SAFETY: kernel1 initialised buf[..a.len()]; o has a.len() slots.
        unsafe { stream::stream_out(o.as_mut_ptr() as *mut U, buf.as_ptr(), a.len()) };
    }
    stream::fence();
}

#[inline(always)]
fn blocks2<T: Copy, U, F: Fn(T, T) -> U>(x: &[T], y: &[T], out: &mut [MaybeUninit<U>], f: &F) {
    let mut buf = stream::block_buf::<U>();
    let b = stream::BLOCK;
    for ((o, a), c) in out.chunks_mut(b).zip(x.chunks(b)).zip(y.chunks(b)) {
        kernel2(a, c, &mut buf[..a.len()], f);
        // SAFETY: kernel2 initialised buf[..a.len()]; o has a.len() slots.
        unsafe { stream::stream_out(o.as_mut_ptr() as *mut U, buf.as_ptr(), a.len()) };
    }
    stream::fence();
}

#[inline(always)]
fn blocks3<T: Copy, F: Fn(T, T, T) -> T>(
    x: &[T],
    y: &[T],
    z: &[T],
    out: &mut [MaybeUninit<T>],
    f: &F,
) {
    let mut buf = stream::block_buf::<T>();
    let b = stream::BLOCK;
    let ins = x.chunks(b).zip(y.chunks(b)).zip(z.chunks(b));
    for (o, ((a, c), d)) in out.chunks_mut(b).zip(ins) {
        kernel3(a, c, d, &mut buf[..a.len()], f);
        // SAFETY: kernel3 initialised buf[..a.len()]; o has a.len() slots.
        unsafe { stream::stream_out(o.as_mut_ptr() as *mut T, buf.as_ptr(), a.len()) };
    }
    stream::fence();
}

fn seq1<T: Copy, U, F: Fn(T) -> U>(x: &[T], out: &mut [MaybeUninit<U>], f: &F, streaming: bool) {
    dispatch(
        #[inline(always)]
        || {
            if streaming {
                blocks1(x, out, f)
            } else {
                kernel1(x, out, f)
            }
        },
    )
}

fn seq2<T: Copy, U, F: Fn(T, T) -> U>(
    x: &[T],
    y: &[T],
    out: &mut [MaybeUninit<U>],
    f: &F,
    streaming: bool,
) {
    dispatch(
        #[inline(always)]
        || {
            if streaming {
                blocks2(x, y, out, f)
            } else {
                kernel2(x, y, out, f)
            }
        },
    )
}

fn seq3<T: Copy, F: Fn(T, T, T) -> T>(
    x: &[T],
    y: &[T],
    z: &[T],
    out: &mut [MaybeUninit<T>],
    f: &F,
    streaming: bool,
) {
    dispatch(
        #[inline(always)]
        || {
            if streaming {
                blocks3(x, y, z, out, f)
            } else {
                kernel3(x, y, z, out, f)
            }
        },
    )
}

fn seq_inplace<T: Copy, F: Fn(T) -> T>(x: &mut [T], f: &F) {
    dispatch(
        #[inline(always)]
        || {
            for v in x.iter_mut() {
                *v = f(*v);
            }
        },
    )
}

fn seq_inplace2<T: Copy, F: Fn(T, T) -> T>(acc: &mut [T], y: &[T], f: &F) {
    dispatch(
        #[inline(always)]
        || {
            for (a, &b) in acc.iter_mut().zip(y) {
                *a = f(*a, b);
            }
        },
    )
}

fn check_len(op: &str, what: &str, a: usize, b: usize) {
    assert!(
        a == b,
        "{op}: {what} has {b} elements but {a} were expected"
    );
}

/// `out[i] = f(x[i])` over slices of equal length (into possibly
/// uninitialised storage).
pub fn map1_uninit<T, U, F>(x: &[T], out: &mut [MaybeUninit<U>], f: F)
where
    T: Copy + Sync,
    U: Send,
    F: Fn(T) -> U + Sync,
{
    check_len("kernels::map1", "the output", x.len(), out.len());
    let st = stream::should_stream::<U>(x.len(), 1);
    if parallel(x.len()) {
        let c = chunk_len(x.len());
        out.par_chunks_mut(c)
            .zip(x.par_chunks(c))
            .for_each(|(o, a)| seq1(a, o, &f, st));
    } else {
        seq1(x, out, &f, st);
    }
}

/// `out[i] = f(x[i])` over slices of equal length.
pub fn map1_slice<T, U, F>(x: &[T], out: &mut [U], f: F)
where
    T: Copy + Sync,
    U: Copy + Send,
    F: Fn(T) -> U + Sync,
{
    map1_uninit(x, as_uninit(out), f)
}

/// `out[i] = f(x[i], y[i])` over slices of equal length.
pub fn map2_slice<T, U, F>(x: &[T], y: &[T], out: &mut [U], f: F)
where
    T: Copy + Sync,
    U: Copy + Send,
    F: Fn(T, T) -> U + Sync,
{
    map2_uninit(x, y, as_uninit(out), f)
}

/// `out[i] = f(x[i], y[i])` into possibly uninitialised storage.
fn map2_uninit<T, U, F>(x: &[T], y: &[T], out: &mut [MaybeUninit<U>], f: F)
where
    T: Copy + Sync,
    U: Send,
    F: Fn(T, T) -> U + Sync,
{
    check_len("kernels::map2", "the second input", x.len(), y.len());
    check_len("kernels::map2", "the output", x.len(), out.len());
    let st = stream::should_stream::<U>(x.len(), 1);
    if parallel(x.len()) {
        let c = chunk_len(x.len());
        out.par_chunks_mut(c)
            .zip(x.par_chunks(c).zip(y.par_chunks(c)))
            .for_each(|(o, (a, b))| seq2(a, b, o, &f, st));
    } else {
        seq2(x, y, out, &f, st);
    }
}

/// `out[i] = f(x[i], y[i], z[i])` over slices of equal length.
pub fn map3_slice<T, F>(x: &[T], y: &[T], z: &[T], out: &mut [T], f: F)
where
    T: Copy + Send + Sync,
    F: Fn(T, T, T) -> T + Sync,
{
    check_len("kernels::map3", "the second input", x.len(), y.len());
    check_len("kernels::map3", "the third input", x.len(), z.len());
    check_len("kernels::map3", "the output", x.len(), out.len());
    let out = as_uninit(out);
    let st = stream::should_stream::<T>(x.len(), 1);
    if parallel(x.len()) {
        let c = chunk_len(x.len());
        out.par_chunks_mut(c)
            .zip(x.par_chunks(c).zip(y.par_chunks(c).zip(z.par_chunks(c))))
            .for_each(|(o, (a, (b, cc)))| seq3(a, b, cc, o, &f, st));
    } else {
        seq3(x, y, z, out, &f, st);
    }
}

/// `x[i] = f(x[i])` in place.
pub fn map1_inplace_slice<T, F>(x: &mut [T], f: F)
where
    T: Copy + Send,
    F: Fn(T) -> T + Sync,
{
    if parallel(x.len()) {
        let c = chunk_len(x.len());
        x.par_chunks_mut(c).for_each(|a| seq_inplace(a, &f));
    } else {
        seq_inplace(x, &f);
    }
}

/// `acc[i] = f(acc[i], y[i])` in place (e.g. a loop-carried update).
pub fn map2_inplace_slice<T, F>(acc: &mut [T], y: &[T], f: F)
where
    T: Copy + Send + Sync,
    F: Fn(T, T) -> T + Sync,
{
    check_len(
        "kernels::map2_inplace",
        "the second input",
        acc.len(),
        y.len(),
    );
    if parallel(acc.len()) {
        let c = chunk_len(acc.len());
        acc.par_chunks_mut(c)
            .zip(y.par_chunks(c))
            .for_each(|(a, b)| seq_inplace2(a, b, &f));
    } else {
        seq_inplace2(acc, y, &f);
    }
}

fn check_shape(op: &str, a: &[usize], b: &[usize]) {
    assert!(
        a == b,
        "{op}: shapes {a:?} and {b:?} differ; fused elementwise operands must have equal shapes"
    );
}

/// A new array `f(x)` elementwise, in one pass (no zero-fill; a large
/// result reuses a dropped array's pages from the buffer cache).
pub fn map1<T: Element, U: Element, F: Fn(T) -> U + Sync>(x: &Array<T>, f: F) -> Array<U> {
    let n = x.len();
    let mut v: Vec<U> = buffer_cache::with_capacity(n);
    map1_uninit(x.as_slice(), &mut v.spare_capacity_mut()[..n], f);
    // SAFETY: map1_uninit wrote all n elements.
    unsafe { v.set_len(n) };
    Array::from_raw(x.shape(), v)
}

/// A new array `f(x, y)` elementwise; `x` and `y` have equal shapes.
pub fn map2<T: Element, U: Element, F: Fn(T, T) -> U + Sync>(
    x: &Array<T>,
    y: &Array<T>,
    f: F,
) -> Array<U> {
    check_shape("kernels::map2", x.shape(), y.shape());
    let n = x.len();
    let mut v: Vec<U> = buffer_cache::with_capacity(n);
    map2_uninit(
        x.as_slice(),
        y.as_slice(),
        &mut v.spare_capacity_mut()[..n],
        f,
    );
    // SAFETY: map2_uninit wrote all n elements.
    unsafe { v.set_len(n) };
    Array::from_raw(x.shape(), v)
}

/// `out = f(x)` elementwise into an existing buffer of the same shape (a
/// buffer planned once and reused across calls).
pub fn map1_into<T: Element, U: Element, F: Fn(T) -> U + Sync>(
    x: &Array<T>,
    out: &mut Array<U>,
    f: F,
) {
    check_shape("kernels::map1_into", x.shape(), out.shape());
    map1_slice(x.as_slice(), out.as_mut_slice(), f);
}

/// `out = f(x, y)` elementwise into an existing buffer.
pub fn map2_into<T: Element, U: Element, F: Fn(T, T) -> U + Sync>(
    x: &Array<T>,
    y: &Array<T>,
    out: &mut Array<U>,
    f: F,
) {
    check_shape("kernels::map2_into", x.shape(), y.shape());
    check_shape("kernels::map2_into", x.shape(), out.shape());
    map2_slice(x.as_slice(), y.as_slice(), out.as_mut_slice(), f);
}

/// `x = f(x)` elementwise in place (copies first only if `x`'s storage is
/// shared).
pub fn map1_inplace<T: Element, F: Fn(T) -> T + Sync>(x: &mut Array<T>, f: F) {
    map1_inplace_slice(x.as_mut_slice(), f);
}

/// `acc = f(acc, y)` elementwise in place.
pub fn map2_inplace<T: Element, F: Fn(T, T) -> T + Sync>(acc: &mut Array<T>, y: &Array<T>, f: F) {
    check_shape("kernels::map2_inplace", acc.shape(), y.shape());
    map2_inplace_slice(acc.as_mut_slice(), y.as_slice(), f);
}

/// `sum_i f(x[i])` in one pass (a reduction fused with its producer),
/// accumulated in f64 per chunk for accuracy, split over the pool when large.
pub fn map_sum<T, F>(x: &[T], f: F) -> f64
where
    T: Copy + Sync,
    F: Fn(T) -> f64 + Sync,
{
    fn seq<T: Copy, F: Fn(T) -> f64>(x: &[T], f: &F) -> f64 {
        dispatch(
            #[inline(always)]
            || {
                // 8 partial sums so the adds vectorise (fixed order: deterministic).
                let mut acc = [0.0f64; 8];
                let mut it = x.chunks_exact(8);
                for c in &mut it {
                    for k in 0..8 {
                        acc[k] += f(c[k]);
                    }
                }
                for (k, &v) in it.remainder().iter().enumerate() {
                    acc[k] += f(v);
                }
                acc.iter().sum()
            },
        )
    }
    if parallel(x.len()) {
        let c = chunk_len(x.len());
        // Partial sums in chunk order, added in that order: deterministic.
        let parts: Vec<f64> = x.par_chunks(c).map(|a| seq(a, &f)).collect();
        parts.iter().sum()
    } else {
        seq(x, &f)
    }
}

/// Rows of a `[rows, R]` array per strip in [`map_rows`]; transposed
/// through stack buffers so the per-row function runs over unit-stride
/// lanes and vectorises.
const ROW_STRIP: usize = 256;

/// `out[i, :] = f(x[i, :])` for row-major `x: [rows, R]`, `out: [rows, S]`
/// with small fixed row lengths: the loop `#[jit]` emits for `vmap` of a
/// function on a short vector (e.g. `vmap(grad f)` over rows of 3). Rows
/// are moved through a column layout in strips of 256 so that `f` runs
/// vectorised across rows; parallel over strips when large. Mark `f`
/// `#[inline(always)]` (see the module docs).
pub fn map_rows<T, const R: usize, const S: usize, F>(x: &[T], out: &mut [T], f: F)
where
    T: Copy + Default + Send + Sync,
    F: Fn([T; R]) -> [T; S] + Sync,
{
    assert!(
        R > 0
            && x.len().is_multiple_of(R)
            && out.len() / S.max(1) == x.len() / R
            && out.len().is_multiple_of(S.max(1)),
        "kernels::map_rows: {} inputs do not form rows of {R}, or {} outputs do not match rows of {S}",
        x.len(),
        out.len()
    );
    let rows = x.len() / R;
    let strip = |xs: &[T], os: &mut [T]| {
        dispatch(
            #[inline(always)]
            || {
                let n = xs.len() / R;
                let mut cols_in = [[T::default(); ROW_STRIP]; R];
                let mut cols_out = [[T::default(); ROW_STRIP]; S];
                for i in 0..n {
                    for c in 0..R {
                        cols_in[c][i] = xs[i * R + c];
                    }
                }
                for l in 0..ROW_STRIP {
                    let o = f(std::array::from_fn(|c| cols_in[c][l]));
                    for c in 0..S {
                        cols_out[c][l] = o[c];
                    }
                }
                for i in 0..n {
                    for c in 0..S {
                        os[i * S + c] = cols_out[c][i];
                    }
                }
            },
        )
    };
    if parallel(x.len()) {
        let c = chunk_len(rows).next_multiple_of(ROW_STRIP);
        out.par_chunks_mut(c * S)
            .zip(x.par_chunks(c * R))
            .for_each(|(o, a)| {
                for (os, xs) in o.chunks_mut(ROW_STRIP * S).zip(a.chunks(ROW_STRIP * R)) {
                    strip(xs, os);
                }
            });
    } else {
        for (os, xs) in out.chunks_mut(ROW_STRIP * S).zip(x.chunks(ROW_STRIP * R)) {
            strip(xs, os);
        }
    }
}
