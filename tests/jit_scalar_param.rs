//! `#[jit]` with rank-0 `Array` parameters and struct fields (a learning
//! rate or a bias kept as an `Array`): the jitted function equals the
//! same body run eagerly, its gradient equals the analytic one, and a
//! wrong shape names the parameter as the user wrote it (`p.w`, not the
//! macro's hidden leaf names).
use rjax::prelude::*;

fn data(n: usize) -> Array<f32> {
    Array::from_vec((0..n).map(|i| (i as f32 * 0.37).sin()).collect())
}

fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= tol * (1.0 + y.abs()))
}

/// tanh(x a) + a with a rank-0 array `a`.
#[jit]
fn scale_shift(x: &Array<f32>, #[rank(0)] a: &Array<f32>) -> Array<f32> {
    (x * a).tanh() + a
}

/// The same body without `#[jit]`: eager `Array` methods.
fn scale_shift_eager(x: &Array<f32>, a: &Array<f32>) -> Array<f32> {
    (x * a).tanh() + a
}

/// sum(tanh(x a)): differentiated with respect to both.
#[jit]
#[grad(argnums = (0, 1))]
fn energy(x: &Array<f32>, #[rank(0)] a: &Array<f32>) -> f32 {
    (x * a).tanh().sum()
}

#[derive(Tree, Clone, Debug)]
struct Affine {
    w: Array<f32>,
    #[rank(0)]
    b: Array<f32>,
}

/// tanh(w x + b) over a struct with a rank-0 field.
#[jit]
fn affine(p: &Affine, x: &Array<f32>) -> Array<f32> {
    (&p.w * x + &p.b).tanh()
}

#[test]
fn rank0_parameter_equals_eager() {
    for n in [1usize, 7, 64, 1000] {
        let x = data(n);
        for a in [0.0f32, 0.5, -2.0] {
            let a = Array::scalar(a);
            let got = scale_shift(&x, &a);
            let want = scale_shift_eager(&x, &a);
            assert_eq!(got.shape(), &[n]);
            assert!(close(&got.to_vec(), &want.to_vec(), 1e-6), "n={n}");
        }
    }
}

#[test]
fn rank0_parameter_gradient_is_analytic() {
    let x = data(33);
    let a = 0.8f32;
    let (gx, ga) = energy::grad(&x, &Array::scalar(a));
    // d/dx_i = a (1 - tanh²(a x_i)), d/da = Σ x_i (1 - tanh²(a x_i)).
    let sech2: Vec<f32> = x
        .to_vec()
        .iter()
        .map(|&xi| 1.0 - (a * xi).tanh().powi(2))
        .collect();
    let want_x: Vec<f32> = sech2.iter().map(|s| a * s).collect();
    let want_a: f32 = x.to_vec().iter().zip(&sech2).map(|(xi, s)| xi * s).sum();
    assert!(close(&gx.to_vec(), &want_x, 1e-5));
    assert_eq!(ga.shape(), &[] as &[usize]);
    assert!(close(&[ga.item()], &[want_a], 1e-5));
    let want: f32 = x.to_vec().iter().map(|xi| (a * xi).tanh()).sum();
    assert!(close(&[energy(&x, &Array::scalar(a))], &[want], 1e-5));
}

#[test]
fn rank0_struct_field_equals_eager() {
    let x = data(17);
    let p = Affine {
        w: Array::from_vec(data(17).to_vec().iter().map(|v| v * 0.5 + 1.0).collect()),
        b: Array::scalar(-0.3),
    };
    let got = affine(&p, &x);
    let want = (&p.w * &x + &p.b).tanh();
    assert!(close(&got.to_vec(), &want.to_vec(), 1e-6));
}

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).expect_err("the call should panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn wrong_rank_of_a_field_names_the_field() {
    let p = Affine {
        w: data(4),
        b: data(2),
    };
    let msg = panic_message(|| {
        affine(&p, &data(4));
    });
    assert!(msg.contains("`p.b` must have rank 0"), "{msg}");
    assert!(msg.contains("#[rank(k)]"), "{msg}");
    assert!(!msg.contains("__rjax"), "{msg}");
}

#[test]
fn mismatched_sizes_name_the_field() {
    let p = Affine {
        w: data(5),
        b: Array::scalar(0.0),
    };
    let msg = panic_message(|| {
        affine(&p, &data(4));
    });
    assert!(msg.contains("`p.w` axis 0"), "{msg}");
    assert!(msg.contains("`x` axis 0"), "{msg}");
    assert!(!msg.contains("__rjax"), "{msg}");
}
