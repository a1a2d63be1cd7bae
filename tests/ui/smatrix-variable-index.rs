use nalgebra::SMatrix;
use rjax::prelude::*;

#[grad]
fn f(m: &SMatrix<f64, 2, 2>, i: usize) -> f64 {
    m[(i, 0)] * m[(0, 1)]
}

fn main() {}
