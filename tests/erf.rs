//! `erf` and `erfc` as a user writes them (`x.erf()`, `erf(x)`, `erfc(x)`
//! in annotated bodies), checked against independent oracles: a
//! 200-digit Taylor series and JAX 0.10.2's values (tests/data/erf_jax.json,
//! written by tests/data/erf_jax.py), the analytic derivative
//! `2/sqrt(pi) e^(-x²)`, central differences, the eager ops (`#[jit]`
//! gives the same bits) and loops (`vmap`).
use std::f64::consts::FRAC_2_SQRT_PI;

use rjax::prelude::*;
use rjax::runtime::Float;
use serde_json::Value;

#[path = "../rjax-runtime/tests/support/xorshift.rs"]
mod xorshift;

fn data() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/erf_jax.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("erf_jax.json")).unwrap()
}

fn floats(v: &Value, k: &str) -> Vec<f64> {
    match &v[k] {
        Value::Array(a) => a.iter().map(|x| x.as_f64().unwrap()).collect(),
        x => vec![x.as_f64().unwrap_or_else(|| panic!("{k} missing"))],
    }
}

/// The oracle's decimal strings, each rounded once to `T`.
fn exact<T: std::str::FromStr>(v: &Value, k: &str) -> Vec<T> {
    v[k].as_array()
        .unwrap_or_else(|| panic!("{k} missing"))
        .iter()
        .map(|s| s.as_str().unwrap().parse().ok().unwrap())
        .collect()
}

/// Distance in ulps (0 when both are NaN or equal).
fn ulps64(a: f64, b: f64) -> u64 {
    let key = |v: f64| {
        let b = v.to_bits() as i128;
        if b & (1 << 63) != 0 {
            -(b & !(1 << 63))
        } else {
            b
        }
    };
    (key(a) - key(b)).unsigned_abs() as u64
}

fn ulps32(a: f32, b: f32) -> u64 {
    let key = |v: f32| {
        let b = v.to_bits() as i64;
        if b & (1 << 31) != 0 {
            -(b & 0x7fff_ffff)
        } else {
            b
        }
    };
    (key(a) - key(b)).unsigned_abs()
}

#[test]
fn kernels_are_within_an_ulp_or_two_of_the_200_digit_oracle() {
    let d = data();
    let xs = floats(&d, "x");
    let (erf, erfc): (Vec<f64>, Vec<f64>) = (exact(&d, "erf_exact"), exact(&d, "erfc_exact"));
    let (mut worst_erf, mut worst_erfc) = (0, 0);
    for (i, &x) in xs.iter().enumerate() {
        worst_erf = worst_erf.max(ulps64(Float::erf(x), erf[i]));
        let e = ulps64(Float::erfc(x), erfc[i]);
        assert!(
            e <= 4,
            "erfc({x}) = {:e}, exact {:e}",
            Float::erfc(x),
            erfc[i]
        );
        worst_erfc = worst_erfc.max(e);
    }
    assert!(worst_erf <= 1, "erf f64: {worst_erf} ulp");
    let xs: Vec<f32> = floats(&d, "x_f32").iter().map(|&x| x as f32).collect();
    let (erf, erfc): (Vec<f32>, Vec<f32>) =
        (exact(&d, "erf_exact_f32"), exact(&d, "erfc_exact_f32"));
    for (i, &x) in xs.iter().enumerate() {
        assert!(ulps32(Float::erf(x), erf[i]) <= 1, "erf({x}) f32");
        assert!(ulps32(Float::erfc(x), erfc[i]) <= 1, "erfc({x}) f32");
    }
    eprintln!("worst: erf {worst_erf} ulp, erfc {worst_erfc} ulp (f64)");
}

#[test]
fn kernels_agree_with_libm_over_a_dense_sweep() {
    // libm's erf (FreeBSD's s_erf.c, with libm's own exp) is an oracle
    // for the whole range, below an ulp; rjax's erf shares the method but
    // not the exponential.
    let mut worst = (0u64, 0u64);
    for k in -600_000..=600_000 {
        let x = k as f64 * 1.0e-5; // [-6, 6]
        worst.0 = worst.0.max(ulps64(Float::erf(x), libm::erf(x)));
        if x < 26.0 {
            worst.1 = worst.1.max(ulps64(Float::erfc(x), libm::erfc(x)));
        }
        let x = x as f32;
        assert!(ulps32(Float::erf(x), libm::erff(x)) <= 1, "erf({x}) f32");
    }
    for k in 0..=2_000 {
        let x = 6.0 + k as f64 * 0.01; // erfc's tail down to 1e-300
        worst.1 = worst.1.max(ulps64(Float::erfc(x), libm::erfc(x)));
    }
    assert!(
        worst.0 <= 2 && worst.1 <= 6,
        "worst erf, erfc: {worst:?} ulp"
    );
}

#[test]
fn values_match_jax() {
    let d = data();
    let xs = floats(&d, "x");
    let x = Array::from_vec(xs.clone());
    let (e, c) = (x.erf(), erfc(&x));
    for (i, (&j, &g)) in floats(&d, "jax_erf_f64")
        .iter()
        .zip(e.as_slice())
        .enumerate()
    {
        assert!(
            (g - j).abs() <= 4e-16 * j.abs().max(1e-300),
            "erf({}) {g:e} vs JAX {j:e}",
            xs[i]
        );
    }
    for (i, (&j, &g)) in floats(&d, "jax_erfc_f64")
        .iter()
        .zip(c.as_slice())
        .enumerate()
    {
        assert!(
            (g - j).abs() <= 1e-14 * j.abs(),
            "erfc({}) {g:e} vs JAX {j:e}",
            xs[i]
        );
    }
    let x32: Vec<f32> = floats(&d, "x_f32").iter().map(|&x| x as f32).collect();
    let x32 = Array::from_vec(x32);
    for (name, got) in [("jax_erf_f32", x32.erf()), ("jax_erfc_f32", erfc(&x32))] {
        for (&j, &g) in floats(&d, name).iter().zip(got.as_slice()) {
            // XLA's f32 forms are up to 3 (erf) and 7 (erfc, near 1/0.35)
            // ulp from the 200-digit oracle at these points, ours 1.
            assert!(ulps32(g, j as f32) <= 8, "{name}: {g:e} vs JAX {j:e}");
        }
    }
}

/// The function tests/data/erf_jax.py differentiates.
#[grad(argnums = (0, 1))]
fn loss(x: &Array<f64>, w: f64) -> f64 {
    let c = erfc(x);
    ((x * w).erf() * x).sum() + (&c * &c).sum()
}

#[test]
fn grad_matches_jax_the_analytic_form_and_differences() {
    let d = data();
    let x = Array::from_vec(floats(&d, "loss_x"));
    let w = floats(&d, "loss_w")[0];
    assert!((loss(&x, w) - floats(&d, "loss_value")[0]).abs() < 1e-13);
    let (gx, gw) = loss::grad(&x, w);
    let jax_gx = floats(&d, "loss_grad_x");
    let gauss = |z: f64| FRAC_2_SQRT_PI * (-z * z).exp();
    let mut want_gw = 0.0;
    for (i, &xi) in x.as_slice().iter().enumerate() {
        // d/dx [erf(w x) x + erfc(x)²] = erf(w x) + x w erf'(w x) - 2 erfc(x) erf'(x)
        let analytic =
            libm::erf(w * xi) + xi * w * gauss(w * xi) - 2.0 * libm::erfc(xi) * gauss(xi);
        want_gw += xi * xi * gauss(w * xi);
        let g = gx.as_slice()[i];
        assert!(
            (g - analytic).abs() < 1e-14,
            "x[{i}]: {g} vs analytic {analytic}"
        );
        assert!(
            (g - jax_gx[i]).abs() < 1e-14,
            "x[{i}]: {g} vs JAX {}",
            jax_gx[i]
        );
        let h = 1e-6;
        let at = |v: f64| {
            let mut xs = x.to_vec();
            xs[i] = v;
            loss(&Array::from_vec(xs), w)
        };
        let fd = (at(xi + h) - at(xi - h)) / (2.0 * h);
        assert!((g - fd).abs() < 1e-8, "x[{i}]: {g} vs differences {fd}");
    }
    assert!(
        (gw - want_gw).abs() < 1e-14,
        "w: {gw} vs analytic {want_gw}"
    );
    assert!((gw - floats(&d, "loss_grad_w")[0]).abs() < 1e-14);
}

#[grad]
fn erf_s(x: f64) -> f64 {
    erf(x)
}

/// erf'' through a callee's gradient (the exp in erf's derivative is
/// differentiated in turn).
#[grad]
fn erf_d(x: f64) -> f64 {
    erf_s::grad(x)
}

#[test]
fn second_derivative_matches_jax_and_the_analytic_form() {
    let d = data();
    let jax = floats(&d, "erf_second_derivative");
    for (i, &x) in floats(&d, "loss_x").iter().enumerate() {
        let want = -2.0 * x * FRAC_2_SQRT_PI * (-x * x).exp();
        assert!((erf_d::grad(x) - want).abs() < 1e-14, "erf''({x})");
        assert!((erf_s::hessian(x) - want).abs() < 1e-14, "hessian erf({x})");
        assert!((erf_d::grad(x) - jax[i]).abs() < 1e-14, "erf''({x}) vs JAX");
    }
}

#[jit]
fn fused32(x: &Array<f32>) -> Array<f32> {
    x.erf() * 2.0 + erfc(x)
}

#[jit]
fn fused64(x: &Array<f64>) -> Array<f64> {
    (x.erf() - erfc(x * 0.5)).tanh()
}

#[jit]
fn scalar_kernel(t: &Array<f64>) -> f64 {
    let (x, y) = (t[0], t[1]);
    erf(x) * erfc(y) + x.exp()
}

fn same_bits<T: rjax::Element + Float>(got: &Array<T>, want: &Array<T>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes");
    for (i, (&g, &w)) in got.as_slice().iter().zip(want.as_slice()).enumerate() {
        let same = g.to_f64().to_bits() == w.to_f64().to_bits() || (g.is_nan() && w.is_nan());
        assert!(same, "{what}: element {i}: jit {g:?} vs eager {w:?}");
    }
}

#[test]
fn jit_gives_the_eager_bits() {
    // Below the vector width, around the checked loops' block, past the
    // parallel threshold; arguments across every range of the kernel.
    for n in [5usize, 1025, 100_003] {
        let mut v = xorshift::uniform::<f32>(n, n as u32, -7.0, 7.0);
        v[0] = f32::NAN;
        v[n / 2] = f32::INFINITY;
        v[n - 1] = -0.0;
        let x = Array::from_vec(v);
        same_bits(
            &fused32(&x),
            &(x.erf() * 2.0 + erfc(&x)),
            &format!("f32 n={n}"),
        );
        let x = Array::from_vec(xorshift::uniform::<f64>(n, 3 + n as u32, -30.0, 30.0));
        let want = (&x.erf() - &erfc(&(&x * 0.5))).tanh();
        same_bits(&fused64(&x), &want, &format!("f64 n={n}"));
    }
    for (&x, &y) in xorshift::uniform::<f64>(200, 5, -6.0, 6.0)
        .iter()
        .zip(&xorshift::uniform::<f64>(200, 6, -6.0, 30.0))
    {
        let got = scalar_kernel(&Array::from_vec(vec![x, y]));
        let want = Float::erf(x) * Float::erfc(y) + Float::exp(x);
        assert_eq!(got.to_bits(), want.to_bits(), "({x}, {y})");
    }
}

#[vmap]
fn pair(x: f64, y: f64) -> f64 {
    erf(x * y) + erfc(y)
}

#[vmap]
fn rows(#[rank(1)] x: &Array<f64>) -> f64 {
    (x.erf() * x).sum()
}

#[test]
fn vmap_matches_a_loop() {
    let xs = xorshift::uniform::<f64>(37, 21, -3.0, 3.0);
    let ys = xorshift::uniform::<f64>(37, 22, -3.0, 3.0);
    let got = pair::vmap(&Array::from_vec(xs.clone()), &Array::from_vec(ys.clone()));
    for i in 0..xs.len() {
        assert_eq!(got.as_slice()[i], pair(xs[i], ys[i]), "row {i}");
    }
    let m = Array::from_shape_vec(vec![5, 4], xorshift::uniform::<f64>(20, 23, -2.0, 2.0)).unwrap();
    let got = rows::vmap(&m);
    for r in 0..5 {
        let row = Array::from_vec(m.as_slice()[r * 4..r * 4 + 4].to_vec());
        assert!((got.as_slice()[r] - rows(&row)).abs() < 1e-15, "row {r}");
    }
}

#[test]
fn the_jaxpr_names_the_primitives_and_the_interpreter_agrees() {
    // rjax-core's reference evaluation (a series and a continued
    // fraction, not the runtime's kernel) against the 200-digit oracle.
    use rjax::core::interp::{Tensor, eval_jaxpr};
    let j = erf_s::jaxpr();
    assert!(j.to_string().contains("erf"), "{j}");
    let d = data();
    let erf_exact: Vec<f64> = exact(&d, "erf_exact");
    for (i, &x) in floats(&d, "x").iter().enumerate() {
        let got = eval_jaxpr(&j, &[Tensor::scalar(x, rjax::core::DType::F64)]).unwrap()[0].item();
        assert!(
            (got - erf_exact[i]).abs() <= 1e-15 * erf_exact[i].abs().max(1e-300) + 1e-300,
            "interp erf({x}) {got:e}"
        );
    }
}
