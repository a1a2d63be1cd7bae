use rjax::prelude::*;
#[grad]
fn f(x: f32) -> f32 {
    x.max::<f32>(1.0)
}

fn main() {}
