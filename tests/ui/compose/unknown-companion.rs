// `h::hess` is not a companion: rustc says `hess` is not in `h`.
use rjax::prelude::*;

#[grad]
fn h(x: f64) -> f64 {
    x * x
}

#[grad]
fn f(x: f64) -> f64 {
    h::hess(x)
}

fn main() {}
