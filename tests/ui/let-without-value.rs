use rjax::prelude::*;
#[grad]
fn f(x: f32) -> f32 {
    let y;
    y = x * 2.0;
    y
}

fn main() {}
