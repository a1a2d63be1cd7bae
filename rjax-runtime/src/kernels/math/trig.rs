//! `sin` and `cos` for f32 and f64 as branch-free scalar code that LLVM
//! vectorises when inlined into a loop.
//!
//! f32 (the hot path of fused elementwise chains): the argument goes to
//! f64, is reduced by pi, j = round(x / pi), r = x - j pi in three-part
//! Cody-Waite (each part short enough that j * part is exact), and
//! sin x = (-1)^j sin r with one odd polynomial on |r| <= pi/2; the sign is
//! the parity bit of j moved to the sign bit of r (no quadrant blends).
//! Only the reduction needs f64 (near a multiple of pi, r is far smaller
//! than x); r itself goes back to f32, whose rounding costs at most half an
//! ulp of r, and the polynomial runs 8 lanes wide in f32 instead of 4 in
//! f64 (measured 1.7x faster, max error 2 ulp instead of 1). cos uses the
//! odd multiples of pi/2: x = (2n + 1) pi/2 + r, cos x = (-1)^(n+1) sin r.
//! The polynomial is evaluated in Estrin form (short dependency chains:
//! the loop is latency-bound otherwise, see `kernels::map`).
//!
//! f64: j = round(x 2/pi), r = x - j pi/2, Taylor polynomials on |r| <=
//! pi/4 for sin and cos picked by the quadrant j mod 4.
//!
//! f32 for moderate arguments (`sin_f32_near`, `cos_f32_near`, |x| <
//! [`SIN_COS_F32_NEAR_MAX`]): the same reduction by pi done in f32, 8
//! lanes wide throughout (no f64 conversions, measured 20% faster than
//! `sin_f32`). pi = P1 + P2 + P3 in f32; with an FMA, r1 = x - j P1 is
//! exact (r1 is a multiple of ulp(P1) below 4), j P2 is split exactly
//! into p + pe, and r1 - p into s + e exactly (Fast2Sum: r1 is a multiple
//! of ulp(p)), so r = s + lo with lo = e - pe - j P3 to about j 2^-71;
//! the polynomial takes s and adds lo (1 - s^2/2), its first-order term.
//! The limit keeps j = round(x / pi) (from an f32 product) off by at most
//! one tiny fraction beyond pi/2.
//!
//! Range: the reduction is exact for |x| < [`SIN_COS_F32_MAX`] (f32) and
//! [`SIN_COS_F64_MAX`] (f64). Beyond that the scalar functions lose
//! accuracy, and far beyond it (|x| > 2^52 pi) return meaningless values,
//! not even within [-1, 1]; the slice functions in `kernels::slices` and
//! every `#[jit]` loop recompute such rare lanes with std, so they are
//! accurate everywhere.

/// Largest |x| (f32) for which `sin_f32`/`cos_f32` stay within a few ulp.
pub const SIN_COS_F32_MAX: f32 = 2.6e7; // j < 2^24
/// Largest |x| (f64) for which `sin_f64`/`cos_f64` stay within a few ulp.
pub const SIN_COS_F64_MAX: f64 = 1.6e6; // j < 2^20

/// Largest |x| (f32) for which `sin_f32_near`/`cos_f32_near` stay within
/// 2 ulp (j < 2^15; swept to 3.3e5 at 2 ulp, 3 ulp appear near 1e6).
pub const SIN_COS_F32_NEAR_MAX: f32 = 1.0e5;

const MAGIC_F64: f64 = 6_755_399_441_055_744.0;
const FRAC_2_PI: f64 = std::f64::consts::FRAC_2_PI;
// pi/2 = P1 + P2 + P3, P1 and P2 with 29 significant bits (for j < 2^24).
const P1_29: f64 = 1.570_796_325_802_803;
const P2_29: f64 = 9.920_935_774_287_987e-10;
const P3_29: f64 = 2.251_741_774_156_217_6e-18;
// The same with 33-bit parts (for j < 2^20, f64 inputs).
const P1_33: f64 = 1.570_796_326_734_125_6;
const P2_33: f64 = 6.077_100_506_303_966e-11;
const P3_33: f64 = 2.022_266_248_795_950_6e-21;

/// (r, j mod 4) with x = j pi/2 + r.
#[inline(always)]
fn reduce(x: f64, p1: f64, p2: f64, p3: f64) -> (f64, u64) {
    let t = x.mul_add(FRAC_2_PI, MAGIC_F64);
    let j = t - MAGIC_F64;
    let q = t.to_bits().wrapping_sub(MAGIC_F64.to_bits()) & 3;
    let r = (-j).mul_add(p1, x);
    let r = (-j).mul_add(p2, r);
    let r = (-j).mul_add(p3, r);
    (r, q)
}

/// sin and cos of |r| <= pi/4 to f64 accuracy (Taylor through r^17, r^18).
#[inline(always)]
fn sincos_poly_long(r: f64) -> (f64, f64) {
    let z = r * r;
    // sin: (-1)^k / (2k+1)! for k = 8 down to 1
    const S: [f64; 8] = [
        1.0 / 355_687_428_096_000.0,
        -1.0 / 1_307_674_368_000.0,
        1.0 / 6_227_020_800.0,
        -1.0 / 39_916_800.0,
        1.0 / 362_880.0,
        -1.0 / 5_040.0,
        1.0 / 120.0,
        -1.0 / 6.0,
    ];
    // cos: (-1)^k / (2k)! for k = 9 down to 1
    const C: [f64; 9] = [
        -1.0 / 6_402_373_705_728_000.0,
        1.0 / 20_922_789_888_000.0,
        -1.0 / 87_178_291_200.0,
        1.0 / 479_001_600.0,
        -1.0 / 3_628_800.0,
        1.0 / 40_320.0,
        -1.0 / 720.0,
        1.0 / 24.0,
        -0.5,
    ];
    let mut s = S[0];
    for &k in &S[1..] {
        s = z.mul_add(s, k);
    }
    let s = (z * r).mul_add(s, r);
    let mut c = C[0];
    for &k in &C[1..] {
        c = z.mul_add(c, k);
    }
    let c = z.mul_add(c, 1.0);
    (s, c)
}

/// Picks +-sin or +-cos of the reduced argument by quadrant.
#[inline(always)]
fn by_quadrant(s: f64, c: f64, q: u64) -> f64 {
    let v = if q & 1 == 0 { s } else { c };
    if q & 2 == 0 { v } else { -v }
}

/// The odd Taylor tail of sin in f32: sin r = r + r^3 p(r^2) for |r| <=
/// pi/2 + a little (through r^13, truncation < 7e-10, far below an f32
/// ulp), `p` in Estrin form (short dependency chains).
#[inline(always)]
fn sin_tail_f32(z: f32) -> f32 {
    let a = z.mul_add(1.0 / 120.0, -1.0 / 6.0);
    let b = z.mul_add(1.0 / 362_880.0, -1.0 / 5_040.0);
    let c = z.mul_add(1.0 / 6_227_020_800.0, -1.0 / 39_916_800.0);
    let z2 = z * z;
    z2.mul_add(z2.mul_add(c, b), a)
}

/// sin r for |r| <= pi/2 + a little, in f32.
#[inline(always)]
fn sin_poly_f32(r: f32) -> f32 {
    let z = r * r;
    (z * r).mul_add(sin_tail_f32(z), r)
}

/// 1.5 * 2^23: adding it rounds an f32 of magnitude < 2^22 to an integer.
const MAGIC_F32: f32 = 12_582_912.0;
// pi = PI1 + PI2 + PI3 (each the f32 nearest what is left; PI3 leaves
// 2e-23).
const PI1: f32 = f32::from_bits(0x4049_0fdb);
const PI2: f32 = f32::from_bits(0xb3bb_bd2e);
const PI3: f32 = f32::from_bits(0xa777_2ced);

/// sin(s + lo) for |s| <= pi/2 + a little and |lo| about an ulp of s:
/// `sin_poly_f32` with lo added through sin's first-order term
/// lo cos s ~ lo (1 - s^2/2) (what is left is below a quarter ulp).
#[inline(always)]
fn sin_poly_lo_f32(s: f32, lo: f32) -> f32 {
    let z = s * s;
    let l = (lo * z).mul_add(-0.5, lo);
    s + (z * s).mul_add(sin_tail_f32(z), l)
}

/// (s, lo) with s + lo = x - k pi to about k 2^-71, for an integer k with
/// |x - k pi| <= pi/2 + a little (see the module comment).
#[inline(always)]
fn reduce_pi_f32(x: f32, k: f32) -> (f32, f32) {
    let r1 = (-k).mul_add(PI1, x);
    let p = k * PI2;
    let pe = k.mul_add(PI2, -p);
    let s = r1 - p;
    let lo = ((r1 - s) - p) - k.mul_add(PI3, pe);
    (s, lo)
}

/// `v` with its sign flipped when the integer held in the low bits of the
/// magic-rounded f32 `t` is odd.
#[inline(always)]
fn flip_if_odd_f32(v: f32, t: f32) -> f32 {
    f32::from_bits(v.to_bits() ^ (t.to_bits() << 31))
}

/// `v` with its sign flipped when the integer held in the low bits of the
/// magic-rounded `t` is odd, rounded to f32.
#[inline(always)]
fn flip_if_odd(v: f64, t: f64) -> f32 {
    f64::from_bits(v.to_bits() ^ (t.to_bits() << 63)) as f32
}

/// sin(x) (f32); few ulp for |x| < [`SIN_COS_F32_MAX`].
#[inline(always)]
pub fn sin_f32(xf: f32) -> f32 {
    let x = xf as f64;
    // t holds j = round(x / pi) in its low mantissa bits.
    let t = x.mul_add(std::f64::consts::FRAC_1_PI, MAGIC_F64);
    let j = t - MAGIC_F64;
    // pi = 2 (P1 + P2 + P3): doubling keeps each part exact in j * part.
    let r = (-j).mul_add(2.0 * P1_29, x);
    let r = (-j).mul_add(2.0 * P2_29, r);
    let r = (-j).mul_add(2.0 * P3_29, r);
    // sin x = (-1)^j sin r = sin(+-r): the sign goes onto r.
    let v = sin_poly_f32(flip_if_odd(r, t));
    // sin(-0) = -0 (the polynomial's r + r^3 p turns -0 into +0).
    if xf == 0.0 { xf } else { v }
}

/// cos(x) (f32); few ulp for |x| < [`SIN_COS_F32_MAX`].
#[inline(always)]
pub fn cos_f32(x: f32) -> f32 {
    let x = x as f64;
    // n = round(x / pi - 1/2); x = m pi/2 + r with m = 2n + 1 odd.
    let t = x.mul_add(std::f64::consts::FRAC_1_PI, -0.5) + MAGIC_F64;
    let m = (t - MAGIC_F64).mul_add(2.0, 1.0);
    // -r, so that cos x = (-1)^(n+1) sin r = (-1)^n sin(-r).
    let nr = m.mul_add(P1_29, -x);
    let nr = m.mul_add(P2_29, nr);
    let nr = m.mul_add(P3_29, nr);
    sin_poly_f32(flip_if_odd(nr, t))
}

/// sin(x) (f32) reduced in f32: within 2 ulp for |x| <
/// [`SIN_COS_F32_NEAR_MAX`], faster than [`sin_f32`]; meaningless beyond
/// (a `#[jit]` loop checks its block and uses `sin_f32` there).
#[inline(always)]
pub fn sin_f32_near(x: f32) -> f32 {
    // t holds j = round(x / pi) in its low mantissa bits.
    let t = x.mul_add(std::f32::consts::FRAC_1_PI, MAGIC_F32);
    let (s, lo) = reduce_pi_f32(x, t - MAGIC_F32);
    // sin x = (-1)^j sin(x - j pi).
    let v = flip_if_odd_f32(sin_poly_lo_f32(s, lo), t);
    // sin(-0) = -0 (the polynomial turns -0 into +0).
    if x == 0.0 { x } else { v }
}

/// cos(x) (f32) reduced in f32, as [`sin_f32_near`]: x = m pi/2 + r with
/// m = 2n + 1 odd, cos x = (-1)^n sin(-r).
#[inline(always)]
pub fn cos_f32_near(x: f32) -> f32 {
    let t = x.mul_add(std::f32::consts::FRAC_1_PI, -0.5) + MAGIC_F32;
    // m pi/2 = (m/2) pi: the halves of the parts are as exact.
    let half_m = (t - MAGIC_F32) + 0.5;
    let (s, lo) = reduce_pi_f32(x, half_m);
    flip_if_odd_f32(sin_poly_lo_f32(-s, -lo), t)
}

/// sin(x) (f64); few ulp for |x| < [`SIN_COS_F64_MAX`].
#[inline(always)]
pub fn sin_f64(x: f64) -> f64 {
    let (r, q) = reduce(x, P1_33, P2_33, P3_33);
    let (s, c) = sincos_poly_long(r);
    let v = by_quadrant(s, c, q);
    if x.abs() < 1e-300 { x } else { v }
}

/// cos(x) (f64); few ulp for |x| < [`SIN_COS_F64_MAX`].
#[inline(always)]
pub fn cos_f64(x: f64) -> f64 {
    let (r, q) = reduce(x, P1_33, P2_33, P3_33);
    let (s, c) = sincos_poly_long(r);
    by_quadrant(s, c, (q + 1) & 3)
}

/// sin(x) (f32) for every input, the f32 sine of rjax (eager and
/// `#[jit]`): [`sin_f32_near`] for |x| <= [`SIN_COS_F32_NEAR_MAX`],
/// [`sin_f32`] up to [`SIN_COS_F32_MAX`], std beyond (and for NaN and
/// infinities). Branches per element: loops use the vectorised forms and
/// fall back to this for the rare elements beyond the first limit.
#[inline(always)]
pub fn sin_f32_all(x: f32) -> f32 {
    if x.abs() <= SIN_COS_F32_NEAR_MAX {
        sin_f32_near(x)
    } else if x.abs() <= SIN_COS_F32_MAX {
        sin_f32(x)
    } else {
        x.sin()
    }
}

/// cos(x) (f32) for every input, picked as [`sin_f32_all`].
#[inline(always)]
pub fn cos_f32_all(x: f32) -> f32 {
    if x.abs() <= SIN_COS_F32_NEAR_MAX {
        cos_f32_near(x)
    } else if x.abs() <= SIN_COS_F32_MAX {
        cos_f32(x)
    } else {
        x.cos()
    }
}

/// sin(x) (f64) for every input: [`sin_f64`] for |x| <=
/// [`SIN_COS_F64_MAX`], std beyond (and for NaN and infinities).
#[inline(always)]
pub fn sin_f64_all(x: f64) -> f64 {
    if x.abs() <= SIN_COS_F64_MAX {
        sin_f64(x)
    } else {
        x.sin()
    }
}

/// cos(x) (f64) for every input, picked as [`sin_f64_all`].
#[inline(always)]
pub fn cos_f64_all(x: f64) -> f64 {
    if x.abs() <= SIN_COS_F64_MAX {
        cos_f64(x)
    } else {
        x.cos()
    }
}

/// (sin x, cos x) (f32): for a fused group that needs both of the same
/// operand (as every derivative of sin does); bit for bit
/// `(sin_f32(x), cos_f32(x))`.
#[inline(always)]
pub fn sin_cos_f32(x: f32) -> (f32, f32) {
    (sin_f32(x), cos_f32(x))
}

/// (sin x, cos x) (f64) sharing one range reduction.
#[inline(always)]
pub fn sin_cos_f64(x: f64) -> (f64, f64) {
    let (r, q) = reduce(x, P1_33, P2_33, P3_33);
    let (s, c) = sincos_poly_long(r);
    let sv = by_quadrant(s, c, q);
    let sv = if x.abs() < 1e-300 { x } else { sv };
    (sv, by_quadrant(s, c, (q + 1) & 3))
}
