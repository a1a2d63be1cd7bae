use rjax::prelude::*;

// The output depends on the mapped `x`, so it has a batch axis to put.
#[vmap(in_axes = 0, out_axes = None)]
fn f(x: &Array<f32>) -> Array<f32> {
    x.sin()
}

fn main() {}
