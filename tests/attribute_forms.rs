//! Attribute arguments and signatures read as written (issue 21, finding
//! 9): `has_aux = false` is no aux, `has_aux = true` is `has_aux`, and a
//! declared `Array` result steers rank inference (a rank-0 result is not an
//! `Array`), so `x.dot(w)` returning `Array<f32>` makes `x` a matrix.
use rjax::prelude::*;

#[grad(has_aux = false)]
fn square(x: f64) -> f64 {
    x * x
}

#[grad(has_aux = true)]
fn square_with_aux(x: f64) -> (f64, f64) {
    (x * x, x + 1.0)
}

#[test]
fn has_aux_takes_a_boolean() {
    // No aux: the gradient alone.
    let g: f64 = square::grad(3.0);
    assert_eq!(g, 6.0);
    let (g, aux): (f64, f64) = square_with_aux::grad(3.0);
    assert_eq!((g, aux), (6.0, 4.0));
}

#[jit]
#[grad(argnums = (0, 1))]
fn project(x: &Array<f32>, w: &Array<f32>) -> Array<f32> {
    x.dot(w)
}

#[test]
fn declared_array_result_makes_dot_a_matrix_vector_product() {
    let x = Array::from_shape_vec(vec![2, 3], vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let w = Array::from_vec(vec![0.5f32, -1.0, 2.0]);
    let y = project(&x, &w);
    assert_eq!(y.shape(), &[2]);
    // Row by row, as a loop.
    let xs = x.to_vec();
    let ws = w.to_vec();
    for i in 0..2 {
        let want: f32 = (0..3).map(|k| xs[i * 3 + k] * ws[k]).sum();
        assert_eq!(y.to_vec()[i], want);
    }
    // Its pullback of ones: d/dw sum(x w) = column sums of x.
    let (_, pullback) = project::vjp(&x, &w);
    let (_, gw) = pullback(&Array::ones(&[2]));
    assert_eq!(gw.to_vec(), vec![5.0, 7.0, 9.0]);
}
