//! Small programs of static shapes under `#[jit]` run as scalar code
//! (rjax-core `passes::scalarize`): a 16-d extended Rosenbrock hessian
//! (its size fixed at compile time by the body's `reshape(&[8, 2])`)
//! equals the analytic hessian and central differences of its gradient,
//! allocates only its result per call, and refuses another size; other
//! small static programs (products, reductions, transposes, concatenation,
//! a transcendental) equal the same body run eagerly.
use rjax::prelude::*;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocs;

/// sum over pairs of 100 (x_{2i+1} - x_{2i}^2)^2 + (1 - x_{2i})^2.
#[grad]
fn rosen(x: &Array<f64>) -> f64 {
    let p = x.reshape(&[8, 2]);
    let a = p.slice(&[0..8, 0..1]);
    let b = p.slice(&[0..8, 1..2]);
    let d = &b - &a * &a;
    let e = 1.0 - a;
    (d.clone() * d * 100.0 + e.clone() * e).sum()
}

#[jit]
fn rosen_hessian(x: &Array<f64>) -> Array<f64> {
    rosen::hessian(x)
}

fn point() -> Vec<f64> {
    (0..16).map(|i| 0.13 * i as f64 - 0.9).collect()
}

#[test]
fn rosenbrock_hessian_equals_differences_of_its_gradient() {
    let x = point();
    let h = rosen_hessian(&Array::from_vec(x.clone()));
    assert_eq!(h.shape(), &[16, 16]);
    let eps = 1e-5;
    for j in 0..16 {
        let (mut up, mut dn) = (x.clone(), x.clone());
        up[j] += eps;
        dn[j] -= eps;
        let gu = rosen::grad(&Array::from_vec(up)).to_vec();
        let gd = rosen::grad(&Array::from_vec(dn)).to_vec();
        for i in 0..16 {
            let fd = (gu[i] - gd[i]) / (2.0 * eps);
            let got = h.as_slice()[i * 16 + j];
            assert!(
                (got - fd).abs() <= 1e-5 * (1.0 + fd.abs()),
                "H[{i},{j}] = {got}, differences {fd}"
            );
        }
    }
    // And the analytic form: 2x2 blocks on the diagonal.
    for i in 0..8 {
        let (a, b) = (x[2 * i], x[2 * i + 1]);
        let (p, q) = (2 * i, 2 * i + 1);
        assert!((h.as_slice()[p * 16 + p] - (1200.0 * a * a - 400.0 * b + 2.0)).abs() < 1e-9);
        assert_eq!(h.as_slice()[p * 16 + q], -400.0 * a);
        assert_eq!(h.as_slice()[q * 16 + p], -400.0 * a);
        assert_eq!(h.as_slice()[q * 16 + q], 200.0);
    }
}

#[test]
fn rosenbrock_hessian_allocates_only_its_result_per_call() {
    let x = Array::from_vec(point());
    let h0 = rosen_hessian(&x);
    let before = allocs();
    for _ in 0..100 {
        let h = rosen_hessian(&x);
        assert_eq!(h.as_slice()[0], h0.as_slice()[0]);
    }
    // The result's buffer and its shared owner: nothing else.
    assert_eq!(allocs() - before, 200, "allocations in 100 calls");
}

#[test]
#[should_panic(expected = "`x` axis 0 must have size 16")]
fn another_size_is_refused() {
    rosen_hessian(&Array::from_vec(vec![0.5; 12]));
}

/// A 3x3 rotation applied to 4 points, a transposed product, a
/// reduction and a concatenation, through a transcendental (the
/// reshapes fix the sizes, so the whole program is scalar code).
fn small_body(r: &Array<f64>, p: &Array<f64>) -> (Array<f64>, Array<f64>) {
    let (r, p) = (r.reshape(&[3, 3]), p.reshape(&[4, 3]));
    let q = p.matmul(&r.t()).tanh();
    let s = q.sum_axes(&[0], false) * r.slice(&[0..1, 0..3]).reshape(&[3]);
    let c = Array::concatenate(&[&q, &s.reshape(&[1, 3])], 0);
    (c.t(), q.max_axes(&[1], false))
}

#[jit]
fn small_jit(r: &Array<f64>, p: &Array<f64>) -> (Array<f64>, Array<f64>) {
    let (r, p) = (r.reshape(&[3, 3]), p.reshape(&[4, 3]));
    let q = p.matmul(&r.t()).tanh();
    let s = q.sum_axes(&[0], false) * r.slice(&[0..1, 0..3]).reshape(&[3]);
    let c = Array::concatenate(&[&q, &s.reshape(&[1, 3])], 0);
    (c.t(), q.max_axes(&[1], false))
}

#[test]
fn these_programs_are_scalarised() {
    for (what, j) in [
        ("hessian", rosen_hessian::jaxpr()),
        ("small", small_jit::jaxpr()),
    ] {
        let o = rjax::core::optimize(&j);
        let s =
            rjax::core::passes::scalarize(&o).unwrap_or_else(|| panic!("{what}: not scalarised"));
        assert!(
            s.eqns.iter().all(|e| !matches!(
                e.prim,
                rjax::core::Prim::DotGeneral | rjax::core::Prim::Iota | rjax::core::Prim::ReduceSum
            )),
            "{what}: {s}"
        );
    }
}

#[test]
fn a_small_static_program_equals_eager() {
    let (c, s) = (0.6f64, 0.8f64);
    let r = Array::from_vec(vec![c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0]);
    let p = Array::from_vec((0..12).map(|k| 0.3 * k as f64 - 1.4).collect());
    let (a, b) = small_jit(&r, &p);
    let (ea, eb) = small_body(&r, &p);
    assert_eq!(a.shape(), ea.shape());
    assert_eq!(b.shape(), eb.shape());
    for (x, y) in a
        .as_slice()
        .iter()
        .zip(ea.as_slice())
        .chain(b.as_slice().iter().zip(eb.as_slice()))
    {
        assert!(
            (x - y).abs() <= 1e-14 * (1.0 + y.abs()),
            "jit {x} eager {y}"
        );
    }
}
