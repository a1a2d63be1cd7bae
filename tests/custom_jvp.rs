//! `#[custom_jvp]`: derivatives given by hand, checked against analytic
//! derivatives. `log1pexp` has a rule that stays finite where the naive
//! derivative of its body is inf/inf; `fixed_sqrt` is a fixed-point
//! (Newton) solver whose derivative comes from the implicit function
//! theorem (x² = a ⇒ dx/da = 1/(2x)) instead of differentiating the
//! iterations. Second derivatives differentiate the rule (as JAX does),
//! vmap batches the call, and annotated callers compose with it.
use rjax::prelude::*;

#[custom_jvp(log1pexp_jvp)]
fn log1pexp(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

#[jit]
fn log1pexp_jvp(x: f64, t: f64) -> (f64, f64) {
    // (the rule cannot call `log1pexp` itself: its expansion waits for this rule)
    let y = (1.0 + x.exp()).ln();
    (y, t * (1.0 - 1.0 / (1.0 + x.exp())))
}

#[grad]
fn naive(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

#[grad]
fn twice(x: f64) -> f64 {
    log1pexp(x) * 2.0 + x
}

/// Newton's iteration for x² = a (eight steps from x = a).
#[jit]
fn newton_sqrt(a: f64) -> f64 {
    let mut x = a;
    x = 0.5 * (x + a / x);
    x = 0.5 * (x + a / x);
    x = 0.5 * (x + a / x);
    x = 0.5 * (x + a / x);
    x = 0.5 * (x + a / x);
    x = 0.5 * (x + a / x);
    x = 0.5 * (x + a / x);
    x = 0.5 * (x + a / x);
    x
}

/// The solver with its derivative from the implicit function theorem.
#[custom_jvp(fixed_sqrt_jvp)]
fn fixed_sqrt(a: f64) -> f64 {
    newton_sqrt(a)
}

/// Implicit function theorem: F(x, a) = x² − a = 0 ⇒ dx = da / (2x).
#[jit]
fn fixed_sqrt_jvp(a: f64, t: f64) -> (f64, f64) {
    let x = newton_sqrt(a);
    (x, t * 0.5 / x)
}

#[vmap]
fn softplus_all(x: &Array<f64>) -> Array<f64> {
    (x.exp() + 1.0).log()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[test]
fn log1pexp_gradient_is_stable() {
    for &x in &[-30.0, -2.0, 0.0, 0.7, 5.0, 100.0, 800.0] {
        let g = log1pexp::grad(x);
        assert!(
            (g - sigmoid(x)).abs() < 1e-12,
            "grad at {x}: {g} vs {}",
            sigmoid(x)
        );
    }
    // the naive derivative of the same body overflows to NaN
    assert!(naive::grad(800.0).is_nan());
    assert!((log1pexp(0.5) - (1.0 + 0.5f64.exp()).ln()).abs() < 1e-15);
}

#[test]
fn second_derivative_differentiates_the_rule() {
    for &x in &[-3.0, 0.0, 1.5, 4.0] {
        let h = log1pexp::hessian(x);
        let s = sigmoid(x);
        assert!(
            (h - s * (1.0 - s)).abs() < 1e-12,
            "hessian at {x}: {h} vs {}",
            s * (1.0 - s)
        );
    }
}

#[test]
fn callers_and_jvp_use_the_rule() {
    for &x in &[-1.0, 0.3, 50.0, 900.0] {
        let g = twice::grad(x);
        assert!(
            (g - (2.0 * sigmoid(x) + 1.0)).abs() < 1e-12,
            "caller grad at {x}: {g}"
        );
    }
    let (y, ty) = log1pexp::jvp((2.0,), (3.0,));
    assert!((y - (1.0 + 2.0f64.exp()).ln()).abs() < 1e-12);
    assert!((ty - 3.0 * sigmoid(2.0)).abs() < 1e-12);
}

#[test]
fn implicit_derivative_of_a_fixed_point_solver() {
    for &a in &[0.5, 2.0, 9.0] {
        let x = fixed_sqrt(a);
        assert!((x - a.sqrt()).abs() < 1e-12, "sqrt({a}) = {x}");
        let g = fixed_sqrt::grad(a);
        assert!(
            (g - 0.5 / a.sqrt()).abs() < 1e-12,
            "d sqrt({a}) = {g} vs {}",
            0.5 / a.sqrt()
        );
        let h = fixed_sqrt::hessian(a);
        assert!(
            (h + 0.25 * a.powf(-1.5)).abs() < 1e-12,
            "d2 sqrt({a}) = {h}"
        );
    }
}

#[test]
fn vmap_of_a_custom_function() {
    let _ = softplus_all::vmap;
    let xs = Array::from_vec(vec![-1.0, 0.0, 2.0]);
    let ys = log1pexp::vmap(&xs);
    for i in 0..3 {
        assert!((ys[i] - (1.0 + xs[i].exp()).ln()).abs() < 1e-12);
    }
}
