use rjax::prelude::*;

#[grad]
fn g(x: f64) -> f64 {
    x.sin()
}

#[grad]
fn f(x: f64) -> f64 {
    let _ir = g::jaxpr();
    x
}

fn main() {}
