use rjax::prelude::*;
#[grad]
fn f(a: &Array<f32>, b: f32) -> f32 {
    let s = a.sum();
    stack(&[s, b], 0).sum() + concatenate(&[s, b], 0).sum()
}

fn main() {}
