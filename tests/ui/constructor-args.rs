use rjax::prelude::*;

// The shape must be constants or another value's `x.shape()`.
#[grad]
fn f(x: &Array<f32>, n: usize) -> f32 {
    (Array::zeros(&[n]) + x).sum()
}

// usize is an index type, not an element type.
#[grad]
fn g(x: &Array<f32>) -> f32 {
    (Array::<usize>::ones(&[3]).sum() as f32) + x.sum()
}

// `full` takes the shape and the value.
#[grad]
fn h(x: &Array<f32>) -> f32 {
    (Array::full(&[3]) * x).sum()
}

fn main() {}
