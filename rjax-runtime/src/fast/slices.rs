//! Whole-slice transcendentals: `out[i] = f(x[i])` vectorised and, above
//! `PAR_MIN_LEN`, parallel. `sin_slice`/`cos_slice` also repair the rare
//! lanes beyond the fast range reduction with std, so they are accurate for
//! every input.

use super::map::map1_slice;
use super::math::FastMath;
use super::trig::{SIN_COS_F32_MAX, SIN_COS_F64_MAX};

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

/// Floats whose sin/cos need the std fallback beyond the fast range.
pub trait TrigFallback: FastMath + Send + Sync + PartialOrd {
    /// True when `|self|` is beyond the fast reduction's range (or not finite).
    fn needs_std(self) -> bool;
    /// std's sin.
    fn std_sin(self) -> Self;
    /// std's cos.
    fn std_cos(self) -> Self;
}

impl TrigFallback for f32 {
    fn needs_std(self) -> bool {
        self.abs() >= SIN_COS_F32_MAX
    }
    fn std_sin(self) -> Self {
        self.sin()
    }
    fn std_cos(self) -> Self {
        self.cos()
    }
}

impl TrigFallback for f64 {
    fn needs_std(self) -> bool {
        self.abs() >= SIN_COS_F64_MAX
    }
    fn std_sin(self) -> Self {
        self.sin()
    }
    fn std_cos(self) -> Self {
        self.cos()
    }
}

fn repair<T: TrigFallback>(x: &[T], out: &mut [T], f: fn(T) -> T) {
    // A separate scan keeps the main loop branch-free (and vectorised).
    for (o, &v) in out.iter_mut().zip(x) {
        if v.needs_std() {
            *o = f(v);
        }
    }
}

/// `out = sin(x)` elementwise, accurate for every input.
pub fn sin_slice<T: TrigFallback>(x: &[T], out: &mut [T]) {
    map1_slice(
        x,
        out,
        #[inline(always)]
        |v: T| v.fast_sin(),
    );
    repair(x, out, T::std_sin);
}

/// `out = cos(x)` elementwise, accurate for every input.
pub fn cos_slice<T: TrigFallback>(x: &[T], out: &mut [T]) {
    map1_slice(
        x,
        out,
        #[inline(always)]
        |v: T| v.fast_cos(),
    );
    repair(x, out, T::std_cos);
}
