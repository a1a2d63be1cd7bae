//! Every companion of a function taking (or returning) a `#[derive(Tree)]`
//! struct, with the struct as the user's type: `jvp` with a struct
//! tangent, `vjp` whose pullback returns the struct, `jacobian` as a
//! struct of blocks (JAX's pytree Jacobian), `vmap` with the struct mapped
//! (every field on axis 0) or unmapped. Checked against the analytic
//! derivatives, central finite differences and loops over the batch.
use rjax::prelude::*;

#[derive(Tree, Clone, Debug, PartialEq)]
struct Lin {
    w: Array<f64>,
    b: f64,
}

#[derive(Tree, Clone, Debug, PartialEq)]
struct Pair {
    u: Array<f64>,
    v: Array<f64>,
}

/// sum(tanh(w x + b)): a scalar loss of the struct and the data.
#[grad]
fn loss(p: &Lin, x: &Array<f64>) -> f64 {
    (&p.w * x + p.b).tanh().sum()
}

/// An array output: tanh(w x + b), elementwise.
#[grad]
fn act(p: &Lin, x: &Array<f64>) -> Array<f64> {
    (&p.w * x + p.b).tanh()
}

/// Both fields arrays, so every Jacobian block is an array.
#[derive(Tree, Clone, Debug, PartialEq)]
struct Affine {
    w: Array<f64>,
    b: Array<f64>,
}

/// tanh(w x + b) over `Affine`.
#[grad]
fn affine(p: &Affine, x: &Array<f64>) -> Array<f64> {
    (&p.w * x + &p.b).tanh()
}

/// A rank-0 array field (a bias kept as an `Array`, e.g. for `tree_map`).
#[derive(Tree, Clone, Debug, PartialEq)]
struct Biased {
    w: Array<f64>,
    #[rank(0)]
    b: Array<f64>,
}

/// sum(tanh(w x + b)) over `Biased`.
#[grad]
fn biased(p: &Biased, x: &Array<f64>) -> f64 {
    (&p.w * x + &p.b).tanh().sum()
}

/// A plain rank-0 array parameter.
#[grad(argnums = (0, 1))]
fn scaled(#[rank(0)] s: &Array<f64>, x: &Array<f64>) -> f64 {
    (x * s).sum()
}

/// A struct result: (u * s, sin(v)).
#[vmap]
fn warp(q: &Pair, s: f64) -> Pair {
    Pair {
        u: &q.u * s,
        v: q.v.sin(),
    }
}

/// The struct mapped, the data shared: sum(u * x) + sum(v).
#[vmap(in_axes = (0, None))]
fn score(q: &Pair, x: &Array<f64>) -> f64 {
    (&q.u * x).sum() + q.v.sum()
}

fn a(v: &[f64]) -> Array<f64> {
    Array::from_vec(v.to_vec())
}

fn close(x: f64, y: f64, tol: f64) -> bool {
    (x - y).abs() <= tol * (1.0 + y.abs())
}

fn sample() -> (Lin, Array<f64>) {
    (
        Lin {
            w: a(&[0.5, -1.0, 0.3]),
            b: 0.2,
        },
        a(&[1.5, 0.4, -2.0]),
    )
}

/// d tanh(w_i x_i + b) = (1 - t_i^2) (x_i dw_i + db).
fn act_tangent(p: &Lin, x: &Array<f64>, dp: &Lin) -> Vec<f64> {
    (0..x.shape()[0])
        .map(|i| {
            let t = (p.w[i] * x[i] + p.b).tanh();
            (1.0 - t * t) * (x[i] * dp.w[i] + dp.b)
        })
        .collect()
}

#[test]
fn jvp_takes_a_struct_tangent() {
    let (p, x) = sample();
    let dp = Lin {
        w: a(&[0.1, 0.2, -0.3]),
        b: 0.5,
    };
    let dx = Array::zeros(&[3]);
    let (out, tan) = loss::jvp((&p, &x), (&dp, &dx));
    assert!(close(out, loss(&p, &x), 1e-14));
    let want: f64 = act_tangent(&p, &x, &dp).iter().sum();
    assert!(close(tan, want, 1e-12), "{tan} vs {want}");

    let (out, tan) = act::jvp((&p, &x), (&dp, &dx));
    assert_eq!(out.to_vec(), act(&p, &x).to_vec());
    for (t, w) in tan.to_vec().iter().zip(act_tangent(&p, &x, &dp)) {
        assert!(close(*t, w, 1e-12));
    }
}

#[test]
fn vjp_pullback_returns_the_struct() {
    let (p, x) = sample();
    let (out, pullback) = act::vjp(&p, &x);
    assert_eq!(out.to_vec(), act(&p, &x).to_vec());
    let ct = a(&[1.0, -2.0, 0.5]);
    let (gp, gx): (Lin, Array<f64>) = pullback(&ct);
    // <ct, J dp> = <J^T ct, dp> for every basis tangent dp.
    for k in 0..3 {
        let mut w = vec![0.0; 3];
        w[k] = 1.0;
        let dp = Lin { w: a(&w), b: 0.0 };
        let jd: f64 = act_tangent(&p, &x, &dp)
            .iter()
            .zip(ct.to_vec())
            .map(|(j, c)| j * c)
            .sum();
        assert!(close(gp.w[k], jd, 1e-12));
    }
    let db = Lin {
        w: Array::zeros(&[3]),
        b: 1.0,
    };
    let jb: f64 = act_tangent(&p, &x, &db)
        .iter()
        .zip(ct.to_vec())
        .map(|(j, c)| j * c)
        .sum();
    assert!(close(gp.b, jb, 1e-12));
    for i in 0..3 {
        let t = (p.w[i] * x[i] + p.b).tanh();
        assert!(close(gx[i], ct[i] * (1.0 - t * t) * p.w[i], 1e-12));
    }
    // A scalar loss: the pullback of 1 is the gradient struct.
    let (_, pb) = loss::vjp(&p, &x);
    let (g, _) = pb(1.0);
    assert_eq!(g, loss::grad(&p, &x));
}

#[test]
fn vjp_of_a_struct_result_takes_a_struct_cotangent() {
    let q = Pair {
        u: a(&[1.0, 2.0]),
        v: a(&[0.3, -0.4]),
    };
    let (out, pb) = warp::vjp(&q, 1.5);
    assert_eq!(out, warp(&q, 1.5));
    let ct = Pair {
        u: a(&[1.0, -1.0]),
        v: a(&[2.0, 0.5]),
    };
    let (gq, gs): (Pair, f64) = pb(&ct);
    for i in 0..2 {
        assert!(close(gq.u[i], ct.u[i] * 1.5, 1e-14));
        assert!(close(gq.v[i], ct.v[i] * q.v[i].cos(), 1e-14));
    }
    assert!(close(gs, ct.u[0] * q.u[0] + ct.u[1] * q.u[1], 1e-14));
    // jvp gives a struct tangent of the struct result.
    let dq = Pair {
        u: a(&[0.5, 0.5]),
        v: a(&[1.0, -1.0]),
    };
    let (o, t) = warp::jvp((&q, 1.5), (&dq, 0.0));
    assert_eq!(o, warp(&q, 1.5));
    for i in 0..2 {
        assert!(close(t.u[i], dq.u[i] * 1.5, 1e-14));
        assert!(close(t.v[i], dq.v[i] * q.v[i].cos(), 1e-14));
    }
}

#[test]
fn jacobian_with_respect_to_a_struct_is_a_struct_of_blocks() {
    let (p, x) = sample();
    let q = Affine {
        w: p.w.clone(),
        b: a(&[p.b; 3]),
    };
    let j: Affine = affine::jacobian(&q, &x);
    // Blocks of shape out ++ field: [3, 3] each.
    assert_eq!(j.w.shape(), &[3, 3]);
    assert_eq!(j.b.shape(), &[3, 3]);
    let h = 1e-6;
    let at = |w: Vec<f64>, b: f64, i: usize| {
        let mut bs = vec![p.b; 3];
        bs[i] = b;
        affine(
            &Affine {
                w: a(&w),
                b: a(&bs),
            },
            &x,
        )[i]
    };
    for i in 0..3 {
        for k in 0..3 {
            let mut wp = p.w.to_vec();
            let mut wm = p.w.to_vec();
            wp[k] += h;
            wm[k] -= h;
            let fd = (at(wp, p.b, i) - at(wm, p.b, i)) / (2.0 * h);
            assert!((j.w.to_vec()[i * 3 + k] - fd).abs() < 1e-8);
        }
        let fd = (at(p.w.to_vec(), p.b + h, i) - at(p.w.to_vec(), p.b - h, i)) / (2.0 * h);
        // b_i only moves out_i: a diagonal block.
        assert!((j.b.to_vec()[i * 3 + i] - fd).abs() < 1e-8);
        assert_eq!(j.b.to_vec()[i * 3 + (i + 1) % 3], 0.0);
    }
    // A scalar output: the Jacobian is the gradient.
    let g: Lin = loss::jacobian(&p, &x);
    let want = loss::grad(&p, &x);
    for k in 0..3 {
        assert!(close(g.w[k], want.w[k], 1e-14));
    }
    assert!(close(g.b, want.b, 1e-14));
}

#[test]
fn vmap_maps_every_field_of_a_struct() {
    // Batch of 4 pairs, each field with a leading batch axis.
    let us: Vec<f64> = (0..8).map(|k| 0.25 * k as f64 - 1.0).collect();
    let vs: Vec<f64> = (0..8).map(|k| (k as f64).sin()).collect();
    let batch = Pair {
        u: Array::from_shape_vec(vec![4, 2], us.clone()).unwrap(),
        v: Array::from_shape_vec(vec![4, 2], vs.clone()).unwrap(),
    };
    let x = a(&[2.0, -3.0]);
    let got = score::vmap(&batch, &x);
    assert_eq!(got.shape(), &[4]);
    for b in 0..4 {
        let one = Pair {
            u: a(&us[2 * b..2 * b + 2]),
            v: a(&vs[2 * b..2 * b + 2]),
        };
        assert!(close(got[b], score(&one, &x), 1e-14));
    }
    // A struct result: every field gets the batch axis.
    let s = a(&[0.5, 1.0, 2.0, -1.0]);
    let w: Pair = warp::vmap(&batch, &s);
    assert_eq!(w.u.shape(), &[4, 2]);
    for b in 0..4 {
        let one = Pair {
            u: a(&us[2 * b..2 * b + 2]),
            v: a(&vs[2 * b..2 * b + 2]),
        };
        let want = warp(&one, s[b]);
        for i in 0..2 {
            assert!(close(w.u.to_vec()[2 * b + i], want.u[i], 1e-14));
            assert!(close(w.v.to_vec()[2 * b + i], want.v[i], 1e-14));
        }
    }
}

#[test]
fn rank_zero_array_fields_take_and_give_arrays() {
    let (p, x) = sample();
    let q = Biased {
        w: p.w.clone(),
        b: Array::scalar(p.b),
    };
    assert!(close(biased(&q, &x), loss(&p, &x), 1e-14));
    let g: Biased = biased::grad(&q, &x);
    let want = loss::grad(&p, &x);
    assert_eq!(g.b.shape(), &[] as &[usize]);
    assert!(close(g.b.item(), want.b, 1e-14));
    assert_eq!(g.w.to_vec(), want.w.to_vec());
    let (_, pb) = biased::vjp(&q, &x);
    let (g2, _) = pb(1.0);
    assert_eq!(g2, g);
    let dq = Biased {
        w: Array::zeros(&[3]),
        b: Array::scalar(1.0),
    };
    let (_, t) = biased::jvp((&q, &x), (&dq, &Array::zeros(&[3])));
    assert!(close(t, want.b, 1e-12));
    // The same for a plain `#[rank(0)]` parameter: d/ds sum(x s) = sum(x).
    let (gs, gx) = scaled::grad(&Array::scalar(2.0), &x);
    assert!(close(gs.item(), x.to_vec().iter().sum::<f64>(), 1e-14));
    assert_eq!(gx.to_vec(), vec![2.0; 3]);
}
