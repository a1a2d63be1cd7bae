use rjax::prelude::*;
#[grad]
fn f(t: &mut Array<f32>) -> f32 {
    t.sum()
}

fn main() {}
