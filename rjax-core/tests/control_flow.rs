#![allow(clippy::needless_range_loop)]
//! Control flow: grad through a 100-step scan and through a while loop
//! with a data-dependent trip count (Newton's square root), cond in every
//! mode, and vmap of each against a loop over the batch.

mod common;
use common::*;
use rjax_core::interp::Tensor;
use rjax_core::rules::control_flow::{
    cond::cond_params, scan::scan_params, sub_jaxpr, while_loop::while_params,
};
use rjax_core::{Atom, Builder, DType, DimExpr, Jaxpr, Prim, TensorType, transforms};

fn f64s(shape: &[usize]) -> TensorType {
    TensorType::new(DType::F64, shape.to_vec())
}

/// f(w, x0, xs) = sum(final carry) + sum(ys) for a 100-step scan
/// carry' = carry + 0.1 tanh(w * carry + x_i), y_i = sin(carry').
fn scan_fn(len: usize) -> Jaxpr {
    let body = sub_jaxpr(&[f64s(&[3]), f64s(&[3]), f64s(&[3])], |b, a| {
        let (w, c, x) = (a[0], a[1], a[2]);
        let wc = b.mul(w, c)?;
        let z = b.add(wc, x)?;
        let t = b.tanh(z)?;
        let d = b.mul(t, b.lit(0.1, DType::F64))?;
        let c2 = b.add(c, d)?;
        let y = b.sin(c2)?;
        Ok(vec![c2, y])
    })
    .unwrap();
    let mut b = Builder::new();
    let w = b.input(DType::F64, [3]);
    let x0 = b.input(DType::F64, [3]);
    let xs = b.input(DType::F64, [len, 3]);
    let out = b
        .eqn(
            Prim::Scan,
            scan_params(body, &DimExpr::Const(len as i64), 1, 1, false),
            &[w.into(), x0.into(), xs.into()],
        )
        .unwrap();
    let s1 = b.reduce_sum(out[0].into(), &[0]).unwrap();
    let s2 = b.reduce_sum(out[1].into(), &[0, 1]).unwrap();
    let s = b.add(s1, s2).unwrap();
    b.build(&[s])
}

#[test]
fn grad_through_100_step_scan_matches_finite_differences() {
    let f = scan_fn(100);
    let args = [
        rand_tensor(&[3], 1),
        rand_tensor(&[3], 2),
        rand_tensor(&[100, 3], 3),
    ];
    let g = transforms::grad(&f, &[0, 1, 2], false).unwrap();
    let out = run(&g, &args);
    for a in 0..3 {
        close(&out[a].data, &fd_grad(&f, &args, a, 0, 1e-6), 1e-5, 1e-7);
    }
    // The forward pass stacks residuals instead of re-running the loop.
    let v = transforms::vjp(&f, &[0]).unwrap();
    assert_eq!(
        v.forward
            .eqns
            .iter()
            .filter(|e| e.prim == Prim::Scan)
            .count(),
        1
    );
}

#[test]
fn jvp_and_hessian_through_scan() {
    let f = scan_fn(7);
    let args = [
        rand_tensor(&[3], 4),
        rand_tensor(&[3], 5),
        rand_tensor(&[7, 3], 6),
    ];
    let jf = transforms::jvp_wrt(&f, &[true, false, false]).unwrap();
    let dir = rand_tensor(&[3], 7);
    let mut a = args.to_vec();
    a.push(dir.clone());
    let t = run(&jf, &a)[1].item();
    let g = fd_grad(&f, &args, 0, 0, 1e-6);
    let want: f64 = g.iter().zip(&dir.data).map(|(x, y)| x * y).sum();
    close(&[t], &[want], 1e-6, 1e-8);
    // Hessian (forward over reverse through scan) against differences of the gradient.
    let h = transforms::hessian(&f, 0).unwrap();
    let hv = run(&h, &args)[0].clone();
    let gj = transforms::grad(&f, &[0], false).unwrap();
    for i in 0..3 {
        let mut p = args.to_vec();
        let mut m = args.to_vec();
        p[0].data[i] += 1e-5;
        m[0].data[i] -= 1e-5;
        let (gp, gm) = (run(&gj, &p)[0].clone(), run(&gj, &m)[0].clone());
        for r in 0..3 {
            let fd = (gp.data[r] - gm.data[r]) / 2e-5;
            close(&[hv.data[r * 3 + i]], &[fd], 1e-4, 1e-6);
        }
    }
}

/// Newton's iteration for sqrt(a): x <- (x + a/x)/2 until |x² - a| <= 1e-12 a.
fn newton_sqrt() -> Jaxpr {
    let s = TensorType::scalar(DType::F64);
    let cond = sub_jaxpr(&[s.clone(), s.clone()], |b, v| {
        let (a, x) = (v[0], v[1]);
        let x2 = b.mul(x, x)?;
        let r = b.sub(x2, a)?;
        let r = b.unary(Prim::Abs, r)?;
        let tol = b.mul(a, b.lit(1e-12, DType::F64))?;
        Ok(vec![b.compare(Prim::Gt, r, tol)?])
    })
    .unwrap();
    let body = sub_jaxpr(&[s.clone(), s.clone()], |b, v| {
        let (a, x) = (v[0], v[1]);
        let q = b.div(a, x)?;
        let t = b.add(x, q)?;
        Ok(vec![b.mul(t, b.lit(0.5, DType::F64))?])
    })
    .unwrap();
    let mut b = Builder::new();
    let a = b.input(DType::F64, []);
    let x = b
        .eqn(
            Prim::While,
            while_params(cond, body, 1, 1),
            &[a.into(), a.into(), a.into()],
        )
        .unwrap();
    b.build(&[x[0].into()])
}

#[test]
fn grad_through_data_dependent_while() {
    let f = newton_sqrt();
    let g = transforms::grad(&f, &[0], false).unwrap();
    for a in [0.5, 2.0, 9.0, 150.0] {
        let t = Tensor::scalar(a, DType::F64);
        let v = run(&f, std::slice::from_ref(&t))[0].item();
        close(&[v], &[a.sqrt()], 1e-12, 0.0);
        let gv = run(&g, std::slice::from_ref(&t))[0].item();
        close(&[gv], &[0.5 / a.sqrt()], 1e-9, 0.0);
        close(
            &[gv],
            &fd_grad(&f, std::slice::from_ref(&t), 0, 0, 1e-6),
            1e-6,
            0.0,
        );
    }
    // Forward mode too, and second order (jvp of the transposed loops).
    let h = transforms::hessian(&f, 0).unwrap();
    let hv = run(&h, &[Tensor::scalar(4.0, DType::F64)])[0].item();
    close(&[hv], &[-0.25 * 4f64.powf(-1.5)], 1e-6, 0.0);
}

fn cond_fn() -> Jaxpr {
    let s = TensorType::scalar(DType::F64);
    let b0 = sub_jaxpr(&[s.clone(), s.clone()], |b, v| {
        let m = b.mul(v[0], v[1])?;
        Ok(vec![b.sin(m)?])
    })
    .unwrap();
    let b1 = sub_jaxpr(&[s.clone(), s.clone()], |b, v| {
        let e = b.exp(v[0])?;
        Ok(vec![b.sub(e, v[1])?])
    })
    .unwrap();
    let mut b = Builder::new();
    let x = b.input(DType::F64, []);
    let y = b.input(DType::F64, []);
    let p = b.compare(Prim::Gt, x.into(), y.into()).unwrap();
    let o = b
        .eqn(
            Prim::Cond,
            cond_params(vec![b0, b1]),
            &[p, x.into(), y.into()],
        )
        .unwrap();
    let o = b.mul(o[0].into(), x.into()).unwrap();
    b.build(&[o])
}

#[test]
fn cond_grad_jvp_and_vmap() {
    let f = cond_fn();
    let g = transforms::grad(&f, &[0, 1], false).unwrap();
    for (x, y) in [(0.3, 0.9), (1.2, -0.4)] {
        let args = [Tensor::scalar(x, DType::F64), Tensor::scalar(y, DType::F64)];
        let out = run(&g, &args);
        for a in 0..2 {
            close(&out[a].data, &fd_grad(&f, &args, a, 0, 1e-6), 1e-6, 1e-9);
        }
    }
    // vmap with a batched predicate (select over both branches) vs a loop.
    let vf = transforms::vmap(&f, &[Some(0), Some(0)], &[Some(0)]).unwrap();
    let xs = rand_tensor(&[6], 11);
    let ys = rand_tensor(&[6], 12);
    let got = run(&vf, &[xs.clone(), ys.clone()])[0].clone();
    for i in 0..6 {
        let want = run(
            &f,
            &[
                Tensor::scalar(xs.data[i], DType::F64),
                Tensor::scalar(ys.data[i], DType::F64),
            ],
        )[0]
        .item();
        close(&[got.data[i]], &[want], 1e-12, 0.0);
    }
    // vmap of grad through cond.
    let vg = transforms::vmap(&g, &[Some(0), Some(0)], &[Some(0), Some(0)]).unwrap();
    let got = run(&vg, &[xs.clone(), ys.clone()]);
    for i in 0..6 {
        let want = run(
            &g,
            &[
                Tensor::scalar(xs.data[i], DType::F64),
                Tensor::scalar(ys.data[i], DType::F64),
            ],
        );
        close(
            &[got[0].data[i], got[1].data[i]],
            &[want[0].item(), want[1].item()],
            1e-12,
            0.0,
        );
    }
}

#[test]
fn vmap_of_scan_and_while_match_loops() {
    let f = scan_fn(5);
    let vf = transforms::vmap(&f, &[None, Some(0), Some(1)], &[Some(0)]).unwrap();
    let w = rand_tensor(&[3], 21);
    let x0 = rand_tensor(&[4, 3], 22);
    let xs = rand_tensor(&[5, 4, 3], 23);
    let got = run(&vf, &[w.clone(), x0.clone(), xs.clone()])[0].clone();
    for i in 0..4 {
        let xi = Tensor::new(DType::F64, vec![3], x0.data[i * 3..i * 3 + 3].to_vec()).unwrap();
        let mut xsi = Vec::new();
        for t in 0..5 {
            xsi.extend_from_slice(&xs.data[t * 12 + i * 3..t * 12 + i * 3 + 3]);
        }
        let xsi = Tensor::new(DType::F64, vec![5, 3], xsi).unwrap();
        let want = run(&f, &[w.clone(), xi, xsi])[0].item();
        close(&[got.data[i]], &[want], 1e-12, 1e-12);
    }
    // A batched while predicate: every example has its own trip count.
    let n = newton_sqrt();
    let vn = transforms::vmap(&n, &[Some(0)], &[Some(0)]).unwrap();
    let a = Tensor::vector(&[0.25, 3.0, 49.0, 1e4], DType::F64);
    let got = run(&vn, std::slice::from_ref(&a))[0].clone();
    close(
        &got.data,
        &a.data.iter().map(|x| x.sqrt()).collect::<Vec<_>>(),
        1e-12,
        0.0,
    );
    // Per-example gradients through the while.
    let vg = transforms::vmap(
        &transforms::grad(&n, &[0], false).unwrap(),
        &[Some(0)],
        &[Some(0)],
    )
    .unwrap();
    let got = run(&vg, std::slice::from_ref(&a))[0].clone();
    close(
        &got.data,
        &a.data.iter().map(|x| 0.5 / x.sqrt()).collect::<Vec<_>>(),
        1e-9,
        0.0,
    );
}

#[test]
fn grad_with_respect_to_an_integer_is_an_error() {
    let mut b = Builder::new();
    let x = b.input(DType::F32, []);
    let n = b.input(DType::I32, []);
    let c = b.convert(n.into(), DType::F32).unwrap();
    let y = b.mul(x.into(), c).unwrap();
    let j = b.build(&[y]);
    assert!(matches!(
        transforms::grad(&j, &[1], false),
        Err(rjax_core::Error::NotDifferentiable(_))
    ));
    assert!(transforms::grad(&j, &[0], false).is_ok());
    let _ = Atom::lit(0.0, DType::F32);
}

/// x <- x * c + 0.001 sin(x), `n` times (n a run-time input): a loop whose
/// trip count only the data knows.
fn power_loop() -> Jaxpr {
    let s = TensorType::scalar(DType::F64);
    let i = TensorType::scalar(DType::I32);
    let cond = sub_jaxpr(&[i.clone(), i.clone(), s.clone()], |b, v| {
        Ok(vec![b.compare(Prim::Lt, v[1], v[0])?])
    })
    .unwrap();
    let body = sub_jaxpr(&[s.clone(), i.clone(), s.clone()], |b, v| {
        let (c, k, x) = (v[0], v[1], v[2]);
        let k1 = b.add(k, b.lit(1.0, DType::I32))?;
        let xc = b.mul(x, c)?;
        let sx = b.sin(x)?;
        let small = b.mul(sx, b.lit(0.001, DType::F64))?;
        Ok(vec![k1, b.add(xc, small)?])
    })
    .unwrap();
    let mut b = Builder::new();
    let n = b.input(DType::I32, []);
    let x0 = b.input(DType::F64, []);
    let c = b.input(DType::F64, []);
    let zero = b.lit(0.0, DType::I32);
    let out = b
        .eqn(
            Prim::While,
            while_params(cond, body, 1, 1),
            &[n.into(), c.into(), zero, x0.into()],
        )
        .unwrap();
    b.build(&[out[1].into()])
}

/// True when a `while` (or `while_reverse`) runs inside another loop's body.
fn has_nested_loop(j: &Jaxpr, inside: bool) -> bool {
    j.eqns.iter().any(|e| {
        let is_loop = matches!(e.prim, Prim::While | Prim::WhileReverse | Prim::Scan);
        (inside && is_loop)
            || e.params.values().any(|p| match p {
                rjax_core::ir::Param::Jaxpr(sub) => has_nested_loop(sub, inside || is_loop),
                _ => false,
            })
    })
}

#[test]
fn reverse_mode_through_a_while_is_linear_in_its_trip_count() {
    use rjax_core::rules::control_flow::while_reverse::tape_pushes;
    let f = power_loop();
    let g = transforms::grad(&f, &[1, 2], false).unwrap();
    // The reverse pass is one loop over a tape, not a replay loop inside a
    // backward loop (the O(N²) form).
    assert!(!has_nested_loop(&g, false), "{g}");
    let (x0, c) = (0.3, 1.0001);
    for n in [100, 10_000] {
        let args = [
            Tensor::scalar(n as f64, DType::I32),
            Tensor::scalar(x0, DType::F64),
            Tensor::scalar(c, DType::F64),
        ];
        let before = tape_pushes();
        let out = run(&g, &args);
        // One tape entry per trip: 10,000 for 10,000 steps.
        assert_eq!(tape_pushes() - before, n as u64);
        // Against central differences of the primal.
        for (k, a) in [(0, 1), (1, 2)] {
            let fd = fd_grad(&f, &args, a, 0, 1e-7);
            close(&[out[k].item()], &fd, 1e-5, 1e-9);
        }
    }
    // Second order still works (the tape primitive expands for jvp).
    let h = transforms::hessian(&power_loop(), 1);
    assert!(h.is_ok(), "{h:?}");
}
