//! Composition across annotated functions, against JAX
//! (tests/data/compose_jax.json, written by tests/data/compose_jax.py):
//! a plain call, grad of a body calling `f::grad` (second order),
//! `f::hessian` inside grad (third order), `f::value_and_grad` inside
//! grad, vmap(grad f) and vmap(hessian f), `jacobian` inside grad,
//! `f::jvp` inside grad, a `#[jit]` step calling `loss::grad` (argnums
//! tuple), and the gradient of the loss after that step (a meta-gradient:
//! grad through a function that calls `loss::grad`). The custom rules are
//! compared with JAX in tests/custom_rules.rs.
use rjax::prelude::*;
use serde_json::Value;

#[grad]
fn f(t: &Array<f64>) -> f64 {
    let (x, y, z) = (t[0], t[1], t[2]);
    x.sin() * y.cos() * z
}

#[grad]
fn sq(x: f64) -> f64 {
    x * x
}

#[grad]
fn vecf(t: &Array<f64>) -> Array<f64> {
    t.sin() * t[0]
}

#[grad]
fn h(x: f64) -> f64 {
    sq(x.sin())
}

#[grad]
fn g(t: &Array<f64>) -> f64 {
    let d = f::grad(t);
    (&d * &d).sum()
}

#[grad]
fn hess_sum(t: &Array<f64>) -> f64 {
    f::hessian(t).sum()
}

#[grad]
fn vg_mix(t: &Array<f64>) -> f64 {
    let (v, d) = f::value_and_grad(t);
    v * d.sum()
}

#[vmap]
fn per_example_grad(t: &Array<f64>) -> Array<f64> {
    f::grad(t)
}

#[vmap]
fn per_example_hessian(t: &Array<f64>) -> Array<f64> {
    f::hessian(t)
}

#[grad(argnums = (0, 1))]
fn loss(w: &Array<f64>, b: f64, #[rank(2)] x: &Array<f64>, y: &Array<f64>) -> f64 {
    let pred = (x.dot(w) + b).tanh();
    let e = pred - y;
    // the mean over the 4 examples (`mean` is not a primitive method yet)
    (&e * &e).sum() * 0.25
}

#[grad]
fn jac_sum(t: &Array<f64>) -> f64 {
    let j = vecf::jacobian(t);
    (&j * &j).sum()
}

#[grad]
fn dirderiv(t: &Array<f64>, v: &Array<f64>) -> f64 {
    let (_y, tv) = f::jvp((t,), (v,));
    tv
}

/// A training step calling `loss::grad` (argnums = (0, 1)).
#[jit]
fn step(w: &Array<f64>, b: f64, #[rank(2)] x: &Array<f64>, y: &Array<f64>) -> (Array<f64>, f64) {
    let (gw, gb) = loss::grad(w, b, x, y);
    (w - &gw * 0.5, b - 0.5 * gb)
}

/// The loss after one step: its gradient differentiates through `step`,
/// which itself calls `loss::grad` (second order through two callees).
#[grad(argnums = (0, 1))]
fn step_loss(w: &Array<f64>, b: f64, #[rank(2)] x: &Array<f64>, y: &Array<f64>) -> f64 {
    let (w2, b2) = step(w, b, x, y);
    loss(&w2, b2, x, y)
}

fn jax() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/compose_jax.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("compose_jax.json")).unwrap()
}

fn vals(v: &Value, k: &str) -> Vec<f64> {
    match &v[k] {
        Value::Array(a) => a.iter().map(|x| x.as_f64().unwrap()).collect(),
        x => vec![x.as_f64().unwrap_or_else(|| panic!("{k} missing"))],
    }
}

fn arr(v: &Value, k: &str, shape: &[usize]) -> Array<f64> {
    Array::from_shape_vec(shape.to_vec(), vals(v, k)).unwrap()
}

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= 1e-10 * (1.0 + b.abs()),
            "{what}[{i}]: {a} vs JAX {b}"
        );
    }
}

#[test]
fn call_another_annotated_function() {
    let r = jax();
    assert_close(
        &[h::grad(0.4)],
        &vals(&r, "h_grad_04"),
        "grad(h) with h calling sq",
    );
    assert_close(&[h::hessian(0.4)], &vals(&r, "h_hessian_04"), "hessian(h)");
}

#[test]
fn grad_of_grad() {
    let r = jax();
    let t = arr(&r, "t", &[3]);
    assert_close(&[g(&t)], &vals(&r, "g"), "g primal");
    assert_close(
        &g::grad(&t).to_vec(),
        &vals(&r, "g_grad"),
        "grad(|grad f|^2)",
    );
}

#[test]
fn grad_of_hessian() {
    let r = jax();
    let t = arr(&r, "t", &[3]);
    assert_close(
        &hess_sum::grad(&t).to_vec(),
        &vals(&r, "hess_sum_grad"),
        "grad(sum hessian f)",
    );
}

#[test]
fn grad_of_value_and_grad() {
    let r = jax();
    let t = arr(&r, "t", &[3]);
    assert_close(
        &vg_mix::grad(&t).to_vec(),
        &vals(&r, "vg_mix_grad"),
        "grad(value_and_grad f)",
    );
}

#[test]
fn vmap_of_grad_and_hessian() {
    let r = jax();
    let batch = arr(&r, "batch", &[4, 3]);
    let gb = per_example_grad::vmap(&batch);
    assert_eq!(gb.shape(), &[4, 3]);
    assert_close(&gb.to_vec(), &vals(&r, "vmap_grad_f"), "vmap(grad f)");
    let hb = per_example_hessian::vmap(&batch);
    assert_eq!(hb.shape(), &[4, 3, 3]);
    assert_close(&hb.to_vec(), &vals(&r, "vmap_hessian_f"), "vmap(hessian f)");
}

#[test]
fn grad_of_jacobian() {
    let r = jax();
    let t = arr(&r, "t", &[3]);
    assert_close(
        &jac_sum::grad(&t).to_vec(),
        &vals(&r, "jac_sum_grad"),
        "grad(sum jacobian^2)",
    );
}

#[test]
fn argnums_tuple_grad_matches_jax_step() {
    // JAX's step is (w - 0.5 gw, b - 0.5 gb): recover JAX's gradients.
    let r = jax();
    let (w, b) = (arr(&r, "w", &[3]), vals(&r, "b")[0]);
    let (x, y) = (arr(&r, "x", &[4, 3]), arr(&r, "y", &[4]));
    let (gw, gb) = loss::grad(&w, b, &x, &y);
    let want_w: Vec<f64> = w
        .to_vec()
        .iter()
        .zip(vals(&r, "step_w"))
        .map(|(a, s)| (a - s) / 0.5)
        .collect();
    assert_close(&gw.to_vec(), &want_w, "loss::grad w");
    assert_close(&[gb], &[(b - vals(&r, "step_b")[0]) / 0.5], "loss::grad b");
}

#[test]
fn grad_of_jvp() {
    let r = jax();
    let (t, v) = (arr(&r, "t", &[3]), arr(&r, "v", &[3]));
    assert_close(
        &dirderiv::grad(&t, &v).to_vec(),
        &vals(&r, "dirderiv_grad_t"),
        "grad(jvp f)",
    );
}

#[test]
fn jit_step_and_meta_gradient() {
    let r = jax();
    let (w, b) = (arr(&r, "w", &[3]), vals(&r, "b")[0]);
    let (x, y) = (arr(&r, "x", &[4, 3]), arr(&r, "y", &[4]));
    let (w2, b2) = step(&w, b, &x, &y);
    assert_close(&w2.to_vec(), &vals(&r, "step_w"), "step w");
    assert_close(&[b2], &vals(&r, "step_b"), "step b");
    let (gw, gb) = step_loss::grad(&w, b, &x, &y);
    assert_close(&gw.to_vec(), &vals(&r, "step_loss_grad_w"), "meta-grad w");
    assert_close(&[gb], &vals(&r, "step_loss_grad_b"), "meta-grad b");
}
