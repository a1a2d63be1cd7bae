use rjax::prelude::*;
#[vmap(in_axes = (0, None, 0))]
fn f(x: f32, y: f32) -> f32 {
    x * y
}

fn main() {}
