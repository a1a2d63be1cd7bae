use rjax::prelude::*;
#[grad(argnums = 1)]
fn f(x: f32, key: Key) -> f32 {
    x * x
}

fn main() {}
