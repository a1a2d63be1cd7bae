// A user derivative rule (received as a callee's tokens are).
#[jit]
fn log1pexp_jvp(x: f64, x_dot: f64) -> (f64, f64) {
    ((1.0 + x.exp()).ln(), x_dot * (1.0 / (1.0 + (-x).exp())))
}

#[custom_jvp(jvp = log1pexp_jvp)]
#[grad]
fn log1pexp(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}
