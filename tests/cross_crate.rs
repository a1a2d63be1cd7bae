//! Composition across crates: the annotated functions of the library crate
//! `physics` (tests/crates/physics, a dev-dependency) called, with their
//! companions, inside annotated bodies of this crate. The callees' IR
//! crosses the crate boundary through their exported macros (see
//! docs/ARCHITECTURE.md, "Composition"). Checked against the analytic
//! forms of physics' functions, loops (vmap), eager calls (jit) and finite
//! differences.
use physics::springs;
use rjax::prelude::*;

/// |grad E|^2, whose gradient is second order: 2 H(q) grad E(q).
#[grad]
fn force_norm2(q: &Array<f64>) -> f64 {
    let f = physics::energy::grad(q);
    (&f * &f).sum()
}

/// vmap(grad E) over a batch of chains.
#[vmap]
fn forces(q: &Array<f64>) -> Array<f64> {
    physics::energy::grad(q)
}

/// One symplectic Euler step of H = E(q) + |p|^2 / 2, under jit.
#[jit]
fn euler_step(q: &Array<f64>, p: &Array<f64>, dt: f64) -> (Array<f64>, Array<f64>) {
    let p2 = p - &(physics::energy::grad(q) * dt);
    let q2 = q + &(&p2 * dt);
    (q2, p2)
}

/// The sum of the Hessian's entries; its gradient is third order.
#[grad]
fn hessian_sum(q: &Array<f64>) -> f64 {
    physics::energy::hessian(q).sum()
}

/// A plain call of a callee that itself calls two callees of its crate,
/// and `value_and_grad` with `argnums = (0, 1)` of it.
#[grad]
fn hamilton_residual(q: &Array<f64>, p: &Array<f64>) -> f64 {
    let (h, (dq, dp)) = physics::hamiltonian::value_and_grad(q, p);
    h + (&dq * &dp).sum()
}

/// A callee one module down, reached through a `use` of that module.
#[grad]
fn spring_force(x: f64) -> f64 {
    -springs::spring::grad(x, 2.0)
}

/// The callee's own `vmap` companion (its `in_axes = (0, None)`) in a body.
#[jit]
fn nearest(points: &Array<f64>, b: &Array<f64>) -> f64 {
    springs::dist2::vmap(points, b).min()
}

/// `h::jvp` of a callee from the other crate: the directional derivative.
#[jit]
fn directional(q: &Array<f64>, v: &Array<f64>) -> f64 {
    let (_e, de) = physics::energy::jvp((q,), (v,));
    de
}

/// `h::vjp` of a callee from the other crate, its pullback applied here.
#[jit]
fn pulled_force(q: &Array<f64>) -> Array<f64> {
    let (_e, pullback) = physics::energy::vjp(q);
    pullback(-2.0)
}

/// A `#[custom_jvp]` callee from the other crate: its stable rule is used.
#[grad]
fn softplus_mix(x: f64) -> f64 {
    2.0 * physics::softplus(x) + physics::softplus(-x)
}

fn a(v: &[f64]) -> Array<f64> {
    Array::from_vec(v.to_vec())
}

/// grad E = sin q + sum q.
fn grad_e(q: &[f64]) -> Vec<f64> {
    let s: f64 = q.iter().sum();
    q.iter().map(|x| x.sin() + s).collect()
}

/// H_ij = cos q_i [i = j] + 1.
fn hess_e(q: &[f64]) -> Vec<Vec<f64>> {
    (0..q.len())
        .map(|i| {
            (0..q.len())
                .map(|j| if i == j { q[i].cos() + 1.0 } else { 1.0 })
                .collect()
        })
        .collect()
}

fn close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "{what}[{i}]: {g} vs {w}"
        );
    }
}

const Q: [f64; 3] = [0.3, -1.1, 0.8];

#[test]
fn grad_of_a_callee_grad_from_another_crate() {
    let q = a(&Q);
    let g = grad_e(&Q);
    close(&physics::energy::grad(&q).to_vec(), &g, 1e-14, "grad E");
    let want_value: f64 = g.iter().map(|x| x * x).sum();
    close(&[force_norm2(&q)], &[want_value], 1e-14, "|grad E|^2");
    // d/dq |grad E|^2 = 2 H grad E.
    let h = hess_e(&Q);
    let want: Vec<f64> = h
        .iter()
        .map(|row| 2.0 * row.iter().zip(&g).map(|(a, b)| a * b).sum::<f64>())
        .collect();
    close(
        &force_norm2::grad(&q).to_vec(),
        &want,
        1e-12,
        "grad |grad E|^2",
    );
}

#[test]
fn vmap_of_a_callee_grad_from_another_crate() {
    let rows = [
        [0.3, -1.1, 0.8],
        [1.0, 2.0, -0.5],
        [0.0, 0.0, 0.0],
        [-2.0, 0.4, 3.0],
    ];
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    let got = forces::vmap(&Array::from_shape_vec(vec![4, 3], flat).unwrap());
    assert_eq!(got.shape(), &[4, 3]);
    for (r, row) in rows.iter().enumerate() {
        close(&got.to_vec()[3 * r..3 * r + 3], &grad_e(row), 1e-14, "row");
    }
}

#[test]
fn jit_step_calling_a_callee_grad_from_another_crate() {
    let (q, p, dt) = (a(&Q), a(&[0.5, 0.0, -0.2]), 0.01);
    let (q2, p2) = euler_step(&q, &p, dt);
    // The same step written eagerly with the callee's own companion.
    let p_eager = &p - &(physics::energy::grad(&q) * dt);
    let q_eager = &q + &(&p_eager * dt);
    close(&p2.to_vec(), &p_eager.to_vec(), 1e-15, "p");
    close(&q2.to_vec(), &q_eager.to_vec(), 1e-15, "q");
}

#[test]
fn third_order_through_a_callee_hessian() {
    let q = a(&Q);
    let want: f64 = hess_e(&Q).iter().flatten().sum();
    close(&[hessian_sum(&q)], &[want], 1e-13, "sum H");
    // d/dq_i sum H = -sin q_i.
    let want: Vec<f64> = Q.iter().map(|x| -x.sin()).collect();
    close(&hessian_sum::grad(&q).to_vec(), &want, 1e-12, "grad sum H");
}

#[test]
fn callee_with_its_own_callees_and_argnums() {
    let (qv, pv) = (Q, [0.5, -0.25, 1.5]);
    let (q, p) = (a(&qv), a(&pv));
    // H = E + |p|^2/2, dH/dq = grad E, dH/dp = p: r = H + grad E . p.
    let ge = grad_e(&qv);
    let s: f64 = qv.iter().sum();
    let e = qv.iter().map(|x| 1.0 - x.cos()).sum::<f64>() + 0.5 * s * s;
    let h = e + 0.5 * pv.iter().map(|x| x * x).sum::<f64>();
    let dot: f64 = ge.iter().zip(&pv).map(|(a, b)| a * b).sum();
    close(&[hamilton_residual(&q, &p)], &[h + dot], 1e-13, "r");
    // dr/dq = grad E + H_E p.
    let he = hess_e(&qv);
    let want: Vec<f64> = (0..3)
        .map(|i| ge[i] + he[i].iter().zip(&pv).map(|(a, b)| a * b).sum::<f64>())
        .collect();
    close(
        &hamilton_residual::grad(&q, &p).to_vec(),
        &want,
        1e-12,
        "dr/dq",
    );
}

#[test]
fn callee_in_a_module_of_another_crate() {
    for x in [0.4, -1.3, 2.0f64] {
        // spring = x^2 + x^4/4 (k = 2): force = -(2x + x^3), slope -(2 + 3x^2).
        close(
            &[spring_force(x)],
            &[-(2.0 * x + x.powi(3))],
            1e-14,
            "force",
        );
        close(
            &[spring_force::grad(x)],
            &[-(2.0 + 3.0 * x * x)],
            1e-13,
            "slope",
        );
    }
}

#[test]
fn callee_vmap_companion_from_another_crate() {
    let pts = [[0.0, 1.0], [2.0, 2.0], [0.5, -0.5]];
    let b = [0.4, -0.2];
    let flat: Vec<f64> = pts.iter().flatten().copied().collect();
    let got = nearest(&Array::from_shape_vec(vec![3, 2], flat).unwrap(), &a(&b));
    // The loop over the points, each through the callee's primal.
    let want = pts
        .iter()
        .map(|p| springs::dist2(&a(p), &a(&b)))
        .fold(f64::INFINITY, f64::min);
    close(&[got], &[want], 1e-15, "min dist2");
}

#[test]
fn callee_jvp_from_another_crate() {
    let v = [1.0, -2.0, 0.5];
    let want: f64 = grad_e(&Q).iter().zip(&v).map(|(a, b)| a * b).sum();
    close(&[directional(&a(&Q), &a(&v))], &[want], 1e-13, "jvp");
}

#[test]
fn callee_vjp_from_another_crate() {
    let want: Vec<f64> = grad_e(&Q).iter().map(|g| -2.0 * g).collect();
    close(&pulled_force(&a(&Q)).to_vec(), &want, 1e-14, "pullback");
}

#[test]
fn custom_jvp_callee_from_another_crate() {
    let logistic = |x: f64| 1.0 / (1.0 + (-x).exp());
    for x in [-3.0, 0.2, 40.0, 800.0f64] {
        let g = softplus_mix::grad(x);
        // e^800 overflows: only the custom rule keeps this finite.
        assert!(g.is_finite(), "grad at {x} is {g}");
        close(&[g], &[2.0 * logistic(x) - logistic(-x)], 1e-14, "softplus");
    }
}

/// A struct parameter whose struct and callee are in the other crate.
#[grad]
fn two_springs(s: &physics::Spring, x: f64) -> f64 {
    physics::spring_energy(s, x) + physics::spring_energy(s, 2.0 * x)
}

#[test]
fn struct_params_from_another_crate() {
    let s = physics::Spring { k: 3.0, x0: 0.5 };
    let x = 1.25;
    // E(x) + E(2x), E = k (x - x0)^2 / 2: dk = ((x-x0)^2 + (2x-x0)^2) / 2,
    // dx0 = -k ((x-x0) + (2x-x0)).
    let (d1, d2) = (x - s.x0, 2.0 * x - s.x0);
    close(
        &[two_springs(&s, x)],
        &[0.5 * s.k * (d1 * d1 + d2 * d2)],
        1e-14,
        "E",
    );
    let g: physics::Spring = two_springs::grad(&s, x);
    close(
        &[g.k, g.x0],
        &[0.5 * (d1 * d1 + d2 * d2), -s.k * (d1 + d2)],
        1e-14,
        "grad",
    );
}
