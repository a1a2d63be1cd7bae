use rjax::prelude::*;
#[grad]
fn f(x: f32) -> f32 {
    tahn(x)
}

fn main() {}
