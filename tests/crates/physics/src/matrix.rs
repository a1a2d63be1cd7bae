//! The callees of tests/compose_matrix.rs's other-crate column (the same
//! three functions that test defines in its own modules).
use rjax::prelude::*;

/// Scalar callee: p(x) = sum(sin(x) * x).
#[grad]
pub fn p(x: &Array<f64>) -> f64 {
    (x.sin() * x).sum()
}

/// Vector callee: `v(x) = sin(x) * x[0]`.
#[grad]
pub fn v(x: &Array<f64>) -> Array<f64> {
    x.sin() * x[0]
}

/// Batched callee: r(x, s) = sum(sin(x * s)), mapped over `s` only.
#[vmap(in_axes = (None, 0))]
pub fn r(x: &Array<f64>, s: f64) -> f64 {
    (x * s).sin().sum()
}
