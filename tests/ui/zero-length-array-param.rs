use rjax::prelude::*;

#[grad]
fn under_grad(x: f64, u: &[f64; 0]) -> f64 {
    x * x
}

#[vmap]
fn under_vmap(x: &Array<f32>, ws: &[Array<f32>; 0]) -> Array<f32> {
    x.sin()
}

#[jit]
fn under_jit(x: f64, u: &[f64; 0]) -> f64 {
    x * 2.0
}

fn main() {}
