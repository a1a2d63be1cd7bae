// A row-wise softmax under #[jit]: row kernels.
#[jit]
fn softmax(#[rank(2)] x: &Array<f32>) -> Array<f32> {
    let z = x - x.max_axes(&[1], true);
    let e = z.exp();
    e.clone() / e.sum_axes(&[1], true)
}
