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

/// A loop whose trip count is a run-time argument, with an array state:
/// x <- x * c + 0.001 sin(x), `n` times.
#[grad(argnums = (1, 2))]
fn damped_power(n: i32, x0: &Array<f64>, c: f64) -> f64 {
    let mut x = x0.clone();
    let mut i = 0;
    while i < n {
        x = &x * c + x.sin() * 0.001;
        i += 1;
    }
    x.sum()
}

#[jit]
fn damped_power_grad(n: i32, x0: &Array<f64>, c: f64) -> (Array<f64>, f64) {
    damped_power::grad(n, x0, c)
}

#[test]
fn grad_through_a_10000_step_while_matches_finite_differences() {
    // Reverse mode keeps one state per trip on a tape and runs the
    // transposed body once per trip (rjax-core's while_reverse); the
    // replay form it replaced took O(N²) steps, minutes at this count.
    let x0 = array![0.3, -0.2];
    let (n, c) = (10_000, 1.0001);
    let (gx, gc) = damped_power::grad(n, &x0, c);
    let (jx, jc) = damped_power_grad(n, &x0, c);
    // jit's fused sin may differ from std's in the last bit.
    assert!(
        (gc - jc).abs() <= 1e-12 * gc.abs(),
        "jit {jc} vs eager {gc}"
    );
    for k in 0..2 {
        assert!(
            (gx[k] - jx[k]).abs() <= 1e-12 * gx[k].abs(),
            "jit {} vs {}",
            jx[k],
            gx[k]
        );
    }
    // Central differences err by about (h n)^2 / 6 relative here.
    let h = 1e-8;
    let fd_c = (damped_power(n, &x0, c + h) - damped_power(n, &x0, c - h)) / (2.0 * h);
    assert!((gc - fd_c).abs() <= 1e-5 * fd_c.abs(), "{gc} vs {fd_c}");
    for k in 0..2 {
        let mut p = x0.to_vec();
        let mut m = x0.to_vec();
        p[k] += h;
        m[k] -= h;
        let fd = (damped_power(n, &Array::from_vec(p), c)
            - damped_power(n, &Array::from_vec(m), c))
            / (2.0 * h);
        assert!((gx[k] - fd).abs() <= 1e-5 * fd.abs(), "{} vs {fd}", gx[k]);
    }
}
