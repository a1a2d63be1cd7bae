//! `#[jit]` of functions with loops and branches equals the plain loop.
use rjax::prelude::*;

#[jit]
fn test_fn(x: &Array<f32>) -> Array<f32> {
    let mut x = x.clone();
    for _ in 0..100 {
        x = x.dot(&x.t()).tanh();
    }
    x
}

#[jit]
fn newton_sqrt(a: f64) -> f64 {
    let mut x = a;
    while (x * x - a).abs() > 1e-12 * a {
        x = 0.5 * (x + a / x);
    }
    x
}

#[jit]
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
    println!("{}", test_fn::jaxpr());
    assert!((newton_sqrt(2.0) - 2f64.sqrt()).abs() < 1e-12);
    println!("{}", newton_sqrt::jaxpr());
    let mut acc = 0.0f32;
    for i in 0..10 {
        acc = acc * 0.5 + i as f32;
    }
    assert_eq!(poly(0.5), acc);
    println!("{}", poly::jaxpr());
    assert_eq!(branch(1.0), 1f32.sin() * 2.0);
    assert_eq!(branch(-3.0), 9.0);
}
