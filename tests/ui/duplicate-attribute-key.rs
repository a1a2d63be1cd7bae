use rjax::prelude::*;

#[grad(argnums = (0,), argnums = 1)]
fn f(x: f64, y: f64) -> f64 {
    x * y
}

#[vmap(in_axes = 0, in_axes = (0, None))]
fn g(x: &Array<f32>, y: &Array<f32>) -> Array<f32> {
    x * y
}

fn main() {}
