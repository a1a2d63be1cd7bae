use rjax::prelude::*;
#[grad]
fn f(x: f32) -> f32 {
    let mut y = x;
    loop {
        y = y * 0.5;
    }
}

fn main() {}
