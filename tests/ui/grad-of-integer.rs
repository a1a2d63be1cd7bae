use rjax::prelude::*;
#[grad(argnums = 1)]
fn f(x: f32, n: i32) -> f32 {
    x * x
}

fn main() {}
