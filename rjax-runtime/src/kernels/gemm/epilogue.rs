//! `epi(dot(a, b))` and `epi(dot(a, b.t()))` with the elementwise epilogue
//! fused into the output pass: the matmul of a fused group "matmul +
//! elementwise consumers".
//!
//! In f32 on AVX-512 with k, n >= 16 (`GemmFloat::use_strips`), `a · bᵀ`
//! uses the dot-product strip kernel (`nt.rs`) and `a · b`, `aᵀ · b` the
//! broadcast kernel (`nn.rs`); both apply the epilogue per tile while it
//! is in cache and need no packing. Everything else goes through
//! `gemm_fallback`: the packed kernel where the CPU has AVX2 (`avx2.rs`),
//! else the gemm crate one block per thread, each block's epilogue right
//! after its product.

use rayon::prelude::*;

use super::float::GemmFloat;
use super::fused::{Product, gemm_fallback};
use super::nn::MR as NN_MR;
use super::nt::MR;
use crate::Array;

const PAR_MIN_FMAS: usize = 1 << 20;

/// `out (m x n) = epi(a · b)` (or `epi(a · bᵀ)` when `trans_b`), for
/// `a: [m, k]` and `b: [k, n]` (or `[n, k]`), into an existing buffer of
/// shape `[m, n]`.
pub fn gemm_epilogue_into<T: GemmFloat, E: Fn(T) -> T + Sync>(
    a: &Array<T>,
    b: &Array<T>,
    trans_b: bool,
    out: &mut Array<T>,
    epi: E,
) {
    let (m, k, n) = dims("kernels::gemm_epilogue_into", a.shape(), b.shape(), trans_b);
    assert!(
        out.shape() == [m, n],
        "kernels::gemm_epilogue_into: operands {:?} and {:?} give [{m}, {n}] but the output is {:?}",
        a.shape(),
        b.shape(),
        out.shape()
    );
    gemm_epilogue_slice(
        a.as_slice(),
        b.as_slice(),
        m,
        k,
        n,
        trans_b,
        out.as_mut_slice(),
        epi,
    );
}

/// `epi(a · b)` (or `epi(a · bᵀ)` when `trans_b`) as a new array.
///
/// ```
/// use rjax_runtime::{Array, kernels};
/// let a = Array::from_shape_vec(vec![1, 2], vec![1.0f32, 2.0]).unwrap();
/// let b = Array::from_shape_vec(vec![2, 1], vec![3.0f32, 4.0]).unwrap();
/// let c = kernels::gemm_epilogue(&a, &b, false, |v| v * 2.0);
/// assert_eq!(c.as_slice(), &[22.0]);
/// ```
pub fn gemm_epilogue<T: GemmFloat, E: Fn(T) -> T + Sync>(
    a: &Array<T>,
    b: &Array<T>,
    trans_b: bool,
    epi: E,
) -> Array<T> {
    let (m, _, n) = dims("kernels::gemm_epilogue", a.shape(), b.shape(), trans_b);
    let mut out = Array::from_shape_vec(
        vec![m, n],
        vec![T::zero(); crate::array::size("kernels::gemm_epilogue", &[m, n])],
    )
    .expect("kernels::gemm_epilogue: [m, n]");
    gemm_epilogue_into(a, b, trans_b, &mut out, epi);
    out
}

/// Slice form of [`gemm_epilogue_into`]: row-major `a (m x k)`, `b (k x n)`
/// or `(n x k)` when `trans_b`, `out (m x n)`.
#[allow(clippy::too_many_arguments)]
pub fn gemm_epilogue_slice<T: GemmFloat, E: Fn(T) -> T + Sync>(
    a: &[T],
    b: &[T],
    m: usize,
    k: usize,
    n: usize,
    trans_b: bool,
    out: &mut [T],
    epi: E,
) {
    let d = Product::new(m, k, n, false, trans_b);
    d.check("kernels::gemm_epilogue", a.len(), b.len(), &[out.len()]);
    if m == 0 || n == 0 {
        return;
    }
    if trans_b && T::use_strips(k, n) {
        let strip = |(blk, rows_out): (usize, &mut [T])| {
            let rows = rows_out.len() / n;
            // SAFETY: strip kernel available; a has rows blk*MR..+rows, b
            // has n rows, rows_out holds rows * n values.
            unsafe { T::strip(a, b, k, blk * MR, rows, n, rows_out, n, &epi) };
        };
        return for_strips(out, MR * n, m * n * k, strip);
    }
    if !trans_b && T::use_strips(k, n) {
        return strips_nn(a, k, 1, b, m, k, n, out, &epi);
    }
    gemm_fallback(a, b, d, out, epi);
}

/// `out = epi(A · b)` by 6-row strips of the broadcast kernel, where
/// `A(i, p) = a[i * a_rs + p * a_cs]` and `b` is row-major `k x n`.
#[allow(clippy::too_many_arguments)]
fn strips_nn<T: GemmFloat, E: Fn(T) -> T + Sync>(
    a: &[T],
    a_rs: usize,
    a_cs: usize,
    b: &[T],
    m: usize,
    k: usize,
    n: usize,
    out: &mut [T],
    epi: &E,
) {
    let strip = |(blk, rows_out): (usize, &mut [T])| {
        let rows = rows_out.len() / n;
        // SAFETY: strip kernel available; A(i, p) in bounds for i < m,
        // p < k (checked by the callers' length asserts); rows_out holds
        // rows * n values.
        unsafe { T::strip_nn(a, a_rs, a_cs, b, k, n, blk * NN_MR, rows, rows_out, epi) };
    };
    for_strips(out, NN_MR * n, m * n * k, strip);
}

/// `strip((index, values))` over `out` cut into strips of `len` values
/// (whole rows; the last strip may be shorter), one strip per task on
/// rayon's pool when the product has `PAR_MIN_FMAS` multiply-adds or more.
fn for_strips<T: Send, S: Fn((usize, &mut [T])) + Sync + Send>(
    out: &mut [T],
    len: usize,
    fmas: usize,
    strip: S,
) {
    if fmas >= PAR_MIN_FMAS && rayon::current_num_threads() > 1 {
        out.par_chunks_mut(len)
            .enumerate()
            .with_max_len(1)
            .for_each(strip);
    } else {
        out.chunks_mut(len).enumerate().for_each(strip);
    }
}

/// `out (m x n) = epi(op(a) · op(b))` for row-major slices, where `op(a)`
/// is `a` (`m x k`) or, when `trans_a`, the transpose of `a` stored `k x m`;
/// likewise `op(b)` is `b` (`k x n`) or `bᵀ` with `b` stored `n x k`. The
/// backward pass of a dense layer needs `xᵀ · dy` (`trans_a`).
#[allow(clippy::too_many_arguments)]
pub fn gemm_ex_slice<T: GemmFloat, E: Fn(T) -> T + Sync>(
    a: &[T],
    b: &[T],
    m: usize,
    k: usize,
    n: usize,
    trans_a: bool,
    trans_b: bool,
    out: &mut [T],
    epi: E,
) {
    if !trans_a {
        return gemm_epilogue_slice(a, b, m, k, n, trans_b, out, epi);
    }
    let d = Product::new(m, k, n, true, trans_b);
    d.check("kernels::gemm_ex", a.len(), b.len(), &[out.len()]);
    if m == 0 || n == 0 {
        return;
    }
    if !trans_b && T::use_strips(k, n) {
        // Aᵀ stored k x m: A(i, p) = a[p * m + i].
        return strips_nn(a, 1, m, b, m, k, n, out, &epi);
    }
    gemm_fallback(a, b, d, out, epi);
}

fn dims(op: &str, a: &[usize], b: &[usize], trans_b: bool) -> (usize, usize, usize) {
    assert!(
        a.len() == 2 && b.len() == 2,
        "{op}: expected 2-d operands, got shapes {a:?} and {b:?}"
    );
    let (m, k) = (a[0], a[1]);
    let (kb, n) = if trans_b { (b[1], b[0]) } else { (b[0], b[1]) };
    assert!(
        k == kb,
        "{op}: shapes {a:?} and {b:?}{} do not align ({k} != {kb})",
        if trans_b { " (transposed)" } else { "" }
    );
    (m, k, n)
}
