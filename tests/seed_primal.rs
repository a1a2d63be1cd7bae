//! The seed function end to end: the primal and its jaxpr.
use rjax::prelude::*;

#[jit]
fn f(t: &Array<f32>) -> f32 {
    let (x, y, z) = (t[0], t[1], t[2]);
    x.sin() * y.cos() * z
}

#[jit]
fn trace_demo(a: i32, b: i32) -> i32 {
    (a + b).powi(2)
}

#[test]
fn jaxpr_text() {
    println!("{}", f::jaxpr());
    println!("{}", trace_demo::jaxpr());
    let t = Array::from_vec(vec![1.0f32, 2.0, 3.0]);
    println!("{}", f::make_jaxpr(&t));
    println!("{}", trace_demo(2, 3));
}
