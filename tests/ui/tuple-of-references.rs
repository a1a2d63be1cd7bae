use rjax::prelude::*;

// A JAX user's `loss((w, b), x)` written with a tuple of references.
#[grad]
fn loss(p: (&Array<f32>, &Array<f32>), x: &Array<f32>) -> f32 {
    (p.0 * x + p.1).sum()
}

// A Vec of arrays has no length known to the macro.
#[grad]
fn layers(ws: &Vec<Array<f32>>, x: &Array<f32>) -> f32 {
    (&ws[0] * x).sum()
}

fn main() {}
