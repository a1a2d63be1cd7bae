use rjax::prelude::*;
#[grad]
fn f(x: f32) -> f32 {
    println!("{}", x);
    x * x
}

fn main() {}
