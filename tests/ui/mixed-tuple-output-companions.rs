use rjax::prelude::*;

// An integer output has no tangent: jvp and vjp are not generated.
#[grad]
fn f(x: f64) -> (f64, i32) {
    (x * x, 3)
}

fn reverse() {
    let _ = f::vjp(2.0);
}

fn forward() {
    let _ = f::jvp((2.0,), (1.0,));
}

fn main() {}
