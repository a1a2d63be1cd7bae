use rjax::prelude::*;

#[derive(Tree, Clone)]
struct Lin {
    w: Array<f64>,
    b: f64,
}

// Mapping `p` maps every field; `b: f64` cannot hold a batch.
#[vmap(in_axes = (0, None))]
fn act(p: &Lin, x: &Array<f64>) -> Array<f64> {
    (&p.w * x + p.b).tanh()
}

fn main() {}
