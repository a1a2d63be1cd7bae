use rjax::prelude::*;
#[grad(argnum = 0)]
fn f(x: f32) -> f32 {
    x * x
}

fn main() {}
