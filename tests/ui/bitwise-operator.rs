use rjax::prelude::*;
#[grad]
fn f(y: f32, x: i32) -> f32 {
    let _m = x ^ 1;
    y
}

fn main() {}
