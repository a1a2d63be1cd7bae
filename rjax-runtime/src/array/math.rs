//! Elementwise methods with jax.numpy's names, comparisons, `where_`,
//! `clip` and `allclose`. Binary ones broadcast as NumPy does.

use super::Array;
use crate::dtype::{Element, Float, Num};
use crate::error::{Result, or_panic};
use crate::lax;

macro_rules! float_methods {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        pub fn $name(&self) -> Array<T> {
            lax::$name(self)
        }
    )*};
}

/// Elementwise methods from the `kernels::float_unary` list (`exp`, `log`,
/// `tanh`, `logistic` ...), by JAX's names.
macro_rules! list_methods {
    ([] $($m:ident, $jax:ident: $k32:path, $k64:path, $doc:literal;)*) => {
        float_methods! {$(
            #[doc = $doc]
            $jax;
        )*}
    };
}

impl<T: Float> Array<T> {
    float_methods! {
        /// Elementwise `sin`.
        sin;
        /// Elementwise `cos`.
        cos;
        /// Elementwise `tan`.
        tan;
        /// Elementwise square root.
        sqrt;
        /// Elementwise `1 / sqrt(x)`.
        rsqrt;
    }
    crate::kernels::float_unary!(list_methods);

    /// Elementwise `x^y` for a scalar `y`.
    pub fn powf(&self, y: T) -> Array<T> {
        lax::map(self, move |v: T| v.powf(y))
    }

    /// Elementwise `x^y` with broadcasting (`jnp.power`).
    ///
    /// # Panics
    /// With the text of [`Array::try_pow`]'s error.
    #[track_caller]
    pub fn pow(&self, y: &Array<T>) -> Array<T> {
        lax::pow(self, y)
    }

    /// [`Array::pow`], returning an error when the shapes do not broadcast.
    pub fn try_pow(&self, y: &Array<T>) -> Result<Array<T>> {
        lax::try_pow(self, y)
    }

    /// True when both arrays have broadcast-compatible shapes and every
    /// pair satisfies `|a - b| <= atol + rtol * |b|` (NumPy's `allclose`;
    /// NaN is never close).
    pub fn allclose(&self, other: &Array<T>, rtol: T, atol: T) -> bool {
        lax::zip_with("allclose", self, other, |a: T, b: T| {
            a.sub(b).abs() <= atol.add(rtol.mul(b.abs())) || a == b
        })
        .map(|c| c.as_slice().iter().all(|&x| x))
        .unwrap_or(false)
    }
}

impl<T: Num> Array<T> {
    /// Elementwise negation (also `-a`).
    pub fn neg(&self) -> Array<T> {
        lax::neg(self)
    }

    /// Elementwise absolute value.
    pub fn abs(&self) -> Array<T> {
        lax::abs(self)
    }

    /// Elementwise sign: -1, 0 or 1.
    pub fn sign(&self) -> Array<T> {
        lax::sign(self)
    }

    /// Elementwise `x * x`.
    pub fn square(&self) -> Array<T> {
        lax::square(self)
    }

    /// Elementwise `x^y` for an integer `y`.
    pub fn powi(&self, y: i32) -> Array<T> {
        lax::integer_pow(self, y)
    }

    /// Elementwise maximum with broadcasting (`jnp.maximum`; NaN wins).
    ///
    /// # Panics
    /// With the text of [`Array::try_maximum`]'s error.
    #[track_caller]
    pub fn maximum(&self, other: &Array<T>) -> Array<T> {
        or_panic(self.try_maximum(other))
    }

    /// [`Array::maximum`], returning an error when the shapes do not
    /// broadcast.
    pub fn try_maximum(&self, other: &Array<T>) -> Result<Array<T>> {
        lax::zip_with("maximum", self, other, |a: T, b: T| a.max(b))
    }

    /// Elementwise minimum with broadcasting (`jnp.minimum`; NaN wins).
    ///
    /// # Panics
    /// With the text of [`Array::try_minimum`]'s error.
    #[track_caller]
    pub fn minimum(&self, other: &Array<T>) -> Array<T> {
        or_panic(self.try_minimum(other))
    }

    /// [`Array::minimum`], returning an error when the shapes do not
    /// broadcast.
    pub fn try_minimum(&self, other: &Array<T>) -> Result<Array<T>> {
        lax::zip_with("minimum", self, other, |a: T, b: T| a.min(b))
    }

    /// Limits every element to `[lo, hi]` (`jnp.clip`).
    pub fn clip(&self, lo: T, hi: T) -> Array<T> {
        lax::map(self, move |v: T| v.max(lo).min(hi))
    }
}

macro_rules! comparisons {
    ($($(#[$m:meta])* $name:ident / $try_name:ident = $f:expr;)*) => {$(
        $(#[$m])*
        ///
        /// # Panics
        /// When the shapes do not broadcast, with the `try_` form's text.
        #[track_caller]
        pub fn $name(&self, other: &Array<T>) -> Array<bool> {
            or_panic(self.$try_name(other))
        }

        $(#[$m])*
        ///
        /// Errors when the shapes do not broadcast.
        pub fn $try_name(&self, other: &Array<T>) -> Result<Array<bool>> {
            lax::zip_with(stringify!($name), self, other, $f)
        }
    )*};
}

impl<T: Element> Array<T> {
    comparisons! {
        /// Elementwise `==` with broadcasting (`jnp.equal`).
        equal / try_equal = |a: T, b: T| a == b;
        /// Elementwise `!=` with broadcasting (`jnp.not_equal`).
        not_equal / try_not_equal = |a: T, b: T| a != b;
        /// Elementwise `<` with broadcasting (`jnp.less`).
        less / try_less = |a: T, b: T| a < b;
        /// Elementwise `<=` with broadcasting (`jnp.less_equal`).
        less_equal / try_less_equal = |a: T, b: T| a <= b;
        /// Elementwise `>` with broadcasting (`jnp.greater`).
        greater / try_greater = |a: T, b: T| a > b;
        /// Elementwise `>=` with broadcasting (`jnp.greater_equal`).
        greater_equal / try_greater_equal = |a: T, b: T| a >= b;
    }
}

impl Array<bool> {
    /// `x` where `self` is true, `y` elsewhere, with broadcasting
    /// (`jnp.where(self, x, y)`).
    ///
    /// # Panics
    /// With the text of [`try_where_`]'s error.
    #[track_caller]
    pub fn where_<T: Element>(&self, x: &Array<T>, y: &Array<T>) -> Array<T> {
        where_(self, x, y)
    }

    /// Elementwise logical not.
    pub fn not(&self) -> Array<bool> {
        lax::map(self, |v: bool| !v)
    }

    /// True if any element is true.
    pub fn any(&self) -> bool {
        self.as_slice().iter().any(|&v| v)
    }

    /// True if every element is true.
    pub fn all(&self) -> bool {
        self.as_slice().iter().all(|&v| v)
    }
}

/// `x` where `cond` is true, `y` elsewhere, with NumPy broadcasting of all
/// three (`jnp.where(cond, x, y)`).
///
/// # Panics
/// With the text of [`try_where_`]'s error.
#[track_caller]
pub fn where_<T: Element>(cond: &Array<bool>, x: &Array<T>, y: &Array<T>) -> Array<T> {
    or_panic(try_where_(cond, x, y))
}

/// [`where_`], returning an error when the shapes do not broadcast.
pub fn try_where_<T: Element>(cond: &Array<bool>, x: &Array<T>, y: &Array<T>) -> Result<Array<T>> {
    lax::zip3_with("where", cond, x, y, |c, a, b| if c { a } else { b })
}
