//! Fused groups with several transcendentals run as staged loops over
//! blocks of 1024 (`kernels::map_nm_blocks`): `#[jit]` output against the
//! eager twin (the same body without `#[jit]`) and against f64 references,
//! at lengths around the block size and the parallel threshold, with
//! results and carried values in different stages, a comparison mid-chain,
//! arguments beyond the fast sin range, f64, and a jitted gradient.
use rjax::prelude::*;

/// Deterministic values in [-scale, scale] (a quasi-random sequence).
fn wave(n: usize, scale: f32) -> Array<f32> {
    Array::from_vec(
        (0..n)
            .map(|i| ((i as f64 * 0.618_033_988_75).fract() * 2.0 - 1.0) as f32 * scale)
            .collect(),
    )
}

/// Lengths: empty, one, either side of one block and of several, and
/// above the parallel threshold (32768) with a ragged last block.
const LENS: [usize; 9] = [0, 1, 7, 1023, 1024, 1025, 3000, 40_000, 100_003];

fn assert_close(got: &[f32], want: impl Fn(usize) -> f64, tol: f64, what: &str) {
    for (i, g) in got.iter().enumerate() {
        let w = want(i);
        assert!(
            (*g as f64 - w).abs() <= tol * (1.0 + w.abs()),
            "{what}: element {i} of {}: jit {g} vs {w}",
            got.len()
        );
    }
}

#[jit]
fn chain(x: &Array<f32>) -> Array<f32> {
    (x.sin() * 2.0 + 1.0).exp().tanh()
}

#[test]
fn the_chain_matches_f64_at_every_length() {
    for n in LENS {
        let x = wave(n, 4.0);
        let y = chain(&x);
        assert_eq!(y.shape(), &[n]);
        let xs = x.as_slice();
        let want = |i: usize| ((xs[i] as f64).sin() * 2.0 + 1.0).exp().tanh();
        assert_close(y.as_slice(), want, 2e-6, &format!("chain n={n}"));
    }
}

/// Results computed in the first, second and last stage, and `s` read
/// again in the last stage (carried past the middle one).
#[jit]
fn results_in_every_stage(x: &Array<f32>, y: &Array<f32>) -> (Array<f32>, Array<f32>, Array<f32>) {
    let s = x.sin();
    let e = (s.clone() * y).exp();
    let t = (e.clone() - s.clone() * 3.0 + x).tanh();
    (s, e, t)
}

fn results_in_every_stage_eager(
    x: &Array<f32>,
    y: &Array<f32>,
) -> (Array<f32>, Array<f32>, Array<f32>) {
    let s = x.sin();
    let e = (s.clone() * y).exp();
    let t = (e.clone() - s.clone() * 3.0 + x).tanh();
    (s, e, t)
}

#[test]
fn results_and_carried_values_across_stages() {
    for n in LENS {
        let (x, y) = (wave(n, 3.0), wave(n, 1.5));
        let (s, e, t) = results_in_every_stage(&x, &y);
        let (s0, e0, t0) = results_in_every_stage_eager(&x, &y);
        for (got, want, what) in [(&s, &s0, "s"), (&e, &e0, "e"), (&t, &t0, "t")] {
            assert_eq!(got.shape(), want.shape(), "{what}");
            let w = want.as_slice();
            assert_close(
                got.as_slice(),
                |i| w[i] as f64,
                1e-5,
                &format!("{what} n={n}"),
            );
        }
    }
}

/// A comparison between the transcendentals: the mask is a bool value
/// carried from the first stage to the last.
#[jit]
fn masked(x: &Array<f32>) -> Array<f32> {
    let c = x.cos();
    let pos = c.greater(&zeros_like(&c));
    let e = (c * 2.0).exp();
    where_(pos, e.clone().log1p(), e * -1.0)
}

#[test]
fn a_mask_carried_between_stages() {
    for n in LENS {
        let x = wave(n, 5.0);
        let y = masked(&x);
        let xs = x.as_slice();
        let want = |i: usize| {
            let c = (xs[i] as f64).cos();
            let e = (c * 2.0).exp();
            if c > 0.0 { e.ln_1p() } else { -e }
        };
        assert_close(y.as_slice(), want, 2e-6, &format!("masked n={n}"));
    }
}

#[jit]
fn sin_then_exp(x: &Array<f32>) -> Array<f32> {
    (x.sin() * 0.5).exp().sin()
}

#[test]
fn huge_arguments_take_the_precise_path_in_their_block() {
    // Blocks holding 1e30, 3e7, inf or NaN are recomputed with std's sin.
    let n = 100_003;
    let mut v = wave(n, 2.0).to_vec();
    for (k, i) in [5, 300, 40_000, 99_999].into_iter().enumerate() {
        v[i] = [1.0e30, 3.0e7, f32::INFINITY, f32::NAN][k];
    }
    let x = Array::from_vec(v.clone());
    let y = sin_then_exp(&x);
    let want = |i: usize| (((v[i] as f64).sin() * 0.5).exp()).sin();
    for (i, g) in y.as_slice().iter().enumerate() {
        let w = want(i);
        if w.is_nan() {
            assert!(g.is_nan(), "element {i}: {g} for {}", v[i]);
        } else {
            // sin of an f32 rounded from a far argument: compare with the
            // reference computed from the same f32 (tolerance as above).
            assert!(
                (*g as f64 - w).abs() <= 2e-6 * (1.0 + w.abs()),
                "element {i}: {g} vs {w}"
            );
        }
    }
}

#[test]
fn an_element_does_not_depend_on_its_block() {
    // f32 sin/cos of a block all within SIN_COS_F32_NEAR_MAX use the f32
    // reduction; a block with one argument beyond it is redone with the
    // reductions picked per element, and one beyond the fast range with
    // std. Each element must come out as it does alone.
    let n = 3000;
    let mut v = wave(n, 3.0).to_vec();
    let odd = [
        (10, 9.9e4),
        (11, 1.0e5),
        (12, -1.0e5),
        (13, 1.000_001e5),
        (14, 2.5e5),
        (15, -7.0e6),
        (16, 2.0e7),
        (1030, 3.0e7),
        (1031, 1.0e30),
        (1032, f32::NEG_INFINITY),
        (1033, f32::NAN),
        (2100, 1.0e5 * std::f32::consts::PI),
    ];
    for (i, x) in odd {
        v[i] = x;
    }
    let y = sin_then_exp(&Array::from_vec(v.clone()));
    for (i, g) in y.as_slice().iter().enumerate() {
        let alone = sin_then_exp(&Array::from_vec(vec![v[i]]))[0];
        assert!(
            g.to_bits() == alone.to_bits() || (g.is_nan() && alone.is_nan()),
            "element {i} ({:e}): {g} in its block, {alone} alone",
            v[i]
        );
        let w = (((v[i] as f64).sin() * 0.5).exp()).sin();
        if w.is_nan() {
            assert!(g.is_nan(), "element {i}: {g} for {}", v[i]);
        } else {
            assert!(
                (*g as f64 - w).abs() <= 2e-6 * (1.0 + w.abs()),
                "element {i} ({:e}): {g} vs {w}",
                v[i]
            );
        }
    }
}

/// exp and tanh of unbounded arguments (overflow, underflow, infinities):
/// the reduced forms rjax-core's ranges allow elsewhere must not be used.
#[jit]
fn unbounded(x: &Array<f32>) -> Array<f32> {
    (x * 100.0).exp().tanh()
}

/// exp's argument within [-40, 40] (reduced form), tanh's positive but up
/// to e^40 (general form); and a negative tanh argument.
#[jit]
fn partly_bounded(x: &Array<f32>) -> (Array<f32>, Array<f32>) {
    let e = (x.sin() * 40.0).exp();
    (e.clone().tanh(), (x.cos() - 2.0).tanh() * e)
}

#[test]
fn reduced_exp_and_tanh_only_where_ranges_allow() {
    let mut v = wave(3000, 2.0).to_vec();
    for (i, x) in [
        1.0e3,
        -1.0e3,
        0.95,
        -0.9,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        1.0e30,
        -0.0,
        0.0,
    ]
    .into_iter()
    .enumerate()
    {
        v[7 + 100 * i] = x;
    }
    let x = Array::from_vec(v.clone());
    let y = unbounded(&x);
    let (t, u) = partly_bounded(&x);
    for i in 0..v.len() {
        let a = v[i] as f64;
        let e40 = (a.sin() * 40.0).exp();
        for (got, want, what) in [
            (y[i], ((a * 100.0) as f32 as f64).exp().tanh(), "unbounded"),
            (t[i], e40.tanh(), "tanh of exp"),
            (u[i], (a.cos() - 2.0).tanh() * e40, "negative tanh"),
        ] {
            if want.is_nan() {
                assert!(got.is_nan(), "{what} at {a:e}: {got}");
            } else {
                assert!(
                    (got as f64 - want).abs() <= 2e-5 * (1.0 + want.abs()),
                    "{what} at {a:e}: jit {got} vs {want}"
                );
            }
        }
    }
}

/// The second sin's operand is known to be within 1e6 (beyond the f32
/// reduction's 1e5, within the fast range), the third's within 1: rjax-core's
/// ranges drop the checks they cannot fail.
#[jit]
fn bounded_operands(x: &Array<f32>) -> (Array<f32>, Array<f32>, Array<f32>) {
    let s = x.sin() * 1.0e6;
    let t = s.clone().sin();
    (s, t.clone(), t.cos())
}

#[test]
fn sin_of_bounded_operands() {
    for n in [1, 1025, 40_000] {
        let mut v = wave(n, 2.0).to_vec();
        v[0] = f32::NAN;
        if n > 1000 {
            v[1000] = 1.0e30;
        }
        let (s, t, c) = bounded_operands(&Array::from_vec(v.clone()));
        for i in 0..n {
            let (sv, tv, cv) = (s[i] as f64, t[i] as f64, c[i] as f64);
            assert_eq!(sv.is_nan(), v[i].is_nan(), "s at {}: {sv}", v[i]);
            if sv.is_nan() {
                assert!(tv.is_nan() && cv.is_nan(), "NaN at {i}: {tv} {cv}");
                continue;
            }
            assert!(
                (sv - (v[i] as f64).sin() * 1.0e6).abs() <= 0.5,
                "s at {}: {sv}",
                v[i]
            );
            // Against the f64 functions of the jit's own f32 intermediates.
            assert!((tv - sv.sin()).abs() <= 2e-6, "sin({sv}) at {i}: {tv}");
            assert!(
                (cv - (t[i] as f64).cos()).abs() <= 2e-6,
                "cos({tv}) at {i}: {cv}"
            );
        }
    }
}

#[jit]
fn chain64(x: &Array<f64>) -> Array<f64> {
    (x.cos() * 2.0 - 1.0).exp().tanh() + x.sin()
}

#[test]
fn f64_chain_matches_std() {
    for n in LENS {
        let x = Array::from_vec(wave(n, 6.0).to_vec().into_iter().map(f64::from).collect());
        let y = chain64(&x);
        let xs = x.as_slice();
        let want = |i: usize| (xs[i].cos() * 2.0 - 1.0).exp().tanh() + xs[i].sin();
        for (i, g) in y.as_slice().iter().enumerate() {
            let w = want(i);
            assert!(
                (g - w).abs() <= 1e-13 * (1.0 + w.abs()),
                "n={n} element {i}: {g} vs {w}"
            );
        }
    }
}

/// The gradient's fused group holds sin, cos, exp and tanh' together.
#[jit]
#[grad]
fn chain_total(x: &Array<f32>) -> f32 {
    (x.sin() * 2.0 + 1.0).exp().tanh().sum()
}

#[test]
fn jitted_gradient_of_the_chain_is_analytic() {
    for n in [1, 257, 40_000] {
        let x = wave(n, 3.0);
        let g = chain_total::grad(&x);
        let xs = x.as_slice();
        // d/dx tanh(e^(2 sin x + 1)) = (1 - tanh^2) e^(..) 2 cos x
        let want = |i: usize| {
            let x = xs[i] as f64;
            let e = (2.0 * x.sin() + 1.0).exp();
            (1.0 - e.tanh().powi(2)) * e * 2.0 * x.cos()
        };
        assert_close(g.as_slice(), want, 2e-5, &format!("grad n={n}"));
    }
}

/// A full sum of a staged producer: `kernels::map_sum_nm_blocks`.
#[jit]
fn chain_sum(x: &Array<f32>) -> f32 {
    (x.sin() * 2.0 + 1.0).exp().tanh().sum()
}

#[jit]
fn far_sum(x: &Array<f64>) -> f64 {
    (x.cos() * 0.5).exp().sin().sum()
}

#[test]
fn staged_sums_match_f64_sums() {
    for n in LENS {
        let x = wave(n, 4.0);
        let xs = x.as_slice();
        let want: f64 = xs
            .iter()
            .map(|&v| ((v as f64).sin() * 2.0 + 1.0).exp().tanh())
            .sum();
        let got = chain_sum(&x) as f64;
        assert!(
            (got - want).abs() <= 1e-6 * (1.0 + want.abs()),
            "n={n}: {got} vs {want}"
        );
    }
    // f64, with arguments beyond the fast cos range in a few blocks.
    let mut v: Vec<f64> = wave(50_000, 3.0)
        .to_vec()
        .into_iter()
        .map(f64::from)
        .collect();
    v[17] = 1.0e300;
    v[33_000] = -4.0e7;
    let want: f64 = v.iter().map(|&x| ((x.cos() * 0.5).exp()).sin()).sum();
    let got = far_sum(&Array::from_vec(v));
    assert!(
        (got - want).abs() <= 1e-10 * (1.0 + want.abs()),
        "{got} vs {want}"
    );
}

/// The gradient of the sum, jitted: its elementwise group is staged too.
#[test]
fn the_sum_and_its_gradient_agree_with_finite_differences() {
    let x = wave(2000, 2.0);
    let g = chain_total::grad(&x);
    let h = 1e-2f32;
    for i in [0, 999, 1999] {
        let mut up = x.to_vec();
        let mut dn = x.to_vec();
        up[i] += h;
        dn[i] -= h;
        let fd = (chain_sum(&Array::from_vec(up)) as f64 - chain_sum(&Array::from_vec(dn)) as f64)
            / (2.0 * h as f64);
        let gi = g.as_slice()[i] as f64;
        assert!(
            (gi - fd).abs() <= 2e-2 * (1.0 + fd.abs()),
            "element {i}: grad {gi} vs differences {fd}"
        );
    }
}
