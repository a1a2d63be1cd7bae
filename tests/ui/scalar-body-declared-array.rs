use rjax::prelude::*;

// The body computes a scalar whatever the ranks: an `Array` result cannot
// be made of it.
#[grad]
fn f(x: f32, y: f32) -> Array<f32> {
    x * y
}

fn main() {}
