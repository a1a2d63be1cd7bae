use rjax::prelude::*;

#[custom_jvp]
fn f(x: f64) -> f64 {
    x.sin()
}

fn main() {}
