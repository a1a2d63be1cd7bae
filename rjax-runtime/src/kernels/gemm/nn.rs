//! The f32 AVX-512 kernel for `epi(op(A) · B)` with B row-major `k x n`
//! (no transpose): vectors run along n, A's entries are broadcast. A is
//! read through strides, so `A` (`m x k`) and `Aᵀ` stored `k x m` (the
//! backward of a dense layer, `xᵀ · dy`) use the same code, and nothing is
//! packed or transposed.
//!
//! Register tile: 6 rows x 64 columns (24 zmm accumulators); per k step 4
//! vector loads of B and 6 broadcasts feed 24 FMAs. Partial column tiles
//! use masked loads and stores. The epilogue runs on each finished tile.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Rows of C per strip.
pub(super) const MR: usize = 6;
/// Column vectors (16 lanes each) per register tile.
const NV: usize = 4;

/// Strip `out[ii * n + j] = epi(sum_p A(i0 + ii, p) * b[p * n + j])` for
/// `ii < rows`, all `j < n`, where `A(i, p) = a[i * a_rs + p * a_cs]`.
///
/// # Safety
/// The CPU must support AVX-512 F/VL/DQ/BW and FMA; `a` must hold every
/// `A(i, p)` for `i < i0 + rows`, `p < k`; `b` holds `k * n` values and
/// `out` `rows * n`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn strip_nn_avx512<E: Fn(f32) -> f32>(
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
    debug_assert!((1..=MR).contains(&rows) && out.len() >= rows * n && b.len() >= k * n);
    let a_rows: [*const f32; MR] =
        std::array::from_fn(|ii| unsafe { a.as_ptr().add((i0 + ii.min(rows - 1)) * a_rs) });
    let mut j0 = 0;
    while j0 < n {
        // Lane masks of the (up to) four column vectors of this tile.
        let masks: [__mmask16; NV] = std::array::from_fn(|v| {
            let start = j0 + 16 * v;
            let len = n.saturating_sub(start).min(16);
            ((1u32 << len) - 1) as u16
        });
        let mut acc = [[_mm512_setzero_ps(); NV]; MR];
        let bp = unsafe { b.as_ptr().add(j0) };
        for p in 0..k {
            let row = unsafe { bp.add(p * n) };
            let bv: [__m512; NV] = std::array::from_fn(|v| unsafe {
                _mm512_maskz_loadu_ps(masks[v], row.add(16 * v))
            });
            for ii in 0..MR {
                let av = _mm512_set1_ps(unsafe { *a_rows[ii].add(p * a_cs) });
                for v in 0..NV {
                    acc[ii][v] = _mm512_fmadd_ps(av, bv[v], acc[ii][v]);
                }
            }
        }
        let cols = (n - j0).min(16 * NV);
        for ii in 0..rows {
            let dst = &mut out[ii * n + j0..ii * n + j0 + cols];
            let mut tmp = [0.0f32; 16 * NV];
            for (v, a) in acc[ii].iter().enumerate() {
                unsafe { _mm512_storeu_ps(tmp.as_mut_ptr().add(16 * v), *a) };
            }
            for (d, &t) in dst.iter_mut().zip(&tmp) {
                *d = epi(t);
            }
        }
        j0 += 16 * NV;
    }
}
