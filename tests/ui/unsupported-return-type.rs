use rjax::prelude::*;
#[grad]
fn f(x: f32) -> String {
    x.to_string()
}

fn main() {}
