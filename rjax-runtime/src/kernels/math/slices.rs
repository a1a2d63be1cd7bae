//! Whole-slice transcendentals: `out[i] = f(x[i])` vectorised and, above
//! `PAR_MIN_LEN`, parallel. `sin_slice`/`cos_slice` also repair the rare
//! lanes beyond the vectorised range reduction with the whole-range
//! function, so they are accurate for every input.

use super::FastMath;
use super::trig::{
    SIN_COS_F32_NEAR_MAX, SIN_COS_F64_MAX, cos_f32_all, cos_f32_near, cos_f64, cos_f64_all,
    sin_f32_all, sin_f32_near, sin_f64, sin_f64_all,
};
use crate::kernels::map::map1_slice;

macro_rules! slice_fn {
    ($name:ident, $method:ident, $doc:literal) => {
        #[doc = $doc]
        pub fn $name<T: FastMath + Send + Sync>(x: &[T], out: &mut [T]) {
            map1_slice(
                x,
                out,
                #[inline(always)]
                |v: T| v.$method(),
            );
        }
    };
}

slice_fn!(exp_slice, fast_exp, "`out = exp(x)` elementwise.");
slice_fn!(expm1_slice, fast_expm1, "`out = expm1(x)` elementwise.");
slice_fn!(ln_slice, fast_ln, "`out = ln(x)` elementwise.");
slice_fn!(ln_1p_slice, fast_ln_1p, "`out = ln(1 + x)` elementwise.");
slice_fn!(tanh_slice, fast_tanh, "`out = tanh(x)` elementwise.");
slice_fn!(
    logistic_slice,
    fast_logistic,
    "`out = 1/(1+exp(-x))` elementwise."
);

/// The two forms of sin/cos of a float type: a vectorised one, exact up to
/// a limit, and the whole-range one (`sin_f32_all`, ...) that a slice
/// function uses for the elements beyond.
pub trait TrigFallback: FastMath + Send + Sync + PartialOrd {
    /// True when `self` is beyond the vectorised form's limit, or NaN.
    fn needs_fallback(self) -> bool;
    /// The vectorised sin (`sin_f32_near`, `sin_f64`).
    fn vec_sin(self) -> Self;
    /// The vectorised cos.
    fn vec_cos(self) -> Self;
    /// sin for every input.
    fn all_sin(self) -> Self;
    /// cos for every input.
    fn all_cos(self) -> Self;
}

impl TrigFallback for f32 {
    #[inline(always)]
    fn needs_fallback(self) -> bool {
        self.abs() > SIN_COS_F32_NEAR_MAX || self.is_nan()
    }
    #[inline(always)]
    fn vec_sin(self) -> Self {
        sin_f32_near(self)
    }
    #[inline(always)]
    fn vec_cos(self) -> Self {
        cos_f32_near(self)
    }
    fn all_sin(self) -> Self {
        sin_f32_all(self)
    }
    fn all_cos(self) -> Self {
        cos_f32_all(self)
    }
}

impl TrigFallback for f64 {
    #[inline(always)]
    fn needs_fallback(self) -> bool {
        self.abs() > SIN_COS_F64_MAX || self.is_nan()
    }
    #[inline(always)]
    fn vec_sin(self) -> Self {
        sin_f64(self)
    }
    #[inline(always)]
    fn vec_cos(self) -> Self {
        cos_f64(self)
    }
    fn all_sin(self) -> Self {
        sin_f64_all(self)
    }
    fn all_cos(self) -> Self {
        cos_f64_all(self)
    }
}

fn repair<T: TrigFallback>(x: &[T], out: &mut [T], f: fn(T) -> T) {
    // A separate scan keeps the main loop branch-free (and vectorised).
    for (o, &v) in out.iter_mut().zip(x) {
        if v.needs_fallback() {
            *o = f(v);
        }
    }
}

/// `out = sin(x)` elementwise, for every input the bits of `sin_f32_all`
/// / `sin_f64_all`.
pub fn sin_slice<T: TrigFallback>(x: &[T], out: &mut [T]) {
    map1_slice(
        x,
        out,
        #[inline(always)]
        |v: T| v.vec_sin(),
    );
    repair(x, out, T::all_sin);
}

/// `out = cos(x)` elementwise, for every input the bits of `cos_f32_all`
/// / `cos_f64_all`.
pub fn cos_slice<T: TrigFallback>(x: &[T], out: &mut [T]) {
    map1_slice(
        x,
        out,
        #[inline(always)]
        |v: T| v.vec_cos(),
    );
    repair(x, out, T::all_cos);
}
