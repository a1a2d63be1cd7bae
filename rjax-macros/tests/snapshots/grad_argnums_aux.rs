// Gradients with respect to two parameters, with an auxiliary output.
#[grad(argnums = (0, 1), has_aux)]
fn loss(w: &Array<f32>, b: f32, x: &Array<f32>) -> (f32, f32) {
    let y = x.dot(w) + b;
    let l = (y.clone() * y).mean();
    (l, b * b)
}
