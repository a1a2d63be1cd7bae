use rjax::prelude::*;

#[custom_jvp(jvp = f_jvp)]
fn f(x: f64) -> f64 {
    x.sin()
}

/// Returns only the tangent: the rule must return (output, tangent).
#[jit]
fn f_jvp(x: f64, x_dot: f64) -> f64 {
    x.cos() * x_dot
}

fn main() {}
