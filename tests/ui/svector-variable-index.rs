use nalgebra::SVector;
use rjax::prelude::*;

#[grad]
fn f(v: &SVector<f64, 3>, i: usize) -> f64 {
    v[i] * v[0]
}

fn main() {}
