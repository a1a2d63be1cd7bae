use rjax::prelude::*;

#[grad(argnums = ())]
fn f(x: f64, y: f64) -> f64 {
    x * y
}

#[jit]
#[grad(argnums = ())]
fn g(x: f64) -> f64 {
    x * x
}

fn main() {}
