//! Composition to depth (grad of grad, jvp of vmap, vmap of vmap of grad),
//! symbolic dims bound at run time, and `specialize`.

mod common;
use common::*;
use rjax_core::interp::Tensor;
use rjax_core::{Builder, DType, DimExpr, Jaxpr, Shape, specialize, transforms};

/// f(t) = sin(t0) cos(t1) t2 for t: f32[n] (symbolic length).
fn seed_symbolic() -> Jaxpr {
    let mut b = Builder::new();
    let t = b.input_typed(rjax_core::TensorType::new(
        DType::F32,
        Shape(vec![DimExpr::sym("n")]),
    ));
    let x = b.index(t.into(), 0).unwrap();
    let y = b.index(t.into(), 1).unwrap();
    let z = b.index(t.into(), 2).unwrap();
    let s = b.sin(x).unwrap();
    let c = b.cos(y).unwrap();
    let p = b.mul(s, c).unwrap();
    let f = b.mul(p, z).unwrap();
    b.build(&[f])
}

#[test]
fn specialize_symbolic_seed_prints_jax_text() {
    let f = seed_symbolic();
    assert!(f.to_string().starts_with("{ lambda ; a:f32[n]. let\n    b:f32[1] = slice[limit_indices=(1,) start_indices=(0,) strides=(1,)] a"));
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/reference/seed_f.json"
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        specialize(&f, &[vec![3]]).unwrap().to_string(),
        r["jaxpr_f"].as_str().unwrap()
    );
    // The gradient keeps the symbol and evaluates at any length >= 3.
    let g = transforms::grad(&f, &[0], false).unwrap();
    assert!(g.to_string().contains("f32[n]"));
    let t = Tensor::vector(&[0.3, -1.2, 2.0, 7.0], DType::F32);
    let gv = run(&g, &[t])[0].clone();
    let want = [
        0.3f64.cos() * (-1.2f64).cos() * 2.0,
        -(0.3f64.sin()) * (-1.2f64).sin() * 2.0,
        0.3f64.sin() * (-1.2f64).cos(),
        0.0,
    ];
    close(&gv.data, &want, 1e-6, 1e-6);
    assert!(specialize(&f, &[vec![3, 1]]).is_err());
}

#[test]
fn grad_of_grad_and_jvp_of_vmap() {
    // h(x) = x³ sin x: h'' by grad∘grad vs the analytic form.
    let mut b = Builder::new();
    let x = b.input(DType::F64, []);
    let x3 = b.integer_pow(x.into(), 3).unwrap();
    let s = b.sin(x.into()).unwrap();
    let h = b.mul(x3, s).unwrap();
    let h = b.build(&[h]);
    let g = transforms::grad(&h, &[0], false).unwrap();
    let gg = transforms::grad(&g, &[0], false).unwrap();
    let ggg = transforms::grad(&gg, &[0], false).unwrap();
    for x0 in [0.4f64, -1.3, 2.2] {
        let arg = [Tensor::scalar(x0, DType::F64)];
        let h2 = 6.0 * x0 * x0.sin() + 6.0 * x0 * x0 * x0.cos() - x0.powi(3) * x0.sin();
        close(&run(&gg, &arg)[0].data, &[h2], 1e-12, 1e-12);
        let h3 = 6.0 * x0.sin() + 18.0 * x0 * x0.cos()
            - 9.0 * x0 * x0 * x0.sin()
            - x0.powi(3) * x0.cos();
        close(&run(&ggg, &arg)[0].data, &[h3], 1e-12, 1e-12);
    }
    // jvp(vmap(grad h)) = vmap(h'') * tangent.
    let vg = transforms::vmap(&g, &[Some(0)], &[Some(0)]).unwrap();
    let jvg = transforms::jvp(&vg).unwrap();
    let xs = rand_tensor(&[5], 9);
    let ts = rand_tensor(&[5], 10);
    let out = run(&jvg, &[xs.clone(), ts.clone()]);
    for i in 0..5 {
        let h2 = run(&gg, &[Tensor::scalar(xs.data[i], DType::F64)])[0].item();
        close(&[out[1].data[i]], &[h2 * ts.data[i]], 1e-12, 1e-12);
    }
    // vmap of vmap of grad: a [2, 5] batch.
    let vvg = transforms::vmap(&vg, &[Some(1)], &[Some(1)]).unwrap();
    let xs2 = rand_tensor(&[5, 2], 11);
    let out = run(&vvg, std::slice::from_ref(&xs2))[0].clone();
    assert_eq!(out.shape, vec![5, 2]);
    for i in 0..10 {
        let gi = run(&g, &[Tensor::scalar(xs2.data[i], DType::F64)])[0].item();
        close(&[out.data[i]], &[gi], 1e-12, 1e-12);
    }
}

#[test]
fn jacobians_fwd_and_rev_agree() {
    // y = tanh(W x) for W: [3, 4], x: [4]; J wrt W is [3, 3, 4], wrt x [3, 4].
    let mut b = Builder::new();
    let w = b.input(DType::F64, [3, 4]);
    let x = b.input(DType::F64, [4]);
    let y = b
        .dot_general(w.into(), x.into(), (&[1], &[0]), (&[], &[]))
        .unwrap();
    let y = b.tanh(y).unwrap();
    let f = b.build(&[y]);
    let args = [rand_tensor(&[3, 4], 1), rand_tensor(&[4], 2)];
    let jr = run(&transforms::jacrev(&f, &[0, 1]).unwrap(), &args);
    let jf = run(&transforms::jacfwd(&f, &[0, 1]).unwrap(), &args);
    assert_eq!(jr[0].shape, vec![3, 3, 4]);
    assert_eq!(jr[1].shape, vec![3, 4]);
    for (a, b) in jr.iter().zip(&jf) {
        assert_eq!(a.shape, b.shape);
        close(&a.data, &b.data, 1e-12, 1e-12);
    }
    // Column of dy/dx by finite differences.
    for j in 0..4 {
        let mut p = args.to_vec();
        let mut m = args.to_vec();
        p[1].data[j] += 1e-6;
        m[1].data[j] -= 1e-6;
        let (yp, ym) = (run(&f, &p)[0].clone(), run(&f, &m)[0].clone());
        for i in 0..3 {
            close(
                &[jr[1].data[i * 4 + j]],
                &[(yp.data[i] - ym.data[i]) / 2e-6],
                1e-6,
                1e-9,
            );
        }
    }
}
