// A while loop on a run-time condition.
#[grad]
fn sqrt_newton(a: f64) -> f64 {
    let mut x = a;
    while (x * x - a).abs() > 1e-12 * a {
        x = 0.5 * (x + a / x);
    }
    x
}
