use rjax::prelude::*;

#[jit]
fn g(t: &Array<f64>) -> Array<f64> {
    t.sin()
}

#[grad]
fn f(t: &Array<f64>) -> f64 {
    g::grad(t).sum()
}

fn main() {}
