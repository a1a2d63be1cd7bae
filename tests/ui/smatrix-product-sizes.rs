use nalgebra::{SMatrix, SVector};
use rjax::prelude::*;

// A 2x3 matrix times a 2-vector: the inner sizes differ.
#[grad]
fn f(m: &SMatrix<f64, 2, 3>, v: &SVector<f64, 2>) -> f64 {
    let y = m * v;
    y[0]
}

fn main() {}
