use rjax::prelude::*;
#[grad]
fn f(x: &Array<f32>) -> f32 {
    let m = x.slice(&[0..4]).reshape(&[3, 2]);
    m.sum()
}

fn main() {}
