use rjax::prelude::*;

struct Model;

impl Model {
    #[grad]
    fn loss(x: f64) -> f64 {
        x * x
    }

    #[jit]
    #[vmap]
    fn predict(x: &Array<f32>) -> Array<f32> {
        x.tanh()
    }
}

trait Loss {
    #[grad]
    fn loss(x: f64) -> f64 {
        x.sin()
    }
}

fn main() {}
