use rjax::prelude::*;

fn helper(x: f64) -> f64 {
    x.sin()
}

#[grad]
fn f(x: f64) -> f64 {
    helper(x) * 2.0
}

fn main() {}
