//! `ln` and `ln_1p` for f32 and f64 as branch-free scalar code that LLVM
//! vectorises when inlined into a loop.
//!
//! Method (as in fdlibm/musl): x = 2^k m with m in [sqrt(1/2), sqrt(2)),
//! f = m - 1, s = f / (2 + f), log(1 + f) = f - (f^2/2 - s (f^2/2 + R(s^2)))
//! where R is the atanh series; k ln2 is added in two parts. Subnormal
//! inputs are scaled into the normal range first. The series coefficients
//! are the exact 2/(2j+1), truncated where the tail is far below an ulp.

const LN2_HI_F32: f32 = f32::from_bits(0x3f31_7180);
const LN2_LO_F32: f32 = f32::from_bits(0x3717_f7d1);
const LN2_HI_F64: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // trailing zero bits
const LN2_LO_F64: f64 = 1.908_214_929_270_587_7e-10;

/// log(1 + f) for f in [sqrt(1/2) - 1, sqrt(2) - 1] plus k ln2 (f32).
#[inline(always)]
fn log_core_f32(f: f32, k: f32) -> f32 {
    let s = f / (2.0 + f);
    let z = s * s;
    let r = z.mul_add(2.0 / 9.0, 2.0 / 7.0);
    let r = z.mul_add(r, 2.0 / 5.0);
    let r = z.mul_add(r, 2.0 / 3.0);
    let r = z * r;
    let hfsq = 0.5 * f * f;
    let lo = s.mul_add(hfsq + r, k * LN2_LO_F32);
    k.mul_add(LN2_HI_F32, f - (hfsq - lo))
}

#[inline(always)]
fn log_core_f64(f: f64, k: f64) -> f64 {
    let s = f / (2.0 + f);
    let z = s * s;
    // 2/(2j+1) for j = 10 down to 1
    let mut r = 2.0 / 21.0;
    for j in (1..10).rev() {
        r = z.mul_add(r, 2.0 / (2 * j + 1) as f64);
    }
    let r = z * r;
    let hfsq = 0.5 * f * f;
    let lo = s.mul_add(hfsq + r, k * LN2_LO_F64);
    k.mul_add(LN2_HI_F64, f - (hfsq - lo))
}

/// Splits a positive finite x into (m - 1, k) with x = 2^k m.
#[inline(always)]
fn split_f32(x: f32) -> (f32, f32) {
    let sub = x < f32::MIN_POSITIVE;
    let xs = if sub { x * 8_388_608.0 } else { x }; // 2^23
    // Offsetting the bits moves the mantissa cut from 1 to sqrt(1/2).
    let ix = xs.to_bits().wrapping_add(0x3f80_0000 - 0x3f35_04f3);
    let k = ((ix >> 23) as i32 - 0x7f) - if sub { 23 } else { 0 };
    let m = f32::from_bits((ix & 0x007f_ffff) + 0x3f35_04f3);
    (m - 1.0, k as f32)
}

#[inline(always)]
fn split_f64(x: f64) -> (f64, f64) {
    let sub = x < f64::MIN_POSITIVE;
    let xs = if sub { x * 18_014_398_509_481_984.0 } else { x }; // 2^54
    let ix = xs
        .to_bits()
        .wrapping_add(0x3ff0_0000_0000_0000 - 0x3fe6_a09e_667f_3bcd);
    let k = ((ix >> 52) as i64 - 0x3ff) - if sub { 54 } else { 0 };
    let m = f64::from_bits((ix & 0x000f_ffff_ffff_ffff) + 0x3fe6_a09e_667f_3bcd);
    (m - 1.0, k as f64)
}

/// Natural log (f32), about 1 ulp; log(+-0) = -inf, log(x < 0) = NaN.
#[inline(always)]
pub fn ln_f32(x: f32) -> f32 {
    let (f, k) = split_f32(x);
    let v = log_core_f32(f, k);
    fix_log_specials_f32(x, v)
}

#[inline(always)]
fn fix_log_specials_f32(x: f32, v: f32) -> f32 {
    let v = if x == f32::INFINITY { x } else { v };
    let v = if x >= 0.0 { v } else { f32::NAN };
    if x == 0.0 { f32::NEG_INFINITY } else { v }
}

#[inline(always)]
fn fix_log_specials_f64(x: f64, v: f64) -> f64 {
    let v = if x == f64::INFINITY { x } else { v };
    let v = if x >= 0.0 { v } else { f64::NAN };
    if x == 0.0 { f64::NEG_INFINITY } else { v }
}

/// Natural log (f64), about 1 ulp.
#[inline(always)]
pub fn ln_f64(x: f64) -> f64 {
    let (f, k) = split_f64(x);
    let v = log_core_f64(f, k);
    fix_log_specials_f64(x, v)
}

/// log(1 + x) (f32), accurate near 0.
#[inline(always)]
pub fn ln_1p_f32(x: f32) -> f32 {
    // u = 1 + x rounds; c = x - (u - 1) is the lost part, and
    // log(1 + x) = log(u) + c / u to first order.
    let u = 1.0 + x;
    let c = (x - (u - 1.0)) / u;
    let (f, k) = split_f32(u);
    let v = log_core_f32(f, k) + c;
    let v = fix_log_specials_f32(u, v);
    // log1p(x) == x for tiny x (keeps -0 and subnormals exact).
    if x.abs() < 1e-20 { x } else { v }
}

/// log(1 + x) (f64), accurate near 0.
#[inline(always)]
pub fn ln_1p_f64(x: f64) -> f64 {
    let u = 1.0 + x;
    let c = (x - (u - 1.0)) / u;
    let (f, k) = split_f64(u);
    let v = log_core_f64(f, k) + c;
    let v = fix_log_specials_f64(u, v);
    if x.abs() < 1e-200 { x } else { v }
}
