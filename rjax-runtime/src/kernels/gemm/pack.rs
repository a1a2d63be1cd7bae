//! Packing for the AVX2 f32 gemm (`avx2_gemm`): operands are copied into
//! the order the 6x16 microkernel reads them, so that every load in its
//! inner loop is contiguous and the panel it reuses stays in L1 whatever
//! the source strides (a power-of-two row stride would otherwise map a
//! panel onto a few cache sets).
//!
//! - B panels: `kc x 16` blocks, element `(p, c)` at `p * 16 + c`; columns
//!   past the edge are zero, so the kernel always computes full tiles.
//! - A panels (only when `op(A)` is not row-major; row-major A is read in
//!   place): `6 x kc` blocks, element `(r, p)` at `p * 6 + r`, rows past
//!   the edge zero.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Rows of the register tile.
pub(super) const MR: usize = 6;
/// Columns of the register tile (two 8-lane vectors).
pub(super) const NR: usize = 16;

/// A read-only strided matrix: element `(r, c)` at `ptr[r * rs + c * cs]`.
#[derive(Clone, Copy, Debug)]
pub(super) struct View {
    pub ptr: *const f32,
    pub rs: usize,
    pub cs: usize,
}
// SAFETY: a View only reads; the tasks that share one never write through it.
unsafe impl Send for View {}
unsafe impl Sync for View {}

impl View {
    /// Address of element `(r, c)`.
    ///
    /// # Safety
    /// `(r, c)` must be inside the viewed matrix.
    #[inline(always)]
    pub unsafe fn at(&self, r: usize, c: usize) -> *const f32 {
        unsafe { self.ptr.add(r * self.rs + c * self.cs) }
    }
}

/// Transposes eight 8-lane rows: `out[q][c] = rows[c][q]`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) unsafe fn transpose8(r: [__m256; 8]) -> [__m256; 8] {
    unsafe {
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        let t4 = _mm256_unpacklo_ps(r[4], r[5]);
        let t5 = _mm256_unpackhi_ps(r[4], r[5]);
        let t6 = _mm256_unpacklo_ps(r[6], r[7]);
        let t7 = _mm256_unpackhi_ps(r[6], r[7]);
        // Per 128-bit lane: columns 0/4, 1/5, 2/6, 3/7 of rows 0-3 and 4-7.
        let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        [
            _mm256_permute2f128_ps::<0x20>(u0, u4),
            _mm256_permute2f128_ps::<0x20>(u1, u5),
            _mm256_permute2f128_ps::<0x20>(u2, u6),
            _mm256_permute2f128_ps::<0x20>(u3, u7),
            _mm256_permute2f128_ps::<0x31>(u0, u4),
            _mm256_permute2f128_ps::<0x31>(u1, u5),
            _mm256_permute2f128_ps::<0x31>(u2, u6),
            _mm256_permute2f128_ps::<0x31>(u3, u7),
        ]
    }
}

/// Packs `B(p0 + p, c0 + c)` for `p < pk`, `c0 + c < c1` into panels of
/// [`NR`] columns at `dst` (panel `q` at `dst + q * pk * NR`).
///
/// # Safety
/// AVX2 must be available; the elements read must be inside `b`; `dst`
/// holds `(c1 - c0).div_ceil(NR) * pk * NR` values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn pack_b(b: View, p0: usize, pk: usize, c0: usize, c1: usize, dst: *mut f32) {
    let panels = (c1 - c0).div_ceil(NR);
    if b.cs == 1 {
        // SAFETY: forwarded.
        return unsafe { pack_b_rows(b, p0, pk, c0, c1, dst) };
    }
    for q in 0..panels {
        let j0 = c0 + q * NR;
        let cols = NR.min(c1 - j0);
        let d = unsafe { dst.add(q * pk * NR) };
        unsafe {
            if b.rs == 1 {
                pack_b_transposed(b, p0, pk, j0, cols, d)
            } else {
                for p in 0..pk {
                    for c in 0..NR {
                        *d.add(p * NR + c) = if c < cols { *b.at(p0 + p, j0 + c) } else { 0.0 };
                    }
                }
            }
        }
    }
}

/// The panels of a row-major B, row by row: each row of B is read in one
/// sequential run (a stream the prefetcher follows; panel by panel it was
/// one 64-byte read per row at a stride of the row length, and the pack
/// took 7-10% of the MLP's 128x784x256 layer on one core, 5.5-6% row by
/// row, in perf samples of three alternating runs), and the panels, which
/// stay in L2, are written at `NR` values per row each. A last panel
/// narrower than `NR` is padded with zeros.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn pack_b_rows(b: View, p0: usize, pk: usize, c0: usize, c1: usize, dst: *mut f32) {
    let full = (c1 - c0) / NR;
    let cols = (c1 - c0) % NR;
    unsafe {
        for p in 0..pk {
            let s = b.at(p0 + p, c0);
            for q in 0..full {
                let d = dst.add((q * pk + p) * NR);
                _mm256_storeu_ps(d, _mm256_loadu_ps(s.add(q * NR)));
                _mm256_storeu_ps(d.add(8), _mm256_loadu_ps(s.add(q * NR + 8)));
            }
            if cols > 0 {
                let s = s.add(full * NR);
                let d = dst.add((full * pk + p) * NR);
                for c in 0..NR {
                    *d.add(c) = if c < cols { *s.add(c) } else { 0.0 };
                }
            }
        }
    }
}

/// One panel of B whose columns are contiguous (`B = bᵀ`, or the `xᵀ` of
/// a syrk): 8x8 blocks transposed in registers.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn pack_b_transposed(b: View, p0: usize, pk: usize, j0: usize, cols: usize, d: *mut f32) {
    unsafe {
        let full = pk / 8 * 8;
        for half in 0..2 {
            let c0 = half * 8;
            let n = cols.saturating_sub(c0).min(8);
            if n == 0 {
                for p in 0..pk {
                    _mm256_storeu_ps(d.add(p * NR + c0), _mm256_setzero_ps());
                }
                continue;
            }
            let src: [*const f32; 8] = std::array::from_fn(|c| b.at(p0, j0 + c0 + c.min(n - 1)));
            let mut p = 0;
            while p < full {
                let rows: [__m256; 8] = std::array::from_fn(|c| {
                    if c < n {
                        _mm256_loadu_ps(src[c].add(p))
                    } else {
                        _mm256_setzero_ps()
                    }
                });
                let t = transpose8(rows);
                for (q, v) in t.iter().enumerate() {
                    _mm256_storeu_ps(d.add((p + q) * NR + c0), *v);
                }
                p += 8;
            }
            for p in full..pk {
                for (c, s) in src.iter().enumerate() {
                    *d.add(p * NR + c0 + c) = if c < n { *s.add(p) } else { 0.0 };
                }
            }
        }
    }
}

/// One panel of a row-major A: 8x8 transposes of six rows (and two
/// zero rows); each transposed column is stored 8 wide and the next one
/// overwrites its two extra lanes.
///
/// # Safety
/// As [`pack_a`]; `d` has 2 values of slack past the panel (the next
/// panel, written after this one, or the buffer's tail).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn pack_a_rows(a: View, r0: usize, rows: usize, p0: usize, pk: usize, d: *mut f32) {
    unsafe {
        let src: [*const f32; MR] = std::array::from_fn(|r| a.at(r0 + r.min(rows - 1), p0));
        let full = pk / 8 * 8;
        let mut p = 0;
        while p < full {
            let rows8: [__m256; 8] = std::array::from_fn(|r| {
                if r < rows {
                    _mm256_loadu_ps(src[r].add(p))
                } else {
                    _mm256_setzero_ps()
                }
            });
            let t = transpose8(rows8);
            for (q, v) in t.iter().enumerate() {
                _mm256_storeu_ps(d.add((p + q) * MR), *v);
            }
            p += 8;
        }
        for p in full..pk {
            for (r, s) in src.iter().enumerate() {
                *d.add(p * MR + r) = if r < rows { *s.add(p) } else { 0.0 };
            }
        }
    }
}

/// Packs `A(i0 + i, p0 + p)` for `i < i1 - i0`, `p < pk` into panels of
/// [`MR`] rows at `dst` (panel `t` at `dst + t * pk * MR`).
///
/// # Safety
/// As [`pack_b`]; `dst` holds `(i1 - i0).div_ceil(MR) * pk * MR + 2`
/// values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn pack_a(a: View, i0: usize, i1: usize, p0: usize, pk: usize, dst: *mut f32) {
    let panels = (i1 - i0).div_ceil(MR);
    for t in 0..panels {
        let r0 = i0 + t * MR;
        let rows = MR.min(i1 - r0);
        let d = unsafe { dst.add(t * pk * MR) };
        if a.cs == 1 {
            // SAFETY: forwarded; rows r0..r0 + rows exist.
            unsafe { pack_a_rows(a, r0, rows, p0, pk, d) };
            continue;
        }
        if a.rs == 1 && rows == MR {
            // `Aᵀ` stored: the six values of each p are contiguous (4 + 2
            // lanes: no read past the sixth).
            for p in 0..pk {
                // SAFETY: (r0..r0 + 6, p0 + p) are inside A.
                unsafe {
                    let s = a.at(r0, p0 + p);
                    let q = d.add(p * MR);
                    _mm_storeu_ps(q, _mm_loadu_ps(s));
                    _mm_store_sd(q.add(4) as *mut f64, _mm_load_sd(s.add(4) as *const f64));
                }
            }
            continue;
        }
        for p in 0..pk {
            for r in 0..MR {
                // SAFETY: (r0 + r, p0 + p) is inside A when r < rows.
                unsafe { *d.add(p * MR + r) = if r < rows { *a.at(r0 + r, p0 + p) } else { 0.0 } };
            }
        }
    }
}
