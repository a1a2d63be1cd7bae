use rjax::prelude::*;

#[derive(Tree, Clone)]
struct Lin {
    w: Array<f64>,
    b: f64,
}

// d out / d b has shape [n]: it does not fit the field `b: f64`.
#[grad]
fn act(p: &Lin, x: &Array<f64>) -> Array<f64> {
    (&p.w * x + p.b).tanh()
}

fn main() {
    let p = Lin {
        w: Array::from_vec(vec![1.0, 2.0]),
        b: 0.5,
    };
    let x = Array::from_vec(vec![0.5, -1.0]);
    let _ = act::jacobian(&p, &x);
}
