use nalgebra::SMatrix;
use rjax::prelude::*;

#[jit]
fn outer(a: f64, b: f64) -> SMatrix<f64, 2, 2> {
    SMatrix::new(a * a, a * b, b * a, b * b)
}

fn main() {}
