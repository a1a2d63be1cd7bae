//! The seed program f(t) = sin(t0) cos(t1) t2, built with the builder as
//! jax.numpy traces it: its printed jaxpr, grad and hessian against the
//! values JAX produced (../shared/reference/seed_f.json, read at run time).

use rjax_core::interp::{Tensor, eval_jaxpr};
use rjax_core::{Builder, DType, Jaxpr, transforms};

fn reference() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/reference/seed_f.json"
    );
    let text = std::fs::read_to_string(path).expect("seed_f.json");
    serde_json::from_str(&text).unwrap()
}

fn values(v: &serde_json::Value) -> Vec<f64> {
    v["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn seed_f() -> Jaxpr {
    let mut b = Builder::new();
    let t = b.input(DType::F32, [3]);
    let x = b.index(t.into(), 0).unwrap();
    let y = b.index(t.into(), 1).unwrap();
    let z = b.index(t.into(), 2).unwrap();
    let s = b.sin(x).unwrap();
    let c = b.cos(y).unwrap();
    let p = b.mul(s, c).unwrap();
    let f = b.mul(p, z).unwrap();
    b.build(&[f])
}

fn assert_close(got: &[f64], want: &[f64], rel: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        let tol = rel * w.abs().max(1e-6);
        assert!((g - w).abs() <= tol, "got {got:?}, want {want:?}");
    }
}

#[test]
fn printed_jaxpr_equals_jax() {
    let r = reference();
    assert_eq!(seed_f().to_string(), r["jaxpr_f"].as_str().unwrap());
}

#[test]
fn trace_demo_prints_exactly() {
    let r = reference();
    let mut b = Builder::new();
    let u = b.input(DType::I32, []);
    let v = b.input(DType::I32, []);
    let c = b.add(u.into(), v.into()).unwrap();
    let d = b.integer_pow(c, 2).unwrap();
    let j = b.build(&[d]);
    let want = r["jaxpr_trace_demo"].as_str().unwrap();
    assert_eq!(j.to_string(), want);
    assert_eq!(Jaxpr::parse(want).unwrap().to_string(), want);
}

#[test]
fn jax_texts_parse_and_reprint() {
    let r = reference();
    for key in ["jaxpr_f", "jaxpr_trace_demo"] {
        let text = r[key].as_str().unwrap();
        let j = Jaxpr::parse(text).unwrap();
        j.verify().unwrap();
        assert_eq!(j.to_string(), text);
    }
    // JAX's grad text uses params we print differently (np.int64, bare
    // broadcast_in_dim), but it must still parse.
    assert!(Jaxpr::parse(r["jaxpr_grad_f"].as_str().unwrap()).is_ok());
}

#[test]
fn value_grad_and_hessian_match_jax() {
    let r = reference();
    let t = Tensor::vector(&values(&r["t"]), DType::F32);
    let f = seed_f();
    let v = eval_jaxpr(&f, std::slice::from_ref(&t)).unwrap();
    assert_close(&v[0].data, &values(&r["f"]), 1e-6);
    let g = transforms::grad(&f, &[0], false).unwrap();
    g.verify().unwrap();
    let gv = eval_jaxpr(&g, std::slice::from_ref(&t)).unwrap();
    assert_close(&gv[0].data, &values(&r["grad"]), 1e-6);
    let h = transforms::hessian(&f, 0).unwrap();
    h.verify().unwrap();
    let hv = eval_jaxpr(&h, std::slice::from_ref(&t)).unwrap();
    assert_eq!(hv[0].shape, vec![3, 3]);
    assert_close(&hv[0].data, &values(&r["hessian"]), 1e-6);
}
