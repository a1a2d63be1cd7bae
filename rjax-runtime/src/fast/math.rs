//! [`FastMath`]: the `fast` transcendentals as methods on f32 and f64, so
//! code generic over the float type (or emitted for either) can call
//! `v.fast_tanh()`.

use super::{activation, exp, log, trig};

/// Vectorisable transcendentals (few ulp; see each `fast::*_f32` function).
pub trait FastMath: Copy {
    /// e^x.
    fn fast_exp(self) -> Self;
    /// e^x - 1, accurate near 0.
    fn fast_expm1(self) -> Self;
    /// Natural log.
    fn fast_ln(self) -> Self;
    /// log(1 + x), accurate near 0.
    fn fast_ln_1p(self) -> Self;
    /// sin (accurate for |x| below `SIN_COS_F32_MAX` / `SIN_COS_F64_MAX`).
    fn fast_sin(self) -> Self;
    /// cos (same range as `fast_sin`).
    fn fast_cos(self) -> Self;
    /// Hyperbolic tangent.
    fn fast_tanh(self) -> Self;
    /// 1 / (1 + e^-x).
    fn fast_logistic(self) -> Self;
}

macro_rules! impl_fast_math {
    ($t:ty, $exp:path, $expm1:path, $ln:path, $ln1p:path, $sin:path, $cos:path, $tanh:path, $logistic:path) => {
        impl FastMath for $t {
            #[inline(always)]
            fn fast_exp(self) -> Self {
                $exp(self)
            }
            #[inline(always)]
            fn fast_expm1(self) -> Self {
                $expm1(self)
            }
            #[inline(always)]
            fn fast_ln(self) -> Self {
                $ln(self)
            }
            #[inline(always)]
            fn fast_ln_1p(self) -> Self {
                $ln1p(self)
            }
            #[inline(always)]
            fn fast_sin(self) -> Self {
                $sin(self)
            }
            #[inline(always)]
            fn fast_cos(self) -> Self {
                $cos(self)
            }
            #[inline(always)]
            fn fast_tanh(self) -> Self {
                $tanh(self)
            }
            #[inline(always)]
            fn fast_logistic(self) -> Self {
                $logistic(self)
            }
        }
    };
}

impl_fast_math!(
    f32,
    exp::exp_f32,
    exp::expm1_f32,
    log::ln_f32,
    log::ln_1p_f32,
    trig::sin_f32,
    trig::cos_f32,
    activation::tanh_f32,
    activation::logistic_f32
);
impl_fast_math!(
    f64,
    exp::exp_f64,
    exp::expm1_f64,
    log::ln_f64,
    log::ln_1p_f64,
    trig::sin_f64,
    trig::cos_f64,
    activation::tanh_f64,
    activation::logistic_f64
);
