//! [`GemmFloat`]: what the matmul-with-epilogue kernels need from an
//! element type: a gemm-crate fallback for every float, and the AVX-512
//! strip kernel where one exists (f32).

use super::dispatch::{Isa, isa};
use crate::Element;

/// A float type the `fast` matmul kernels accept (f32, f64).
pub trait GemmFloat: Element + num_traits::Float + 'static {
    /// True when [`GemmFloat::strip`] has a vector kernel on this CPU.
    fn has_strip_kernel() -> bool;

    /// `strip[ii * ld + j] = epi(dot(a_row(i0 + ii), b_row(j)))` for
    /// `ii < rows` (<= 6), `j < jend`; rows of length `k`.
    ///
    /// # Safety
    /// Only call when `has_strip_kernel()`; bounds as in `nt_kernel`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn strip<E: Fn(Self) -> Self>(
        a: &[Self],
        b: &[Self],
        k: usize,
        i0: usize,
        rows: usize,
        jend: usize,
        strip: &mut [Self],
        ld: usize,
        epi: &E,
    );

    /// `out[ii * n + j] = epi(sum_p A(i0 + ii, p) * b[p * n + j])` for
    /// `ii < rows` (<= 6), with `A(i, p) = a[i * a_rs + p * a_cs]`.
    ///
    /// # Safety
    /// Only call when `has_strip_kernel()`; bounds as in `nn_kernel`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn strip_nn<E: Fn(Self) -> Self>(
        a: &[Self],
        a_rs: usize,
        a_cs: usize,
        b: &[Self],
        k: usize,
        n: usize,
        i0: usize,
        rows: usize,
        out: &mut [Self],
        epi: &E,
    );
}

impl GemmFloat for f32 {
    unsafe fn strip_nn<E: Fn(f32) -> f32>(
        a: &[f32],
        a_rs: usize,
        a_cs: usize,
        b: &[f32],
        k: usize,
        n: usize,
        i0: usize,
        rows: usize,
        out: &mut [f32],
        epi: &E,
    ) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: forwarded from the caller.
        unsafe {
            super::nn_kernel::strip_nn_avx512(a, a_rs, a_cs, b, k, n, i0, rows, out, epi)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("fast: no strip kernel on this architecture")
    }

    fn has_strip_kernel() -> bool {
        isa() == Isa::Avx512
    }

    unsafe fn strip<E: Fn(f32) -> f32>(
        a: &[f32],
        b: &[f32],
        k: usize,
        i0: usize,
        rows: usize,
        jend: usize,
        strip: &mut [f32],
        ld: usize,
        epi: &E,
    ) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: forwarded from the caller.
        unsafe {
            super::nt_kernel::strip_avx512(a, b, k, i0, rows, jend, strip, ld, epi)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("fast: no strip kernel on this architecture")
    }
}

impl GemmFloat for f64 {
    unsafe fn strip_nn<E: Fn(f64) -> f64>(
        _: &[f64],
        _: usize,
        _: usize,
        _: &[f64],
        _: usize,
        _: usize,
        _: usize,
        _: usize,
        _: &mut [f64],
        _: &E,
    ) {
        unreachable!("fast: no f64 strip kernel; has_strip_kernel() is false")
    }

    fn has_strip_kernel() -> bool {
        false
    }

    unsafe fn strip<E: Fn(f64) -> f64>(
        _: &[f64],
        _: &[f64],
        _: usize,
        _: usize,
        _: usize,
        _: usize,
        _: &mut [f64],
        _: usize,
        _: &E,
    ) {
        unreachable!("fast: no f64 strip kernel; has_strip_kernel() is false")
    }
}

/// `dst (m x n) = lhs (m x k) * rhs` through the gemm crate, where `rhs` is
/// `k x n` row-major, or `n x k` row-major read transposed when `trans_b`.
pub(super) fn gemm_crate<T: GemmFloat>(
    lhs: &[T],
    rhs: &[T],
    dst: &mut [T],
    m: usize,
    n: usize,
    k: usize,
    trans_b: bool,
) {
    gemm_crate_ex(lhs, rhs, dst, m, n, k, false, trans_b)
}

/// As [`gemm_crate`], with `lhs` stored `k x m` and read transposed when
/// `trans_a`.
#[allow(clippy::too_many_arguments)]
pub(super) fn gemm_crate_ex<T: GemmFloat>(
    lhs: &[T],
    rhs: &[T],
    dst: &mut [T],
    m: usize,
    n: usize,
    k: usize,
    trans_a: bool,
    trans_b: bool,
) {
    let (lhs_cs, lhs_rs) = if trans_a {
        (m as isize, 1)
    } else {
        (1, k as isize)
    };
    let (rhs_cs, rhs_rs) = if trans_b {
        (k as isize, 1)
    } else {
        (1, n as isize)
    };
    let par = if m * n * k >= 1 << 18 {
        gemm::Parallelism::Rayon(rayon::current_num_threads())
    } else {
        gemm::Parallelism::None
    };
    assert!(lhs.len() >= m * k && rhs.len() >= k * n && dst.len() >= m * n);
    // SAFETY: bounds checked above; dst does not alias the inputs (&mut).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            false,
            lhs.as_ptr(),
            lhs_cs,
            lhs_rs,
            rhs.as_ptr(),
            rhs_cs,
            rhs_rs,
            T::zero(),
            T::one(),
            false,
            false,
            false,
            par,
        )
    }
}
