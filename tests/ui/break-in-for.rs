use rjax::prelude::*;
#[grad]
fn f(x: f32) -> f32 {
    let mut y = x;
    for _ in 0..10 {
        if y > 1.0 {
            break;
        }
        y = y * 2.0;
    }
    y
}

fn main() {}
