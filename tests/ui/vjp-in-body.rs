use rjax::prelude::*;

#[grad]
fn g(x: f64) -> f64 {
    x.sin()
}

// `h::vjp` is accepted as `let (y, pullback) = h::vjp(..);` with the
// pullback applied in the same body; anything else is refused.

#[grad]
fn kept_whole(x: f64) -> f64 {
    let both = g::vjp(x);
    both.0
}

#[grad]
fn stored(x: f64) -> f64 {
    let (y, pullback) = g::vjp(x);
    let saved = (y, pullback);
    saved.0
}

#[grad]
fn applied(x: f64) -> f64 {
    let (y, pullback) = g::vjp(x);
    y * pullback(1.0)
}

fn main() {}
