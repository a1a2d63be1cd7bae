use rjax::prelude::*;
#[grad]
#[grad(argnums = 0)]
fn f(x: f32) -> f32 {
    x * x
}

fn main() {}
