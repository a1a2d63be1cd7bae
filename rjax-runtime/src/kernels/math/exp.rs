//! `exp` and `expm1` for f32 and f64 as branch-free scalar code that LLVM
//! vectorises when it is inlined into a loop (see `kernels::map`).
//!
//! Method: n = round(x / ln 2) by the magic-number trick, r = x - n ln 2 in
//! two Cody-Waite steps (|r| <= ln2 / 2), a Taylor polynomial for expm1(r)
//! long enough that truncation is far below half an ulp, and 2^n applied as
//! two factors so that results in the subnormal range are rounded once.

/// 1.5 * 2^23: adding it rounds an f32 of magnitude < 2^22 to an integer.
const MAGIC_F32: f32 = 12_582_912.0;
/// 1.5 * 2^52: adding it rounds an f64 of magnitude < 2^51 to an integer.
const MAGIC_F64: f64 = 6_755_399_441_055_744.0;

const LN2_HI_F32: f32 = 0.693_359_4; // 0.693359375, exact in 11 bits
const LN2_LO_F32: f32 = -2.121_944_4e-4;
const LN2_HI_F64: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // trailing zero bits
const LN2_LO_F64: f64 = 1.908_214_929_270_587_7e-10;

/// expm1(r) for |r| <= ln2/2 (f32): r + r^2 (1/2! + r/3! + ... + r^5/7!),
/// the inner polynomial in Estrin form (three independent pairs, then
/// r^2): a shorter dependency chain than Horner's, for the same work.
#[inline(always)]
fn expm1_poly_f32(r: f32) -> f32 {
    let a = r.mul_add(1.0 / 6.0, 0.5);
    let b = r.mul_add(1.0 / 120.0, 1.0 / 24.0);
    let c = r.mul_add(1.0 / 5040.0, 1.0 / 720.0);
    let r2 = r * r;
    let q = r2.mul_add(r2.mul_add(c, b), a);
    r2.mul_add(q, r)
}

/// expm1(r) for |r| <= ln2/2 (f64): Taylor through r^13.
#[inline(always)]
fn expm1_poly_f64(r: f64) -> f64 {
    // 1/k! for k = 13 down to 2
    const C: [f64; 12] = [
        1.0 / 6_227_020_800.0,
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
    ];
    let mut q = C[0];
    for &c in &C[1..] {
        q = r.mul_add(q, c);
    }
    (r * r).mul_add(q, r)
}

/// Splits x into n = round(x / ln2) (as float and integer) and r = x - n ln2.
#[inline(always)]
fn reduce_f32(x: f32) -> (f32, i32, f32) {
    let t = x.mul_add(std::f32::consts::LOG2_E, MAGIC_F32);
    let nf = t - MAGIC_F32;
    let n = (t.to_bits() as i32).wrapping_sub(MAGIC_F32.to_bits() as i32);
    let r = (-nf).mul_add(LN2_HI_F32, x);
    let r = (-nf).mul_add(LN2_LO_F32, r);
    (nf, n, r)
}

#[inline(always)]
fn reduce_f64(x: f64) -> (f64, i64, f64) {
    let t = x.mul_add(std::f64::consts::LOG2_E, MAGIC_F64);
    let nf = t - MAGIC_F64;
    let n = (t.to_bits() as i64).wrapping_sub(MAGIC_F64.to_bits() as i64);
    let r = (-nf).mul_add(LN2_HI_F64, x);
    let r = (-nf).mul_add(LN2_LO_F64, r);
    (nf, n, r)
}

/// 2^n for n in [-126, 127] (f32), built from the exponent bits.
#[inline(always)]
fn pow2i_f32(n: i32) -> f32 {
    f32::from_bits((n.wrapping_add(127) as u32) << 23)
}

#[inline(always)]
fn pow2i_f64(n: i64) -> f64 {
    f64::from_bits((n.wrapping_add(1023) as u64) << 52)
}

/// e^x (f32), within about 1 ulp of the correctly rounded value, including
/// subnormal results; +-inf and NaN as std.
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    // Outside [-104, 89] the result is 0 or inf; clamp keeps NaN.
    let x = x.clamp(-104.0, 89.0);
    let (_, n, r) = reduce_f32(x);
    let p = expm1_poly_f32(r);
    // n in [-150, 128]: two halves keep each factor a normal number.
    let n1 = n >> 1;
    (1.0 + p) * pow2i_f32(n1) * pow2i_f32(n - n1)
}

/// e^x (f32) for x in [-87, 88] only, where the result is a normal float:
/// [`exp_f32`] without its clamp and with 2^n as one factor, bit for bit
/// the same there (a power of two scales exactly). For a `#[jit]` loop
/// whose argument range rjax-core proves inside that interval
/// (`rjax_core::passes::ranges::EXP_F32_NORMAL_ARG`); meaningless
/// outside.
#[inline(always)]
pub fn exp_f32_normal(x: f32) -> f32 {
    let (_, n, r) = reduce_f32(x);
    (1.0 + expm1_poly_f32(r)) * pow2i_f32(n)
}

/// e^x (f64) for x in [-708, 709] only (normal results): [`exp_f64`]
/// without its clamp, 2^n as one factor; the same bits there
/// (`rjax_core::passes::ranges::EXP_F64_NORMAL_ARG`).
#[inline(always)]
pub fn exp_f64_normal(x: f64) -> f64 {
    let (_, n, r) = reduce_f64(x);
    (1.0 + expm1_poly_f64(r)) * pow2i_f64(n)
}

/// (e^x - 1) / 2 (f64) for x in [-40, 710] or NaN, no clamping or
/// sign-of-zero care: the core of `expm1_f64` and of `tanh_f64`.
#[inline(always)]
pub(super) fn half_expm1_f64(x: f64) -> f64 {
    let (_, n, r) = reduce_f64(x);
    let p = expm1_poly_f64(r);
    let s = pow2i_f64(n - 1);
    s.mul_add(p, s - 0.5)
}

/// e^x (f64), within about 1 ulp.
#[inline(always)]
pub fn exp_f64(x: f64) -> f64 {
    let x = x.clamp(-746.0, 710.0);
    let (_, n, r) = reduce_f64(x);
    let p = expm1_poly_f64(r);
    let n1 = n >> 1;
    (1.0 + p) * pow2i_f64(n1) * pow2i_f64(n - n1)
}

/// (e^x - 1) / 2 (f32) for x in [0, 89] or NaN, no clamping or sign-of-zero
/// care: the core of `expm1_f32`, and what `tanh` needs (tanh a =
/// w / (w + 1) with w = expm1(2a) / 2).
#[inline(always)]
pub(super) fn half_expm1_f32(x: f32) -> f32 {
    let (_, n, r) = reduce_f32(x);
    let p = expm1_poly_f32(r);
    // (2^n p + 2^n - 1) / 2 = s p + (s - 1/2) with s = 2^(n-1), which
    // stays finite up to n = 128.
    let s = pow2i_f32(n - 1);
    s.mul_add(p, s - 0.5)
}

/// e^x - 1 (f32), accurate near 0 (few ulp everywhere).
#[inline(always)]
pub fn expm1_f32(x: f32) -> f32 {
    // Below -20 the result rounds to -1; above 89 it overflows.
    let v = 2.0 * half_expm1_f32(x.clamp(-20.0, 89.0));
    // +-0 and subnormals: expm1(x) == x (the polynomial loses the sign of -0).
    if x.abs() < 1e-30 { x } else { v }
}

/// e^x - 1 (f64), accurate near 0.
#[inline(always)]
pub fn expm1_f64(x: f64) -> f64 {
    // Below -40 the result rounds to -1; above 710 it overflows.
    let v = 2.0 * half_expm1_f64(x.clamp(-40.0, 710.0));
    if x.abs() < 1e-300 { x } else { v }
}
