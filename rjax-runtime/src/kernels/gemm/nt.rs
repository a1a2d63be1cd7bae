//! The f32 AVX-512 kernel behind `syrk_epilogue` and the `A Bᵀ` case of
//! `gemm_epilogue`: a strip of up to 6 rows of `C = A Bᵀ` at a time, with
//! the elementwise epilogue applied to the strip while it is hot in L1.
//!
//! Both operands are read row-major as they are (no packing): each C entry
//! is a dot product of two contiguous rows, so the kernel vectorises along
//! k. A 6x4 register tile (24 zmm accumulators) needs 10 loads per 24 FMAs;
//! the four horizontal sums per row at the end cost about 10% at k = 512.
//! The 6 A rows stay in L1 while B rows stream from L2.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Rows of A per strip (register tile height).
pub(super) const MR: usize = 6;
/// Rows of B per register tile.
const NR: usize = 4;

/// Sums each of four vectors: `[sum a, sum b, sum c, sum d]`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn hsum4(a: __m512, b: __m512, c: __m512, d: __m512) -> __m128 {
    unsafe {
        // 512 -> 256 bits for a pair: [a01+a23 | b01+b23] as 128-bit chunks.
        let ab = _mm512_add_ps(
            _mm512_shuffle_f32x4::<0x44>(a, b),
            _mm512_shuffle_f32x4::<0xEE>(a, b),
        );
        let cd = _mm512_add_ps(
            _mm512_shuffle_f32x4::<0x44>(c, d),
            _mm512_shuffle_f32x4::<0xEE>(c, d),
        );
        // 256 -> 128: chunk q now holds four partials of vector q.
        let abcd = _mm512_add_ps(
            _mm512_shuffle_f32x4::<0x88>(ab, cd),
            _mm512_shuffle_f32x4::<0xDD>(ab, cd),
        );
        let h1 = _mm_hadd_ps(
            _mm512_castps512_ps128(abcd),
            _mm512_extractf32x4_ps::<1>(abcd),
        );
        let h2 = _mm_hadd_ps(
            _mm512_extractf32x4_ps::<2>(abcd),
            _mm512_extractf32x4_ps::<3>(abcd),
        );
        _mm_hadd_ps(h1, h2)
    }
}

/// One 6x4 tile: `out[ii][jj] = dot(a[ii][..k], b[jj][..k])`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn tile(a: &[*const f32; MR], b: &[*const f32; NR], k: usize) -> [__m128; MR] {
    unsafe {
        let mut acc = [[_mm512_setzero_ps(); NR]; MR];
        let full = k / 16;
        for t in 0..full {
            let off = t * 16;
            let bv = [
                _mm512_loadu_ps(b[0].add(off)),
                _mm512_loadu_ps(b[1].add(off)),
                _mm512_loadu_ps(b[2].add(off)),
                _mm512_loadu_ps(b[3].add(off)),
            ];
            for ii in 0..MR {
                let av = _mm512_loadu_ps(a[ii].add(off));
                for jj in 0..NR {
                    acc[ii][jj] = _mm512_fmadd_ps(av, bv[jj], acc[ii][jj]);
                }
            }
        }
        let rem = k % 16;
        if rem != 0 {
            // Masked loads read only the valid tail (no overrun).
            let m: __mmask16 = (1u32 << rem) as u16 - 1;
            let off = full * 16;
            let bv = [
                _mm512_maskz_loadu_ps(m, b[0].add(off)),
                _mm512_maskz_loadu_ps(m, b[1].add(off)),
                _mm512_maskz_loadu_ps(m, b[2].add(off)),
                _mm512_maskz_loadu_ps(m, b[3].add(off)),
            ];
            for ii in 0..MR {
                let av = _mm512_maskz_loadu_ps(m, a[ii].add(off));
                for jj in 0..NR {
                    acc[ii][jj] = _mm512_fmadd_ps(av, bv[jj], acc[ii][jj]);
                }
            }
        }
        let mut out = [_mm_setzero_ps(); MR];
        for ii in 0..MR {
            out[ii] = hsum4(acc[ii][0], acc[ii][1], acc[ii][2], acc[ii][3]);
        }
        out
    }
}

/// Fills `strip[ii * ld + j] = epi(dot(a_row(i0 + ii), b_row(j)))` for
/// `ii < rows` (<= MR) and `j < jend`; `a` is `? x k`, `b` is `? x k`,
/// both row-major with row stride `k`.
///
/// # Safety
/// The CPU must support AVX-512 F/VL/DQ/BW and FMA; `a` must hold rows
/// `i0..i0 + rows`, `b` rows `0..jend`, and `strip` `rows * ld` values
/// with `ld >= jend`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")]
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn strip_avx512<E: Fn(f32) -> f32>(
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
    debug_assert!((1..=MR).contains(&rows) && ld >= jend);
    debug_assert!(a.len() >= (i0 + rows) * k && b.len() >= jend * k);
    debug_assert!(strip.len() >= rows * ld);
    // Rows past the end repeat the last valid row; their sums are dropped.
    let a_rows: [*const f32; MR] =
        std::array::from_fn(|ii| unsafe { a.as_ptr().add((i0 + ii.min(rows - 1)) * k) });
    let mut j = 0;
    while j < jend {
        let cols = NR.min(jend - j);
        let b_rows: [*const f32; NR] =
            std::array::from_fn(|jj| unsafe { b.as_ptr().add((j + jj.min(cols - 1)) * k) });
        let sums = unsafe { tile(&a_rows, &b_rows, k) };
        for (ii, s) in sums.iter().enumerate().take(rows) {
            let mut v = [0.0f32; 4];
            unsafe { _mm_storeu_ps(v.as_mut_ptr(), *s) };
            strip[ii * ld + j..ii * ld + j + cols].copy_from_slice(&v[..cols]);
        }
        j += NR;
    }
    // The epilogue runs here, compiled for AVX-512, while the strip is in L1.
    for ii in 0..rows {
        for v in &mut strip[ii * ld..ii * ld + jend] {
            *v = epi(*v);
        }
    }
}
