use rjax::prelude::*;

#[grad]
fn g(x: f64, y: f64) -> f64 {
    x * y
}

#[grad]
fn f(x: f64) -> f64 {
    g::grad(x)
}

fn main() {}
