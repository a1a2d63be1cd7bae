use rjax::prelude::*;

#[derive(Tree, Clone)]
struct Empty {}

#[grad]
fn f(x: f64, e: &Empty) -> f64 {
    x * x
}

fn main() {}
