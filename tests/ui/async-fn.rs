use rjax::prelude::*;
#[grad]
async fn f(x: f32) -> f32 {
    x * x
}

fn main() {}
