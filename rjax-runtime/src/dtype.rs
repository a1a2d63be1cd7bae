//! Element types an `Array` can hold, their runtime tags, and the scalar
//! arithmetic the kernels are generic over. Types only: nothing here calls
//! a kernel (the float transcendentals are implemented in
//! `kernels::math`, matrix products in `kernels::gemm`).
//!
//! Three traits, from weakest to strongest:
//! - [`Element`]: anything an array can hold (`f32 f64 i32 u32 i64 u64 bool`), with a
//!   lossless-where-possible cast through `f64` (used by
//!   `convert_element_type`);
//! - [`Num`]: the numeric types (`f32 f64 i32 u32`), with XLA's semantics for
//!   integers (wrapping arithmetic, `x / 0` gives -1 / `u32::MAX`);
//! - [`Float`]: `f32` and `f64`, with the transcendental functions.
//!
//! The methods are named so that they never clash with std's operator traits
//! or with inherent float methods in generic code.

use std::fmt::{Debug, Display};

/// The element type of an array, as JAX spells it (`f32`, `i32`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DType {
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// 32-bit signed integer.
    I32,
    /// 32-bit unsigned integer.
    U32,
    /// 64-bit signed integer (JAX's int64 under x64: `randint_i64`).
    I64,
    /// 64-bit unsigned integer (`bits::<u64>`).
    U64,
    /// Boolean.
    Bool,
}

impl DType {
    /// The short name JAX prints in a jaxpr (`f32`, `bool`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::F64 => "f64",
            DType::I32 => "i32",
            DType::U32 => "u32",
            DType::I64 => "i64",
            DType::U64 => "u64",
            DType::Bool => "bool",
        }
    }

    /// The name NumPy prints in a repr (`float32`, `int32`, `bool`, ...).
    pub fn numpy_name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::I32 => "int32",
            DType::U32 => "uint32",
            DType::I64 => "int64",
            DType::U64 => "uint64",
            DType::Bool => "bool",
        }
    }
}

impl Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A type that can be an element of an [`crate::Array`].
pub trait Element:
    Copy + Send + Sync + Debug + Display + PartialEq + PartialOrd + Default + 'static
{
    /// The runtime tag of this type.
    const DTYPE: DType;

    /// This value as an `f64` (exact for every element type except 64-bit
    /// integers beyond 2^53, which round; `bool` is 0/1).
    fn to_f64(self) -> f64;

    /// The value of this type nearest to `x`, with XLA's conversion rules:
    /// floats to integers truncate toward zero and saturate (NaN gives 0),
    /// anything to `bool` is `x != 0` (NaN gives true).
    fn from_f64(x: f64) -> Self;

    /// Converts to another element type (`convert_element_type`).
    fn cast<U: Element>(self) -> U {
        U::from_f64(self.to_f64())
    }
}

/// The numeric element types (`f32 f64 i32 u32`).
pub trait Num: Element {
    /// 0.
    fn zero() -> Self;
    /// 1.
    fn one() -> Self;
    /// The smallest value (-inf for floats); the identity of `max`.
    fn lowest() -> Self;
    /// The largest value (+inf for floats); the identity of `min`.
    fn highest() -> Self;
    /// `a + b` (wrapping for integers).
    fn add(self, b: Self) -> Self;
    /// `a - b` (wrapping for integers).
    fn sub(self, b: Self) -> Self;
    /// `a * b` (wrapping for integers).
    fn mul(self, b: Self) -> Self;
    /// `a / b`; integers round toward zero, and `x / 0` is -1 (all bits
    /// set), as in XLA.
    fn div(self, b: Self) -> Self;
    /// `-a` (wrapping for integers, so `u32` negates modulo 2^32).
    fn neg(self) -> Self;
    /// `|a|`.
    fn abs(self) -> Self;
    /// -1, 0 or 1 (NaN stays NaN).
    fn sign(self) -> Self;
    /// The larger of two values; NaN if either is NaN (as `lax.max`).
    fn max(self, b: Self) -> Self;
    /// The smaller of two values; NaN if either is NaN (as `lax.min`).
    fn min(self, b: Self) -> Self;
    /// `a ^ y` for an integer `y` (`integer_pow`); for integers a negative
    /// `y` gives `1 / a^|y|` with integer division.
    fn powi(self, y: i32) -> Self;
    /// True for NaN (never for integers).
    fn is_nan(self) -> bool;
}

/// `Float`'s methods from the `kernels::float_unary` list.
macro_rules! float_decls {
    ([] $($m:ident, $jax:ident: $k32:path, $k64:path, $doc:literal;)*) => {$(
        #[doc = $doc]
        fn $m(self) -> Self;
    )*};
}

/// The floating-point element types (`f32 f64`). The transcendentals are
/// rjax's own (implemented in `kernels::math`): the functions the eager
/// ops and `#[jit]` code share, a few ulp from correctly rounded, not
/// libm's. `tan` and `powf` are std's.
pub trait Float: Num {
    /// sin (every input; std beyond the vectorised range reduction).
    fn sin(self) -> Self;
    /// cos (as `sin`).
    fn cos(self) -> Self;
    /// tan (std).
    fn tan(self) -> Self;
    // tanh exp ln ln_1p exp_m1 logistic ...: the `kernels::float_unary` list.
    crate::kernels::float_unary!(float_decls);
    /// Square root (correctly rounded).
    fn sqrt(self) -> Self;
    /// x^y (std).
    fn powf(self, y: Self) -> Self;
    /// `out[i] = sin(x[i])` over whole slices, vectorised; the bits of
    /// [`Float::sin`].
    fn sin_slice(x: &[Self], out: &mut [Self]);
    /// `out[i] = cos(x[i])` over whole slices, vectorised; the bits of
    /// [`Float::cos`].
    fn cos_slice(x: &[Self], out: &mut [Self]);
}

impl Element for bool {
    const DTYPE: DType = DType::Bool;
    fn to_f64(self) -> f64 {
        if self { 1.0 } else { 0.0 }
    }
    fn from_f64(x: f64) -> Self {
        x != 0.0
    }
}

macro_rules! int_element {
    ($($t:ty => $d:ident),*) => {$(
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_f64(x: f64) -> Self {
                // `as` truncates toward zero, saturates and maps NaN to 0.
                x as $t
            }
        }

        impl Num for $t {
            fn zero() -> Self { 0 }
            fn one() -> Self { 1 }
            fn lowest() -> Self { <$t>::MIN }
            fn highest() -> Self { <$t>::MAX }
            fn add(self, b: Self) -> Self { self.wrapping_add(b) }
            fn sub(self, b: Self) -> Self { self.wrapping_sub(b) }
            fn mul(self, b: Self) -> Self { self.wrapping_mul(b) }
            fn div(self, b: Self) -> Self {
                if b == 0 { (0 as $t).wrapping_sub(1) } else { self.wrapping_div(b) }
            }
            fn neg(self) -> Self { (0 as $t).wrapping_sub(self) }
            #[allow(unused_comparisons)]
            fn abs(self) -> Self { if self < 0 { self.neg() } else { self } }
            #[allow(unused_comparisons)]
            fn sign(self) -> Self {
                if self > 0 { 1 } else if self < 0 { (0 as $t).wrapping_sub(1) } else { 0 }
            }
            fn max(self, b: Self) -> Self { if self >= b { self } else { b } }
            fn min(self, b: Self) -> Self { if self <= b { self } else { b } }
            fn powi(self, y: i32) -> Self {
                let p = self.wrapping_pow(y.unsigned_abs());
                if y < 0 { (1 as $t).div(p) } else { p }
            }
            fn is_nan(self) -> bool { false }
        }
    )*};
}
int_element!(i32 => I32, u32 => U32);

// 64-bit integers are storage only (the results of `random::bits::<u64>`
// and `random::randint_i64`): `Element` but not `Num`, so arrays of them
// have the accessors and casts but no arithmetic, and `i64`'s inherent
// methods stay unambiguous in generic-free code.
macro_rules! wide_element {
    ($($t:ty => $d:ident),*) => {$(
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_f64(x: f64) -> Self {
                x as $t
            }
        }
    )*};
}
wide_element!(i64 => I64, u64 => U64);

macro_rules! float_element {
    ($($t:ident => $d:ident),*) => {$(
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_f64(x: f64) -> Self {
                x as $t
            }
        }

        impl Num for $t {
            fn zero() -> Self { 0.0 }
            fn one() -> Self { 1.0 }
            fn lowest() -> Self { <$t>::NEG_INFINITY }
            fn highest() -> Self { <$t>::INFINITY }
            fn add(self, b: Self) -> Self { self + b }
            fn sub(self, b: Self) -> Self { self - b }
            fn mul(self, b: Self) -> Self { self * b }
            fn div(self, b: Self) -> Self { self / b }
            fn neg(self) -> Self { -self }
            fn abs(self) -> Self { <$t>::abs(self) }
            fn sign(self) -> Self {
                if self > 0.0 { 1.0 } else if self < 0.0 { -1.0 } else { self }
            }
            fn max(self, b: Self) -> Self {
                if self.is_nan() || self > b { self } else { b }
            }
            fn min(self, b: Self) -> Self {
                if self.is_nan() || self < b { self } else { b }
            }
            fn powi(self, y: i32) -> Self { <$t>::powi(self, y) }
            fn is_nan(self) -> bool { <$t>::is_nan(self) }
        }
    )*};
}
float_element!(f32 => F32, f64 => F64);
