//! [`GemmFloat`]: what the matmul-with-epilogue kernels need from an
//! element type: a gemm-crate fallback for every float, and the AVX-512
//! strip kernel where one exists (f32).

use super::avx2::{self, Tile};
use super::pack::View;
use crate::Element;
use crate::kernels::cpu::{Isa, isa};

/// A float type the matmul-with-epilogue kernels accept (f32, f64).
pub trait GemmFloat: Element + num_traits::Float + 'static {
    /// True when [`GemmFloat::strip`] has a vector kernel on this CPU.
    fn has_strip_kernel() -> bool;

    /// True when a general product with contraction `k` and `n` columns
    /// runs on the AVX-512 strip kernels: they need `k, n >= 16`. Below,
    /// the masked tails dominate: 128x256x10 (an MLP's output layer) took
    /// 40 us by the strips against 12 us by the gemm crate on one Zen4
    /// core. (A syrk takes the packed kernel instead, `syrk.rs`.)
    fn use_strips(k: usize, n: usize) -> bool {
        Self::has_strip_kernel() && k >= 16 && n >= 16
    }

    /// True when the packed AVX2 gemm ([`GemmFloat::packed_gemm`]) runs
    /// this type on this CPU (f32 with AVX2 and FMA).
    fn has_packed_kernel() -> bool {
        false
    }

    /// `op(A) · op(B)` by the packed kernel, `finish` on each finished
    /// tile; `op(A)(i, p) = a[i * a_rs + p * a_cs]`, `op(B)(p, j) = b[p *
    /// b_rs + j * b_cs]`; `acc` (`m x n`) holds partial sums.
    ///
    /// # Safety
    /// Only when `has_packed_kernel()`; as `avx2::gemm`.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn packed_gemm<F: Fn(&Tile<Self>) + Sync>(
        _m: usize,
        _n: usize,
        _k: usize,
        _a: (*const Self, usize, usize),
        _b: (*const Self, usize, usize),
        _acc: *mut Self,
        _finish: &F,
    ) {
        unreachable!("fast: no packed gemm for this type; has_packed_kernel() is false")
    }

    /// `out = epi(x · xᵀ)` by the packed kernel (`x` row-major `m x k`,
    /// `out` `m x m`), computing one triangle and mirroring it.
    ///
    /// # Safety
    /// Only when `has_packed_kernel()`; as `avx2::syrk`.
    #[doc(hidden)]
    unsafe fn packed_syrk<E: Fn(Self) -> Self + Sync>(
        _x: *const Self,
        _m: usize,
        _k: usize,
        _out: *mut Self,
        _epi: &E,
    ) {
        unreachable!("fast: no packed syrk for this type; has_packed_kernel() is false")
    }

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
            super::nn::strip_nn_avx512(a, a_rs, a_cs, b, k, n, i0, rows, out, epi)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unreachable!("fast: no strip kernel on this architecture")
    }

    fn has_strip_kernel() -> bool {
        isa() == Isa::Avx512
    }

    fn has_packed_kernel() -> bool {
        avx2::available()
    }

    unsafe fn packed_gemm<F: Fn(&Tile<f32>) + Sync>(
        m: usize,
        n: usize,
        k: usize,
        (a, a_rs, a_cs): (*const f32, usize, usize),
        (b, b_rs, b_cs): (*const f32, usize, usize),
        acc: *mut f32,
        finish: &F,
    ) {
        let a = View {
            ptr: a,
            rs: a_rs,
            cs: a_cs,
        };
        let b = View {
            ptr: b,
            rs: b_rs,
            cs: b_cs,
        };
        // SAFETY: forwarded from the caller.
        unsafe { avx2::gemm(m, n, k, a, b, acc, finish) }
    }

    unsafe fn packed_syrk<E: Fn(f32) -> f32 + Sync>(
        x: *const f32,
        m: usize,
        k: usize,
        out: *mut f32,
        epi: &E,
    ) {
        // SAFETY: forwarded from the caller.
        unsafe { avx2::syrk(x, m, k, out, epi) }
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
            super::nt::strip_avx512(a, b, k, i0, rows, jend, strip, ld, epi)
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

/// One block of a matmul on the calling thread through the gemm crate:
/// `dst[i * dst_rs + j] = sum_p lhs[i * lhs_rs + p * lhs_cs] * rhs[p *
/// rhs_rs + j * rhs_cs]` for `i < m`, `j < n` (strided views, so a block of
/// rows or columns of a bigger product needs no copy). Callers split a
/// product into such blocks over the pool themselves: the gemm crate's own
/// threading splits the MLP shapes (128 rows) poorly.
///
/// # Safety
/// Every address read or written must be in bounds of live allocations;
/// `dst` must not overlap `lhs` or `rhs`, nor a block another thread writes.
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn gemm_block<T: GemmFloat>(
    m: usize,
    n: usize,
    k: usize,
    dst: *mut T,
    dst_rs: usize,
    lhs: *const T,
    lhs_rs: usize,
    lhs_cs: usize,
    rhs: *const T,
    rhs_rs: usize,
    rhs_cs: usize,
) {
    // SAFETY: per the contract; T is f32 or f64 (the GemmFloat types).
    unsafe {
        super::gemm_crate(
            m,
            n,
            k,
            (dst, dst_rs as isize, 1),
            (lhs, lhs_rs as isize, lhs_cs as isize),
            (rhs, rhs_rs as isize, rhs_cs as isize),
            false,
            (T::zero(), T::one()),
        )
    }
}
