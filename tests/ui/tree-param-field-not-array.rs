use rjax::prelude::*;

#[derive(Tree, Clone)]
struct Params {
    w: Array<f64>,
    history: Vec<Array<f64>>,
}

#[grad]
fn loss(p: &Params) -> f64 {
    p.w.sum()
}

fn main() {}
