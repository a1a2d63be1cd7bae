//! The special functions XLA's CPU backend evaluates inside JAX's samplers,
//! reproduced operation by operation so that results agree bit for bit.
//!
//! Facts established against JAX 0.10.2 / jaxlib 0.10.2 on x86-64 (checked
//! over millions of inputs, see the module tests and the crate's reference
//! tests):
//! - f32 `log`: the Cephes polynomial (as in Eigen's `plog`), frexp-style
//!   reduction to `[sqrt(1/2), sqrt(2))`, with the multiply-adds fused.
//! - f32/f64 `log1p`: `log(1 + x)` for `|x| >= sqrt(2) - 1`, otherwise
//!   `x - x²/2 + x³ P(x)/Q(x)` (Cephes rational), multiply-adds fused.
//! - f64 `log` and `erf`: the C library's (glibc) functions.
//! - f32 `erf`: Eigen's rational interpolant, clamped to ±1 beyond
//!   `erfinv(1 - 2^-24)`.
//! - `erf_inv`: Giles' approximations ("Approximating the erfinv function",
//!   GPU Computing Gems 2010): two branches in f32, three in f64, Horner
//!   steps fused.
//!
//! Every `mul_add` here stands for an FMA that LLVM forms inside XLA; a plain
//! `a * b + c` stands for one it does not. Keep that distinction when
//! editing: it decides the last bit.

// The constants are written as published (Cephes, Giles, Eigen, XLA) so
// they can be checked against their sources; f32 rounding is intended.
#![allow(clippy::excessive_precision)]

/// `sqrt(2) - 1`: below it `log1p` uses the rational form.
const LOG1P_SMALL: f64 = 0.414_213_562_373_095_048_80;

// Cephes log1p rational, numerator and denominator, highest power first.
const LOG1P_NUM: [f64; 7] = [
    4.527_000_086_244_519_963_521_5E-5,
    4.985_410_282_319_337_597_221_2E-1,
    6.578_732_594_206_104_484_696_9E0,
    2.991_191_932_855_307_327_737_5E1,
    6.094_966_798_098_778_705_755_6E1,
    5.711_296_359_058_553_810_333_6E1,
    2.003_955_349_920_128_125_964_8E1,
];
const LOG1P_DEN: [f64; 7] = [
    1.0,
    1.506_290_908_346_919_204_316_7E1,
    8.304_756_596_796_720_946_943_4E1,
    2.217_623_982_373_285_646_539_4E2,
    3.090_987_222_531_205_977_493_8E2,
    2.164_278_861_449_594_768_500_3E2,
    6.011_866_049_760_384_391_930_6E1,
];

// ---------------------------------------------------------------- f32 ----

/// Cephes `logf` polynomial, highest power first.
const LOG_P: [f32; 9] = [
    7.0376836292E-2,
    -1.1514610310E-1,
    1.1676998740E-1,
    -1.2420140846E-1,
    1.4249322787E-1,
    -1.6668057665E-1,
    2.0000714765E-1,
    -2.4999993993E-1,
    3.3333331174E-1,
];
/// `ln 2` split in a low part and an exactly representable high part.
const LN2_LO: f32 = -2.12194440e-4;
const LN2_HI: f32 = 0.693_359_375;

/// XLA's f32 natural logarithm.
#[inline(always)]
pub(crate) fn log_f32(input: f32) -> f32 {
    let min_norm = f32::from_bits(0x0080_0000);
    // Denormals are treated as the smallest normal number.
    let v = if input > min_norm { input } else { min_norm };
    let bits = v.to_bits();
    let emm0 = (bits >> 23) as i32 - 0x7f;
    // Mantissa with the exponent of 0.5: m in [0.5, 1).
    let m = f32::from_bits((bits & !0x7f80_0000) | 0.5f32.to_bits());
    let mut e = 1.0 + emm0 as f32;
    let small = m < std::f32::consts::FRAC_1_SQRT_2;
    // x = 2m - 1 (and e - 1) below sqrt(1/2), else m - 1: both exact.
    let mut x = m - 1.0;
    if small {
        e -= 1.0;
        x += m;
    }
    let x2 = x * x;
    let x3 = x2 * x;
    let mut y = x.mul_add(LOG_P[0], LOG_P[1]);
    let mut y1 = x.mul_add(LOG_P[3], LOG_P[4]);
    let mut y2 = x.mul_add(LOG_P[6], LOG_P[7]);
    y = y.mul_add(x, LOG_P[2]);
    y1 = y1.mul_add(x, LOG_P[5]);
    y2 = y2.mul_add(x, LOG_P[8]);
    y = y.mul_add(x3, y1);
    y = y.mul_add(x3, y2);
    // LLVM fuses `y * x3` with the following add of `LN2_LO * e`.
    y = y.mul_add(x3, LN2_LO * e);
    let mut r = (-0.5f32).mul_add(x2, x);
    r += y;
    r = LN2_HI.mul_add(e, r);
    if input.is_nan() || input < 0.0 {
        f32::NAN
    } else if input == 0.0 {
        f32::NEG_INFINITY
    } else if input == f32::INFINITY {
        f32::INFINITY
    } else {
        r
    }
}

/// Horner evaluation from a zero start, as XLA's log1p emits it.
#[inline(always)]
fn poly_f32(c: &[f64; 7], x: f32) -> f32 {
    let mut p = 0.0f32;
    for &ci in c {
        p = p.mul_add(x, ci as f32);
    }
    p
}

/// XLA's f32 `log1p`.
#[inline(always)]
pub(crate) fn log1p_f32(x: f32) -> f32 {
    let large = log_f32(x + 1.0);
    let x2 = x * x;
    let mut small = poly_f32(&LOG1P_NUM, x) / poly_f32(&LOG1P_DEN, x);
    small *= x * x2;
    small = (-0.5f32).mul_add(x2, small);
    small += x;
    if x.abs() < LOG1P_SMALL as f32 {
        small
    } else {
        large
    }
}

/// Giles' single-precision erfinv, `w < 5` branch, highest power first.
const ERFINV32_CENTRAL: [f32; 9] = [
    2.81022636e-08,
    3.43273939e-07,
    -3.5233877e-06,
    -4.39150654e-06,
    0.00021858087,
    -0.00125372503,
    -0.00417768164,
    0.246640727,
    1.50140941,
];
/// Giles' single-precision erfinv, tail branch.
const ERFINV32_TAIL: [f32; 9] = [
    -0.000200214257,
    0.000100950558,
    0.00134934322,
    -0.00367342844,
    0.00573950773,
    -0.0076224613,
    0.00943887047,
    1.00167406,
    2.83297682,
];

/// XLA's f32 inverse error function.
#[inline(always)]
pub(crate) fn erf_inv_f32(x: f32) -> f32 {
    let w = -log1p_f32(x * -x);
    let central = w < 5.0;
    let t = if central { w - 2.5 } else { w.sqrt() - 3.0 };
    // Per-coefficient selects (as XLA emits them) keep this branch-free, so
    // loops over elements vectorise.
    let mut p = if central {
        ERFINV32_CENTRAL[0]
    } else {
        ERFINV32_TAIL[0]
    };
    for i in 1..ERFINV32_CENTRAL.len() {
        let c = if central {
            ERFINV32_CENTRAL[i]
        } else {
            ERFINV32_TAIL[i]
        };
        p = p.mul_add(t, c);
    }
    if x.abs() == 1.0 {
        x * f32::INFINITY
    } else {
        p * x
    }
}

// Eigen's erf interpolant: odd numerator, even denominator.
const ERF32_ALPHA: [f32; 5] = [
    0.00022905065861350646,
    0.0034082910107109506,
    0.050955695062380861,
    0.18520832239976145,
    1.128379143519084,
];
const ERF32_BETA: [f32; 7] = [
    -1.1791602954361697e-7,
    0.000023547966471313185,
    0.0010179625278914885,
    0.014070470171167667,
    0.11098505178285362,
    0.49746925110067538,
    1.0,
];

/// XLA's f32 error function.
#[inline(always)]
pub(crate) fn erf_f32(x: f32) -> f32 {
    let x2 = x * x;
    let mut p = ERF32_ALPHA[0];
    for &a in &ERF32_ALPHA[1..] {
        p = x2.mul_add(p, a);
    }
    p *= x;
    let mut q = ERF32_BETA[0];
    for &b in &ERF32_BETA[1..] {
        q = x2.mul_add(q, b);
    }
    // Beyond erfinv(1 - 2^-24) the answer rounds to ±1.
    if 3.832_506_856_900_711 <= x.abs() {
        1.0f32.copysign(x)
    } else {
        p / q
    }
}

// ---------------------------------------------------------------- f64 ----

mod libm {
    // The C library's functions, which XLA calls for f64 `log` and `erf`.
    unsafe extern "C" {
        pub(super) safe fn erf(x: f64) -> f64;
    }
}

/// XLA's f64 natural logarithm: the C library's `log`.
#[inline(always)]
pub(crate) fn log_f64(x: f64) -> f64 {
    x.ln()
}

#[inline(always)]
fn poly_f64(c: &[f64; 7], x: f64) -> f64 {
    let mut p = 0.0f64;
    for &ci in c {
        p = p.mul_add(x, ci);
    }
    p
}

/// XLA's f64 `log1p`.
#[inline(always)]
pub(crate) fn log1p_f64(x: f64) -> f64 {
    if x.abs() >= LOG1P_SMALL {
        return log_f64(x + 1.0);
    }
    let x2 = x * x;
    let mut small = poly_f64(&LOG1P_NUM, x) / poly_f64(&LOG1P_DEN, x);
    small *= x * x2;
    small = (-0.5f64).mul_add(x2, small);
    x + small
}

/// XLA's f64 error function: the C library's `erf`.
pub(crate) fn erf_f64(x: f64) -> f64 {
    libm::erf(x)
}

/// Giles' double-precision erfinv for `w < 6.25` (t = w - 3.125).
const ERFINV64_CENTRAL: [f64; 23] = [
    -3.644_412_064_017_819_699_6e-21,
    -1.685_059_138_182_016_589e-19,
    1.285_848_071_525_640_016_7e-18,
    1.115_787_767_802_518_096e-17,
    -1.333_171_662_854_620_906e-16,
    2.097_276_787_596_856_163_7e-17,
    6.637_638_134_358_323_832_5e-15,
    -4.054_566_272_975_206_863_9e-14,
    -8.151_934_197_605_472_152_2e-14,
    2.633_509_315_308_232_297_7e-12,
    -1.297_513_325_345_353_249_8e-11,
    -5.415_412_054_294_627_931_7e-11,
    1.051_212_273_321_532_285e-9,
    -4.112_633_980_346_983_697_6e-9,
    -2.907_036_995_788_200_508_6e-8,
    4.234_787_782_793_240_351_8e-7,
    -1.365_469_200_083_467_864_5e-6,
    -1.388_252_336_278_646_871_9e-5,
    1.867_342_080_340_571_352e-4,
    -7.407_025_341_662_669_751_2e-4,
    -6.033_670_871_430_149_053_3e-3,
    2.401_581_824_255_896_169_3e-1,
    1.653_654_562_683_102_735_6,
];
/// ... for `6.25 <= w < 16` (t = sqrt(w) - 3.25).
const ERFINV64_MIDDLE: [f64; 19] = [
    2.213_737_692_177_578_704_9e-9,
    9.075_656_193_888_539_097_9e-8,
    -2.751_740_629_706_454_542_8e-7,
    1.823_962_921_438_922_775_5e-8,
    1.502_740_396_890_982_762_7e-6,
    -4.013_867_526_981_545_969e-6,
    2.923_444_908_995_544_604_4e-6,
    1.247_530_448_167_177_872_3e-5,
    -4.731_822_900_905_573_398_1e-5,
    6.828_485_145_957_317_544_8e-5,
    2.403_111_038_709_789_399_9e-5,
    -3.550_375_203_628_474_796e-4,
    9.532_893_797_373_804_970_3e-4,
    -1.688_275_556_023_504_731_3e-3,
    2.491_442_096_107_850_806_6e-3,
    -3.751_208_507_569_241_210_7e-3,
    5.370_914_553_590_063_617e-3,
    1.005_258_967_694_159_233_4,
    3.083_885_610_492_220_763_5,
];
/// ... for `w >= 16` (t = sqrt(w) - 5).
const ERFINV64_TAIL: [f64; 17] = [
    -2.710_992_061_643_857_324_3e-11,
    -2.555_641_816_996_525_205_5e-10,
    1.507_657_269_350_054_808_3e-9,
    -3.789_465_440_126_736_993_7e-9,
    7.615_701_208_078_339_380_4e-9,
    -1.496_002_662_714_924_047_8e-8,
    2.914_795_345_090_108_082_6e-8,
    -6.771_199_775_845_233_949_8e-8,
    2.290_048_222_802_665_471_7e-7,
    -9.929_827_294_231_700_253_9e-7,
    4.526_062_597_223_153_703_9e-6,
    -1.968_177_810_553_167_056_7e-5,
    7.599_527_703_001_776_113_9e-5,
    -2.150_301_193_004_447_734_7e-4,
    -1.387_193_183_362_312_202_6e-4,
    1.010_300_464_864_534_397_7,
    4.849_906_401_408_584_422_1,
];

#[inline(always)]
fn horner_f64(c: &[f64], t: f64) -> f64 {
    let mut p = c[0];
    for &ci in &c[1..] {
        p = p.mul_add(t, ci);
    }
    p
}

/// XLA's f64 inverse error function.
#[inline(always)]
pub(crate) fn erf_inv_f64(x: f64) -> f64 {
    let w = -log1p_f64(x * -x);
    let p = if w < 6.25 {
        horner_f64(&ERFINV64_CENTRAL, w - 3.125)
    } else if w < 16.0 {
        horner_f64(&ERFINV64_MIDDLE, w.sqrt() - 3.25)
    } else {
        horner_f64(&ERFINV64_TAIL, w.sqrt() - 5.0)
    };
    if x.abs() == 1.0 {
        x * f64::INFINITY
    } else {
        p * x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    // Accuracy against the true functions (the bit-level agreement with XLA is
    // checked through the samplers in rjax-runtime/tests/random_reference.rs).
    #[test]
    fn log_f32_is_accurate() {
        for i in 1..2000 {
            let x = i as f32 * 0.37;
            assert!(rel(log_f32(x) as f64, (x as f64).ln()) < 3e-7 || x == 1.0);
        }
        assert_eq!(log_f32(0.0), f32::NEG_INFINITY);
        assert!(log_f32(-1.0).is_nan());
        assert_eq!(log_f32(1.0), 0.0);
    }

    #[test]
    fn log1p_is_accurate() {
        for i in (1..2000).filter(|&i| i != 1000) {
            let x = -1.0 + i as f64 / 1000.0;
            let want = x.ln_1p();
            // XLA applies the rational form on (-0.414, 0.414) although
            // Cephes fits it on (-0.293, 0.414): near -0.414 its log1p is
            // a little less accurate (JAX gives the same values).
            assert!(rel(log1p_f32(x as f32) as f64, (x as f32 as f64).ln_1p()) < 3e-7);
            assert!(rel(log1p_f64(x), want) < 5e-14, "{x}");
        }
        assert_eq!(log1p_f32(0.0), 0.0);
        assert_eq!(log1p_f64(-1.0), f64::NEG_INFINITY);
    }

    #[test]
    fn erf_inv_inverts_erf() {
        for i in -99..100 {
            let y = i as f64 / 100.0;
            let x64 = erf_inv_f64(y);
            assert!((erf_f64(x64) - y).abs() < 4e-15, "{y}");
            let x32 = erf_inv_f32(y as f32);
            assert!((erf_f32(x32) as f64 - y).abs() < 1e-6, "{y}");
        }
        assert_eq!(erf_inv_f32(1.0), f32::INFINITY);
        assert_eq!(erf_inv_f64(-1.0), f64::NEG_INFINITY);
    }
}
