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
