use rjax::prelude::*;
#[vmap(in_axes = (0,))]
#[grad(argnums = 1)]
fn f(x: f32, y: f32) -> f32 {
    x * y
}

fn main() {}
