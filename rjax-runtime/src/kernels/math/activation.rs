//! `tanh` and `logistic` (sigmoid) for f32 and f64, built on the
//! vectorisable `exp`/`expm1` of `kernels::exp`.

use super::exp::{exp_f32, exp_f64, expm1_f64, half_expm1_f32, half_expm1_f64};

/// tanh(x) (f32), few ulp: tanh|x| = w / (w + 1) with w = expm1(2|x|) / 2
/// (one division; no cancellation near 0).
#[inline(always)]
pub fn tanh_f32(x: f32) -> f32 {
    let a = x.abs();
    // tanh rounds to 1 beyond 9.01; clamping avoids inf/inf (NaN passes).
    let a = if a > 9.5 { 9.5 } else { a };
    let w = half_expm1_f32(2.0 * a);
    // Tiny a: w = a exactly and w + 1 = 1, so tanh keeps subnormals and,
    // through copysign, the sign of zero.
    (w / (w + 1.0)).copysign(x)
}

/// tanh(x) (f32) for x in (0, 44] only: [`tanh_f32`] without the sign
/// handling and the clamp (e^(2x) stays finite), bit for bit the same
/// there (beyond 9.5 both round to 1). For a `#[jit]` loop whose argument
/// range rjax-core proves inside that interval
/// (`rjax_core::passes::ranges::TANH_F32_POS_ARG`, e.g. tanh of an exp of
/// a bounded value); meaningless outside (and +0 for -0).
#[inline(always)]
pub fn tanh_f32_pos(x: f32) -> f32 {
    let w = half_expm1_f32(2.0 * x);
    w / (w + 1.0)
}

/// tanh(x) (f64), few ulp.
#[inline(always)]
pub fn tanh_f64(x: f64) -> f64 {
    let a = x.abs();
    let a = if a > 20.0 { 20.0 } else { a };
    let e = expm1_f64(2.0 * a);
    (e / (e + 2.0)).copysign(x)
}

/// tanh(x) (f64) for x in (1e-300, 350] only: [`tanh_f64`] without the
/// sign handling, the clamp and expm1's tiny-argument test; the same bits
/// there (`rjax_core::passes::ranges::TANH_F64_POS_ARG`).
#[inline(always)]
pub fn tanh_f64_pos(x: f64) -> f64 {
    let e = 2.0 * half_expm1_f64(2.0 * x);
    e / (e + 2.0)
}

/// logistic(x) = 1 / (1 + e^-x) (f32), few ulp, exact tails: with
/// e = exp(-|x|) it is 1/(1+e) for x >= 0 and e/(1+e) below, so neither
/// side overflows.
#[inline(always)]
pub fn logistic_f32(x: f32) -> f32 {
    let e = exp_f32(-x.abs());
    let num = if x >= 0.0 { 1.0 } else { e };
    num / (1.0 + e)
}

/// logistic(x) (f64), few ulp.
#[inline(always)]
pub fn logistic_f64(x: f64) -> f64 {
    let e = exp_f64(-x.abs());
    let num = if x >= 0.0 { 1.0 } else { e };
    num / (1.0 + e)
}
