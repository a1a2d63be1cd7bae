//! The machine's FMA peak and f32 gemm against it (docs/PERFORMANCE.md,
//! "Kernels for the machine"). Throughput is in elements/s where one
//! element is one floating-point operation, so criterion's `Gelem/s`
//! reads as GFLOP/s:
//!
//! - `fma_peak/{256,512}`: one core issuing independent FMAs on twelve
//!   ymm (zmm) registers, the most that core can compute; the 512-bit row
//!   only where the CPU has AVX-512F;
//! - `gemm_f32/{rjax,rjax_1t,syrk,gemm_crate}/N` for N = 256, 512, 1024:
//!   `c = a · b` as `#[jit]` runs it (`kernels::gemm_fused`: the AVX-512
//!   strip kernels or the packed AVX2 kernel), the same on one thread,
//!   `x · xᵀ` (`kernels::syrk_epilogue_slice`: the packed kernel, 6x64
//!   AVX-512 tiles where the CPU has them; its throughput counts the
//!   flops of the full product, so it reads as twice its arithmetic
//!   rate), and the `gemm` crate as the eager `dot` calls it.
//!
//! The instruction set is chosen once per process: compare the paths with
//! `RJAX_ISA=avx2 cargo bench --bench gemm` against the default run. Run:
//! `cargo bench --bench gemm -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rjax::runtime::kernels;

#[path = "../rjax-runtime/tests/support/uniform.rs"]
mod uniform;
use uniform::uniform;

/// Rounds of twelve FMAs per call of [`fma_loop`].
const FMA_ROUNDS: usize = 100_000;

/// `FMA_ROUNDS` rounds of twelve independent `vfmadd231ps`, 256-bit or
/// (`wide`) 512-bit. Twelve accumulators cover the FMA latency (4 cycles)
/// times the FMA ports (2) of current cores.
#[cfg(target_arch = "x86_64")]
fn fma_loop(wide: bool) {
    // SAFETY: only register operands; the caller checked the CPU has FMA
    // (and AVX-512F for `wide`); every register written is declared.
    unsafe {
        if wide {
            std::arch::asm!(
                "vxorps xmm0, xmm0, xmm0", "vxorps xmm1, xmm1, xmm1", "vxorps xmm2, xmm2, xmm2",
                "vxorps xmm3, xmm3, xmm3", "vxorps xmm4, xmm4, xmm4", "vxorps xmm5, xmm5, xmm5",
                "vxorps xmm6, xmm6, xmm6", "vxorps xmm7, xmm7, xmm7", "vxorps xmm8, xmm8, xmm8",
                "vxorps xmm9, xmm9, xmm9", "vxorps xmm10, xmm10, xmm10", "vxorps xmm11, xmm11, xmm11",
                "vxorps xmm12, xmm12, xmm12", "vxorps xmm13, xmm13, xmm13",
                "2:",
                "vfmadd231ps zmm0, zmm12, zmm13", "vfmadd231ps zmm1, zmm12, zmm13",
                "vfmadd231ps zmm2, zmm12, zmm13", "vfmadd231ps zmm3, zmm12, zmm13",
                "vfmadd231ps zmm4, zmm12, zmm13", "vfmadd231ps zmm5, zmm12, zmm13",
                "vfmadd231ps zmm6, zmm12, zmm13", "vfmadd231ps zmm7, zmm12, zmm13",
                "vfmadd231ps zmm8, zmm12, zmm13", "vfmadd231ps zmm9, zmm12, zmm13",
                "vfmadd231ps zmm10, zmm12, zmm13", "vfmadd231ps zmm11, zmm12, zmm13",
                "dec {n}", "jnz 2b",
                n = inout(reg) FMA_ROUNDS => _,
                out("zmm0") _, out("zmm1") _, out("zmm2") _, out("zmm3") _, out("zmm4") _,
                out("zmm5") _, out("zmm6") _, out("zmm7") _, out("zmm8") _, out("zmm9") _,
                out("zmm10") _, out("zmm11") _, out("zmm12") _, out("zmm13") _,
                options(nostack, nomem),
            );
        } else {
            std::arch::asm!(
                "vxorps xmm0, xmm0, xmm0", "vxorps xmm1, xmm1, xmm1", "vxorps xmm2, xmm2, xmm2",
                "vxorps xmm3, xmm3, xmm3", "vxorps xmm4, xmm4, xmm4", "vxorps xmm5, xmm5, xmm5",
                "vxorps xmm6, xmm6, xmm6", "vxorps xmm7, xmm7, xmm7", "vxorps xmm8, xmm8, xmm8",
                "vxorps xmm9, xmm9, xmm9", "vxorps xmm10, xmm10, xmm10", "vxorps xmm11, xmm11, xmm11",
                "vxorps xmm12, xmm12, xmm12", "vxorps xmm13, xmm13, xmm13",
                "2:",
                "vfmadd231ps ymm0, ymm12, ymm13", "vfmadd231ps ymm1, ymm12, ymm13",
                "vfmadd231ps ymm2, ymm12, ymm13", "vfmadd231ps ymm3, ymm12, ymm13",
                "vfmadd231ps ymm4, ymm12, ymm13", "vfmadd231ps ymm5, ymm12, ymm13",
                "vfmadd231ps ymm6, ymm12, ymm13", "vfmadd231ps ymm7, ymm12, ymm13",
                "vfmadd231ps ymm8, ymm12, ymm13", "vfmadd231ps ymm9, ymm12, ymm13",
                "vfmadd231ps ymm10, ymm12, ymm13", "vfmadd231ps ymm11, ymm12, ymm13",
                "dec {n}", "jnz 2b",
                n = inout(reg) FMA_ROUNDS => _,
                out("ymm0") _, out("ymm1") _, out("ymm2") _, out("ymm3") _, out("ymm4") _,
                out("ymm5") _, out("ymm6") _, out("ymm7") _, out("ymm8") _, out("ymm9") _,
                out("ymm10") _, out("ymm11") _, out("ymm12") _, out("ymm13") _,
                options(nostack, nomem),
            );
        }
    }
}

fn fma_peak(c: &mut Criterion) {
    #[cfg(target_arch = "x86_64")]
    {
        let mut g = c.benchmark_group("fma_peak");
        g.sample_size(20);
        for (bits, feature) in [(256u64, "fma"), (512, "avx512f")] {
            let ok = std::arch::is_x86_feature_detected!("fma")
                && (feature == "fma" || std::arch::is_x86_feature_detected!("avx512f"));
            if !ok {
                continue;
            }
            // 12 FMAs of bits/32 lanes, 2 flops each, per round.
            g.throughput(Throughput::Elements(FMA_ROUNDS as u64 * 12 * bits / 32 * 2));
            g.bench_function(BenchmarkId::from_parameter(bits), |b| {
                b.iter(|| fma_loop(bits == 512))
            });
        }
        g.finish();
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = c;
}

fn gemm_f32(c: &mut Criterion) {
    let mut g = c.benchmark_group("gemm_f32");
    g.sample_size(10);
    for n in [256usize, 512, 1024] {
        let a = uniform(n * n, 1);
        let b = uniform(n * n, 2);
        let mut out = vec![0.0f32; n * n];
        g.throughput(Throughput::Elements(2 * (n * n * n) as u64));
        g.bench_function(BenchmarkId::new("rjax", n), |bch| {
            bch.iter(|| {
                kernels::gemm_fused(
                    &a,
                    &b,
                    n,
                    n,
                    n,
                    false,
                    false,
                    [],
                    [],
                    [&mut out[..]],
                    |v, [], []| [v],
                );
                black_box(&out);
            })
        });
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        g.bench_function(BenchmarkId::new("rjax_1t", n), |bch| {
            bch.iter(|| {
                one.install(|| {
                    kernels::gemm_fused(
                        &a,
                        &b,
                        n,
                        n,
                        n,
                        false,
                        false,
                        [],
                        [],
                        [&mut out[..]],
                        |v, [], []| [v],
                    )
                });
                black_box(&out);
            })
        });
        g.bench_function(BenchmarkId::new("syrk", n), |bch| {
            bch.iter(|| {
                kernels::syrk_epilogue_slice(&a, n, n, &mut out, |v| v);
                black_box(&out);
            })
        });
        g.bench_function(BenchmarkId::new("gemm_crate", n), |bch| {
            bch.iter(|| {
                // SAFETY: a, b and out hold n * n values each, row-major;
                // out overlaps neither.
                unsafe {
                    kernels::matmul_strided(
                        n,
                        n,
                        n,
                        out.as_mut_ptr(),
                        n as isize,
                        1,
                        a.as_ptr(),
                        n as isize,
                        1,
                        b.as_ptr(),
                        n as isize,
                        1,
                    )
                };
                black_box(&out);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, fma_peak, gemm_f32);
criterion_main!(benches);
