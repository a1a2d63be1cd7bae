//! Matrix products for `f32`/`f64` through the `gemm` crate (blocked,
//! SIMD micro-kernels chosen at run time for the CPU, rayon-parallel).
//!
//! `gemm` accepts arbitrary row and column strides, so transposed operands
//! need no copy. Small products run on the calling thread: below
//! [`PAR_FLOPS`] the rayon hand-off costs more than the product.

use gemm::Parallelism;

/// Multiply-adds (`m·n·k`) from which a product uses every rayon thread.
pub const PAR_FLOPS: usize = 48 * 48 * 48;

/// `c = a · b` for `m×k` `a` and `k×n` `b` given as (pointer, row stride,
/// column stride), in elements. `T` must be `f32` or `f64`.
///
/// # Safety
/// Every view must be in bounds for its sizes and strides, and `c` must not
/// overlap `a` or `b`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemm_strided<T: Copy + 'static + crate::dtype::Num>(
    m: usize,
    n: usize,
    k: usize,
    c: *mut T,
    c_rs: isize,
    c_cs: isize,
    a: *const T,
    a_rs: isize,
    a_cs: isize,
    b: *const T,
    b_rs: isize,
    b_cs: isize,
) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        for i in 0..m as isize {
            for j in 0..n as isize {
                // SAFETY: in bounds by the caller's contract.
                unsafe { *c.offset(i * c_rs + j * c_cs) = T::zero() };
            }
        }
        return;
    }
    let par = if m * n * k >= PAR_FLOPS {
        Parallelism::Rayon(rayon::current_num_threads())
    } else {
        Parallelism::None
    };
    // SAFETY: forwarded from the caller; `read_dst = false` so `c` may hold
    // anything, and gemm computes c = beta · a · b with beta = 1.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c,
            c_cs,
            c_rs,
            false,
            a,
            a_cs,
            a_rs,
            b,
            b_cs,
            b_rs,
            T::zero(),
            T::one(),
            false,
            false,
            false,
            par,
        )
    }
}
