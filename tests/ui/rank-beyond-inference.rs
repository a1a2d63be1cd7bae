use rjax::prelude::*;

// A rank-4 parameter: inference tries ranks 1, 2, 3 and 0 only, so the
// error comes with the hint to annotate the rank.
#[grad]
fn f(x: &Array<f32>) -> f32 {
    x.transpose(&[0, 2, 3, 1]).sum()
}

fn main() {}
