use rjax::prelude::*;
#[grad]
fn f(t: &Array<f32>) -> &Array<f32> {
    t
}

fn main() {}
