// A loop under #[jit] (scan with array carries).
#[jit]
fn iterate(x: &Array<f64>) -> Array<f64> {
    let mut y = x.clone();
    for _ in 0..4 {
        y = (y.clone() * 0.5).sin() + x;
    }
    y
}
