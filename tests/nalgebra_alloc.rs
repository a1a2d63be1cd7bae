//! nalgebra `SVector` parameters and results of annotated functions: the
//! gradient comes back as an `SVector` (checked against the analytic
//! derivatives), and `f::grad` on an `SVector` makes no heap allocation
//! (counted by this binary's global allocator; its own test binary since
//! the allocator is per binary).
use nalgebra::{Matrix2, SMatrix, SVector, Vector2};
use rjax::prelude::*;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocs;

/// The seed function on an `SVector`: sin(x) cos(y) z.
#[grad]
fn f(t: &SVector<f64, 3>) -> f64 {
    t[0].sin() * t[1].cos() * t[2]
}

/// By value, with a scalar parameter too: grad = (2 s v, |v|^2).
#[grad(argnums = (0, 1))]
fn energy(v: SVector<f64, 2>, s: f64) -> f64 {
    s * (v[0] * v[0] + v[1] * v[1])
}

/// An `SVector` result under jit: a rotation by `theta`.
#[jit]
fn rotate(v: &SVector<f64, 2>, theta: f64) -> SVector<f64, 2> {
    let (c, s) = (theta.cos(), theta.sin());
    SVector::new(c * v[0] - s * v[1], s * v[0] + c * v[1])
}

/// A caller of `f::grad` on the vector, under jit: a gradient step.
#[jit]
fn descend(t: &SVector<f64, 3>, lr: f64) -> SVector<f64, 3> {
    let g = f::grad(t);
    SVector::new(t[0] - lr * g[0], t[1] - lr * g[1], t[2] - lr * g[2])
}

/// A vector field, for its `SMatrix` Jacobian.
#[grad]
fn field(v: &SVector<f64, 2>) -> SVector<f64, 2> {
    Vector2::new(v[0] * v[1], v[0].sin() + v[1] * v[1])
}

/// An `SMatrix` parameter: x^T M x.
#[grad(argnums = (0, 1))]
fn form(m: &SMatrix<f64, 2, 2>, x: &SVector<f64, 2>) -> f64 {
    x[0] * (m[(0, 0)] * x[0] + m[(0, 1)] * x[1]) + x[1] * (m[(1, 0)] * x[0] + m[(1, 1)] * x[1])
}

/// Matrix-vector arithmetic in a body: |M x - b|^2.
#[grad]
fn misfit(m: &SMatrix<f64, 2, 2>, x: &SVector<f64, 2>, b: &SVector<f64, 2>) -> f64 {
    let r = m * x - b;
    r.dot(&r)
}

fn df(t: &SVector<f64, 3>) -> [f64; 3] {
    let (x, y, z) = (t[0], t[1], t[2]);
    [
        x.cos() * y.cos() * z,
        -x.sin() * y.sin() * z,
        x.sin() * y.cos(),
    ]
}

#[test]
fn grad_is_an_svector() {
    let t = SVector::<f64, 3>::new(0.3, -0.7, 1.1);
    let g: SVector<f64, 3> = f::grad(&t);
    for (i, want) in df(&t).iter().enumerate() {
        assert!((g[i] - want).abs() < 1e-14, "grad[{i}]");
    }
    let (v, g2) = f::value_and_grad(&t);
    assert_eq!(v, f(&t));
    assert_eq!(g2, g);

    let v = SVector::<f64, 2>::new(1.5, -2.0);
    let (gv, gs) = energy::grad(v, 0.5);
    assert!((gv[0] - 1.5).abs() < 1e-15 && (gv[1] + 2.0).abs() < 1e-15);
    assert!((gs - 6.25).abs() < 1e-15);
}

#[test]
fn svector_results_under_jit() {
    let v = SVector::<f64, 2>::new(1.0, 2.0);
    let r = rotate(&v, std::f64::consts::FRAC_PI_2);
    assert!((r[0] + 2.0).abs() < 1e-15 && (r[1] - 1.0).abs() < 1e-15);
    let t = SVector::<f64, 3>::new(0.3, -0.7, 1.1);
    let d = descend(&t, 0.1);
    for (i, g) in df(&t).iter().enumerate() {
        assert!((d[i] - (t[i] - 0.1 * g)).abs() < 1e-15);
    }
}

#[test]
fn grad_on_an_svector_does_not_allocate() {
    let t = SVector::<f64, 3>::new(0.3, -0.7, 1.1);
    let _ = f::grad(&t); // warm-up (nothing is cached, but be fair)
    // A `#[jit]` function's first call records its input signature (JAX's
    // trace cache; one small allocation); the calls measured below are not
    // first calls.
    let _ = rotate(&SVector::<f64, 2>::new(1.0, 2.0), 0.25);
    let _ = descend(&t, 0.1);
    let before = allocs();
    let mut acc = SVector::<f64, 3>::zeros();
    for k in 0..100 {
        let g = f::grad(&SVector::<f64, 3>::new(0.3 + 0.01 * k as f64, -0.7, 1.1));
        acc += g;
    }
    let v = SVector::<f64, 2>::new(1.0, 2.0);
    let r = rotate(&v, 0.25);
    let d = descend(&t, 0.1);
    assert_eq!(
        allocs() - before,
        0,
        "f::grad, rotate and descend allocated"
    );
    assert!(acc.iter().all(|x| x.is_finite()) && r[0].is_finite() && d[0].is_finite());
}

#[test]
fn hessian_jacobian_jvp_vjp_on_static_types_do_not_allocate() {
    let t = SVector::<f64, 3>::new(0.3, -0.7, 1.1);
    let v = Vector2::new(0.4, -1.3);
    let m = Matrix2::new(2.0, 0.5, -0.5, 1.0);
    let before = allocs();
    let mut acc = 0.0;
    for k in 0..50 {
        let s = 0.01 * k as f64;
        let h: SMatrix<f64, 3, 3> = f::hessian(&(t * (1.0 + s)));
        let j: SMatrix<f64, 2, 2> = field::jacobian(&(v * (1.0 + s)));
        let (_, tan) = field::jvp((&v,), (&Vector2::new(1.0, s),));
        let (_, pb) = field::vjp(&v);
        let g = pb(Vector2::new(s, 1.0));
        let (gm, gx): (SMatrix<f64, 2, 2>, SVector<f64, 2>) = form::grad(&m, &v);
        let gmis: SMatrix<f64, 2, 2> = misfit::grad(&m, &v, &Vector2::new(s, 1.0));
        acc += h.sum() + j.sum() + tan.sum() + g.sum() + gm.sum() + gx.sum() + gmis.sum();
    }
    assert_eq!(
        allocs() - before,
        0,
        "hessian, jacobian, jvp, vjp or grad (also through m * x) on nalgebra values allocated"
    );
    assert!(acc.is_finite());
    // The values themselves: H against the analytic Hessian's trace,
    // d(x^T M x)/dM = x x^T.
    let h = f::hessian(&t);
    let (x, y, z) = (t[0], t[1], t[2]);
    assert!((h.trace() - (-2.0 * x.sin() * y.cos() * z)).abs() < 1e-14);
    let (gm, _) = form::grad(&m, &v);
    assert!((gm - v * v.transpose()).abs().max() < 1e-15);
}
