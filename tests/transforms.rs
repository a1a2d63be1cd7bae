//! User programs: jacobian, hessian, vmap, has_aux and argnums on
//! annotated functions, each checked against analytic forms or loops.
use rjax::prelude::*;

/// R^3 -> R^2: (x0 x1, sin(x2) + x0^2).
#[grad]
fn field(x: &Array<f64>) -> Array<f64> {
    let (a, b, c) = (x[0], x[1], x[2]);
    array![a * b, c.sin() + a * a]
}

fn arr(v: &[f64]) -> Array<f64> {
    Array::from_vec(v.to_vec())
}

/// The Rosenbrock function in R^5.
#[grad]
fn rosenbrock(x: &Array<f64>) -> f64 {
    let (a, b, c, d, e) = (x[0], x[1], x[2], x[3], x[4]);
    100.0 * (b - a * a).powi(2)
        + (1.0 - a).powi(2)
        + 100.0 * (c - b * b).powi(2)
        + (1.0 - b).powi(2)
        + 100.0 * (d - c * c).powi(2)
        + (1.0 - c).powi(2)
        + 100.0 * (e - d * d).powi(2)
        + (1.0 - d).powi(2)
}

fn rosenbrock_hessian(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut h = vec![0.0; n * n];
    for i in 0..n - 1 {
        // term 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2
        h[i * n + i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
        h[(i + 1) * n + i + 1] += 200.0;
        h[i * n + i + 1] += -400.0 * x[i];
        h[(i + 1) * n + i] += -400.0 * x[i];
    }
    h
}

#[test]
fn rosenbrock_hessian_matches_analytic() {
    let x = [0.3, -1.2, 0.8, 1.5, -0.4];
    let h = rosenbrock::hessian(&arr(&x));
    assert_eq!(h.shape(), &[5, 5]);
    for (k, (got, want)) in h.as_slice().iter().zip(rosenbrock_hessian(&x)).enumerate() {
        assert!(
            (got - want).abs() < 1e-9 * (1.0 + want.abs()),
            "H[{k}]: {got} vs {want}"
        );
    }
    // The gradient vanishes at the minimum (1, ..., 1).
    let g = rosenbrock::grad(&arr(&[1.0; 5]));
    assert!(g.as_slice().iter().all(|v| v.abs() < 1e-12));
}

/// R^3 -> R^2 written with array ops.
#[grad]
fn pair(x: &Array<f64>) -> (f64, f64) {
    let (a, b, c) = (x[0], x[1], x[2]);
    (a * b, c.sin() + a * a)
}

#[vmap]
fn softplus(x: &Array<f64>) -> Array<f64> {
    (x.exp() + 1.0).log()
}

#[test]
fn vmap_matches_a_loop() {
    let data: Vec<f64> = (0..12).map(|i| (i as f64 * 0.7).cos() * 3.0).collect();
    let xs = Array::from_shape_vec(vec![4, 3], data.clone()).unwrap();
    let batched = softplus::vmap(&xs);
    assert_eq!(batched.shape(), &[4, 3]);
    for r in 0..4 {
        let row = arr(&data[3 * r..3 * r + 3]);
        let one = softplus(&row);
        for c in 0..3 {
            assert!((batched.as_slice()[3 * r + c] - one[c]).abs() < 1e-12);
        }
    }
}

#[grad(argnums = (0, 1))]
#[vmap(in_axes = (0, None))]
fn weighted(x: f64, w: f64) -> f64 {
    w * x * x + x.sin()
}

#[test]
fn argnums_and_in_axes() {
    let (gx, gw) = weighted::grad(0.5, 2.0);
    assert!((gx - (2.0 * 2.0 * 0.5 + 0.5f64.cos())).abs() < 1e-12);
    assert!((gw - 0.25).abs() < 1e-12);
    let xs = arr(&[0.0, 1.0, 2.0]);
    let ys = weighted::vmap(&xs, 3.0);
    for i in 0..3 {
        assert!((ys[i] - weighted(xs[i], 3.0)).abs() < 1e-12);
    }
}

#[grad(has_aux)]
fn loss_with_aux(x: &Array<f64>) -> (f64, Array<f64>) {
    let y = x.sin();
    ((y.clone() * y.clone()).sum(), y)
}

#[test]
fn has_aux_returns_aux_unchanged() {
    let x = arr(&[0.1, 0.2, 0.3]);
    let (g, aux) = loss_with_aux::grad(&x);
    for i in 0..3 {
        assert!((aux[i] - x[i].sin()).abs() < 1e-12);
        assert!((g[i] - 2.0 * x[i].sin() * x[i].cos()).abs() < 1e-12);
    }
    let ((v, _aux), g2) = loss_with_aux::value_and_grad(&x);
    assert!((v - loss_with_aux(&x).0).abs() < 1e-12);
    assert_eq!(g2.to_vec(), g.to_vec());
}

#[grad]
fn relu_ish(x: f64) -> f64 {
    if x > 0.0 { x * x } else { 0.5 * x }
}

#[test]
fn grad_through_if_on_data_both_branches() {
    assert!((relu_ish::grad(3.0) - 6.0).abs() < 1e-12);
    assert!((relu_ish::grad(-2.0) - 0.5).abs() < 1e-12);
}

#[grad]
fn clipped(x: f64) -> f64 {
    if x > 1.0 {
        return 1.0;
    }
    x * x * x
}

#[test]
fn early_return_is_a_branch() {
    assert_eq!(clipped::grad(2.0), 0.0);
    assert!((clipped::grad(0.5) - 0.75).abs() < 1e-12);
}

#[test]
fn jacobian_r3_to_r2() {
    let x = [0.4, -1.3, 2.2];
    let j = field::jacobian(&arr(&x));
    assert_eq!(j.shape(), &[2, 3]);
    let want = [x[1], x[0], 0.0, 2.0 * x[0], 0.0, x[2].cos()];
    for (k, (g, w)) in j.as_slice().iter().zip(want).enumerate() {
        assert!((g - w).abs() < 1e-12, "J[{k}]: {g} vs {w}");
    }
    let v = field(&arr(&x));
    assert_eq!(v.shape(), &[2]);
    let j0 = pair::jacobian(&arr(&x));
    // The first output's row: d(x0 x1)/dx.
    let want = [x[1], x[0], 0.0];
    for k in 0..3 {
        assert!((j0[k] - want[k]).abs() < 1e-12, "J[0][{k}]");
    }
}
