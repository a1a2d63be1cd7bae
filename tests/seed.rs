//! The seed article's function f(t) = sin(t0) cos(t1) t2, annotated with
//! `#[grad]`: its gradient and Hessian against the analytic forms and
//! against JAX's values (../shared/reference/seed_f.json), and its jaxpr
//! against JAX's printed one.
use rjax::prelude::*;
use serde_json::Value;

#[grad]
fn f(t: &Array<f32>) -> f32 {
    let (x, y, z) = (t[0], t[1], t[2]);
    x.sin() * y.cos() * z
}

#[jit]
fn trace_demo(a: i32, b: i32) -> i32 {
    (a + b).pow(2)
}

fn reference() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/seed_f.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("seed_f.json")).unwrap()
}

fn values(v: &Value) -> Vec<f32> {
    v["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn seed_t() -> Array<f32> {
    Array::from_vec(values(&reference()["t"]))
}

fn df(t: &[f32]) -> [f32; 3] {
    let (x, y, z) = (t[0], t[1], t[2]);
    [
        x.cos() * y.cos() * z,
        -x.sin() * y.sin() * z,
        x.sin() * y.cos(),
    ]
}

fn ddf(t: &[f32]) -> [[f32; 3]; 3] {
    let (x, y, z) = (t[0], t[1], t[2]);
    [
        [
            -x.sin() * y.cos() * z,
            -x.cos() * y.sin() * z,
            x.cos() * y.cos(),
        ],
        [
            -x.cos() * y.sin() * z,
            -x.sin() * y.cos() * z,
            -x.sin() * y.sin(),
        ],
        [x.cos() * y.cos(), -x.sin() * y.sin(), 0.0],
    ]
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-5 * (1.0 + b.abs())
}

#[test]
fn primal_matches_jax() {
    let t = seed_t();
    assert!(close(f(&t), values(&reference()["f"])[0]));
}

#[test]
fn grad_matches_analytic_and_jax() {
    let t = seed_t();
    let g = f::grad(&t);
    assert_eq!(g.shape(), &[3]);
    let jax = values(&reference()["grad"]);
    for i in 0..3 {
        assert!(
            close(g[i], df(t.as_slice())[i]),
            "df[{i}]: {} vs {}",
            g[i],
            df(t.as_slice())[i]
        );
        assert!(
            close(g[i], jax[i]),
            "df[{i}] vs JAX: {} vs {}",
            g[i],
            jax[i]
        );
    }
    let (v, g2) = f::value_and_grad(&t);
    assert_eq!(v, f(&t));
    assert_eq!(g2.to_vec(), g.to_vec());
}

#[test]
fn hessian_matches_analytic_and_jax() {
    let t = seed_t();
    let h = f::hessian(&t);
    assert_eq!(h.shape(), &[3, 3]);
    let jax = values(&reference()["hessian"]);
    let a = ddf(t.as_slice());
    for i in 0..3 {
        for j in 0..3 {
            let got = h.as_slice()[3 * i + j];
            assert!(close(got, a[i][j]), "ddf[{i}][{j}]: {got} vs {}", a[i][j]);
            assert!(
                close(got, jax[3 * i + j]),
                "ddf[{i}][{j}] vs JAX: {got} vs {}",
                jax[3 * i + j]
            );
        }
    }
}

#[test]
fn jvp_and_vjp_agree_with_grad() {
    let t = seed_t();
    let g = f::grad(&t);
    let dt = Array::from_vec(vec![0.5f32, -1.0, 2.0]);
    let (y, ty) = f::jvp((&t,), (&dt,));
    assert_eq!(y, f(&t));
    let dot: f32 = (0..3).map(|i| g[i] * dt[i]).sum();
    assert!(close(ty, dot));
    let (y2, pullback) = f::vjp(&t);
    assert_eq!(y2, f(&t));
    let ct = pullback(2.0);
    for i in 0..3 {
        assert!(close(ct[i], 2.0 * g[i]));
    }
}

#[test]
fn jaxpr_prints_like_jax() {
    let r = reference();
    let t = seed_t();
    assert_eq!(
        f::make_jaxpr(&t).to_string(),
        r["jaxpr_f"].as_str().unwrap()
    );
    // Symbolic form: same equations, the input typed `f32[n]`.
    let sym = f::jaxpr().to_string();
    let want = r["jaxpr_f"]
        .as_str()
        .unwrap()
        .replace("a:f32[3]", "a:f32[n]");
    assert_eq!(sym, want);
    assert_eq!(
        trace_demo::jaxpr().to_string(),
        r["jaxpr_trace_demo"].as_str().unwrap()
    );
    assert_eq!(trace_demo(2, 3), 25);
}
