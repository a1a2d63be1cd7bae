// A batch over the first parameter only.
#[vmap(in_axes = (0, None))]
fn score(x: &Array<f32>, w: &Array<f32>) -> f32 {
    x.dot(w).tanh()
}
