//! Composition across annotated functions: a body may call another
//! annotated function or its companions, and the caller's transformation
//! applies to the whole (vmap of grad, grad of grad).
use rjax::prelude::*;

#[grad]
fn f(t: &Array<f64>) -> f64 {
    let (x, y, z) = (t[0], t[1], t[2]);
    x.sin() * y.cos() * z
}

/// vmap(grad f): per-example gradients of a batch.
#[vmap]
fn per_example(t: &Array<f64>) -> Array<f64> {
    f::grad(t)
}

#[grad]
fn g(x: f64) -> f64 {
    x.sin() * x
}

/// grad(grad g), written as the gradient of a function calling `g::grad`.
#[grad]
fn dg(x: f64) -> f64 {
    g::grad(x)
}

/// A caller of the primal.
#[grad]
fn twice(x: f64) -> f64 {
    g(x) + g(2.0 * x)
}

#[test]
fn vmap_of_grad_over_a_batch() {
    let rows = [
        [0.1, 0.2, 0.3],
        [1.0, -0.5, 2.0],
        [-1.2, 0.7, 0.4],
        [0.0, 3.0, -1.0],
    ];
    let data: Vec<f64> = rows.iter().flatten().copied().collect();
    let batch = Array::from_shape_vec(vec![4, 3], data).unwrap();
    let got = per_example::vmap(&batch);
    assert_eq!(got.shape(), &[4, 3]);
    for (r, row) in rows.iter().enumerate() {
        let g = f::grad(&Array::from_vec(row.to_vec()));
        for c in 0..3 {
            assert!((got.as_slice()[3 * r + c] - g[c]).abs() < 1e-12);
        }
    }
}

#[test]
fn grad_of_grad() {
    for x in [0.3, -1.1, 2.5] {
        let want = 2.0 * f64::cos(x) - x * f64::sin(x);
        assert!((dg::grad(x) - want).abs() < 1e-12);
        assert!((dg(x) - (x.cos() * x + x.sin())).abs() < 1e-12);
    }
}

#[test]
fn grad_through_a_call() {
    let x = 0.6f64;
    let dgx = |x: f64| x.cos() * x + x.sin();
    assert!((twice::grad(x) - (dgx(x) + 2.0 * dgx(2.0 * x))).abs() < 1e-12);
}

/// `h::jvp` inside a body: the directional derivative of `f` along `v`.
#[jit]
fn directional(t: &Array<f64>, v: &Array<f64>) -> f64 {
    let (_y, dy) = f::jvp((t,), (v,));
    dy
}

#[test]
fn jvp_inside_a_body() {
    let t = Array::from_vec(vec![0.4, -0.3, 1.7]);
    let v = Array::from_vec(vec![1.0, 2.0, -0.5]);
    let g = f::grad(&t);
    let want: f64 = (0..3).map(|i| g[i] * v[i]).sum();
    assert!((directional(&t, &v) - want).abs() < 1e-12);
}

/// Callees in another module: reached by path, or imported with `use`.
mod physics {
    use rjax::prelude::*;

    /// Calls a sibling of its own module: the caller below receives both.
    #[grad]
    pub fn energy(x: f64) -> f64 {
        potential(x) * x
    }

    #[jit]
    pub fn potential(x: f64) -> f64 {
        x.sin()
    }
}

use physics::energy;

/// Second order across modules: d/dx energy'(x).
#[grad]
fn force_slope(x: f64) -> f64 {
    physics::energy::grad(x)
}

#[jit]
fn energy_and_force(x: f64) -> f64 {
    energy(x) + energy::grad(x)
}

#[test]
fn callees_in_another_module() {
    for x in [0.3, -1.2, 2.0f64] {
        // energy = x sin x; energy' = sin x + x cos x; energy'' = 2 cos x - x sin x
        let d1 = x.sin() + x * x.cos();
        let d2 = 2.0 * x.cos() - x * x.sin();
        assert!((force_slope(x) - d1).abs() < 1e-12);
        assert!((force_slope::grad(x) - d2).abs() < 1e-12);
        assert!((energy_and_force(x) - (x * x.sin() + d1)).abs() < 1e-12);
    }
}

/// A `has_aux` callee: `h::grad` inside a body gives (gradient, aux).
#[grad(has_aux)]
fn loss_aux(x: f64) -> (f64, f64) {
    (x * x, x.sin())
}

#[jit]
#[grad]
fn grad_plus_aux(x: f64) -> f64 {
    let (g, aux) = loss_aux::grad(x);
    g + aux
}

#[test]
fn has_aux_callee_in_a_body() {
    for x in [0.3, -1.2, 2.0f64] {
        // d/dx x^2 = 2x, aux = sin x; the caller's derivative 2 + cos x.
        assert!((grad_plus_aux(x) - (2.0 * x + x.sin())).abs() < 1e-14);
        assert!((grad_plus_aux::grad(x) - (2.0 + x.cos())).abs() < 1e-14);
    }
}
