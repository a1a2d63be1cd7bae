//! `h::vjp` inside an annotated body: `let (y, pullback) = h::vjp(&x);`
//! then `pullback(&ct)` in the same body, as JAX's `jax.vjp` under a
//! trace. Checked against the analytic VJP, the callee's own `vjp`
//! companion (eager), loops (vmap), finite differences, and JAX values
//! (tests/data/compose_jax.json, written by tests/data/compose_jax.py).
use rjax::prelude::*;
use serde_json::Value;

/// v(t) = sin(t) * t[0]: J = diag(t0 cos t) + e0-column of sin t.
#[grad]
fn vecf(t: &Array<f64>) -> Array<f64> {
    t.sin() * t[0]
}

/// The VJP of `vecf` at `t` applied to `ct`, inside a jit body.
#[jit]
fn vjp_in_body(t: &Array<f64>, ct: &Array<f64>) -> Array<f64> {
    let (_y, pullback) = vecf::vjp(t);
    pullback(ct)
}

/// Second order: the gradient of a function whose body applies a pullback.
#[grad]
fn vjp_norm(t: &Array<f64>, ct: &Array<f64>) -> f64 {
    let (y, pullback) = vecf::vjp(t);
    let g = pullback(ct);
    (&g * &g).sum() + y.sum()
}

/// vmap over rows of primals and cotangents.
#[vmap]
fn vjp_rows(t: &Array<f64>, ct: &Array<f64>) -> Array<f64> {
    let (_y, pullback) = vecf::vjp(t);
    pullback(ct)
}

/// A scalar function of two parameters: the pullback gives a tuple.
#[grad(argnums = (0, 1))]
fn energy(x: f64, w: &Array<f64>) -> f64 {
    (w * x).sin().sum() + x * x
}

/// The pullback applied twice to different cotangents (the forward pass
/// runs once), its tuple destructured, under an outer grad.
#[grad]
fn pulled(x: f64, w: &Array<f64>) -> f64 {
    let (e, pb) = energy::vjp(x, w);
    let (gx, gw) = pb(1.0);
    let (gx3, _gw3) = pb(3.0);
    e + gx * gx3 + gw.sum()
}

fn jax() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/compose_jax.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("compose_jax.json")).unwrap()
}

fn vals(v: &Value, k: &str) -> Vec<f64> {
    match &v[k] {
        Value::Array(a) => a.iter().map(|x| x.as_f64().unwrap()).collect(),
        x => vec![x.as_f64().unwrap_or_else(|| panic!("{k} missing"))],
    }
}

fn arr(v: &Value, k: &str, shape: &[usize]) -> Array<f64> {
    Array::from_shape_vec(shape.to_vec(), vals(v, k)).unwrap()
}

fn close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= tol * (1.0 + b.abs()),
            "{what}[{i}]: {a} vs {b}"
        );
    }
}

/// Jᵀct for vecf: ct_j t0 cos t_j, plus sum_i ct_i sin t_i in slot 0.
fn analytic_vjp(t: &[f64], ct: &[f64]) -> Vec<f64> {
    let mut g: Vec<f64> = (0..t.len()).map(|j| ct[j] * t[0] * t[j].cos()).collect();
    g[0] += (0..t.len()).map(|i| ct[i] * t[i].sin()).sum::<f64>();
    g
}

#[test]
fn vjp_in_a_body_is_the_analytic_vjp() {
    let (t, ct) = ([0.3, -0.7, 1.1], [0.5, -1.0, 2.0]);
    let got = vjp_in_body(&Array::from_vec(t.to_vec()), &Array::from_vec(ct.to_vec()));
    close(&got.to_vec(), &analytic_vjp(&t, &ct), 1e-14, "J^T ct");
    // The same as the callee's own companion, called eagerly.
    let (_y, pb) = vecf::vjp(&Array::from_vec(t.to_vec()));
    close(
        &got.to_vec(),
        &pb(&Array::from_vec(ct.to_vec())).to_vec(),
        1e-15,
        "companion",
    );
    // And JAX's.
    let r = jax();
    let got = vjp_in_body(&arr(&r, "t", &[3]), &arr(&r, "v", &[3]));
    close(&got.to_vec(), &vals(&r, "vjp_vecf"), 1e-12, "JAX vjp");
}

#[test]
fn grad_through_a_pullback_matches_jax_and_differences() {
    let r = jax();
    let (t, ct) = (arr(&r, "t", &[3]), arr(&r, "v", &[3]));
    close(&[vjp_norm(&t, &ct)], &vals(&r, "vjp_norm"), 1e-12, "value");
    let g = vjp_norm::grad(&t, &ct);
    close(
        &g.to_vec(),
        &vals(&r, "vjp_norm_grad"),
        1e-10,
        "grad vs JAX",
    );
    // Central differences of the primal (independent of every rule).
    let h = 1e-6;
    for i in 0..3 {
        let mut p = t.to_vec();
        let mut m = t.to_vec();
        p[i] += h;
        m[i] -= h;
        let fd =
            (vjp_norm(&Array::from_vec(p), &ct) - vjp_norm(&Array::from_vec(m), &ct)) / (2.0 * h);
        close(&[g[i]], &[fd], 1e-6, "grad vs differences");
    }
}

#[test]
fn vmap_of_a_body_with_a_pullback_is_the_loop() {
    let r = jax();
    let batch = arr(&r, "batch", &[4, 3]);
    let cts = Array::from_shape_vec(vec![4, 3], (0..12).map(|k| 0.25 * k as f64 - 1.0).collect())
        .unwrap();
    let got = vjp_rows::vmap(&batch, &cts);
    assert_eq!(got.shape(), &[4, 3]);
    let (b, c) = (batch.to_vec(), cts.to_vec());
    for row in 0..4 {
        let want = analytic_vjp(&b[3 * row..3 * row + 3], &c[3 * row..3 * row + 3]);
        close(&got.to_vec()[3 * row..3 * row + 3], &want, 1e-14, "row");
    }
}

#[test]
fn tuple_cotangents_applied_twice_under_grad() {
    let (x, wv) = (0.7, [0.5, -1.2, 2.0]);
    let w = Array::from_vec(wv.to_vec());
    // dE/dx = sum w cos(w x) + 2x, dE/dw = x cos(w x).
    let ex = |x: f64| wv.iter().map(|w| w * (w * x).cos()).sum::<f64>() + 2.0 * x;
    let ew = |x: f64| wv.iter().map(|w| x * (w * x).cos()).sum::<f64>();
    let e = |x: f64| wv.iter().map(|w| (w * x).sin()).sum::<f64>() + x * x;
    // pulled = E + 3 (dE/dx)^2 + sum dE/dw
    let want = e(x) + 3.0 * ex(x) * ex(x) + ew(x);
    close(&[pulled(x, &w)], &[want], 1e-13, "value");
    let fd = |k: &dyn Fn(f64) -> f64| (k(x + 1e-6) - k(x - 1e-6)) / 2e-6;
    let total = |x: f64| e(x) + 3.0 * ex(x) * ex(x) + ew(x);
    close(&[pulled::grad(x, &w)], &[fd(&total)], 1e-7, "d/dx");
}

#[derive(Tree, Clone, Debug)]
struct Layer {
    w: Array<f64>,
    b: f64,
}

/// A struct parameter and a struct result: (tanh(w x + b), sum(w) x).
#[derive(Tree, Clone, Debug)]
struct Out {
    act: Array<f64>,
    lin: Array<f64>,
}

#[grad]
fn layer(p: &Layer, x: &Array<f64>) -> Out {
    Out {
        act: (&p.w * x + p.b).tanh(),
        lin: x * p.w.sum(),
    }
}

/// The pullback takes an `Out` cotangent and gives `(Layer, Array)`.
#[jit]
fn layer_vjp(
    w: &Array<f64>,
    b: f64,
    x: &Array<f64>,
    ca: &Array<f64>,
    cl: &Array<f64>,
) -> (Array<f64>, f64, Array<f64>) {
    let p = Layer { w: w.clone(), b };
    let (_out, pullback) = layer::vjp(&p, x);
    let (gp, gx) = pullback(&Out {
        act: ca.clone(),
        lin: cl.clone(),
    });
    (gp.w, gp.b, gx)
}

/// A tuple parameter's pullback gives the tuple back.
#[grad]
fn pair_energy(p: &(Array<f64>, Array<f64>)) -> f64 {
    (&p.0 * &p.1).sin().sum()
}

#[grad]
fn pair_vjp_sum(u: &Array<f64>, v: &Array<f64>) -> f64 {
    let (e, pb) = pair_energy::vjp(&(u.clone(), v.clone()));
    let (gu, gv) = pb(2.0);
    e + (gu * gv).sum()
}

#[test]
fn pullbacks_in_bodies_take_and_give_trees() {
    let w = Array::from_vec(vec![0.4, -0.3, 1.2]);
    let x = Array::from_vec(vec![1.0, 0.5, -2.0]);
    let (ca, cl) = (
        Array::from_vec(vec![1.0, -1.0, 0.5]),
        Array::from_vec(vec![0.2, 0.3, -0.1]),
    );
    let b = 0.1;
    let (gw, gb, gx) = layer_vjp(&w, b, &x, &ca, &cl);
    // The companion's pullback, eager, gives the same.
    let p = Layer { w: w.clone(), b };
    let (_, pullback) = layer::vjp(&p, &x);
    let (gp, gx_want) = pullback(&Out {
        act: ca.clone(),
        lin: cl.clone(),
    });
    // And the analytic form: act = tanh(w x + b), lin = x sum(w).
    let sum_w: f64 = w.to_vec().iter().sum();
    let clx: f64 = (0..3).map(|k| cl[k] * x[k]).sum();
    let mut want_b = 0.0;
    for k in 0..3 {
        let s = 1.0 - (w[k] * x[k] + b).tanh().powi(2);
        let want_w = ca[k] * s * x[k] + clx;
        assert!((gw[k] - want_w).abs() < 1e-12, "w[{k}]");
        assert!((gp.w[k] - want_w).abs() < 1e-12);
        let want_x = ca[k] * s * w[k] + cl[k] * sum_w;
        assert!((gx[k] - want_x).abs() < 1e-12, "x[{k}]");
        assert!((gx_want[k] - want_x).abs() < 1e-12);
        want_b += ca[k] * s;
    }
    assert!((gb - want_b).abs() < 1e-12);
    assert!((gp.b - want_b).abs() < 1e-12);
}

#[test]
fn a_tuple_pullback_under_an_outer_grad() {
    let u = Array::from_vec(vec![0.3, -0.8]);
    let v = Array::from_vec(vec![1.1, 0.6]);
    // f = sum sin(u v) + sum(4 cos²(u v) u v), differentiated by the macro
    // through the pullback; checked by central differences.
    let g = pair_vjp_sum::grad(&u, &v);
    for k in 0..2 {
        let h = 1e-6;
        let (mut up, mut dn) = (u.to_vec(), u.to_vec());
        up[k] += h;
        dn[k] -= h;
        let fd = (pair_vjp_sum(&Array::from_vec(up), &v) - pair_vjp_sum(&Array::from_vec(dn), &v))
            / (2.0 * h);
        assert!((g[k] - fd).abs() < 1e-7, "d/du[{k}]: {} vs {fd}", g[k]);
    }
}
