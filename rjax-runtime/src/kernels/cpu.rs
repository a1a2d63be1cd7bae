//! The one CPU-feature dispatch of the runtime: the widest instruction set
//! this CPU has, detected once per process ([`isa`]), and [`dispatch`],
//! which runs a loop body compiled for it. Every kernel that picks code by
//! CPU (the elementwise maps, the PRNG, the gemm kernels) asks here.
//!
//! The crate is built for baseline x86-64 (SSE2), so a plain loop would be
//! vectorised only 4 f32 wide. Each hot loop is therefore instantiated
//! inside a `#[target_feature]` function for AVX-512 and for AVX2+FMA; the
//! loop body (a closure calling the `#[inline(always)]` math of
//! `kernels::math`) is inlined there and LLVM vectorises it at that width.
//! The math uses `mul_add` everywhere, which is one rounding on every
//! level (an instruction with FMA, a libm call without), so a kernel's
//! results do not depend on the level it ran at, only its speed does.
//!
//! `RJAX_ISA=avx2` or `RJAX_ISA=baseline` in the environment caps the
//! level (read once, at the first call): for comparing the levels in one
//! binary. It never raises the level above what the CPU has.

use std::sync::atomic::{AtomicU8, Ordering};

/// The instruction-set level a kernel runs at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Isa {
    /// Whatever the crate was compiled for (portable code).
    Baseline,
    /// AVX2 with FMA: 8 f32 lanes.
    Avx2,
    /// AVX-512 F/VL/DQ/BW with FMA (and AVX2): 16 f32 lanes.
    Avx512,
}

impl Isa {
    /// The level's name as `RJAX_ISA` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Avx512 => "avx512",
            Isa::Avx2 => "avx2",
            Isa::Baseline => "baseline",
        }
    }

    /// True on AVX2+FMA and above (the packed f32 gemm's requirement).
    pub fn has_avx2_fma(self) -> bool {
        self >= Isa::Avx2
    }
}

/// 0 = not yet detected, else 1 + the level.
static LEVEL: AtomicU8 = AtomicU8::new(0);

/// The best instruction set of this CPU, detected at the first call (and
/// capped by `RJAX_ISA`), then one relaxed load.
#[inline]
pub fn isa() -> Isa {
    match LEVEL.load(Ordering::Relaxed) {
        1 => Isa::Baseline,
        2 => Isa::Avx2,
        3 => Isa::Avx512,
        _ => detect_once(),
    }
}

#[cold]
fn detect_once() -> Isa {
    let cap = std::env::var("RJAX_ISA")
        .ok()
        .and_then(|v| match v.as_str() {
            "baseline" => Some(Isa::Baseline),
            "avx2" => Some(Isa::Avx2),
            "avx512" => Some(Isa::Avx512),
            _ => None,
        });
    let level = detect().min(cap.unwrap_or(Isa::Avx512));
    // Racing first calls store the same value (and may both log it).
    if LEVEL.swap(level as u8 + 1, Ordering::Relaxed) == 0 {
        crate::trace::debug("rjax::kernels", || {
            format!(
                "kernels for {level:?} (CPU supports {:?}{})",
                detect(),
                cap.map_or(String::new(), |c| format!(", RJAX_ISA caps at {c:?}"))
            )
        });
    }
    level
}

/// What the CPU supports.
fn detect() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
            && std::arch::is_x86_feature_detected!("bmi1")
            && std::arch::is_x86_feature_detected!("bmi2")
        {
            return Isa::Avx512;
        }
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
            && std::arch::is_x86_feature_detected!("bmi1")
            && std::arch::is_x86_feature_detected!("bmi2")
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
        // SAFETY: `isa` returns Avx512 only when the CPU has every feature
        // `run_avx512` is compiled for (checked by `detect`).
        Isa::Avx512 => return unsafe { run_avx512(f) },
        // SAFETY: likewise for AVX2, FMA, BMI1 and BMI2.
        Isa::Avx2 => return unsafe { run_avx2(f) },
        Isa::Baseline => {}
    }
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_is_stable_and_within_the_cpu() {
        let a = isa();
        assert_eq!(a, isa());
        assert!(a <= detect());
        assert_eq!(dispatch(|| 2 + 2), 4);
    }
}
