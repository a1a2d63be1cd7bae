use rjax::prelude::*;
#[grad]
fn f(t: &Array<f32>) -> f32 {
    let s = t.shape;
    s
}

fn main() {}
