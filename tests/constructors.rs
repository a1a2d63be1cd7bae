//! Array constructors inside annotated bodies, as a JAX user writes
//! `jnp.zeros_like(x)` or `jnp.full(x.shape, s)`: `Array::zeros/ones/full`
//! with a constant shape or another value's `x.shape()`, and
//! `zeros_like/ones_like/full_like`. Each is checked through `grad`,
//! `vmap` and `jit` against the same body run eagerly (the primal), loops
//! and analytic derivatives; a traced fill value gets its gradient.
use rjax::prelude::*;

/// relu(x) * x, the zero from `zeros_like`: d/dx = 2x for x > 0, else 0.
#[grad]
fn relu_sq(x: &Array<f64>) -> f64 {
    let z = zeros_like(x);
    (x.maximum(&z) * x).sum()
}

/// One appended constant feature per row (a bias input).
#[vmap]
fn with_bias(t: &Array<f64>) -> Array<f64> {
    concatenate(&[t.clone(), Array::ones(&[1])], 0)
}

/// x + s everywhere through `full_like`, under `#[jit]`.
#[jit]
fn shift(x: &Array<f32>, s: f32) -> Array<f32> {
    x * 2.0 + full_like(x, s)
}

/// sum(x * s) with `s` filled by `Array::full(x.shape(), s)`: d/ds = sum(x),
/// d/dx = s.
#[grad(argnums = (0, 1))]
fn scaled(x: &Array<f64>, s: f64) -> f64 {
    (x * Array::full(x.shape(), s)).sum()
}

/// A turbofish and a matrix shape: a column of two ones times x's sine,
/// broadcast to [2, n].
#[grad]
fn plane(x: &Array<f64>) -> f64 {
    let ones = Array::<f64>::ones(&[2, 1]);
    (ones * x.sin()).sum() + Array::<f64>::zeros(&[4]).sum()
}

fn a(v: &[f64]) -> Array<f64> {
    Array::from_vec(v.to_vec())
}

#[test]
fn zeros_like_in_a_gradient() {
    let x = a(&[-1.5, -0.2, 0.3, 2.0]);
    let g = relu_sq::grad(&x);
    let want: Vec<f64> = x
        .to_vec()
        .iter()
        .map(|&v| if v > 0.0 { 2.0 * v } else { 0.0 })
        .collect();
    assert_eq!(g.to_vec(), want);
    assert_eq!(relu_sq(&x), 0.09 + 4.0);
}

#[test]
fn ones_under_vmap_equal_the_loop() {
    let xs = Array::from_shape_vec(vec![3, 2], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let got = with_bias::vmap(&xs);
    assert_eq!(got.shape(), &[3, 3]);
    for r in 0..3 {
        let row = a(&[xs.get(&[r, 0]), xs.get(&[r, 1])]);
        let want = with_bias(&row);
        for k in 0..3 {
            assert_eq!(got.get(&[r, k]), want[k]);
        }
    }
}

#[test]
fn full_like_under_jit_equals_eager() {
    let x = Array::from_vec((0..37).map(|k| k as f32 * 0.1 - 1.0).collect::<Vec<f32>>());
    let got = shift(&x, 0.25);
    for (k, v) in got.to_vec().iter().enumerate() {
        let want = x[k] * 2.0 + 0.25;
        assert!((v - want).abs() < 1e-6);
    }
}

#[test]
fn a_traced_fill_value_gets_its_gradient() {
    let x = a(&[0.5, -1.0, 2.0]);
    let (gx, gs) = scaled::grad(&x, 3.0);
    assert_eq!(gx.to_vec(), vec![3.0; 3]);
    assert!((gs - 1.5).abs() < 1e-15);
    let h = 1e-6;
    let fd = (scaled(&x, 3.0 + h) - scaled(&x, 3.0 - h)) / (2.0 * h);
    assert!((gs - fd).abs() < 1e-8);
}

#[test]
fn constant_shapes_with_a_turbofish() {
    let x = a(&[0.1, 0.7, -0.4]);
    let g = plane::grad(&x);
    for k in 0..3 {
        assert!((g[k] - 2.0 * x[k].cos()).abs() < 1e-14);
    }
    let v: f64 = x.to_vec().iter().map(|v| 2.0 * v.sin()).sum();
    assert!((plane(&x) - v).abs() < 1e-14);
}
