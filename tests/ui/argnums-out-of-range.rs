use rjax::prelude::*;
#[grad(argnums = (0, 2))]
fn f(x: f32, y: f32) -> f32 {
    x * y
}

fn main() {}
