//! Parameters named like the identifiers the macros generate (`x_dot` for
//! a tangent, `dim_n` for a symbolic size, `ct_0`, `residual_0`, `out_0`,
//! the jaxpr's own `a`, `b`, `c` ...) mean what the user wrote. Before,
//! `#[grad(argnums = (0, 1))] fn f(x: f64, x_dot: f64)` gave a jvp of
//! (4, 4) instead of (12, 12): the generated tangent `x_dot` shadowed the
//! parameter. Each function is checked against its analytic derivative.
use rjax::prelude::*;

#[grad(argnums = (0, 1))]
fn f(x: f64, x_dot: f64) -> f64 {
    x * x * x_dot
}

#[test]
fn a_parameter_named_like_a_tangent_keeps_its_value() {
    // d(x^2 y) = 2xy dx + x^2 dy at (2, 3) along (1, 0): 12.
    let (y, t) = f::jvp((2.0, 3.0), (1.0, 0.0));
    assert_eq!((y, t), (12.0, 12.0));
    let (y, t) = f::jvp((2.0, 3.0), (0.0, 1.0));
    assert_eq!((y, t), (12.0, 4.0));
    assert_eq!(f::grad(2.0, 3.0), (12.0, 4.0));
    let (y, pullback) = f::vjp(2.0, 3.0);
    assert_eq!((y, pullback(1.0)), (12.0, (12.0, 4.0)));
}

/// Names of generated tangents, cotangents, residuals, sizes and jaxpr
/// variables, all at once, in an order that would swap them if any were
/// rebound: `b` is the first parameter, `a` the second.
#[grad(argnums = (0, 1, 2))]
fn g(b: &Array<f64>, a: &Array<f64>, dim_n: f64, ct_0: usize) -> f64 {
    let ct = ct_0 as f64;
    ((b * a).sum() + dim_n * b.sum()) * ct + (a * a).sum()
}

#[test]
fn parameters_named_like_generated_locals_keep_their_values() {
    let b = array![1.0, 2.0, 3.0];
    let a = array![0.5, -1.0, 4.0];
    let (db, da, ddim) = g::grad(&b, &a, 2.0, 3);
    // d/db = (a + dim_n) * ct; d/da = b * ct + 2a; d/ddim_n = sum(b) * ct.
    assert_eq!(db.to_vec(), vec![7.5, 3.0, 18.0]);
    assert_eq!(da.to_vec(), vec![4.0, 4.0, 17.0]);
    assert_eq!(ddim, 18.0);
    let v = g(&b, &a, 2.0, 3);
    assert_eq!(g::value_and_grad(&b, &a, 2.0, 3).0, v);
}

#[grad]
fn h(residual_0: &Array<f64>, out_0: f64, iter: f64) -> f64 {
    let mut s = residual_0.clone();
    for _ in 0..3 {
        s = s * out_0 + iter;
    }
    s.sum()
}

#[test]
fn loop_carry_names_do_not_capture_parameters() {
    let r = array![1.0, 2.0];
    // s3 = r k^3 + i (k^2 + k + 1); d/dr = k^3 per element.
    let (k, i) = (2.0, 0.5);
    let want: f64 = r.as_slice().iter().map(|x| x * 8.0 + i * 7.0).sum();
    assert_eq!(h(&r, k, i), want);
    assert_eq!(h::grad(&r, k, i).to_vec(), vec![8.0, 8.0]);
}

#[jit]
fn scaled(x_dot: &Array<f32>, dim_n: f32, a: &Array<f32>) -> Array<f32> {
    (x_dot * dim_n + a).tanh()
}

#[test]
fn jit_parameters_named_like_generated_locals() {
    let x = Array::from_vec(vec![0.1f32, 0.2, -0.3]);
    let a = Array::from_vec(vec![1.0f32, -1.0, 0.0]);
    let got = scaled(&x, 2.0, &a);
    let want: Vec<f32> = x
        .as_slice()
        .iter()
        .zip(a.as_slice())
        .map(|(x, a)| (x * 2.0 + a).tanh())
        .collect();
    for (g, w) in got.as_slice().iter().zip(&want) {
        assert!(
            (g - w).abs() <= 2.0 * f32::EPSILON * w.abs().max(1.0),
            "{g} vs {w}"
        );
    }
}

#[vmap(in_axes = (0, None))]
fn per_row(dim_n: &Array<f64>, x_dot: f64) -> f64 {
    (dim_n * x_dot).sum()
}

#[test]
fn vmap_parameters_named_like_generated_locals() {
    let m = Array::from_shape_vec(vec![2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    assert_eq!(per_row::vmap(&m, 2.0).to_vec(), vec![12.0, 30.0]);
}
