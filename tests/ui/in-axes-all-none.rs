use rjax::prelude::*;

#[vmap(in_axes = (None, None))]
fn f(x: &Array<f32>, y: &Array<f32>) -> Array<f32> {
    x * y
}

#[vmap(in_axes = None)]
fn g(x: &Array<f32>) -> Array<f32> {
    x.sin()
}

fn main() {}
