//! Derivatives at singular points follow JAX 0.10.2's rules, read from
//! `jax/_src/lax/lax.py`:
//! - `abs`: `select(x >= 0, g, -g)`, so abs'(0) = 1 and abs'(NaN) = -1;
//! - `max`/`min`: `_balanced_eq(x, z, y) = (x == z) / (y == z ? 2 : 1)`,
//!   so ties (also of infinities) split 1/2 each, and a NaN result gives
//!   both operands 0 (relu'(NaN) = 0);
//! - `reduce_max`: the mean of the tangents where the operand equals the
//!   result, 0/0 = NaN when the result is NaN.
use rjax::prelude::*;

#[grad]
fn magnitude(x: f64) -> f64 {
    x.abs()
}

#[grad(argnums = (0, 1))]
fn larger(x: f64, y: f64) -> f64 {
    x.max(y)
}

#[grad(argnums = (0, 1))]
fn smaller(x: f64, y: f64) -> f64 {
    x.min(y)
}

#[grad]
fn relu_sum(x: &Array<f64>) -> f64 {
    x.maximum(&(x * 0.0)).sum()
}

#[grad]
fn peak(x: &Array<f64>) -> f64 {
    x.max()
}

#[jit]
fn peak_grad_jit(x: &Array<f64>) -> Array<f64> {
    peak::grad(x)
}

#[jit]
fn magnitude_grad_jit(x: f64) -> f64 {
    magnitude::grad(x)
}

const INF: f64 = f64::INFINITY;

#[test]
fn abs_has_slope_one_at_zero_like_jax() {
    assert_eq!(magnitude::grad(0.0), 1.0);
    assert_eq!(magnitude::grad(-0.0), 1.0, "-0.0 >= 0 holds");
    assert_eq!(magnitude::grad(-2.0), -1.0);
    assert_eq!(magnitude::grad(3.0), 1.0);
    assert_eq!(magnitude::grad(f64::NAN), -1.0, "NaN >= 0 is false");
    assert_eq!(magnitude::jvp((0.0,), (2.5,)), (0.0, 2.5));
    assert_eq!(magnitude_grad_jit(0.0), 1.0);
}

#[test]
fn max_and_min_split_ties_and_give_nan_results_no_slope() {
    assert_eq!(larger::grad(2.0, 1.0), (1.0, 0.0));
    assert_eq!(larger::grad(1.0, 1.0), (0.5, 0.5));
    assert_eq!(larger::grad(INF, INF), (0.5, 0.5), "inf - inf would be NaN");
    assert_eq!(larger::grad(-INF, -INF), (0.5, 0.5));
    assert_eq!(smaller::grad(INF, INF), (0.5, 0.5));
    assert_eq!(smaller::grad(1.0, 2.0), (1.0, 0.0));
    let (dx, dy) = larger::grad(f64::NAN, 1.0);
    assert_eq!((dx, dy), (0.0, 0.0));
}

#[test]
fn relu_of_nan_has_slope_zero() {
    let x = array![f64::NAN, -1.0, 2.0, 0.0];
    // At 0 the tie with x * 0 = 0 splits: 1/2 from each operand, and the
    // second operand's slope is 0, so 1/2 in all.
    assert_eq!(relu_sum::grad(&x).to_vec(), vec![0.0, 0.0, 1.0, 0.5]);
}

#[test]
fn max_reduction_with_nan_gives_nan_slopes() {
    let g = peak::grad(&array![1.0, f64::NAN, 3.0]);
    assert!(g.as_slice().iter().all(|v| v.is_nan()), "{g:?}");
    let g = peak_grad_jit(&array![1.0, f64::NAN, 3.0]);
    assert!(g.as_slice().iter().all(|v| v.is_nan()), "{g:?}");
    // -inf masking as in attention: ties split evenly.
    assert_eq!(peak::grad(&array![-INF, -INF]).to_vec(), vec![0.5, 0.5]);
    assert_eq!(
        peak_grad_jit(&array![2.0, 1.0, 2.0]).to_vec(),
        vec![0.5, 0.0, 0.5]
    );
}
