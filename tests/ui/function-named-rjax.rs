use rjax::prelude::*;

#[grad]
fn rjax(x: f64) -> f64 {
    x * x
}

fn main() {}
