use rjax::prelude::*;
#[grad]
fn f(v: Vec<f32>) -> f32 {
    v[0]
}

fn main() {}
