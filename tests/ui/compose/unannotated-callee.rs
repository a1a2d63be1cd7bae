// A call to a function that is not annotated cannot be composed: rustc
// reports, at the call, that `helper` has no rjax companion module.
use rjax::prelude::*;

fn helper(x: f64) -> f64 {
    x * x
}

#[grad]
fn f(x: f64) -> f64 {
    helper(x) + 1.0
}

fn main() {}
