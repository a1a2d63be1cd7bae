//! Elementwise unary primitives: `neg sin cos tan tanh exp log log1p expm1
//! sqrt rsqrt abs sign logistic square integer_pow stop_gradient`.

use crate::array::Array;
use crate::dtype::{Element, Float, Num};
use crate::kernels::elementwise;

/// Applies `f` to every element (the kernel behind every unary primitive;
/// parallel for large arrays).
pub fn map<T: Element, U: Element>(x: &Array<T>, f: impl Fn(T) -> U + Sync + Send) -> Array<U> {
    Array::from_raw(x.shape().to_vec(), elementwise::map(x.as_slice(), f))
}

macro_rules! float_unary {
    ($($(#[$m:meta])* $name:ident = $f:expr;)*) => {$(
        $(#[$m])*
        pub fn $name<T: Float>(x: &Array<T>) -> Array<T> {
            map(x, $f)
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

float_unary! {
    /// `sin x`.
    sin = |v: T| v.sin();
    /// `cos x`.
    cos = |v: T| v.cos();
    /// `tan x`.
    tan = |v: T| v.tan();
    /// `e^x`.
    exp = |v: T| v.exp();
    /// Natural logarithm.
    log = |v: T| v.ln();
    /// `ln(1 + x)`, accurate near 0.
    log1p = |v: T| v.ln_1p();
    /// `e^x - 1`, accurate near 0.
    expm1 = |v: T| v.exp_m1();
    /// Square root.
    sqrt = |v: T| v.sqrt();
    /// `1 / sqrt(x)`.
    rsqrt = |v: T| T::one().div(v.sqrt());
    /// The logistic sigmoid `1 / (1 + e^-x)`.
    logistic = |v: T| T::one().div(T::one().add(v.neg().exp()));
}

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

/// `tanh x`, through the vectorised slice kernel
/// ([`crate::kernels::vmath`]; within 2 ulp for `f32`, 3 for `f64`).
pub fn tanh<T: Float>(x: &Array<T>) -> Array<T> {
    Array::from_raw(
        x.shape().to_vec(),
        elementwise::map_slices(x.as_slice(), T::tanh_slice),
    )
}
