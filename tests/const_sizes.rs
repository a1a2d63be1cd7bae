//! Constant-sized values meeting parameters, as a JAX user writes
//! `jnp.array([1., 2., 3.]) * x`: the parameter's size becomes that
//! constant in the jaxpr (`f64[3]`, as JAX's trace at that shape), every
//! companion and `#[jit]` accept it, and a call with another size stops
//! with the parameter, the axis and the shape.
use rjax::prelude::*;

#[path = "support/panics.rs"]
mod panics;
use panics::panic_message;

/// sum(w * x) with constant weights: d/dx = w.
#[grad]
fn weighted(x: &Array<f64>) -> f64 {
    let w = array![1.0, 2.0, 3.0];
    (w * x).sum()
}

/// The same per row of a batch.
#[vmap]
fn weighted_rows(x: &Array<f64>) -> f64 {
    (array![1.0, 2.0, 3.0] * x).sum()
}

/// tanh(x * w) under `#[jit]`, a constant on the right.
#[jit]
fn scaled_tanh(x: &Array<f32>) -> Array<f32> {
    (x * array![0.5, -1.0, 2.0, 0.25]).tanh()
}

/// A [2, 3] constant broadcast against a vector: x's length is 3.
#[grad]
fn plane(x: &Array<f64>) -> f64 {
    (Array::ones(&[2, 3]) * x.sin()).sum()
}

/// A caller whose parameter meets the callee's constant.
#[grad]
fn twice(x: &Array<f64>) -> f64 {
    weighted(x) * 2.0
}

fn a(v: &[f64]) -> Array<f64> {
    Array::from_vec(v.to_vec())
}

#[test]
fn the_constant_fixes_the_parameter_size() {
    assert!(
        weighted::jaxpr()
            .to_string()
            .starts_with("{ lambda ; a:f64[3].")
    );
    let x = a(&[0.5, -1.0, 4.0]);
    assert_eq!(weighted(&x), 0.5 - 2.0 + 12.0);
    assert_eq!(weighted::grad(&x).to_vec(), vec![1.0, 2.0, 3.0]);
    assert_eq!(twice::grad(&x).to_vec(), vec![2.0, 4.0, 6.0]);
    let g = plane::grad(&x);
    for k in 0..3 {
        assert!((g[k] - 2.0 * x[k].cos()).abs() < 1e-14);
    }
}

#[test]
fn vmap_and_jit_take_the_constant_size() {
    let xs = Array::from_shape_vec(vec![2, 3], vec![1.0, 0.0, 1.0, -1.0, 2.0, 0.5]).unwrap();
    let got = weighted_rows::vmap(&xs);
    assert_eq!(got.to_vec(), vec![4.0, 4.5]);
    let x = Array::from_vec(vec![0.1f32, 0.2, -0.3, 4.0]);
    let w = [0.5f32, -1.0, 2.0, 0.25];
    for (k, v) in scaled_tanh(&x).to_vec().iter().enumerate() {
        assert!((v - (x[k] * w[k]).tanh()).abs() < 1e-6);
    }
}

#[test]
fn another_size_names_the_parameter_and_axis() {
    let msg = panic_message(|| {
        weighted::grad(&a(&[1.0, 2.0]));
    });
    assert!(msg.contains("`x` axis 0 must have size 3"), "{msg}");
    assert!(msg.contains("[2]"), "{msg}");
    let msg = panic_message(|| {
        weighted_rows::vmap(&Array::zeros(&[5, 4]));
    });
    assert!(
        msg.contains("weighted_rows::vmap: `x` axis 1 must have size 3"),
        "{msg}"
    );
    let msg = panic_message(|| {
        scaled_tanh(&Array::from_vec(vec![1.0f32; 5]));
    });
    assert!(
        msg.contains("scaled_tanh: `x` axis 0 must have size 4"),
        "{msg}"
    );
}
