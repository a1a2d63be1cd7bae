use rjax::prelude::*;
#[jit(static_argnums = 1)]
fn f(x: f32) -> f32 {
    x * x
}

fn main() {}
