//! The transcendentals, each written once: branch-free scalar code that
//! vectorises when inlined into a loop running under
//! [`dispatch`](super::dispatch), within a few ulp of the correctly rounded
//! value (rjax-runtime/tests/kernels_ulp.rs sweeps them).
//!
//! Everything that computes `exp`, `ln`, `tanh`, ... of a float calls
//! these: [`crate::Float`]'s methods (implemented here for f32 and f64),
//! so the eager `lax` ops and `Array` methods, and the code `#[jit]`
//! emits ([`FastMath`]). An eager op and its `#[jit]` form therefore give
//! the same bits (tests/eager_jit_bits.rs).
//!
//! sin and cos are exact in their vectorised form only below a limit; the
//! whole-range functions ([`sin_f32_all`] and friends, and the slice
//! forms in `slices`) pick per element: for f32 the f32 reduction
//! ([`sin_f32_near`]) up to [`SIN_COS_F32_NEAR_MAX`], the f64 reduction
//! ([`sin_f32`]) up to [`SIN_COS_F32_MAX`], std beyond; for f64 [`sin_f64`]
//! up to [`SIN_COS_F64_MAX`], std beyond. `#[jit]` loops make the same
//! choice with a flag per block (`map_nm_checked`).

mod activation;
mod exp;
mod float;
mod log;
mod slices;
mod trig;

pub use activation::{logistic_f32, logistic_f64, tanh_f32, tanh_f32_pos, tanh_f64, tanh_f64_pos};
pub use exp::{exp_f32, exp_f32_normal, exp_f64, exp_f64_normal, expm1_f32, expm1_f64};
pub use log::{ln_1p_f32, ln_1p_f64, ln_f32, ln_f64};
pub use slices::{
    TrigFallback, cos_slice, exp_slice, expm1_slice, ln_1p_slice, ln_slice, logistic_slice,
    sin_slice, tanh_slice,
};
pub use trig::{
    SIN_COS_F32_MAX, SIN_COS_F32_NEAR_MAX, SIN_COS_F64_MAX, cos_f32, cos_f32_all, cos_f32_near,
    cos_f64, cos_f64_all, sin_cos_f32, sin_cos_f64, sin_f32, sin_f32_all, sin_f32_near, sin_f64,
    sin_f64_all,
};

/// rjax's own one-argument float functions, one line each: the `Float`
/// method, JAX's name (the `lax` function, the `Array` method and the
/// jax.numpy free function), the f32 and f64 kernels, a doc line.
///
/// Everything that exposes them is generated from this list
/// (`float_unary!(callback)` calls `callback!` with it, after the
/// bracketed extra tokens): `Float`'s declarations (dtype.rs) and its
/// f32/f64 impls (float.rs), `lax` (lax/unary.rs), `Array`'s methods
/// (array/math.rs) and the free functions the prelude exports
/// (numpy.rs). A new function is its kernel and one line here; the
/// primitive it computes names the `Float` method in rjax-core's table.
macro_rules! float_unary {
    ($cb:ident $(, $arg:tt)*) => {
        $cb! { [$($arg)*]
            tanh, tanh: activation::tanh_f32, activation::tanh_f64, "Hyperbolic tangent.";
            exp, exp: exp::exp_f32, exp::exp_f64, "`e^x`.";
            ln, log: log::ln_f32, log::ln_f64, "Natural logarithm.";
            ln_1p, log1p: log::ln_1p_f32, log::ln_1p_f64, "`ln(1 + x)`, accurate near 0.";
            exp_m1, expm1: exp::expm1_f32, exp::expm1_f64, "`e^x - 1`, accurate near 0.";
            logistic, logistic: activation::logistic_f32, activation::logistic_f64,
                "The logistic sigmoid `1 / (1 + e^-x)`.";
        }
    };
}
pub(crate) use float_unary;

/// Vectorisable transcendentals (few ulp; see each `kernels::*_f32` function).
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
