//! `#[custom_jvp]` and `#[custom_vjp]`: derivatives given by hand, used
//! directly (`f::grad`) and through annotated callers (grad, vmap, jit).
//! Checked against analytic derivatives and finite differences of the
//! primal, and against JAX's `custom_jvp`/`custom_vjp` of the same rules
//! (tests/data/compose_jax.json, written by tests/data/compose_jax.py).
use rjax::prelude::*;
use serde_json::Value;

/// log(1 + e^x); its derivative e^x / (1 + e^x) is inf/inf for large x.
#[custom_jvp(jvp = log1pexp_jvp)]
fn log1pexp(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

/// The stable rule: d log1pexp = x_dot * logistic(x), written with e^-x.
#[jit]
fn log1pexp_jvp(x: f64, x_dot: f64) -> (f64, f64) {
    ((1.0 + x.exp()).ln(), x_dot / (1.0 + (-x).exp()))
}

/// The same body without a rule, for contrast.
#[grad]
fn naive(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

/// A caller: the rule is used through the call.
#[grad]
fn softplus_mix(x: f64) -> f64 {
    2.0 * log1pexp(x) + log1pexp(-x)
}

/// vmap(grad(log1pexp)).
#[vmap]
fn softplus_grads(x: f64) -> f64 {
    log1pexp::grad(x)
}

/// Under jit.
#[jit]
fn jit_value_plus_grad(x: f64) -> f64 {
    log1pexp(x) + log1pexp::grad(x)
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[test]
fn log1pexp_gradient_is_stable() {
    for x in [-30.0, -2.0, 0.0, 0.7, 5.0, 100.0, 800.0] {
        let g = log1pexp::grad(x);
        assert!(g.is_finite(), "grad at {x} is {g}");
        assert!((g - logistic(x)).abs() < 1e-15, "grad at {x}: {g}");
    }
    assert_eq!(log1pexp::grad(100.0), logistic(100.0));
    // Without the rule e^800 / (1 + e^800) = inf / inf.
    assert!(naive::grad(800.0).is_nan());
    // The primal is the body itself.
    assert_eq!(log1pexp(0.5), (1.0 + 0.5f64.exp()).ln());
}

#[test]
fn custom_jvp_through_callers() {
    for x in [-3.0, 0.2, 40.0, 700.0] {
        let want = 2.0 * logistic(x) - logistic(-x);
        assert!((softplus_mix::grad(x) - want).abs() < 1e-14);
    }
    let xs = Array::from_vec(vec![-1.0, 0.0, 2.5, 800.0]);
    let got = softplus_grads::vmap(&xs);
    for (g, x) in got.to_vec().iter().zip(xs.to_vec()) {
        assert!((g - logistic(x)).abs() < 1e-15);
    }
    let x = 1.3f64;
    let want = (1.0 + x.exp()).ln() + logistic(x);
    assert!((jit_value_plus_grad(x) - want).abs() < 1e-14);
}

#[test]
fn second_derivative_differentiates_the_rule() {
    // d/dx logistic(x) = logistic(x) (1 - logistic(x)), as JAX gives for
    // the hessian of a custom_jvp function (the rule is differentiated).
    for x in [-2.0, 0.0, 1.5] {
        let s = logistic(x);
        assert!((log1pexp::hessian(x) - s * (1.0 - s)).abs() < 1e-14);
    }
}

/// The fixed point x = cos(a x), by plain iteration.
#[custom_vjp(fwd = fixed_point_fwd, bwd = fixed_point_bwd)]
fn fixed_point(a: f64) -> f64 {
    iterate(a)
}

/// `STEPS` iterations from x = 1 (a contraction for |a| < 1).
#[jit]
fn iterate(a: f64) -> f64 {
    let mut x = 1.0;
    for _ in 0..60 {
        x = (a * x).cos();
    }
    x
}

/// Forward: the solution, and what the backward pass needs (x*, a).
#[jit]
fn fixed_point_fwd(a: f64) -> (f64, f64, f64) {
    let x = iterate(a);
    (x, x, a)
}

/// Implicit function theorem on F(x, a) = x - cos(a x) = 0:
/// dx/da = -F_a / F_x = -x sin(a x) / (1 + a sin(a x)); the cotangent
/// of a is g dx/da (one solve, not 60 differentiated iterations).
#[jit]
fn fixed_point_bwd(x: f64, a: f64, g: f64) -> f64 {
    let s = (a * x).sin();
    -g * x * s / (1.0 + a * s)
}

/// A caller of the solver.
#[grad]
fn scaled_solution(a: f64) -> f64 {
    fixed_point(a) * a
}

/// vmap(grad(fixed_point)).
#[vmap]
fn solution_slopes(a: f64) -> f64 {
    fixed_point::grad(a)
}

/// One gradient step under jit.
#[jit]
fn descend(a: f64) -> f64 {
    a - 0.1 * scaled_solution::grad(a)
}

fn implicit_slope(a: f64) -> f64 {
    let x = iterate(a);
    let s = (a * x).sin();
    -x * s / (1.0 + a * s)
}

fn central_difference(f: impl Fn(f64) -> f64, a: f64) -> f64 {
    let h = 1e-6;
    (f(a + h) - f(a - h)) / (2.0 * h)
}

#[test]
fn implicit_derivative_of_the_fixed_point() {
    for a in [0.1, 0.5, 0.9] {
        let x = fixed_point(a);
        assert!((x - (a * x).cos()).abs() < 1e-12, "converged at a = {a}");
        let g = fixed_point::grad(a);
        assert!((g - implicit_slope(a)).abs() < 1e-14);
        assert!((g - central_difference(fixed_point, a)).abs() < 1e-7);
    }
}

#[test]
fn custom_vjp_through_callers() {
    for a in [0.2, 0.7] {
        let want = implicit_slope(a) * a + fixed_point(a);
        assert!((scaled_solution::grad(a) - want).abs() < 1e-13);
        assert!((descend(a) - (a - 0.1 * want)).abs() < 1e-13);
    }
    let as_ = Array::from_vec(vec![0.1, 0.4, 0.8]);
    let got = solution_slopes::vmap(&as_);
    for (g, a) in got.to_vec().iter().zip(as_.to_vec()) {
        assert!((g - implicit_slope(a)).abs() < 1e-14);
    }
}

/// sin(x) whose backward pass clips the cotangent to [-0.1, 0.1]: a rule
/// that differs from the body's derivative, so using it is observable.
#[custom_vjp(fwd = clipped_sin_fwd, bwd = clipped_sin_bwd)]
fn clipped_sin(x: f64) -> f64 {
    x.sin()
}

#[jit]
fn clipped_sin_fwd(x: f64) -> (f64, f64) {
    (x.sin(), x.cos())
}

#[jit]
fn clipped_sin_bwd(cos_x: f64, g: f64) -> f64 {
    (g * cos_x).min(0.1).max(-0.1)
}

#[grad]
fn three_clipped(x: f64) -> f64 {
    3.0 * clipped_sin(x)
}

#[test]
fn custom_vjp_rule_is_the_one_used() {
    for x in [0.2, 1.5, 1.56, 3.0] {
        assert!((clipped_sin::grad(x) - x.cos().clamp(-0.1, 0.1)).abs() < 1e-15);
        let want = (3.0 * x.cos()).clamp(-0.1, 0.1);
        assert!((three_clipped::grad(x) - want).abs() < 1e-15);
        assert_eq!(clipped_sin(x), x.sin());
    }
}

fn jax(k: &str) -> Vec<f64> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/compose_jax.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let Value::Array(a) = &v[k] else {
        panic!("{k} missing from compose_jax.json")
    };
    a.iter().map(|x| x.as_f64().unwrap()).collect()
}

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (a, b) in got.iter().zip(want) {
        assert!(
            (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
            "{what}: {a} vs JAX {b}"
        );
    }
}

#[test]
fn custom_rules_match_jax() {
    let g: Vec<f64> = jax("log1pexp_points")
        .into_iter()
        .map(log1pexp::grad)
        .collect();
    assert_close(&g, &jax("log1pexp_grad"), "grad(log1pexp)");
    let h: Vec<f64> = [-2.0, 0.0, 1.5]
        .into_iter()
        .map(log1pexp::hessian)
        .collect();
    assert_close(&h, &jax("log1pexp_hessian"), "hessian(log1pexp)");
    let m: Vec<f64> = [-3.0, 0.2, 40.0, 700.0]
        .into_iter()
        .map(softplus_mix::grad)
        .collect();
    assert_close(&m, &jax("softplus_mix_grad"), "grad(softplus_mix)");
    let xs = Array::from_vec(vec![-1.0, 0.0, 2.5, 800.0]);
    assert_close(
        &softplus_grads::vmap(&xs).to_vec(),
        &jax("vmap_grad_log1pexp"),
        "vmap(grad(log1pexp))",
    );
    let pts = jax("fixed_point_points");
    let x: Vec<f64> = pts.iter().map(|&a| fixed_point(a)).collect();
    assert_close(&x, &jax("fixed_point"), "fixed_point");
    let g: Vec<f64> = pts.iter().map(|&a| fixed_point::grad(a)).collect();
    assert_close(&g, &jax("fixed_point_grad"), "grad(fixed_point)");
    let s: Vec<f64> = [0.2, 0.7].into_iter().map(scaled_solution::grad).collect();
    assert_close(&s, &jax("scaled_solution_grad"), "grad(fixed_point(a) a)");
    let c: Vec<f64> = [0.2, 1.5, 1.56, 3.0]
        .into_iter()
        .map(three_clipped::grad)
        .collect();
    assert_close(&c, &jax("three_clipped_grad"), "grad(3 clipped_sin)");
}
