// A companion called with the wrong number of arguments.
use rjax::prelude::*;

#[grad]
fn h(t: &Array<f64>) -> f64 {
    t.sum()
}

#[grad]
fn f(t: &Array<f64>) -> f64 {
    h::grad(t, t).sum()
}

fn main() {}
