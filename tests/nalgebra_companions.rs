//! Every companion of functions over nalgebra's static `SVector`/`SMatrix`
//! (f64 and f32), with nalgebra types in and out: `hessian` -> `SMatrix`,
//! `jacobian` of a vector field -> `SMatrix`, `jvp`/`vjp` with vector
//! tangents and cotangents, `vmap` over a slice of vectors, `grad` with
//! respect to an `SMatrix`, `m[(i, j)]` and `Matrix2::new` in bodies.
//! Checked against analytic derivatives and loops.
use nalgebra::{Matrix2, SMatrix, SVector, Vector2};
use rjax::prelude::*;

/// The seed function: sin(x) cos(y) z.
#[grad]
fn f(t: &SVector<f64, 3>) -> f64 {
    t[0].sin() * t[1].cos() * t[2]
}

/// A vector field R^2 -> R^2.
#[grad]
fn field(v: &SVector<f64, 2>) -> SVector<f64, 2> {
    Vector2::new(v[0] * v[1], v[0].sin() + v[1] * v[1])
}

/// A curve R -> R^2.
#[grad]
fn curve(t: f64) -> SVector<f64, 2> {
    Vector2::new(t.cos(), (2.0 * t).sin())
}

/// |M x|^2 with an `SMatrix` parameter read as `m[(i, j)]`.
#[grad]
fn quad(m: &SMatrix<f64, 2, 3>, x: &SVector<f64, 3>) -> f64 {
    let r0 = m[(0, 0)] * x[0] + m[(0, 1)] * x[1] + m[(0, 2)] * x[2];
    let r1 = m[(1, 0)] * x[0] + m[(1, 1)] * x[1] + m[(1, 2)] * x[2];
    r0 * r0 + r1 * r1
}

/// An `SMatrix` result built with `Matrix2::new` (entries row by row).
#[jit]
fn rotation(theta: f64) -> Matrix2<f64> {
    let (c, s) = (theta.cos(), theta.sin());
    Matrix2::new(c, -s, s, c)
}

/// f32: the Rosenbrock function.
#[grad]
fn rosen(v: &SVector<f32, 2>) -> f32 {
    let a = 1.0 - v[0];
    let b = v[1] - v[0] * v[0];
    a * a + 100.0 * b * b
}

/// Matrix-vector products, differences and `dot` in a body: |A x - b|^2 / 2.
#[grad(argnums = (0, 1))]
fn residual(a: &Matrix2<f64>, x: &Vector2<f64>, b: &Vector2<f64>) -> f64 {
    let r = a * x - b;
    0.5 * r.dot(&r)
}

/// `transpose`, scaling and negation: 2 A^T x - x.
#[grad(argnums = 1)]
fn lin(a: &Matrix2<f64>, x: &Vector2<f64>) -> Vector2<f64> {
    a.transpose() * x * 2.0 + -x
}

fn analytic_hessian(t: &SVector<f64, 3>) -> [[f64; 3]; 3] {
    let (x, y, z) = (t[0], t[1], t[2]);
    let (sx, cx, sy, cy) = (x.sin(), x.cos(), y.sin(), y.cos());
    [
        [-sx * cy * z, -cx * sy * z, cx * cy],
        [-cx * sy * z, -sx * cy * z, -sx * sy],
        [cx * cy, -sx * sy, 0.0],
    ]
}

#[test]
fn hessian_of_an_svector_function_is_an_smatrix() {
    let t = SVector::<f64, 3>::new(0.3, -0.7, 1.1);
    let h: SMatrix<f64, 3, 3> = f::hessian(&t);
    let want = analytic_hessian(&t);
    for i in 0..3 {
        for j in 0..3 {
            assert!((h[(i, j)] - want[i][j]).abs() < 1e-14, "H[{i},{j}]");
        }
    }
    // The Jacobian of a scalar function is the gradient, an `SVector`.
    let g: SVector<f64, 3> = f::jacobian(&t);
    assert_eq!(g, f::grad(&t));

    // f32 Rosenbrock: H = [[2 - 400 (y - 3x^2), -400 x], [-400 x, 200]].
    let v = SVector::<f32, 2>::new(0.5, -0.25);
    let h: SMatrix<f32, 2, 2> = rosen::hessian(&v);
    let (x, y) = (v[0], v[1]);
    let want = [
        [2.0 - 400.0 * (y - 3.0 * x * x), -400.0 * x],
        [-400.0 * x, 200.0],
    ];
    for i in 0..2 {
        for j in 0..2 {
            assert!((h[(i, j)] - want[i][j]).abs() < 1e-3, "rosen H[{i},{j}]");
        }
    }
}

#[test]
fn jacobian_of_a_vector_field_is_an_smatrix() {
    let v = SVector::<f64, 2>::new(0.4, -1.3);
    let j: SMatrix<f64, 2, 2> = field::jacobian(&v);
    let want = Matrix2::new(v[1], v[0], v[0].cos(), 2.0 * v[1]);
    assert!((j - want).abs().max() < 1e-15, "{j} vs {want}");
    let d: SVector<f64, 2> = curve::jacobian(0.7);
    assert!(
        (d - Vector2::new(-(0.7f64).sin(), 2.0 * (1.4f64).cos()))
            .abs()
            .max()
            < 1e-15
    );
}

#[test]
fn jvp_and_vjp_take_and_give_vectors() {
    let v = SVector::<f64, 2>::new(0.4, -1.3);
    let dv = SVector::<f64, 2>::new(0.25, 2.0);
    let j = field::jacobian(&v);
    let (out, tan) = field::jvp((&v,), (&dv,));
    assert_eq!(out, field(&v));
    assert!((tan - j * dv).abs().max() < 1e-15);
    let (out, pullback) = field::vjp(&v);
    assert_eq!(out, field(&v));
    let ct = SVector::<f64, 2>::new(1.0, -0.5);
    let g: SVector<f64, 2> = pullback(ct);
    assert!((g - j.transpose() * ct).abs().max() < 1e-15);

    let t = SVector::<f64, 3>::new(0.3, -0.7, 1.1);
    let dt = SVector::<f64, 3>::new(1.0, 0.5, -2.0);
    let (y, dy) = f::jvp((&t,), (&dt,));
    assert_eq!(y, f(&t));
    assert!((dy - f::grad(&t).dot(&dt)).abs() < 1e-15);
    let (_, pb) = f::vjp(&t);
    assert_eq!(pb(2.0), f::grad(&t) * 2.0);
}

#[test]
fn vmap_over_a_slice_of_vectors() {
    let vs: Vec<SVector<f64, 2>> = (0..5)
        .map(|k| SVector::<f64, 2>::new(0.3 * k as f64, 1.0 - 0.2 * k as f64))
        .collect();
    let out: Vec<SVector<f64, 2>> = field::vmap(&vs);
    assert_eq!(out.len(), 5);
    for (o, v) in out.iter().zip(&vs) {
        assert!((o - field(v)).abs().max() < 1e-15);
    }
    let ts: Vec<SVector<f64, 3>> = (0..4)
        .map(|k| SVector::<f64, 3>::new(0.1 * k as f64, -0.7, 1.1))
        .collect();
    let ys = f::vmap(&ts);
    assert_eq!(ys.shape(), &[4]);
    for (k, t) in ts.iter().enumerate() {
        assert!((ys[k] - f(t)).abs() < 1e-15);
    }
}

#[test]
fn grad_with_respect_to_an_smatrix_is_an_smatrix() {
    let m = SMatrix::<f64, 2, 3>::new(1.0, -2.0, 0.5, 0.25, 3.0, -1.0);
    let x = SVector::<f64, 3>::new(0.5, -1.5, 2.0);
    let (gm, gx): (SMatrix<f64, 2, 3>, SVector<f64, 3>) = (quad::grad(&m, &x), {
        let (_, pb) = quad::vjp(&m, &x);
        pb(1.0).1
    });
    // d |Mx|^2 / dM = 2 (M x) x^T, d / dx = 2 M^T M x.
    let mx = m * x;
    assert!((gm - 2.0 * mx * x.transpose()).abs().max() < 1e-13);
    assert!((gx - 2.0 * m.transpose() * mx).abs().max() < 1e-13);
    assert!((quad(&m, &x) - mx.norm_squared()).abs() < 1e-13);
}

#[test]
fn smatrix_results_are_built_row_by_row() {
    let r = rotation(0.3);
    let want = Matrix2::new(0.3f64.cos(), -0.3f64.sin(), 0.3f64.sin(), 0.3f64.cos());
    assert!((r - want).abs().max() < 1e-15);
}

#[test]
fn matrix_vector_arithmetic_in_bodies() {
    let a = Matrix2::new(2.0, -1.0, 0.5, 3.0);
    let x = Vector2::new(0.7, -0.2);
    let b = Vector2::new(1.0, 0.5);
    let r = a * x - b;
    let (ga, gx): (Matrix2<f64>, Vector2<f64>) = residual::grad(&a, &x, &b);
    assert!((ga - r * x.transpose()).abs().max() < 1e-15);
    assert!((gx - a.transpose() * r).abs().max() < 1e-15);
    // The Hessian in x of |A x - b|^2 / 2 is A^T A (argnums 0 is A here,
    // so check through the Jacobian of `lin` instead): d(2 A^T x - x)/dx.
    let j: Matrix2<f64> = lin::jacobian(&a, &x);
    assert!(
        (j - (2.0 * a.transpose() - Matrix2::identity()))
            .abs()
            .max()
            < 1e-15
    );
    assert!((lin(&a, &x) - (2.0 * a.transpose() * x - x)).abs().max() < 1e-15);
}
