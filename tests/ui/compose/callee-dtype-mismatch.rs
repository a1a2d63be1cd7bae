// The callee takes f32, the caller passes f64.
use rjax::prelude::*;

#[grad]
fn h(x: f32) -> f32 {
    x * x
}

#[grad]
fn f(x: f64) -> f64 {
    h(x) * 2.0
}

fn main() {}
