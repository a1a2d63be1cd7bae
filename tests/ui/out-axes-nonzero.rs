use rjax::prelude::*;
#[vmap(out_axes = 1)]
fn f(t: &Array<f32>) -> Array<f32> {
    t.sin()
}

fn main() {}
