//! Picks the widest instruction set this CPU has, once, and runs a loop
//! body compiled for it.
//!
//! The crate is built for baseline x86-64 (SSE2), so a plain loop would be
//! vectorised only 4 f32 wide. Each hot loop is therefore instantiated
//! inside a `#[target_feature]` function for AVX-512 and for AVX2+FMA; the
//! loop body (a closure calling the `#[inline(always)]` math of `fast`) is
//! inlined there and LLVM vectorises it at that width.

/// The instruction-set level a kernel runs at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isa {
    /// AVX-512 F/VL/DQ/BW with FMA: 16 f32 lanes.
    Avx512,
    /// AVX2 with FMA: 8 f32 lanes.
    Avx2,
    /// Whatever the crate was compiled for.
    Baseline,
}

/// The best instruction set of this CPU (detected once; std caches it).
#[inline]
pub fn isa() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("fma")
        {
            return Isa::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Isa::Avx2;
        }
    }
    Isa::Baseline
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2,fma,bmi1,bmi2")]
fn run_avx512<R, F: FnOnce() -> R>(f: F) -> R {
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,bmi1,bmi2")]
fn run_avx2<R, F: FnOnce() -> R>(f: F) -> R {
    f()
}

/// Runs `f` compiled for the best instruction set of this CPU. `f` must be
/// a closure whose body is the whole hot loop, so that it is inlined into
/// the feature-enabled frame.
#[inline(always)]
pub fn dispatch<R, F: FnOnce() -> R>(f: F) -> R {
    #[cfg(target_arch = "x86_64")]
    match isa() {
        // SAFETY: the CPU supports these features (checked by `isa`).
        Isa::Avx512 => return unsafe { run_avx512(f) },
        Isa::Avx2 => return unsafe { run_avx2(f) },
        Isa::Baseline => {}
    }
    f()
}
