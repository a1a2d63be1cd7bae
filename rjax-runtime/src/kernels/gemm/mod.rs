//! Matrix products.
//!
//! - [`matmul_strided`]: `c = a · b` on strided views, the eager
//!   `dot_general`'s kernel (floats through the `gemm` crate, integers by a
//!   plain loop);
//! - the `#[jit]` kernels with a fused elementwise epilogue: [`gemm_fused`],
//!   [`gemm_epilogue_into`], [`gemm_ex_slice`], [`syrk_epilogue`] (f32: the
//!   own packed kernel `avx2`, with the 6x64 AVX-512 microkernel
//!   `avx512` where the CPU has it, and the AVX-512 strip kernels
//!   `nn`/`nt` for general products with k, n >= 16; otherwise the `gemm`
//!   crate block by block). docs/PERFORMANCE.md has the table of which
//!   runs where and the measurements behind it.
//!
//! [`gemm_crate`] is the one call into the `gemm` crate; both paths use it.

mod avx2;
mod avx512;
mod epilogue;
mod float;
mod fused;
mod nn;
mod nt;
mod pack;
mod syrk;

use std::any::TypeId;

use gemm::Parallelism;

use crate::dtype::Num;

pub use avx2::Tile;
pub use epilogue::{gemm_epilogue, gemm_epilogue_into, gemm_epilogue_slice, gemm_ex_slice};
pub use float::GemmFloat;
pub use fused::gemm_fused;
pub use syrk::{syrk_epilogue, syrk_epilogue_into, syrk_epilogue_slice};

/// Multiply-adds (`m·n·k`) from which an eager product uses every rayon
/// thread (below, the hand-off costs more than the product).
pub const PAR_FLOPS: usize = 48 * 48 * 48;

/// `c = a · b` for `m×k` `a` and `k×n` `b` given as (pointer, row stride,
/// column stride), in elements: f32 and f64 through the `gemm` crate
/// (parallel from `PAR_FLOPS`), the integer types by a plain loop with
/// their wrapping arithmetic.
///
/// # Safety
/// Every view must be in bounds for its sizes and strides, and `c` must not
/// overlap `a` or `b`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn matmul_strided<T: Num>(
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
    let float =
        TypeId::of::<T>() == TypeId::of::<f32>() || TypeId::of::<T>() == TypeId::of::<f64>();
    if float {
        let par = m.saturating_mul(n).saturating_mul(k) >= PAR_FLOPS;
        // SAFETY: forwarded from the caller; T is f32 or f64.
        unsafe {
            gemm_crate(
                m,
                n,
                k,
                (c, c_rs, c_cs),
                (a, a_rs, a_cs),
                (b, b_rs, b_cs),
                par,
                (T::zero(), T::one()),
            )
        };
        return;
    }
    for i in 0..m as isize {
        for j in 0..n as isize {
            let mut acc = T::zero();
            for p in 0..k as isize {
                // SAFETY: in bounds by the caller's contract.
                let (x, y) = unsafe {
                    (
                        *a.offset(i * a_rs + p * a_cs),
                        *b.offset(p * b_rs + j * b_cs),
                    )
                };
                acc = acc.add(x.mul(y));
            }
            // SAFETY: in bounds by the caller's contract.
            unsafe { *c.offset(i * c_rs + j * c_cs) = acc };
        }
    }
}

/// The one call into the `gemm` crate: `c = a · b` on (pointer, row
/// stride, column stride) views, on the calling thread or, with `par`, on
/// every rayon thread. `k == 0` writes zeros. `zero` and `one` are the
/// type's 0 and 1 (the crate computes `c = 0 · c + 1 · a · b`).
///
/// # Safety
/// `T` is f32 or f64 (the crate panics on other types). Every view must be
/// in bounds for its sizes and strides, `c` must not overlap `a` or `b`,
/// nor anything another thread writes.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn gemm_crate<T: Copy + 'static>(
    m: usize,
    n: usize,
    k: usize,
    (c, c_rs, c_cs): (*mut T, isize, isize),
    (a, a_rs, a_cs): (*const T, isize, isize),
    (b, b_rs, b_cs): (*const T, isize, isize),
    par: bool,
    (zero, one): (T, T),
) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        for i in 0..m as isize {
            for j in 0..n as isize {
                // SAFETY: in bounds by the caller's contract.
                unsafe { *c.offset(i * c_rs + j * c_cs) = zero };
            }
        }
        return;
    }
    let par = if par {
        Parallelism::Rayon(rayon::current_num_threads())
    } else {
        Parallelism::None
    };
    // SAFETY: forwarded from the caller; `read_dst = false` so `c` may hold
    // anything, and gemm computes c = beta · a · b with beta = 1. The crate
    // takes (column stride, row stride) pairs.
    unsafe {
        gemm::gemm(
            m, n, k, c, c_cs, c_rs, false, a, a_cs, a_rs, b, b_cs, b_rs, zero, one, false, false,
            false, par,
        )
    }
}
