//! Tuples and fixed-size arrays as parameters of annotated functions
//! (JAX's pytrees `(w, b)` and `[w1, w2]`, without a struct): the
//! gradient comes back as the same tuple or array, and every companion,
//! `#[jit]` and calls from other annotated bodies take them. Checked
//! against analytic derivatives, central differences, loops and eager
//! code.
use rjax::prelude::*;

/// sum(tanh(w x + b)) with the parameters as a tuple.
#[grad]
fn loss(p: &(Array<f64>, Array<f64>), x: &Array<f64>) -> f64 {
    let (w, b) = p;
    (w * x + b).tanh().sum()
}

/// Two layers as a fixed-size array: sum(tanh(w1 x) * w0).
#[grad]
fn layers(ws: &[Array<f64>; 2], x: &Array<f64>) -> f64 {
    ((&ws[1] * x).tanh() * &ws[0]).sum()
}

/// A tuple holding a tuple and a scalar: sum(sin(a) * b) * s.
#[grad]
fn nested(p: &((Array<f64>, Array<f64>), f64)) -> f64 {
    (p.0.0.sin() * &p.0.1).sum() * p.1
}

/// The tuple loss under `#[jit]`, and its gradient fused.
#[jit]
#[grad]
fn loss_jit(p: &(Array<f32>, Array<f32>), x: &Array<f32>) -> f32 {
    (&p.0 * x + &p.1).tanh().sum()
}

/// One SGD step from another annotated body: the tuple is built in the
/// body, passed to `loss::grad`, and its gradient destructured.
#[jit]
fn sgd(w: &Array<f64>, b: &Array<f64>, x: &Array<f64>, lr: f64) -> (Array<f64>, Array<f64>) {
    let (gw, gb) = loss::grad(&(w.clone(), b.clone()), x);
    (w - gw * lr, b - gb * lr)
}

/// A batched tuple: every leaf mapped on axis 0.
#[vmap(in_axes = (0, None))]
fn score(p: &(Array<f64>, Array<f64>), x: &Array<f64>) -> f64 {
    (&p.0 * x).sum() + p.1.sum()
}

fn a(v: &[f64]) -> Array<f64> {
    Array::from_vec(v.to_vec())
}

fn close(x: f64, y: f64, tol: f64) -> bool {
    (x - y).abs() <= tol * (1.0 + y.abs())
}

fn sample() -> ((Array<f64>, Array<f64>), Array<f64>) {
    (
        (a(&[0.3, -0.7, 1.1]), a(&[0.05, 0.2, -0.4])),
        a(&[1.5, 0.25, -2.0]),
    )
}

/// Central difference of `f` in coordinate `k` of the vector `v`.
fn diff(v: &[f64], k: usize, f: impl Fn(&Array<f64>) -> f64) -> f64 {
    let h = 1e-6;
    let (mut up, mut dn) = (v.to_vec(), v.to_vec());
    up[k] += h;
    dn[k] -= h;
    (f(&a(&up)) - f(&a(&dn))) / (2.0 * h)
}

#[test]
fn grad_of_a_tuple_is_the_tuple_of_gradients() {
    let ((w, b), x) = sample();
    let (gw, gb): (Array<f64>, Array<f64>) = loss::grad(&(w.clone(), b.clone()), &x);
    for k in 0..3 {
        let s = 1.0 - (w[k] * x[k] + b[k]).tanh().powi(2);
        assert!(close(gw[k], s * x[k], 1e-13), "d/dw[{k}]");
        assert!(close(gb[k], s, 1e-13), "d/db[{k}]");
        let fd = diff(&w.to_vec(), k, |w| loss(&(w.clone(), b.clone()), &x));
        assert!(close(gw[k], fd, 1e-7));
    }
    let (v, (gw2, _)) = loss::value_and_grad(&(w.clone(), b.clone()), &x);
    assert!(close(v, loss(&(w.clone(), b.clone()), &x), 1e-15));
    assert_eq!(gw2.to_vec(), gw.to_vec());
}

#[test]
fn grad_of_a_fixed_array_is_the_array_of_gradients() {
    let ((w0, w1), x) = sample();
    let ws = [w0.clone(), w1.clone()];
    let g: [Array<f64>; 2] = layers::grad(&ws, &x);
    for k in 0..3 {
        let t = (w1[k] * x[k]).tanh();
        assert!(close(g[0][k], t, 1e-13));
        assert!(close(g[1][k], w0[k] * (1.0 - t * t) * x[k], 1e-13));
        let fd = diff(&w1.to_vec(), k, |w1| layers(&[w0.clone(), w1.clone()], &x));
        assert!(close(g[1][k], fd, 1e-7));
    }
}

#[test]
fn nested_tuples_with_a_scalar_leaf() {
    let ((u, v), _) = sample();
    let s = 0.75;
    let p = ((u.clone(), v.clone()), s);
    let ((gu, gv), gs): ((Array<f64>, Array<f64>), f64) = nested::grad(&p);
    let mut want_s = 0.0;
    for k in 0..3 {
        assert!(close(gu[k], u[k].cos() * v[k] * s, 1e-13));
        assert!(close(gv[k], u[k].sin() * s, 1e-13));
        want_s += u[k].sin() * v[k];
    }
    assert!(close(gs, want_s, 1e-13));
}

#[test]
fn jvp_and_vjp_take_and_give_tuples() {
    let ((w, b), x) = sample();
    let p = (w.clone(), b.clone());
    let dp = (a(&[1.0, 0.0, -1.0]), a(&[0.5, 0.5, 0.5]));
    let dx = Array::zeros(&[3]);
    let (out, tan) = loss::jvp((&p, &x), (&dp, &dx));
    assert!(close(out, loss(&p, &x), 1e-15));
    let (gw, gb) = loss::grad(&p, &x);
    let want: f64 = (0..3).map(|k| gw[k] * dp.0[k] + gb[k] * dp.1[k]).sum();
    assert!(close(tan, want, 1e-13));
    let (_, pullback) = loss::vjp(&p, &x);
    let ((pw, pb), _px) = pullback(2.0);
    for k in 0..3 {
        assert!(close(pw[k], 2.0 * gw[k], 1e-13));
        assert!(close(pb[k], 2.0 * gb[k], 1e-13));
    }
}

#[test]
fn jit_of_a_tuple_parameter_equals_eager() {
    let w: Vec<f32> = (0..40).map(|k| (k as f32 * 0.3).sin()).collect();
    let b: Vec<f32> = (0..40).map(|k| (k as f32 * 0.7).cos() * 0.1).collect();
    let x: Vec<f32> = (0..40).map(|k| k as f32 / 40.0 - 0.5).collect();
    let p = (Array::from_vec(w.clone()), Array::from_vec(b.clone()));
    let xa = Array::from_vec(x.clone());
    let eager: f32 = (0..40).map(|k| (w[k] * x[k] + b[k]).tanh()).sum();
    assert!((loss_jit(&p, &xa) - eager).abs() < 1e-5);
    let (gw, gb) = loss_jit::grad(&p, &xa);
    for k in 0..40 {
        let s = 1.0 - (w[k] * x[k] + b[k]).tanh().powi(2);
        assert!((gw[k] - s * x[k]).abs() < 1e-5);
        assert!((gb[k] - s).abs() < 1e-5);
    }
}

#[test]
fn a_body_builds_a_tuple_for_a_callee() {
    let ((w, b), x) = sample();
    let (w1, b1) = sgd(&w, &b, &x, 0.1);
    let (gw, gb) = loss::grad(&(w.clone(), b.clone()), &x);
    for k in 0..3 {
        assert!(close(w1[k], w[k] - 0.1 * gw[k], 1e-14));
        assert!(close(b1[k], b[k] - 0.1 * gb[k], 1e-14));
    }
}

#[test]
fn vmap_maps_every_leaf_of_a_tuple() {
    let ws: Vec<f64> = (0..8).map(|k| 0.25 * k as f64 - 1.0).collect();
    let bs: Vec<f64> = (0..8).map(|k| (k as f64).sin()).collect();
    let batch = (
        Array::from_shape_vec(vec![4, 2], ws.clone()).unwrap(),
        Array::from_shape_vec(vec![4, 2], bs.clone()).unwrap(),
    );
    let x = a(&[2.0, -3.0]);
    let got = score::vmap(&batch, &x);
    assert_eq!(got.shape(), &[4]);
    for r in 0..4 {
        let one = (a(&ws[2 * r..2 * r + 2]), a(&bs[2 * r..2 * r + 2]));
        assert!(close(got[r], score(&one, &x), 1e-14));
    }
}

#[derive(Tree, Clone, Debug)]
struct Lin {
    w: Array<f64>,
    b: f64,
}

/// A struct inside a tuple, with a plain array beside it.
#[grad]
fn mixed(p: &(Lin, Array<f64>), x: &Array<f64>) -> f64 {
    ((&p.0.w * x + p.0.b).tanh() * &p.1).sum()
}

/// A fixed-size array result: both layers' activations.
#[grad]
fn both(ws: &[Array<f64>; 2], x: &Array<f64>) -> [Array<f64>; 2] {
    [(&ws[0] * x).tanh(), (&ws[1] * x).sin()]
}

#[test]
fn a_struct_inside_a_tuple() {
    let ((w, c), x) = sample();
    let p = (
        Lin {
            w: w.clone(),
            b: 0.3,
        },
        c.clone(),
    );
    let (glin, gc): (Lin, Array<f64>) = mixed::grad(&p, &x);
    let mut want_b = 0.0;
    for k in 0..3 {
        let t = (w[k] * x[k] + 0.3).tanh();
        assert!(close(gc[k], t, 1e-13));
        assert!(close(glin.w[k], (1.0 - t * t) * x[k] * c[k], 1e-13));
        want_b += (1.0 - t * t) * c[k];
    }
    assert!(close(glin.b, want_b, 1e-13));
}

#[test]
fn a_fixed_array_result_in_every_companion() {
    let ((w0, w1), x) = sample();
    let ws = [w0.clone(), w1.clone()];
    let out: [Array<f64>; 2] = both(&ws, &x);
    for k in 0..3 {
        assert!(close(out[0][k], (w0[k] * x[k]).tanh(), 1e-15));
        assert!(close(out[1][k], (w1[k] * x[k]).sin(), 1e-15));
    }
    // The pullback of an array result takes an array cotangent.
    let (_, pullback) = both::vjp(&ws, &x);
    let ct = [a(&[1.0, 2.0, 3.0]), a(&[-1.0, 0.5, 0.0])];
    let (g, _) = pullback(&ct);
    for k in 0..3 {
        let t = (w0[k] * x[k]).tanh();
        assert!(close(g[0][k], ct[0][k] * (1.0 - t * t) * x[k], 1e-13));
        assert!(close(
            g[1][k],
            ct[1][k] * (w1[k] * x[k]).cos() * x[k],
            1e-13
        ));
    }
    // jvp: an array tangent out.
    let dws = [a(&[1.0, 0.0, 0.0]), a(&[0.0, 1.0, 0.0])];
    let (_, t) = both::jvp((&ws, &x), (&dws, &Array::zeros(&[3])));
    let t0 = (w0[0] * x[0]).tanh();
    assert!(close(t[0][0], (1.0 - t0 * t0) * x[0], 1e-13));
    assert!(close(t[1][1], (w1[1] * x[1]).cos() * x[1], 1e-13));
    assert!(close(t[1][0], 0.0, 1e-15));
}
