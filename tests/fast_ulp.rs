//! Max ulp error of `rjax::runtime::kernels`'s transcendentals against std,
//! over a dense sweep of each function's domain (every bit-pattern stride
//! through all exponents, subnormals included) plus edge cases (+-0,
//! subnormals, large |x|, +-inf, NaN). f32 results are compared with the
//! f64 std function rounded to f32 (close to correctly rounded); f64 with
//! std f64. Both the scalar functions and the vectorised slice functions
//! (the code path `#[jit]` runs) are checked.

use rjax::runtime::kernels;

/// Distance in ulps between two f32 (0 when both are NaN or equal).
fn ulps32(a: f32, b: f32) -> u64 {
    if a.is_nan() || b.is_nan() {
        return if a.is_nan() && b.is_nan() {
            0
        } else {
            u64::MAX
        };
    }
    let key = |v: f32| {
        let b = v.to_bits() as i64;
        if b & 0x8000_0000 != 0 {
            -(b & 0x7fff_ffff)
        } else {
            b
        }
    };
    (key(a) - key(b)).unsigned_abs()
}

fn ulps64(a: f64, b: f64) -> u64 {
    if a.is_nan() || b.is_nan() {
        return if a.is_nan() && b.is_nan() {
            0
        } else {
            u64::MAX
        };
    }
    let key = |v: f64| {
        let b = v.to_bits() as i128;
        if b & (1 << 63) != 0 {
            -(b & 0x7fff_ffff_ffff_ffff)
        } else {
            b
        }
    };
    (key(a) - key(b)).unsigned_abs() as u64
}

const EDGE32: [f32; 14] = [
    0.0,
    -0.0,
    1e-45,
    -1e-45,
    1e-40,
    -1e-40,
    f32::MIN_POSITIVE,
    1.0,
    -1.0,
    f32::MAX,
    f32::MIN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
];

const EDGE64: [f64; 14] = [
    0.0,
    -0.0,
    5e-324,
    -5e-324,
    1e-310,
    -1e-310,
    f64::MIN_POSITIVE,
    1.0,
    -1.0,
    f64::MAX,
    f64::MIN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
];

/// Every 127th f32 bit pattern (about 34 million values, all exponents,
/// both signs) plus the edge cases, filtered by `keep`.
fn sweep32(keep: impl Fn(f32) -> bool) -> Vec<f32> {
    let mut v: Vec<f32> = (0..u32::MAX / 127)
        .map(|i| f32::from_bits(i * 127))
        .filter(|&x| keep(x))
        .collect();
    v.extend(EDGE32.iter().copied().filter(|&x| keep(x) || x.is_nan()));
    v
}

/// 4 million f64 spread over all bit patterns (multiplicative hashing)
/// plus a dense run around 1 and the edge cases, filtered by `keep`.
fn sweep64(keep: impl Fn(f64) -> bool) -> Vec<f64> {
    let mut v: Vec<f64> = (0..4_000_000u64)
        .map(|i| f64::from_bits(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
        .chain((0..200_000u64).map(|i| f64::from_bits(1.0f64.to_bits() - 100_000 + i)))
        .filter(|&x| keep(x))
        .collect();
    v.extend(EDGE64.iter().copied().filter(|&x| keep(x) || x.is_nan()));
    v
}

/// Max ulp error of `scalar` and `slice` against `reference` over `xs`;
/// reports the worst input.
fn check32(
    name: &str,
    xs: &[f32],
    scalar: fn(f32) -> f32,
    slice: fn(&[f32], &mut [f32]),
    reference: fn(f64) -> f64,
    bound: u64,
) {
    let mut out = vec![0.0f32; xs.len()];
    slice(xs, &mut out);
    let (mut worst, mut at) = (0u64, 0.0f32);
    for (&x, &y) in xs.iter().zip(&out) {
        let want = reference(x as f64) as f32;
        for got in [y, scalar(x)] {
            let e = ulps32(got, want);
            if e > worst {
                (worst, at) = (e, x);
            }
        }
    }
    println!(
        "{name} f32: max {worst} ulp at x = {at:e} over {} inputs",
        xs.len()
    );
    assert!(
        worst <= bound,
        "{name} f32: {worst} ulp at x = {at:e} ({:e} vs {:e})",
        scalar(at),
        reference(at as f64)
    );
}

fn check64(
    name: &str,
    xs: &[f64],
    scalar: fn(f64) -> f64,
    slice: fn(&[f64], &mut [f64]),
    reference: fn(f64) -> f64,
    bound: u64,
) {
    let mut out = vec![0.0f64; xs.len()];
    slice(xs, &mut out);
    let (mut worst, mut at) = (0u64, 0.0f64);
    for (&x, &y) in xs.iter().zip(&out) {
        let want = reference(x);
        for got in [y, scalar(x)] {
            let e = ulps64(got, want);
            if e > worst {
                (worst, at) = (e, x);
            }
        }
    }
    println!(
        "{name} f64: max {worst} ulp at x = {at:e} over {} inputs",
        xs.len()
    );
    assert!(
        worst <= bound,
        "{name} f64: {worst} ulp at x = {at:e} ({:e} vs {:e})",
        scalar(at),
        reference(at)
    );
}

fn logistic_ref(x: f64) -> f64 {
    // Overflow-free form (the reference itself must be exact at the tails).
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

const ALL32: fn(f32) -> bool = |_| true;
const ALL64: fn(f64) -> bool = |_| true;

#[test]
fn exp_ulp() {
    check32(
        "exp",
        &sweep32(ALL32),
        kernels::exp_f32,
        kernels::exp_slice,
        f64::exp,
        2,
    );
    check64(
        "exp",
        &sweep64(ALL64),
        kernels::exp_f64,
        kernels::exp_slice,
        f64::exp,
        2,
    );
}

#[test]
fn expm1_ulp() {
    check32(
        "expm1",
        &sweep32(ALL32),
        kernels::expm1_f32,
        kernels::expm1_slice,
        f64::exp_m1,
        3,
    );
    check64(
        "expm1",
        &sweep64(ALL64),
        kernels::expm1_f64,
        kernels::expm1_slice,
        f64::exp_m1,
        3,
    );
}

#[test]
fn ln_ulp() {
    check32(
        "ln",
        &sweep32(ALL32),
        kernels::ln_f32,
        kernels::ln_slice,
        f64::ln,
        2,
    );
    check64(
        "ln",
        &sweep64(ALL64),
        kernels::ln_f64,
        kernels::ln_slice,
        f64::ln,
        2,
    );
}

#[test]
fn ln_1p_ulp() {
    check32(
        "ln_1p",
        &sweep32(ALL32),
        kernels::ln_1p_f32,
        kernels::ln_1p_slice,
        f64::ln_1p,
        3,
    );
    check64(
        "ln_1p",
        &sweep64(ALL64),
        kernels::ln_1p_f64,
        kernels::ln_1p_slice,
        f64::ln_1p,
        3,
    );
}

#[test]
fn tanh_ulp() {
    check32(
        "tanh",
        &sweep32(ALL32),
        kernels::tanh_f32,
        kernels::tanh_slice,
        f64::tanh,
        4,
    );
    check64(
        "tanh",
        &sweep64(ALL64),
        kernels::tanh_f64,
        kernels::tanh_slice,
        f64::tanh,
        4,
    );
}

#[test]
fn logistic_ulp() {
    check32(
        "logistic",
        &sweep32(ALL32),
        kernels::logistic_f32,
        kernels::logistic_slice,
        logistic_ref,
        4,
    );
    check64(
        "logistic",
        &sweep64(ALL64),
        kernels::logistic_f64,
        kernels::logistic_slice,
        logistic_ref,
        4,
    );
}

#[test]
fn sin_cos_ulp_in_fast_range() {
    let xs = sweep32(|x| x.abs() < kernels::SIN_COS_F32_MAX);
    check32(
        "sin",
        &xs,
        kernels::sin_f32,
        kernels::sin_slice,
        f64::sin,
        2,
    );
    check32(
        "cos",
        &xs,
        kernels::cos_f32,
        kernels::cos_slice,
        f64::cos,
        2,
    );
    let xs = sweep64(|x| x.abs() < kernels::SIN_COS_F64_MAX);
    check64(
        "sin",
        &xs,
        kernels::sin_f64,
        kernels::sin_slice,
        f64::sin,
        2,
    );
    check64(
        "cos",
        &xs,
        kernels::cos_f64,
        kernels::cos_slice,
        f64::cos,
        2,
    );
}

/// f32 values within 16 ulp of each multiple k pi/2 (0 < k pi/2 < max),
/// both signs: where the reduced argument is tiny and the reduction's
/// own rounding would show.
fn near_half_pi_multiples(max: f32) -> Vec<f32> {
    let mut v = Vec::new();
    let mut k = 1.0f64;
    while k * std::f64::consts::FRAC_PI_2 < max as f64 {
        let c = (k * std::f64::consts::FRAC_PI_2) as f32;
        for d in -16i32..=16 {
            let x = f32::from_bits(c.to_bits().wrapping_add_signed(d));
            if x.abs() < max {
                v.extend([x, -x]);
            }
        }
        k += 1.0;
    }
    v
}

#[test]
fn sin_cos_ulp_near_multiples_of_half_pi() {
    let xs = near_half_pi_multiples(2.0e5);
    check32(
        "sin near k pi/2",
        &xs,
        kernels::sin_f32,
        kernels::sin_slice,
        f64::sin,
        2,
    );
    check32(
        "cos near k pi/2",
        &xs,
        kernels::cos_f32,
        kernels::cos_slice,
        f64::cos,
        2,
    );
}

fn sin_near_slice(x: &[f32], y: &mut [f32]) {
    kernels::map1_slice(x, y, |v: f32| kernels::sin_f32_near(v));
}

fn cos_near_slice(x: &[f32], y: &mut [f32]) {
    kernels::map1_slice(x, y, |v: f32| kernels::cos_f32_near(v));
}

#[test]
fn sin_cos_near_ulp_in_their_range() {
    // The f32-reduced forms `#[jit]` loops use below SIN_COS_F32_NEAR_MAX
    // (vectorised through the slice, scalar directly).
    let max = kernels::SIN_COS_F32_NEAR_MAX;
    let mut xs = sweep32(|x| x.abs() < max);
    xs.extend(near_half_pi_multiples(max));
    check32(
        "sin_near",
        &xs,
        kernels::sin_f32_near,
        sin_near_slice,
        f64::sin,
        2,
    );
    check32(
        "cos_near",
        &xs,
        kernels::cos_f32_near,
        cos_near_slice,
        f64::cos,
        2,
    );
    for x in [0.0f32, -0.0] {
        assert_eq!(
            kernels::sin_f32_near(x).to_bits(),
            x.to_bits(),
            "sin_near({x:?})"
        );
        assert_eq!(kernels::cos_f32_near(x), 1.0, "cos_near({x:?})");
    }
    for x in [f32::INFINITY, f32::NEG_INFINITY, f32::NAN] {
        assert!(kernels::sin_f32_near(x).is_nan() && kernels::cos_f32_near(x).is_nan());
    }
}

#[test]
fn reduced_exp_and_tanh_equal_the_general_forms_in_their_ranges() {
    // `#[jit]` calls them where rjax-core proves the argument inside these
    // ranges; there they must give the general functions' bits, so the
    // ulp figures above hold for them too. Every 7th bit pattern.
    use rjax::core::passes::ranges::{EXP_F32_NORMAL_ARG, TANH_F32_POS_ARG};
    let xs = (0..u32::MAX / 29).map(|i| f32::from_bits(i * 29));
    let (mut n_exp, mut n_tanh) = (0u64, 0u64);
    for x in xs {
        let v = x as f64;
        if EXP_F32_NORMAL_ARG.0 <= v && v <= EXP_F32_NORMAL_ARG.1 {
            let (got, want) = (kernels::exp_f32_normal(x), kernels::exp_f32(x));
            assert_eq!(got.to_bits(), want.to_bits(), "exp_f32_normal({x:e})");
            n_exp += 1;
        }
        if TANH_F32_POS_ARG.0 < v && v <= TANH_F32_POS_ARG.1 {
            let (got, want) = (kernels::tanh_f32_pos(x), kernels::tanh_f32(x));
            assert_eq!(got.to_bits(), want.to_bits(), "tanh_f32_pos({x:e})");
            n_tanh += 1;
        }
    }
    // The range ends themselves.
    for x in [EXP_F32_NORMAL_ARG.0 as f32, EXP_F32_NORMAL_ARG.1 as f32] {
        assert_eq!(
            kernels::exp_f32_normal(x).to_bits(),
            kernels::exp_f32(x).to_bits()
        );
    }
    let top = TANH_F32_POS_ARG.1 as f32;
    assert_eq!(
        kernels::tanh_f32_pos(top).to_bits(),
        kernels::tanh_f32(top).to_bits()
    );
    assert!(kernels::exp_f32_normal(f32::NAN).is_nan() && kernels::tanh_f32_pos(f32::NAN).is_nan());
    println!("exp_f32_normal: {n_exp} inputs, tanh_f32_pos: {n_tanh} inputs, same bits");
}

#[test]
fn reduced_f64_exp_and_tanh_equal_the_general_forms_in_their_ranges() {
    use rjax::core::passes::ranges::{EXP_F64_NORMAL_ARG, TANH_F64_POS_ARG};
    let (ea, ta) = (EXP_F64_NORMAL_ARG, TANH_F64_POS_ARG);
    let mut xs = sweep64(|x| (ea.0 <= x && x <= ea.1) || (ta.0 < x && x <= ta.1));
    xs.extend([ea.0, ea.1, ta.1, 1.0000001e-300, 20.0, 20.5, 9.5]);
    for x in xs {
        if ea.0 <= x && x <= ea.1 {
            let (got, want) = (kernels::exp_f64_normal(x), kernels::exp_f64(x));
            assert_eq!(got.to_bits(), want.to_bits(), "exp_f64_normal({x:e})");
        }
        if ta.0 < x && x <= ta.1 {
            let (got, want) = (kernels::tanh_f64_pos(x), kernels::tanh_f64(x));
            assert_eq!(got.to_bits(), want.to_bits(), "tanh_f64_pos({x:e})");
        }
    }
}

#[test]
fn the_ranges_rjax_core_assumes_are_the_runtimes() {
    // `#[jit]` drops the range check of a sin/cos whose operand rjax-core
    // proves within these limits; they must be the runtime's.
    use rjax::core::passes::ranges::{SIN_COS_F32_ARG, SIN_COS_F32_NEAR_ARG, SIN_COS_F64_ARG};
    assert_eq!(SIN_COS_F32_ARG as f32, kernels::SIN_COS_F32_MAX);
    assert_eq!(SIN_COS_F32_NEAR_ARG as f32, kernels::SIN_COS_F32_NEAR_MAX);
    assert_eq!(SIN_COS_F64_ARG, kernels::SIN_COS_F64_MAX);
}

#[test]
fn sin_cos_slices_accurate_everywhere() {
    // Beyond the fast reduction's range the slice functions use std.
    let xs = sweep32(ALL32);
    for (name, slice, reference) in [
        (
            "sin",
            kernels::sin_slice::<f32> as fn(&[f32], &mut [f32]),
            f64::sin as fn(f64) -> f64,
        ),
        ("cos", kernels::cos_slice::<f32>, f64::cos),
    ] {
        let mut out = vec![0.0f32; xs.len()];
        slice(&xs, &mut out);
        let worst = xs
            .iter()
            .zip(&out)
            .map(|(&x, &y)| ulps32(y, reference(x as f64) as f32))
            .max()
            .unwrap();
        println!("{name} slice f32 (all inputs): max {worst} ulp");
        assert!(worst <= 2, "{name} slice f32: {worst} ulp");
    }
    let xs = sweep64(ALL64);
    for (name, slice, reference) in [
        (
            "sin",
            kernels::sin_slice::<f64> as fn(&[f64], &mut [f64]),
            f64::sin as fn(f64) -> f64,
        ),
        ("cos", kernels::cos_slice::<f64>, f64::cos),
    ] {
        let mut out = vec![0.0f64; xs.len()];
        slice(&xs, &mut out);
        let worst = xs
            .iter()
            .zip(&out)
            .map(|(&x, &y)| ulps64(y, reference(x)))
            .max()
            .unwrap();
        println!("{name} slice f64 (all inputs): max {worst} ulp");
        assert!(worst <= 2, "{name} slice f64: {worst} ulp");
    }
}

#[test]
fn signs_of_zero_and_specials() {
    for x in [0.0f32, -0.0] {
        for (name, f) in [
            ("expm1", kernels::expm1_f32 as fn(f32) -> f32),
            ("ln_1p", kernels::ln_1p_f32),
            ("tanh", kernels::tanh_f32),
            ("sin", kernels::sin_f32),
        ] {
            assert_eq!(
                f(x).to_bits(),
                x.to_bits(),
                "{name}({x:?}) must keep the sign of zero"
            );
        }
    }
    assert_eq!(kernels::exp_f32(f32::NEG_INFINITY), 0.0);
    assert_eq!(kernels::exp_f32(f32::INFINITY), f32::INFINITY);
    assert_eq!(kernels::ln_f32(0.0), f32::NEG_INFINITY);
    assert!(kernels::ln_f32(-1.0).is_nan());
    assert_eq!(kernels::tanh_f64(f64::NEG_INFINITY), -1.0);
    assert_eq!(kernels::logistic_f64(f64::NEG_INFINITY), 0.0);
    assert!(kernels::sin_f64(f64::INFINITY).is_nan());
}

#[test]
fn sin_cos_pair_equals_separate_functions() {
    for x in sweep32(|x| x.abs() < kernels::SIN_COS_F32_MAX)
        .into_iter()
        .step_by(97)
    {
        let (s, c) = kernels::sin_cos_f32(x);
        assert_eq!(s.to_bits(), kernels::sin_f32(x).to_bits(), "sin {x:e}");
        assert_eq!(c.to_bits(), kernels::cos_f32(x).to_bits(), "cos {x:e}");
    }
    for x in sweep64(|x| x.abs() < kernels::SIN_COS_F64_MAX)
        .into_iter()
        .step_by(97)
    {
        let (s, c) = kernels::sin_cos_f64(x);
        assert_eq!(s.to_bits(), kernels::sin_f64(x).to_bits(), "sin {x:e}");
        assert_eq!(c.to_bits(), kernels::cos_f64(x).to_bits(), "cos {x:e}");
    }
}
