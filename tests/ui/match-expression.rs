use rjax::prelude::*;
#[grad]
fn f(x: f32) -> f32 {
    match x > 0.0 {
        true => x,
        false => -x,
    }
}

fn main() {}
