use rjax::prelude::*;
#[grad]
fn f(x: f32) -> f32 {
    let mut y = x;
    let r = &mut y;
    *r
}

fn main() {}
