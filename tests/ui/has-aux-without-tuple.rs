use rjax::prelude::*;
#[grad(has_aux)]
fn f(x: f32) -> f32 {
    x * x
}

fn main() {}
