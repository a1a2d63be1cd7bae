use rjax::prelude::*;

#[derive(Tree, Clone)]
struct Lin {
    w: Array<f64>,
    b: f64,
}

#[grad]
fn loss(p: &Lin) -> f64 {
    p.w.sum() + p.b * p.b
}

fn main() {
    let p = Lin {
        w: Array::from_vec(vec![1.0, 2.0]),
        b: 0.5,
    };
    let _ = loss::hessian(&p);
}
