//! Elementwise unary primitives: `neg sin cos tan sqrt rsqrt abs sign
//! square integer_pow stop_gradient`, and those of the
//! `kernels::float_unary` list (`tanh exp log log1p expm1 logistic` ...).

use crate::array::Array;
use crate::dtype::{Element, Float, Num};
use crate::kernels;

/// Applies `f` to every element (the kernel behind every unary primitive:
/// `kernels::map1`, vectorised for the CPU and parallel for large arrays).
pub fn map<T: Element, U: Element>(x: &Array<T>, f: impl Fn(T) -> U + Sync + Send) -> Array<U> {
    kernels::map1(x, f)
}

macro_rules! float_unary {
    ($($(#[$m:meta])* $name:ident = $f:expr;)*) => {$(
        $(#[$m])*
        pub fn $name<T: Float>(x: &Array<T>) -> Array<T> {
            // Inlined into `map1`'s loop, so the branch-free math of
            // `kernels::math` vectorises.
            kernels::map1(x, #[inline(always)] $f)
        }
    )*};
}

macro_rules! num_unary {
    ($($(#[$m:meta])* $name:ident = $f:expr;)*) => {$(
        $(#[$m])*
        pub fn $name<T: Num>(x: &Array<T>) -> Array<T> {
            map(x, $f)
        }
    )*};
}

/// `sin x` (vectorised, with the whole-range fallback per element: the
/// bits of [`Float::sin`]).
pub fn sin<T: Float>(x: &Array<T>) -> Array<T> {
    slice_op(x, T::sin_slice)
}

/// `cos x` (as [`sin`]).
pub fn cos<T: Float>(x: &Array<T>) -> Array<T> {
    slice_op(x, T::cos_slice)
}

/// `f(x, out)` into a new array of `x`'s shape.
fn slice_op<T: Float>(x: &Array<T>, f: fn(&[T], &mut [T])) -> Array<T> {
    let mut out = vec![T::zero(); x.len()];
    f(x.as_slice(), &mut out);
    Array::from_raw(x.shape().to_vec(), out)
}

float_unary! {
    /// `tan x`.
    tan = |v: T| v.tan();
    /// Square root.
    sqrt = |v: T| v.sqrt();
    /// `1 / sqrt(x)`.
    rsqrt = |v: T| T::one().div(v.sqrt());
}

/// `lax` functions from the `kernels::float_unary` list (`exp`, `log`,
/// `tanh`, `logistic` ...): the kernel mapped over the array.
macro_rules! list_fns {
    ([] $($m:ident, $jax:ident: $k32:path, $k64:path, $doc:literal;)*) => {
        float_unary! {$(
            #[doc = $doc]
            $jax = |v: T| v.$m();
        )*}
    };
}
kernels::float_unary!(list_fns);

num_unary! {
    /// `-x` (wrapping for integers).
    neg = |v: T| v.neg();
    /// `|x|`.
    abs = |v: T| v.abs();
    /// -1, 0 or 1 by the sign of `x` (NaN stays NaN).
    sign = |v: T| v.sign();
    /// `x * x`.
    square = |v: T| v.mul(v);
}

/// `x^y` for a constant integer `y` (JAX's `integer_pow[y]`).
pub fn integer_pow<T: Num>(x: &Array<T>, y: i32) -> Array<T> {
    match y {
        0 => map(x, |_| T::one()),
        1 => x.clone(),
        2 => map(x, |v: T| v.mul(v)),
        3 => map(x, |v: T| v.mul(v).mul(v)),
        _ => map(x, move |v: T| v.powi(y)),
    }
}

/// The identity (its derivative is zero; that rule lives in rjax-core).
pub fn stop_gradient<T: Element>(x: &Array<T>) -> Array<T> {
    x.clone()
}
