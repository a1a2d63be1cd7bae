//! The AVX-512 microkernel of the packed f32 gemm (`avx2.rs` holds the
//! loops, the packing and the write-back, shared by both widths): a 6x64
//! register tile, four packed B panels of 16 columns side by side, one
//! zmm (16 lanes) per panel and row: 24 accumulators, and per step of k
//! four vector loads of B and six broadcasts of A feed 24 FMAs (the AVX2
//! 6x16 tile needs eight loads per 12 FMAs of half the width).
//!
//! The finished tile is handed on as the four 6x16 tiles it is made of,
//! split into 256-bit halves, so the write-back and the caller's
//! epilogue are the AVX2 kernel's (compiled here, in an AVX-512 frame,
//! where LLVM vectorises the epilogue 16 lanes wide).

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use super::pack::{MR, NR};

/// Packed B panels per wide tile (64 columns).
pub(super) const PANELS: usize = 4;

/// Contraction block of the wide tile. B's `kc x 64` micro-panel (64
/// KiB) streams from L2, 256 bytes per 24 FMAs, while the six rows of A
/// stay in L1. Measured on one Zen4 core (f32 gemm, GFLOP/s at N = 512,
/// one thread, loaded machine): kc 64: 92, 96: 98, 128: 101, 192: 102,
/// 256: 108, 320: 102, 512: 105.
pub(super) const KC_WIDE: usize = 256;

/// `sum_p A(r, p) * B_s(p, c)` over `kc` steps for `s < G` panels, where
/// `A(r, p) = a[r][p * ACS]` and `B_s(p, c) = b[s * stride + p * NR + c]`
/// (`NR` = 16 lanes: one zmm per panel and step).
///
/// # Safety
/// AVX-512F must be enabled in the calling frame (the function is inlined
/// there); every address read must be in bounds: rows `a[r]` hold `kc`
/// values at stride `ACS`, panel `s` holds `kc * NR` values.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) unsafe fn kernel<const ACS: usize, const G: usize>(
    kc: usize,
    a: [*const f32; MR],
    b: *const f32,
    stride: usize,
) -> [[__m512; G]; MR] {
    unsafe {
        let mut c = [[_mm512_setzero_ps(); G]; MR];
        for p in 0..kc {
            // Plain loops, no closures: a closure would be compiled without
            // this frame's target features and its intrinsics not inlined.
            let mut bv = [_mm512_setzero_ps(); G];
            for (s, v) in bv.iter_mut().enumerate() {
                *v = _mm512_loadu_ps(b.add(s * stride + p * NR));
            }
            for r in 0..MR {
                let av = _mm512_set1_ps(*a[r].add(p * ACS));
                for s in 0..G {
                    c[r][s] = _mm512_fmadd_ps(av, bv[s], c[r][s]);
                }
            }
        }
        c
    }
}

/// Panel `s` of a wide tile as the AVX2 kernel's 6x16 tile (two 8-lane
/// halves per row).
///
/// # Safety
/// AVX-512F and DQ must be enabled in the calling frame; `s < G`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) unsafe fn panel<const G: usize>(t: &[[__m512; G]; MR], s: usize) -> [[__m256; 2]; MR] {
    let mut out = [[unsafe { _mm256_setzero_ps() }; 2]; MR];
    for (o, row) in out.iter_mut().zip(t) {
        // SAFETY: AVX-512F and DQ are enabled in the frame (contract).
        unsafe {
            *o = [
                _mm512_castps512_ps256(row[s]),
                _mm512_extractf32x8_ps::<1>(row[s]),
            ]
        };
    }
    out
}
