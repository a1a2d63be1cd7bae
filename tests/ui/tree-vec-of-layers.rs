use rjax::prelude::*;

#[derive(Tree, Clone)]
struct Layer {
    w: Array<f32>,
    b: Array<f32>,
}

// The motivating MLP: the number of layers is not in the type.
#[derive(Tree, Clone)]
struct Mlp {
    layers: Vec<Layer>,
}

#[grad]
fn loss(p: &Mlp, x: &Array<f32>) -> f32 {
    (p.layers[0].w.matmul(x) + &p.layers[0].b).sum()
}

fn main() {}
