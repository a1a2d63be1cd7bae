use rjax::prelude::*;

#[grad]
fn g(x: f64) -> f64 {
    x.sin()
}

// A pullback is applied next to the `let` that made it, not inside a loop
// (whose body is its own jaxpr).
#[grad]
fn f(x: f64) -> f64 {
    let (y, pullback) = g::vjp(x);
    let mut acc = y;
    for _ in 0..3 {
        acc = acc + pullback(acc);
    }
    acc
}

fn main() {}
