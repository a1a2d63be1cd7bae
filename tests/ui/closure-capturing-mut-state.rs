use rjax::prelude::*;
#[grad]
fn f(x: f32) -> f32 {
    let mut acc = 0.0;
    let add = |v: f32| acc += v;
    add(x);
    acc
}

fn main() {}
