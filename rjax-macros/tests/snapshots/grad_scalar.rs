// A scalar function and its derivative companions.
#[grad]
fn f(x: f64) -> f64 {
    x.sin() * x + 2.0
}
