// `h::grad` needs a scalar-valued `h`: use `h::jacobian` or `h::jvp`.
use rjax::prelude::*;

#[grad]
fn h(t: &Array<f64>) -> Array<f64> {
    t.sin()
}

#[grad]
fn f(t: &Array<f64>) -> f64 {
    h::grad(t).sum()
}

fn main() {}
