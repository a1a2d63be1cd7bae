// A #[derive(Tree)] parameter (the struct is received as a callee's
// tokens are): flattened to its leaves, gradients regrouped.
#[derive(Tree)]
struct Params {
    w: Array<f64>,
    b: f64,
}

#[grad]
fn loss(p: &Params, x: &Array<f64>) -> f64 {
    let y = x.dot(&p.w) + p.b;
    y * y
}
