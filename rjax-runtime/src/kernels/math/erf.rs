//! `erf` and `erfc` for f64 and f32.
//!
//! f64: the method of FreeBSD's s_erf.c (Sun Microsystems; the notice
//! below is theirs), below an ulp: on |x| < 0.84375 erf(x) = x + x R(x²);
//! on [0.84375, 1.25) erf(1 + s) = c + P1(s)/Q1(s); beyond, erfc(x) =
//! exp(-x² - 0.5625 + R(1/x²)/S(1/x²)) / x with -x² split exactly in two
//! (s = x with its low 32 bits cleared: -x² = -s² + (s - x)(s + x)), one
//! rational fit on [1.25, 1/0.35) and one on [1/0.35, 28). The
//! exponentials are rjax's own (`exp_f64`), so the bits do not depend on
//! the platform's libm. f32: the f64 function rounded once (below an f32
//! ulp).
//!
//! ====================================================
//! Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//!
//! Developed at SunPro, a Sun Microsystems, Inc. business.
//! Permission to use, copy, modify, and distribute this
//! software is freely granted, provided that this notice
//! is preserved.
//! ====================================================

// The coefficients as published (21 digits), each the decimal of the
// intended double: shortening them would invite a transcription error.
#![allow(clippy::excessive_precision)]

use super::exp::exp_f64;

/// erf(1) rounded to 24 bits: the constant term on [0.84375, 1.25).
const ERX: f64 = 8.450_629_115_104_675_292_97e-1;
/// 2/sqrt(pi) - 1, for tiny |x|.
const EFX: f64 = 1.283_791_670_955_125_585_61e-1;
// erf on [0, 0.84375): x + x * PP(x²)/QQ(x²).
const PP: [f64; 5] = [
    1.283_791_670_955_125_585_61e-1,
    -3.250_421_072_470_014_993_70e-1,
    -2.848_174_957_559_851_047_66e-2,
    -5.770_270_296_489_441_591_57e-3,
    -2.376_301_665_665_016_260_84e-5,
];
const QQ: [f64; 6] = [
    1.0,
    3.979_172_239_591_553_528_19e-1,
    6.502_224_998_876_729_444_85e-2,
    5.081_306_281_875_765_627_76e-3,
    1.324_947_380_043_216_445_26e-4,
    -3.960_228_278_775_368_123_20e-6,
];
// erf(1 + s) - ERX on [0.84375, 1.25): PA(s)/QA(s).
const PA: [f64; 7] = [
    -2.362_118_560_752_659_440_77e-3,
    4.148_561_186_837_483_316_66e-1,
    -3.722_078_760_357_013_238_47e-1,
    3.183_466_199_011_617_536_74e-1,
    -1.108_946_942_823_966_774_76e-1,
    3.547_830_432_561_823_593_71e-2,
    -2.166_375_594_868_790_843_00e-3,
];
const QA: [f64; 7] = [
    1.0,
    1.064_208_804_008_442_282_86e-1,
    5.403_979_177_021_710_489_37e-1,
    7.182_865_441_419_626_628_68e-2,
    1.261_712_198_087_616_421_12e-1,
    1.363_708_391_202_905_073_62e-2,
    1.198_449_984_679_910_741_70e-2,
];
// log(x erfc(x)) + x² + 0.5625 on [1.25, 1/0.35), in z = 1/x²: RA(z)/SA(z).
const RA: [f64; 8] = [
    -9.864_944_034_847_148_227_05e-3,
    -6.938_585_727_071_817_643_72e-1,
    -1.055_862_622_532_329_098_14e1,
    -6.237_533_245_032_600_603_96e1,
    -1.623_966_694_625_734_703_55e2,
    -1.846_050_929_067_110_359_94e2,
    -8.128_743_550_630_659_342_46e1,
    -9.814_329_344_169_145_485_92,
];
const SA: [f64; 9] = [
    1.0,
    1.965_127_166_743_925_712_92e1,
    1.376_577_541_435_190_426_00e2,
    4.345_658_774_752_292_288_21e2,
    6.453_872_717_332_678_803_36e2,
    4.290_081_400_275_678_333_86e2,
    1.086_350_055_417_794_351_34e2,
    6.570_249_770_319_281_701_35,
    -6.042_441_521_485_809_874_38e-2,
];
// The same on [1/0.35, 28): RB(z)/SB(z).
const RB: [f64; 7] = [
    -9.864_942_924_700_099_285_97e-3,
    -7.992_832_376_805_230_065_74e-1,
    -1.775_795_491_775_475_198_89e1,
    -1.606_363_848_558_219_160_62e2,
    -6.375_664_433_683_896_277_22e2,
    -1.025_095_131_611_077_249_54e3,
    -4.835_191_916_086_513_970_19e2,
];
const SB: [f64; 8] = [
    1.0,
    3.033_806_074_348_245_829_24e1,
    3.257_925_129_965_739_188_26e2,
    1.536_729_586_084_436_959_94e3,
    3.199_858_219_508_595_539_08e3,
    2.553_050_406_433_164_425_83e3,
    4.745_285_412_069_553_672_15e2,
    -2.244_095_244_658_581_833_62e1,
];

/// `c[0] + z c[1] + z² c[2] + ...`.
#[inline(always)]
fn poly(z: f64, c: &[f64]) -> f64 {
    c.iter().rev().fold(0.0, |acc, &k| acc.mul_add(z, k))
}

/// erf(|x|) - ERX for |x| in [0.84375, 1.25).
#[inline(always)]
fn near_one(ax: f64) -> f64 {
    let s = ax - 1.0;
    poly(s, &PA) / poly(s, &QA)
}

/// erfc(|x|) for |x| in [1.25, 28).
#[inline(always)]
fn tail(ax: f64) -> f64 {
    let z = 1.0 / (ax * ax);
    let (r, s) = if ax < 1.0 / 0.35 {
        (poly(z, &RA), poly(z, &SA))
    } else {
        (poly(z, &RB), poly(z, &SB))
    };
    // s = ax with its low word cleared: s² is exact, (s - ax)(s + ax)
    // carries the rest of -ax².
    let hi = f64::from_bits(ax.to_bits() & 0xffff_ffff_0000_0000);
    exp_f64(-hi * hi - 0.5625) * exp_f64((hi - ax) * (hi + ax) + r / s) / ax
}

/// erf(x) (f64), below an ulp.
pub fn erf_f64(x: f64) -> f64 {
    let ax = x.abs();
    if ax.is_nan() {
        return x;
    }
    if ax < 0.84375 {
        if ax < f64::from_bits(0x3e30_0000_0000_0000) {
            // |x| < 2^-28: x + x EFX (scaled to avoid underflow).
            return 0.125 * (8.0 * x + (8.0 * EFX) * x);
        }
        let z = x * x;
        return x.mul_add(poly(z, &PP) / poly(z, &QQ), x);
    }
    let y = if ax < 1.25 {
        ERX + near_one(ax)
    } else if ax < 6.0 {
        1.0 - tail(ax)
    } else {
        1.0 // 1 - erfc(x) rounds to 1
    };
    y.copysign(x)
}

/// erfc(x) = 1 - erf(x) (f64), computed directly so that large `x` keep
/// their relative accuracy, below a few ulp.
pub fn erfc_f64(x: f64) -> f64 {
    let ax = x.abs();
    if ax.is_nan() {
        return x;
    }
    if ax < 0.84375 {
        if ax < f64::from_bits(0x3c70_0000_0000_0000) {
            return 1.0 - x; // |x| < 2^-56
        }
        let z = x * x;
        let r = x * (poly(z, &PP) / poly(z, &QQ));
        return if x < 0.25 {
            1.0 - (x + r)
        } else {
            0.5 - (x - 0.5 + r)
        };
    }
    let pos = if ax < 1.25 {
        1.0 - ERX - near_one(ax)
    } else if ax < 28.0 {
        tail(ax)
    } else {
        0.0
    };
    if x < 0.0 { 2.0 - pos } else { pos }
}

/// erf(x) (f32): the f64 function rounded once.
#[inline]
pub fn erf_f32(x: f32) -> f32 {
    erf_f64(f64::from(x)) as f32
}

/// erfc(x) (f32): the f64 function rounded once.
#[inline]
pub fn erfc_f32(x: f32) -> f32 {
    erfc_f64(f64::from(x)) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_values() {
        assert_eq!(erf_f64(0.0), 0.0);
        assert!(erf_f64(-0.0).is_sign_negative());
        assert_eq!(erf_f64(f64::INFINITY), 1.0);
        assert_eq!(erf_f64(f64::NEG_INFINITY), -1.0);
        assert!(erf_f64(f64::NAN).is_nan());
        assert_eq!(erfc_f64(0.0), 1.0);
        assert_eq!(erfc_f64(f64::INFINITY), 0.0);
        assert_eq!(erfc_f64(f64::NEG_INFINITY), 2.0);
        assert!(erfc_f64(f64::NAN).is_nan());
        assert_eq!(erf_f32(f32::INFINITY), 1.0);
        assert_eq!(erfc_f32(-30.0), 2.0);
    }

    #[test]
    fn odd_and_complementary() {
        for k in -400..400 {
            let x = k as f64 * 0.0137;
            assert_eq!(erf_f64(-x), -erf_f64(x));
            let s = erf_f64(x) + erfc_f64(x);
            assert!((s - 1.0).abs() <= 4.0 * f64::EPSILON, "x={x}: {s}");
        }
    }
}
