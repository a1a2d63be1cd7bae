use rjax::prelude::*;

#[custom_vjp(fwd = f_fwd, bwd = f_bwd)]
fn f(x: f64) -> f64 {
    x.sin()
}

#[jit]
fn f_fwd(x: f64) -> (f64, f64) {
    (x.sin(), x.cos())
}

#[jit]
fn f_bwd(cos_x: f64, g: f64) -> f64 {
    g * cos_x
}

/// Forward mode through a custom_vjp function is not defined (as in JAX).
#[jit]
fn tangent(x: f64) -> f64 {
    let (_y, dy) = f::jvp((x,), (1.0,));
    dy
}

fn main() {}
