//! `if`/`else` on data means Rust's `if`: only the taken side runs, and the
//! gradient through it is the taken side's (no NaN from the other side,
//! unlike `jnp.where`). Checked against analytic derivatives, the printed
//! jaxpr (a `cond`), vmap against a loop, and jit against eager.
use rjax::prelude::*;

/// sqrt(x) for x > 0, else 0: the side not taken has an infinite or NaN
/// slope at x <= 0.
#[grad]
fn soft_root(x: f64) -> f64 {
    if x > 0.0 { x.sqrt() } else { 0.0 }
}

#[test]
fn gradient_through_the_branch_not_taken_is_not_nan() {
    for x in [-2.0, -0.5, 0.0] {
        let g = soft_root::grad(x);
        assert_eq!(g, 0.0, "x={x}: {g}");
    }
    for x in [0.25, 4.0] {
        let g = soft_root::grad(x);
        assert!((g - 0.5 / x.sqrt()).abs() < 1e-12);
    }
    assert!(soft_root::jaxpr().to_string().contains("cond["));
}

/// A statement `if` that reassigns an array and a scalar, with a loop in
/// one side only.
#[grad]
fn piecewise(x: &Array<f64>, t: f64) -> f64 {
    let mut y = x.clone();
    let mut s = 1.0;
    if t > 1.0 {
        for _ in 0..3 {
            y = (y.clone() * t).sin();
        }
        s = t.ln();
    } else {
        y = y.clone() * y;
    }
    y.sum() * s
}

fn piecewise_eager(x: &[f64], t: f64) -> f64 {
    if t > 1.0 {
        let mut y = x.to_vec();
        for _ in 0..3 {
            y = y.iter().map(|v| (v * t).sin()).collect();
        }
        y.iter().sum::<f64>() * t.ln()
    } else {
        x.iter().map(|v| v * v).sum::<f64>()
    }
}

#[test]
fn reassignments_in_either_side_match_eager_and_finite_differences() {
    let x = Array::from_vec(vec![0.3, -0.8, 1.1]);
    for t in [0.5, 2.0] {
        assert!((piecewise(&x, t) - piecewise_eager(&x.to_vec(), t)).abs() < 1e-12);
        let g = piecewise::grad(&x, t);
        let h = 1e-6;
        for i in 0..3 {
            let mut p = x.to_vec();
            p[i] += h;
            let mut m = x.to_vec();
            m[i] -= h;
            let fd = (piecewise_eager(&p, t) - piecewise_eager(&m, t)) / (2.0 * h);
            assert!((g[i] - fd).abs() < 1e-6, "t={t} i={i}: {} vs {fd}", g[i]);
        }
    }
}

/// Batched over x: the condition differs per example, so vmap turns the
/// `cond` into a select of both sides, as JAX does.
#[vmap]
fn relu_or_square(x: f32) -> f32 {
    if x > 0.0 { x } else { x * x }
}

#[jit]
fn soft_root_jit(x: f64) -> f64 {
    if x > 0.0 { x.sqrt() } else { 0.0 }
}

#[test]
fn vmap_equals_the_loop_and_jit_equals_eager() {
    let xs = Array::from_vec(vec![-1.5f32, -0.1, 0.0, 0.7, 3.0]);
    let b = relu_or_square::vmap(&xs);
    for i in 0..5 {
        assert_eq!(b[i], relu_or_square(xs[i]));
    }
    for x in [-1.0, 0.0, 2.0] {
        assert_eq!(soft_root_jit(x), soft_root(x));
    }
    // the hessian goes through the cond too: d2/dx2 sqrt(x) = -x^(-3/2)/4
    let h = soft_root::hessian(4.0);
    assert!((h + 0.25 * 4f64.powf(-1.5)).abs() < 1e-12);
}
