//! [`Float`] for f32 and f64: the trait is declared with the element types
//! (`crate::dtype`); its transcendentals are implemented here, by this
//! module's functions, so that generic eager code (`lax`, `Array`'s
//! methods) computes what `#[jit]` code computes.

use super::slices::{cos_slice, sin_slice};
use super::{activation, exp, log, trig};
use crate::dtype::Float;

macro_rules! float_impl {
    ($t:ident: $sin:path, $cos:path, $tanh:path, $exp:path, $ln:path, $ln1p:path, $expm1:path, $logistic:path) => {
        impl Float for $t {
            #[inline(always)]
            fn sin(self) -> Self {
                $sin(self)
            }
            #[inline(always)]
            fn cos(self) -> Self {
                $cos(self)
            }
            fn tan(self) -> Self {
                <$t>::tan(self)
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                $tanh(self)
            }
            #[inline(always)]
            fn exp(self) -> Self {
                $exp(self)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                $ln(self)
            }
            #[inline(always)]
            fn ln_1p(self) -> Self {
                $ln1p(self)
            }
            #[inline(always)]
            fn exp_m1(self) -> Self {
                $expm1(self)
            }
            #[inline(always)]
            fn logistic(self) -> Self {
                $logistic(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            fn powf(self, y: Self) -> Self {
                <$t>::powf(self, y)
            }
            fn sin_slice(x: &[Self], out: &mut [Self]) {
                sin_slice(x, out)
            }
            fn cos_slice(x: &[Self], out: &mut [Self]) {
                cos_slice(x, out)
            }
        }
    };
}

float_impl!(
    f32: trig::sin_f32_all,
    trig::cos_f32_all,
    activation::tanh_f32,
    exp::exp_f32,
    log::ln_f32,
    log::ln_1p_f32,
    exp::expm1_f32,
    activation::logistic_f32
);
float_impl!(
    f64: trig::sin_f64_all,
    trig::cos_f64_all,
    activation::tanh_f64,
    exp::exp_f64,
    log::ln_f64,
    log::ln_1p_f64,
    exp::expm1_f64,
    activation::logistic_f64
);
