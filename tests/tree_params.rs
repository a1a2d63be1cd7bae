//! `#[derive(Tree)]` and the tree helpers: leaves in field order, rebuild,
//! `tree_map`/`tree_zip` SGD updates checked element by element, nested
//! trees (tuples, `Vec<Array>`, `[Array; N]`, a struct inside a struct),
//! and gradients of an annotated loss gathered into the same struct.
use rjax::prelude::*;
use rjax::runtime::tree::{
    Tree, tree_leaves, tree_map, tree_sum_squares, tree_unflatten, tree_zip,
};

#[derive(Tree, Clone, Debug, PartialEq)]
struct Layer {
    w: Array<f64>,
    b: f64,
}

#[derive(Tree, Clone, Debug, PartialEq)]
struct Params {
    layers: Vec<Layer>,
    scales: [Array<f64>; 2],
    pair: (Array<f64>, f64),
}

#[derive(Tree, Clone, Debug, PartialEq)]
struct Pair(Array<f64>, Array<f64>);

fn a(v: &[f64]) -> Array<f64> {
    Array::from_vec(v.to_vec())
}

fn sample() -> Params {
    Params {
        layers: vec![
            Layer {
                w: a(&[1.0, 2.0]),
                b: 0.5,
            },
            Layer {
                w: a(&[3.0]),
                b: -1.0,
            },
        ],
        scales: [a(&[4.0]), a(&[5.0, 6.0])],
        pair: (a(&[7.0]), 8.0),
    }
}

#[test]
fn leaves_in_field_order_and_rebuild() {
    let p = sample();
    let leaves: Vec<Vec<f64>> = tree_leaves(&p).iter().map(|l| l.to_vec()).collect();
    let want: Vec<Vec<f64>> = vec![
        vec![1.0, 2.0],
        vec![0.5],
        vec![3.0],
        vec![-1.0],
        vec![4.0],
        vec![5.0, 6.0],
        vec![7.0],
        vec![8.0],
    ];
    assert_eq!(leaves, want);
    let back = tree_unflatten(&p, tree_leaves(&p));
    assert_eq!(back, p);
}

#[test]
fn sgd_update_with_tree_zip() {
    let p = sample();
    let g = tree_map(&p, |l| l * 2.0);
    let lr = 0.25;
    let new = tree_zip(&p, &g, |x, d| x - &(d * lr));
    // x - lr * 2x = 0.5 x, leaf by leaf
    for (n, o) in tree_leaves(&new).iter().zip(tree_leaves(&p)) {
        for (x, y) in n.to_vec().iter().zip(o.to_vec()) {
            assert!((x - 0.5 * y).abs() < 1e-15);
        }
    }
    assert_eq!(new.layers[1].b, -0.5);
    let ss: f64 = [1.0, 2.0, 0.5, 3.0, -1.0, 4.0, 5.0, 6.0, 7.0, 8.0]
        .iter()
        .map(|x: &f64| x * x)
        .sum();
    assert!((tree_sum_squares(&p) - ss).abs() < 1e-12);
}

#[test]
#[should_panic(expected = "tree_unflatten: 1 leaves for a tree of 2")]
fn unflatten_counts_leaves() {
    let p = Pair(a(&[1.0]), a(&[2.0]));
    let _ = tree_unflatten(&p, vec![a(&[1.0])]);
}

#[grad(argnums = (0, 1))]
fn loss(w: &Array<f64>, b: f64, x: &Array<f64>) -> f64 {
    let r = w * x + b;
    (&r * &r).sum()
}

#[test]
fn gradients_into_the_params_struct() {
    let p = Layer {
        w: a(&[0.5, -1.0]),
        b: 0.25,
    };
    let x = a(&[2.0, 3.0]);
    let g: Layer = tree_unflatten(&p, tree_leaves(&loss::grad(&p.w, p.b, &x)));
    // d/dw sum (w x + b)^2 = 2 (w x + b) x; d/db = 2 sum (w x + b)
    let r: Vec<f64> = (0..2).map(|i| p.w[i] * x[i] + p.b).collect();
    for i in 0..2 {
        assert!((g.w[i] - 2.0 * r[i] * x[i]).abs() < 1e-12);
    }
    assert!((g.b - 2.0 * (r[0] + r[1])).abs() < 1e-12);
    let _: &dyn Fn(&Layer) -> Vec<Array<f64>> = &|l| tree_leaves(l);
    fn is_tree<X: Tree<f64>>(_: &X) {}
    is_tree(&g);
}

/// A struct parameter passed directly: `grad` returns a `Layer`.
#[grad]
fn layer_loss(p: &Layer, x: &Array<f64>) -> f64 {
    let r = &p.w * x + p.b;
    (&r * &r).sum()
}

/// Gradients with respect to the struct and the data, with an auxiliary
/// output (argnums tuple + has_aux end to end).
#[grad(argnums = (0, 1), has_aux)]
fn layer_loss_aux(p: &Layer, x: &Array<f64>) -> (f64, f64) {
    let r = &p.w * x + p.b;
    ((&r * &r).sum(), r.sum())
}

/// A jit training step calling `grad` over the struct and returning the
/// updated struct.
#[jit]
fn sgd_step(p: &Layer, x: &Array<f64>, lr: f64) -> Layer {
    let g = layer_loss::grad(p, x);
    Layer {
        b: p.b - lr * g.b,
        w: &p.w - &(&g.w * lr),
    }
}

/// The analytic gradient: d/dw sum (w x + b)^2 = 2 (w x + b) x, d/db = 2 sum (w x + b).
fn analytic(p: &Layer, x: &Array<f64>) -> (Vec<f64>, f64, Vec<f64>) {
    let n = x.shape()[0];
    let r: Vec<f64> = (0..n).map(|i| p.w[i] * x[i] + p.b).collect();
    let gw = (0..n).map(|i| 2.0 * r[i] * x[i]).collect();
    let gx = (0..n).map(|i| 2.0 * r[i] * p.w[i]).collect();
    (gw, 2.0 * r.iter().sum::<f64>(), gx)
}

#[test]
fn grad_with_respect_to_a_struct_parameter() {
    let p = Layer {
        w: a(&[0.5, -1.0, 2.0]),
        b: 0.25,
    };
    let x = a(&[2.0, 3.0, -0.5]);
    let (gw, gb, gx) = analytic(&p, &x);
    let g: Layer = layer_loss::grad(&p, &x);
    for (i, want) in gw.iter().enumerate() {
        assert!((g.w[i] - want).abs() < 1e-12);
    }
    assert!((g.b - gb).abs() < 1e-12);
    let (v, g2) = layer_loss::value_and_grad(&p, &x);
    assert!((v - layer_loss(&p, &x)).abs() < 1e-12);
    assert_eq!(g2, g);

    let ((gp, gxs), aux) = layer_loss_aux::grad(&p, &x);
    assert_eq!(gp, g);
    for (i, want) in gx.iter().enumerate() {
        assert!((gxs[i] - want).abs() < 1e-12);
    }
    let r_sum: f64 = (0..3).map(|i| p.w[i] * x[i] + p.b).sum();
    assert!((aux - r_sum).abs() < 1e-12);
}

#[test]
fn jit_step_calls_grad_over_the_struct() {
    let mut p = Layer {
        w: a(&[0.5, -1.0, 2.0]),
        b: 0.25,
    };
    let x = a(&[2.0, 3.0, -0.5]);
    let lr = 0.01;
    for _ in 0..3 {
        let (gw, gb, _) = analytic(&p, &x);
        let next = sgd_step(&p, &x, lr);
        for (i, gwi) in gw.iter().enumerate() {
            assert!((next.w[i] - (p.w[i] - lr * gwi)).abs() < 1e-12);
        }
        assert!((next.b - (p.b - lr * gb)).abs() < 1e-12);
        p = next;
    }
}
