use rjax::prelude::*;
#[grad]
fn f(#[rank(2)] x: &Array<f32>) -> f32 {
    x.slice(&[0..2]).sum()
}

fn main() {}
