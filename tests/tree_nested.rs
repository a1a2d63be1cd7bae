//! `#[derive(Tree)]` parameters with nested structs and `[Array; N]`
//! fields: an MLP whose `Params` holds `Layer` structs and a fixed-size
//! array of scales. `grad` returns the nested struct; `jvp`, `vjp` and
//! `#[jit]` take it. Checked against central finite differences leaf by
//! leaf and against the eager (unannotated) loss.
use rjax::prelude::*;
use rjax::runtime::tree::{tree_leaves, tree_unflatten};

#[derive(Tree, Clone, Debug, PartialEq)]
struct Layer {
    #[rank(2)]
    w: Array<f64>,
    b: Array<f64>,
}

#[derive(Tree, Clone, Debug, PartialEq)]
struct Mlp {
    hidden: Layer,
    out: Layer,
    scales: [Array<f64>; 2],
}

/// A two-layer perceptron on one input vector: out.w · tanh(hidden.w x +
/// hidden.b) + out.b, squared error against y, plus a penalty on the
/// scales.
#[grad]
fn loss(p: &Mlp, x: &Array<f64>, y: f64) -> f64 {
    let h = (p.hidden.w.matmul(x) + &p.hidden.b).tanh() * &p.scales[0];
    let o = (p.out.w.matmul(&h) + &p.out.b).sum();
    let e = o - y;
    e * e + 0.1 * (&p.scales[1] * &p.scales[1]).sum()
}

/// A step returning the nested struct, under jit.
#[jit]
fn step(p: &Mlp, x: &Array<f64>, y: f64, lr: f64) -> Mlp {
    let g = loss::grad(p, x, y);
    Mlp {
        hidden: Layer {
            w: &p.hidden.w - &(&g.hidden.w * lr),
            b: &p.hidden.b - &(&g.hidden.b * lr),
        },
        out: Layer {
            w: &p.out.w - &(&g.out.w * lr),
            b: &p.out.b - &(&g.out.b * lr),
        },
        scales: [
            &p.scales[0] - &(&g.scales[0] * lr),
            &p.scales[1] - &(&g.scales[1] * lr),
        ],
    }
}

fn eager(p: &Mlp, x: &Array<f64>, y: f64) -> f64 {
    let (n, m) = (p.hidden.w.shape()[0], p.hidden.w.shape()[1]);
    let (hw, hb, s0) = (
        p.hidden.w.to_vec(),
        p.hidden.b.to_vec(),
        p.scales[0].to_vec(),
    );
    let h: Vec<f64> = (0..n)
        .map(|i| ((0..m).map(|j| hw[i * m + j] * x[j]).sum::<f64>() + hb[i]).tanh() * s0[i])
        .collect();
    let ow = p.out.w.to_vec();
    let k = p.out.w.shape()[0];
    let o: f64 = (0..k)
        .map(|r| (0..n).map(|i| ow[r * n + i] * h[i]).sum::<f64>() + p.out.b[r])
        .sum();
    let s1: f64 = p.scales[1].to_vec().iter().map(|s| s * s).sum();
    (o - y) * (o - y) + 0.1 * s1
}

fn sample() -> (Mlp, Array<f64>, f64) {
    let m = |r: usize, c: usize, k: f64| {
        let d: Vec<f64> = (0..r * c)
            .map(|i| ((i as f64 + k) * 0.7).sin() * 0.5)
            .collect();
        Array::from_shape_vec(vec![r, c], d).unwrap()
    };
    let v =
        |n: usize, k: f64| Array::from_vec((0..n).map(|i| ((i as f64 + k) * 1.3).cos()).collect());
    let p = Mlp {
        hidden: Layer {
            w: m(3, 2, 0.0),
            b: v(3, 1.0),
        },
        out: Layer {
            w: m(1, 3, 2.0),
            b: v(1, 3.0),
        },
        scales: [v(3, 4.0), v(2, 5.0)],
    };
    (p, Array::from_vec(vec![0.4, -0.9]), 0.3)
}

#[test]
fn grad_of_a_nested_struct_matches_finite_differences() {
    let (p, x, y) = sample();
    assert!((loss(&p, &x, y) - eager(&p, &x, y)).abs() < 1e-13);
    let g: Mlp = loss::grad(&p, &x, y);
    let leaves = tree_leaves(&p);
    let gl = tree_leaves(&g);
    assert_eq!(leaves.len(), 6);
    let h = 1e-6;
    for (li, leaf) in leaves.iter().enumerate() {
        assert_eq!(gl[li].shape(), leaf.shape());
        for k in 0..leaf.to_vec().len() {
            let bump = |d: f64| {
                let mut ls = leaves.clone();
                let mut v = ls[li].to_vec();
                v[k] += d;
                ls[li] = Array::from_shape_vec(leaf.shape().to_vec(), v).unwrap();
                eager(&tree_unflatten(&p, ls), &x, y)
            };
            let fd = (bump(h) - bump(-h)) / (2.0 * h);
            assert!(
                (gl[li].to_vec()[k] - fd).abs() < 1e-7,
                "leaf {li}[{k}]: {} vs {fd}",
                gl[li].to_vec()[k]
            );
        }
    }
}

#[test]
fn jit_step_and_companions_take_the_nested_struct() {
    let (p, x, y) = sample();
    let g = loss::grad(&p, &x, y);
    let next = step(&p, &x, y, 0.1);
    for ((n, o), d) in tree_leaves(&next)
        .iter()
        .zip(tree_leaves(&p))
        .zip(tree_leaves(&g))
    {
        for ((a, b), c) in n.to_vec().iter().zip(o.to_vec()).zip(d.to_vec()) {
            assert!((a - (b - 0.1 * c)).abs() < 1e-14);
        }
    }
    // jvp with a nested tangent = <grad, tangent>; vjp's pullback gives the struct.
    let (_, pb) = loss::vjp(&p, &x, y);
    let (gp, _, _) = pb(1.0);
    assert_eq!(gp, g);
    let dp = rjax::runtime::tree::tree_map(&p, |l| l * 0.5);
    let dx = Array::zeros(&[2]);
    let (v, t) = loss::jvp((&p, &x, y), (&dp, &dx, 0.0));
    assert!((v - loss(&p, &x, y)).abs() < 1e-14);
    let want: f64 = tree_leaves(&g)
        .iter()
        .zip(tree_leaves(&dp))
        .map(|(a, b)| {
            a.to_vec()
                .iter()
                .zip(b.to_vec())
                .map(|(u, w)| u * w)
                .sum::<f64>()
        })
        .sum();
    assert!((t - want).abs() < 1e-12);
}
