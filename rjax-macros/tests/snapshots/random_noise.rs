// Random sampling from a key parameter inside a differentiated function.
#[grad]
fn noisy(x: &Array<f64>, key: Key) -> f64 {
    let z = random::normal::<f64>(key, x.shape());
    (x * &z).sum()
}
