//! Elementwise binary primitives: `add add_any sub mul div max min pow` and
//! the comparisons `eq ne lt le gt ge` (which return `Array<bool>`).
//!
//! JAX's primitives want equal shapes or a rank-0 operand; these accept
//! that and, beyond it, full NumPy broadcasting (see [`super::broadcast`]).
//! Each has a `try_` form; the plain form panics with the same text.

use super::broadcast::zip_with;
use crate::array::Array;
use crate::dtype::{Element, Float, Num};
use crate::error::{Result, or_panic};

macro_rules! binary {
    ($bound:ident; $($(#[$m:meta])* $name:ident / $try_name:ident = $f:expr;)*) => {$(
        $(#[$m])*
        ///
        /// # Panics
        /// When the shapes cannot be broadcast together, with the text of
        /// the `try_` form's error.
        #[track_caller]
        pub fn $name<T: $bound>(x: &Array<T>, y: &Array<T>) -> Array<T> {
            or_panic($try_name(x, y))
        }

        $(#[$m])*
        ///
        /// Errors when the shapes cannot be broadcast together.
        pub fn $try_name<T: $bound>(x: &Array<T>, y: &Array<T>) -> Result<Array<T>> {
            zip_with(stringify!($name), x, y, $f)
        }
    )*};
}

binary! { Num;
    /// `x + y` (wrapping for integers).
    add / try_add = |a: T, b: T| a.add(b);
    /// `x + y` where one side may be a symbolic zero (JAX's `add_any`, the
    /// sum of cotangents); the same arithmetic as `add`.
    add_any / try_add_any = |a: T, b: T| a.add(b);
    /// `x - y`.
    sub / try_sub = |a: T, b: T| a.sub(b);
    /// `x * y`.
    mul / try_mul = |a: T, b: T| a.mul(b);
    /// `x / y` (integers round toward zero; `x / 0` is -1 as in XLA).
    div / try_div = |a: T, b: T| a.div(b);
    /// Elementwise maximum (NaN if either is NaN).
    max / try_max = |a: T, b: T| a.max(b);
    /// Elementwise minimum (NaN if either is NaN).
    min / try_min = |a: T, b: T| a.min(b);
}

binary! { Float;
    /// `x^y`.
    pow / try_pow = |a: T, b: T| a.powf(b);
}

macro_rules! compare {
    ($($(#[$m:meta])* $name:ident / $try_name:ident = $f:expr;)*) => {$(
        $(#[$m])*
        ///
        /// # Panics
        /// When the shapes cannot be broadcast together, with the text of
        /// the `try_` form's error.
        #[track_caller]
        pub fn $name<T: Element>(x: &Array<T>, y: &Array<T>) -> Array<bool> {
            or_panic($try_name(x, y))
        }

        $(#[$m])*
        ///
        /// Errors when the shapes cannot be broadcast together.
        pub fn $try_name<T: Element>(x: &Array<T>, y: &Array<T>) -> Result<Array<bool>> {
            zip_with(stringify!($name), x, y, $f)
        }
    )*};
}

compare! {
    /// `x == y` (IEEE: NaN is unequal to everything).
    eq / try_eq = |a: T, b: T| a == b;
    /// `x != y`.
    ne / try_ne = |a: T, b: T| a != b;
    /// `x < y`.
    lt / try_lt = |a: T, b: T| a < b;
    /// `x <= y`.
    le / try_le = |a: T, b: T| a <= b;
    /// `x > y`.
    gt / try_gt = |a: T, b: T| a > b;
    /// `x >= y`.
    ge / try_ge = |a: T, b: T| a >= b;
}
