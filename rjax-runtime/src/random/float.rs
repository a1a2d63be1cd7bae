//! The float types the samplers draw (`f32`, `f64`): how raw threefry words
//! become a float in `[0, 1)`, and the special functions each type uses.

use super::xla_math;
use crate::dtype::Element;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A float type JAX's samplers produce: `f32` or `f64` (JAX with x64).
///
/// Sealed: the bit-level recipes below are specific to IEEE binary32 and
/// binary64.
pub trait RandomFloat:
    Element
    + sealed::Sealed
    + PartialOrd
    + std::ops::Add<Output = Self>
    + std::ops::Sub<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + std::ops::Neg<Output = Self>
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// `sqrt(2)` rounded to this type.
    const SQRT_2: Self;
    /// The smallest positive normal number (`finfo.tiny`).
    const TINY: Self;

    /// A float in `[0, 1)` from the two threefry words of one element, the
    /// way `jax.random.uniform` does it: the top mantissa-many bits of the
    /// element's random word, under the exponent of 1.0, minus 1.
    fn unit(b1: u32, b2: u32) -> Self;
    /// `self * a + b` with one rounding.
    fn fma(self, a: Self, b: Self) -> Self;
    /// The larger of the two (XLA `max` for non-NaN operands).
    fn max_of(self, other: Self) -> Self;
    /// The smaller of the two.
    fn min_of(self, other: Self) -> Self;
    /// The next representable number from `self` towards `toward`.
    fn next_toward(self, toward: Self) -> Self;
    /// XLA's natural logarithm for this type.
    fn xla_log(self) -> Self;
    /// XLA's `log1p` for this type.
    fn xla_log1p(self) -> Self;
    /// XLA's `erf` for this type.
    fn xla_erf(self) -> Self;
    /// XLA's `erf_inv` for this type.
    fn xla_erf_inv(self) -> Self;
}

macro_rules! common {
    ($t:ty, $bits:ty) => {
        const ZERO: Self = 0.0;
        const ONE: Self = 1.0;
        const TINY: Self = <$t>::MIN_POSITIVE;

        #[inline(always)]
        fn fma(self, a: Self, b: Self) -> Self {
            self.mul_add(a, b)
        }
        #[inline(always)]
        fn max_of(self, other: Self) -> Self {
            if self > other { self } else { other }
        }
        #[inline(always)]
        fn min_of(self, other: Self) -> Self {
            if self < other { self } else { other }
        }
        fn next_toward(self, toward: Self) -> Self {
            if self.is_nan() || toward.is_nan() {
                return <$t>::NAN;
            }
            if self == toward {
                return toward;
            }
            if self == 0.0 {
                // The smallest subnormal with the sign of the direction.
                return <$t>::from_bits(1).copysign(toward - self);
            }
            let b = self.to_bits();
            // Away from zero is +1 on the magnitude bits, towards zero -1.
            let away = (toward > self) == (self > 0.0);
            <$t>::from_bits(if away { b + 1 } else { b - 1 })
        }
    };
}

impl RandomFloat for f32 {
    const SQRT_2: Self = std::f32::consts::SQRT_2;
    common!(f32, u32);

    #[inline(always)]
    fn unit(b1: u32, b2: u32) -> Self {
        // 32-bit draws use the xor of the two words; keep 23 mantissa bits.
        f32::from_bits(((b1 ^ b2) >> 9) | 0x3f80_0000) - 1.0
    }
    #[inline(always)]
    fn xla_log(self) -> Self {
        xla_math::log_f32(self)
    }
    #[inline(always)]
    fn xla_log1p(self) -> Self {
        xla_math::log1p_f32(self)
    }
    #[inline(always)]
    fn xla_erf(self) -> Self {
        xla_math::erf_f32(self)
    }
    #[inline(always)]
    fn xla_erf_inv(self) -> Self {
        xla_math::erf_inv_f32(self)
    }
}

impl RandomFloat for f64 {
    const SQRT_2: Self = std::f64::consts::SQRT_2;
    common!(f64, u64);

    #[inline(always)]
    fn unit(b1: u32, b2: u32) -> Self {
        // 64-bit draws concatenate the words (b1 high); keep 52 bits.
        let bits = (u64::from(b1) << 32) | u64::from(b2);
        f64::from_bits((bits >> 12) | 0x3ff0_0000_0000_0000) - 1.0
    }
    #[inline(always)]
    fn xla_log(self) -> Self {
        xla_math::log_f64(self)
    }
    #[inline(always)]
    fn xla_log1p(self) -> Self {
        xla_math::log1p_f64(self)
    }
    #[inline(always)]
    fn xla_erf(self) -> Self {
        xla_math::erf_f64(self)
    }
    #[inline(always)]
    fn xla_erf_inv(self) -> Self {
        xla_math::erf_inv_f64(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_toward_steps_one_ulp() {
        assert_eq!((-1.0f32).next_toward(0.0), -0.99999994);
        assert_eq!(
            1.0f64.next_toward(f64::NEG_INFINITY),
            1.0 - f64::EPSILON / 2.0
        );
        assert_eq!(2.0f32.next_toward(f32::INFINITY), 2.0 + 2.0 * f32::EPSILON);
        assert_eq!(0.0f32.next_toward(-1.0), -f32::from_bits(1));
    }

    #[test]
    fn unit_covers_zero_to_one() {
        assert_eq!(f32::unit(0, 0), 0.0);
        assert_eq!(f32::unit(u32::MAX, 0), 1.0 - f32::EPSILON);
        assert_eq!(f64::unit(u32::MAX, u32::MAX), 1.0 - f64::EPSILON);
    }
}
