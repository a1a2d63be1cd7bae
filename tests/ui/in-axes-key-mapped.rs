use rjax::prelude::*;
#[vmap(in_axes = (0, 0))]
fn f(x: f32, key: Key) -> f32 {
    x
}

fn main() {}
