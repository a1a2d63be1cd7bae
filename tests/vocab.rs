//! User programs with the jax.numpy vocabulary beyond elementwise math:
//! means, reductions over axes, shape ops and jnp-style free functions,
//! each checked against the eager `Array` API (the primal) or a loop, and
//! differentiated against analytic forms.
use rjax::prelude::*;

fn arr(v: &[f64]) -> Array<f64> {
    Array::from_vec(v.to_vec())
}

fn mat(r: usize, c: usize, f: impl Fn(usize, usize) -> f64) -> Array<f64> {
    let d = (0..r * c).map(|k| f(k / c, k % c)).collect();
    Array::from_shape_vec(vec![r, c], d).unwrap()
}

/// Mean squared error: the mean divides by a size known only at run time.
#[grad]
fn mse(p: &Array<f64>, y: &Array<f64>) -> f64 {
    let d = p - y;
    (d.clone() * d).mean()
}

#[test]
fn mean_of_a_symbolic_length_and_its_gradient() {
    for n in [1usize, 3, 7] {
        let p = arr(&(0..n).map(|i| i as f64 * 0.5).collect::<Vec<_>>());
        let y = arr(&(0..n).map(|i| (i as f64).sin()).collect::<Vec<_>>());
        let loop_mean: f64 = (0..n).map(|i| (p[i] - y[i]).powi(2)).sum::<f64>() / n as f64;
        assert!((mse(&p, &y) - loop_mean).abs() < 1e-12);
        let g = mse::grad(&p, &y);
        for i in 0..n {
            // d/dp_i mean((p - y)^2) = 2 (p_i - y_i) / n
            let want = 2.0 * (p[i] - y[i]) / n as f64;
            assert!(
                (g[i] - want).abs() < 1e-12,
                "n={n} i={i}: {} vs {want}",
                g[i]
            );
        }
    }
    // the printed jaxpr keeps the length symbolic
    let text = mse::jaxpr().to_string();
    assert!(text.contains("dim_as_value"), "{text}");
}

/// Row means, kept as a column, subtracted: centring a batch.
#[grad]
fn centred_energy(#[rank(2)] x: &Array<f64>) -> f64 {
    let c = x - x.mean_axes(&[1], true);
    let m = c.max_axes(&[0], false);
    (c.clone() * c).sum() + m.sum()
}

#[test]
fn reductions_over_axes_match_the_eager_api_and_finite_differences() {
    let x = mat(3, 4, |i, j| ((i * 4 + j) as f64 * 0.37).sin());
    let eager = {
        let c = &x - &x.mean_axes(&[1], true);
        (&c * &c).sum() + c.max_axes(&[0], false).sum()
    };
    assert!((centred_energy(&x) - eager).abs() < 1e-12);
    let g = centred_energy::grad(&x);
    let h = 1e-6;
    for k in 0..12 {
        let mut xp = x.to_vec();
        xp[k] += h;
        let mut xm = x.to_vec();
        xm[k] -= h;
        let f = |v: Vec<f64>| centred_energy(&Array::from_shape_vec(vec![3, 4], v).unwrap());
        let fd = (f(xp) - f(xm)) / (2.0 * h);
        assert!(
            (g.as_slice()[k] - fd).abs() < 1e-6,
            "k={k}: {} vs {fd}",
            g.as_slice()[k]
        );
    }
}

/// Shape ops in one function: reshape, transpose with a permutation,
/// slice, concatenate, stack, expand_dims, squeeze, flatten.
#[grad]
fn shapes(x: &Array<f64>) -> f64 {
    let m = x.reshape(&[2, 3]);
    let t = m.transpose(&[1, 0]);
    let top = t.slice(&[0..2, 0..2]);
    let both = concatenate(&[top.clone(), top.clone() * 2.0], 0);
    let s = stack(&[both.clone(), both.sin()], 0);
    let e = s.expand_dims(0).squeeze();
    let f = e.flatten();
    (f.clone() * f).sum()
}

#[test]
fn shape_ops_match_the_eager_api_and_their_gradient_is_exact() {
    let x = arr(&[0.3, -1.2, 0.5, 2.0, 0.7, -0.4]);
    let eager = {
        let m = x.reshape(&[2, 3]);
        let t = m.transpose(&[1, 0]);
        let top = t.slice(&[0..2, 0..2]);
        let both = Array::concatenate(&[&top, &(&top * 2.0)], 0);
        let s = Array::stack(&[&both, &both.sin()], 0);
        let f = s.expand_dims(0).squeeze().flatten();
        (&f * &f).sum()
    };
    assert!((shapes(&x) - eager).abs() < 1e-12);
    // top = [[x0, x3], [x1, x4]]; both = top ++ 2 top; the sum counts each
    // entry v of top as v^2 + 4v^2 + sin(v)^2 + sin(2v)^2.
    let g = shapes::grad(&x);
    for (k, &used) in [true, true, false, true, true, false].iter().enumerate() {
        let v = x[k];
        let want = if used {
            10.0 * v + 2.0 * v.sin() * v.cos() + 4.0 * (2.0 * v).sin() * (2.0 * v).cos()
        } else {
            0.0
        };
        assert!((g[k] - want).abs() < 1e-12, "k={k}: {} vs {want}", g[k]);
    }
}

/// Free functions (jax.numpy style) are ordinary Rust in the primal too.
#[grad(argnums = (0, 1))]
fn free_functions(x: &Array<f64>, w: &Array<f64>) -> f64 {
    let a = maximum(sin(x), cos(w));
    let b = where_(x.greater(w), exp(x), square(w));
    dot(&a, &b).item() + mean(tanh(x)) + sum(broadcast_to(reshape(w, &[3, 1]), &[3, 2]))
}

#[test]
fn free_functions_match_methods_and_differentiate() {
    let x = arr(&[0.2, 1.5, -0.7]);
    let w = arr(&[0.9, 0.1, -0.3]);
    let mut want = 0.0;
    for i in 0..3 {
        let a = x[i].sin().max(w[i].cos());
        let b = if x[i] > w[i] { x[i].exp() } else { w[i] * w[i] };
        want += a * b + x[i].tanh() / 3.0 + 2.0 * w[i];
    }
    assert!((free_functions(&x, &w) - want).abs() < 1e-12);
    let (gx, gw) = free_functions::grad(&x, &w);
    let h = 1e-6;
    for i in 0..3 {
        let bump = |v: &Array<f64>, s: f64| {
            let mut d = v.to_vec();
            d[i] += s;
            arr(&d)
        };
        let fdx =
            (free_functions(&bump(&x, h), &w) - free_functions(&bump(&x, -h), &w)) / (2.0 * h);
        let fdw =
            (free_functions(&x, &bump(&w, h)) - free_functions(&x, &bump(&w, -h))) / (2.0 * h);
        assert!((gx[i] - fdx).abs() < 1e-6, "x{i}: {} vs {fdx}", gx[i]);
        assert!((gw[i] - fdw).abs() < 1e-6, "w{i}: {} vs {fdw}", gw[i]);
    }
}

/// The mean of each example, batched: the per-example length stays `n`.
#[vmap]
fn example_mean(x: &Array<f32>) -> f32 {
    x.mean()
}

/// Index of the largest logit per row.
#[jit]
fn predict_class(#[rank(2)] logits: &Array<f32>) -> Array<i32> {
    logits.argmax_axis(1, false)
}

#[test]
fn vmap_of_mean_equals_the_loop_and_jit_argmax_equals_eager() {
    let x = Array::from_shape_vec(
        vec![4, 5],
        (0..20).map(|k| (k as f32 * 0.7).cos()).collect(),
    )
    .unwrap();
    let batched = example_mean::vmap(&x);
    for r in 0..4 {
        let row = Array::from_vec(x.to_vec()[r * 5..r * 5 + 5].to_vec());
        assert!((batched[r] - row.mean()).abs() < 1e-6);
    }
    assert_eq!(predict_class(&x).to_vec(), x.argmax_axis(1, false).to_vec());
}

/// The same loss under `#[jit]`: the mean's divisor comes from the shapes.
#[jit]
fn mse_jit(p: &Array<f64>, y: &Array<f64>) -> f64 {
    let d = p - y;
    (d.clone() * d).mean()
}

#[test]
fn jit_mean_equals_eager_and_the_hessian_is_two_over_n() {
    let p = arr(&[0.5, -1.0, 2.0, 0.25]);
    let y = arr(&[0.1, 0.2, 0.3, 0.4]);
    assert!((mse_jit(&p, &y) - mse(&p, &y)).abs() < 1e-12);
    let h = mse::hessian(&p, &y);
    for i in 0..4 {
        for j in 0..4 {
            let want = if i == j { 2.0 / 4.0 } else { 0.0 };
            assert!((h.as_slice()[i * 4 + j] - want).abs() < 1e-12);
        }
    }
}
