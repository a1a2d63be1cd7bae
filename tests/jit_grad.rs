//! `#[jit]` on the gradient programs of tests/seed.rs and tests/loops.rs
//! equals the same functions without `#[jit]`: each function is written
//! twice, once annotated `#[jit]` (fused emission, element reads and
//! one-hot gradient assembly, loops) and once without, and every companion
//! is compared, plus vmap(grad f) through composition and the analytic
//! gradient of the seed.
use rjax::prelude::*;

#[jit]
#[grad]
fn f_jit(t: &Array<f32>) -> f32 {
    let (x, y, z) = (t[0], t[1], t[2]);
    x.sin() * y.cos() * z
}

#[grad]
fn f_eager(t: &Array<f32>) -> f32 {
    let (x, y, z) = (t[0], t[1], t[2]);
    x.sin() * y.cos() * z
}

#[jit]
#[vmap]
fn per_example_jit(t: &Array<f32>) -> Array<f32> {
    f_jit::grad(t)
}

#[vmap]
fn per_example_eager(t: &Array<f32>) -> Array<f32> {
    f_eager::grad(t)
}

#[jit]
#[grad]
fn poly_jit(x: f32) -> f32 {
    let mut acc = 0.0;
    for i in 0..10 {
        acc = acc * x + (i as f32);
    }
    acc
}

#[grad]
fn poly_eager(x: f32) -> f32 {
    let mut acc = 0.0;
    for i in 0..10 {
        acc = acc * x + (i as f32);
    }
    acc
}

#[jit]
#[grad]
fn bouncy_jit(x: f64) -> f64 {
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

#[grad]
fn bouncy_eager(x: f64) -> f64 {
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

#[jit]
#[grad]
fn newton_jit(a: f64) -> f64 {
    let mut x = a;
    while (x * x - a).abs() > 1e-12 * a {
        x = 0.5 * (x + a / x);
    }
    x
}

#[jit]
#[grad]
fn energy_jit(x: &Array<f64>) -> f64 {
    (x.sin() * x).sum()
}

#[grad]
fn energy_eager(x: &Array<f64>) -> f64 {
    (x.sin() * x).sum()
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-5 * (1.0 + b.abs())
}

#[test]
fn seed_gradient_hessian_and_vmap() {
    let t = Array::from_vec(vec![1.622_642_2f32, 2.025_264_7, -0.433_594_44]);
    let (x, y, z) = (t[0], t[1], t[2]);
    let analytic = [
        x.cos() * y.cos() * z,
        -x.sin() * y.sin() * z,
        x.sin() * y.cos(),
    ];
    let (gj, ge) = (f_jit::grad(&t), f_eager::grad(&t));
    for k in 0..3 {
        assert!(
            close(gj[k], ge[k]) && close(gj[k], analytic[k]),
            "grad[{k}]"
        );
    }
    let ((vj, gvj), (ve, _)) = (f_jit::value_and_grad(&t), f_eager::value_and_grad(&t));
    assert!(close(vj, ve) && close(f_jit(&t), f_eager(&t)) && gvj == gj);
    let (hj, he) = (f_jit::hessian(&t), f_eager::hessian(&t));
    assert!(hj.allclose(&he, 1e-5, 1e-5), "{hj:?} vs {he:?}");
    // vmap(grad f) over rows, small and large enough for the pool.
    for rows in [5, 20_000] {
        let data: Vec<f32> = (0..rows * 3)
            .map(|i| (i as f32 * 0.731).sin() * 3.0)
            .collect();
        let xs = Array::from_shape_vec(vec![rows, 3], data).unwrap();
        let (vj, ve) = (per_example_jit::vmap(&xs), per_example_eager::vmap(&xs));
        assert_eq!(vj.shape(), &[rows, 3]);
        assert!(vj.allclose(&ve, 1e-5, 1e-5), "vmap(grad f), {rows} rows");
    }
}

#[test]
fn loop_and_branch_gradients() {
    for x in [0.3f32, -0.7, 1.1] {
        assert!(close(poly_jit(x), poly_eager(x)));
        assert!(close(poly_jit::grad(x), poly_eager::grad(x)));
    }
    for x in [0.8f64, 0.2, 1.7] {
        assert!((bouncy_jit(x) - bouncy_eager(x)).abs() < 1e-12);
        assert!((bouncy_jit::grad(x) - bouncy_eager::grad(x)).abs() < 1e-9);
    }
    for a in [0.5f64, 2.0, 123.0] {
        assert!((newton_jit::grad(a) - 0.5 / a.sqrt()).abs() < 1e-9 / a.sqrt());
    }
}

#[test]
fn gradient_of_a_fused_sum() {
    let x = Array::from_vec((0..40_000).map(|i| (i as f64 * 0.01).cos()).collect());
    assert!((energy_jit(&x) - energy_eager(&x)).abs() < 1e-9 * energy_eager(&x).abs().max(1.0));
    let (gj, ge) = (energy_jit::grad(&x), energy_eager::grad(&x));
    // d/dx sum(x sin x) = sin x + x cos x.
    let want = Array::from_vec(x.as_slice().iter().map(|v| v.sin() + v * v.cos()).collect());
    assert!(gj.allclose(&ge, 1e-12, 1e-12) && gj.allclose(&want, 1e-12, 1e-12));
}
