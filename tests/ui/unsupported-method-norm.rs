use rjax::prelude::*;
#[grad]
fn f(t: &Array<f32>) -> f32 {
    t.norm()
}

fn main() {}
