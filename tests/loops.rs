//! Loops and branches: `#[jit]` equals the plain Rust loop (the seed's
//! 100-step `x = tanh(x . x^T)`), and gradients through a `for` loop
//! (scan) and a data-dependent `while` (Newton's square root) equal the
//! analytic derivatives.
use rjax::prelude::*;

#[jit]
fn test_fn(x: &Array<f32>) -> Array<f32> {
    let mut x = x.clone();
    for _ in 0..100 {
        x = x.dot(&x.t()).tanh();
    }
    x
}

#[grad]
#[jit]
fn newton_sqrt(a: f64) -> f64 {
    let mut x = a;
    while (x * x - a).abs() > 1e-12 * a {
        x = 0.5 * (x + a / x);
    }
    x
}

#[jit]
#[grad]
fn poly(x: f32) -> f32 {
    let mut acc = 0.0;
    for i in 0..10 {
        acc = acc * x + (i as f32);
    }
    acc
}

#[jit]
fn branch(x: f32) -> f32 {
    if x > 0.0 { x.sin() * 2.0 } else { x * x }
}

#[test]
fn all() {
    let data: Vec<f32> = (0..16).map(|i| (i as f32 * 0.37).sin() * 0.5).collect();
    let x = Array::from_shape_vec(vec![4, 4], data).unwrap();
    let mut e = x.clone();
    for _ in 0..100 {
        e = e.dot(&e.t()).tanh();
    }
    let j = test_fn(&x);
    assert!(j.allclose(&e, 1e-5, 1e-5));
    assert!((newton_sqrt(2.0) - 2f64.sqrt()).abs() < 1e-12);
    let mut acc = 0.0f32;
    for i in 0..10 {
        acc = acc * 0.5 + i as f32;
    }
    assert_eq!(poly(0.5), acc);
    assert_eq!(branch(1.0), 1f32.sin() * 2.0);
    assert_eq!(branch(-3.0), 9.0);
}

#[grad]
fn tower(x: f64) -> f64 {
    let mut y = x;
    for _ in 0..10 {
        y = (y * 0.9).sin() + x;
    }
    y
}

#[test]
fn grad_through_for_loop() {
    for x in [0.3f32, -0.7, 1.1] {
        // d/dx sum_i i x^(9-i)
        let want: f32 = (0..9).map(|i| (i * (9 - i)) as f32 * x.powi(8 - i)).sum();
        let got = poly::grad(x);
        assert!(
            (got - want).abs() < 1e-4 * (1.0 + want.abs()),
            "poly'({x}): {got} vs {want}"
        );
    }
    // Chain rule by hand: y' = cos(0.9 y) 0.9 y' + 1.
    let x = 0.4f64;
    let (mut y, mut dy) = (x, 1.0);
    for _ in 0..10 {
        let (ny, ndy) = ((y * 0.9).sin() + x, (y * 0.9).cos() * 0.9 * dy + 1.0);
        y = ny;
        dy = ndy;
    }
    assert!((tower(x) - y).abs() < 1e-12);
    assert!(
        (tower::grad(x) - dy).abs() < 1e-12,
        "{} vs {dy}",
        tower::grad(x)
    );
}

#[test]
fn grad_through_data_dependent_while() {
    for a in [0.5f64, 2.0, 10.0, 123.0] {
        let g = newton_sqrt::grad(a);
        let want = 0.5 / a.sqrt();
        assert!((g - want).abs() < 1e-9 * want, "sqrt'({a}): {g} vs {want}");
    }
}

#[test]
fn grad_through_if_inside_loop() {
    // Both branches are taken along the way.
    let x = 0.8f64;
    let mut y = x;
    let mut d = 1.0;
    for _ in 0..6 {
        if y > 1.0 {
            y *= 0.5;
            d *= 0.5;
        } else {
            d *= 2.0 * y + 1.0;
            y = y * y + y;
        }
    }
    assert!((bouncy(x) - y).abs() < 1e-12);
    assert!((bouncy::grad(x) - d).abs() < 1e-9);
}

#[grad]
fn bouncy(x: f64) -> f64 {
    let mut y = x;
    for _ in 0..6 {
        if y > 1.0 {
            y *= 0.5;
        } else {
            y = y * y + y;
        }
    }
    y
}
