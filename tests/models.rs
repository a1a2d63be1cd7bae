//! Small models a newcomer writes first, end to end: logistic regression
//! trained by a `#[jit]` step that calls `loss::grad`, softmax
//! cross-entropy with per-row stabilisation, and an RNN unrolled for a
//! run-time number of steps (a `while` in the IR, reverse mode through it).
//! Gradients are checked against analytic forms and finite differences.
use rjax::prelude::*;

#[grad(argnums = (0, 1))]
fn logreg(w: &Array<f64>, b: f64, #[rank(2)] x: &Array<f64>, y: &Array<f64>) -> f64 {
    let p = (x.dot(w) + b).logistic();
    -(y * p.log() + (1.0 - y) * (1.0 - p).log()).mean()
}

#[jit]
fn logreg_step(
    w: &Array<f64>,
    b: f64,
    #[rank(2)] x: &Array<f64>,
    y: &Array<f64>,
) -> (Array<f64>, f64) {
    let (gw, gb) = logreg::grad(w, b, x, y);
    (w - gw * 0.5, b - gb * 0.5)
}

fn data() -> (Array<f64>, Array<f64>) {
    let x = Array::from_shape_vec(
        vec![6, 2],
        vec![0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 2.0, 0.5, -1.0, 0.3],
    )
    .unwrap();
    let y = Array::from_vec(vec![1.0, 0.0, 1.0, 0.0, 0.0, 1.0]);
    (x, y)
}

#[test]
fn logistic_regression_gradient_is_the_textbook_one_and_training_lowers_the_loss() {
    let (x, y) = data();
    let w = Array::from_vec(vec![0.3, -0.2]);
    let b = 0.1;
    // d/dw mean BCE = X^T (sigmoid(Xw + b) - y) / n
    let (gw, gb) = logreg::grad(&w, b, &x, &y);
    let n = 6.0;
    let mut want_w = [0.0; 2];
    let mut want_b = 0.0;
    for i in 0..6 {
        let z = x.get(&[i, 0]) * w[0] + x.get(&[i, 1]) * w[1] + b;
        let r = 1.0 / (1.0 + (-z).exp()) - y[i];
        want_w[0] += x.get(&[i, 0]) * r / n;
        want_w[1] += x.get(&[i, 1]) * r / n;
        want_b += r / n;
    }
    assert!((gw[0] - want_w[0]).abs() < 1e-12 && (gw[1] - want_w[1]).abs() < 1e-12);
    assert!((gb - want_b).abs() < 1e-12);
    let (mut w, mut b) = (w, b);
    let first = logreg(&w, b, &x, &y);
    for _ in 0..200 {
        let (nw, nb) = logreg_step(&w, b, &x, &y);
        // the jit step is the eager update
        let (gw, gb) = logreg::grad(&w, b, &x, &y);
        assert!((nb - (b - 0.5 * gb)).abs() < 1e-12);
        assert!((nw[0] - (w[0] - 0.5 * gw[0])).abs() < 1e-12);
        w = nw;
        b = nb;
    }
    assert!(logreg(&w, b, &x, &y) < 0.6 * first);
}

#[grad]
fn xent(#[rank(2)] logits: &Array<f64>, #[rank(2)] y: &Array<f64>) -> f64 {
    let z = logits - logits.max_axes(&[1], true);
    let lse = z.exp().sum_axes(&[1], true).log();
    -(y * (z - lse)).sum_axes(&[1], false).mean()
}

#[test]
fn softmax_cross_entropy_gradient_is_softmax_minus_labels_over_batch() {
    let logits = Array::from_shape_vec(vec![2, 3], vec![1.0, 2.0, 3.0, 1.0, 0.0, -1.0]).unwrap();
    let y = Array::from_shape_vec(vec![2, 3], vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0]).unwrap();
    let g = xent::grad(&logits, &y);
    for r in 0..2 {
        let row: Vec<f64> = (0..3).map(|c| logits.get(&[r, c])).collect();
        let z: f64 = row.iter().map(|v| v.exp()).sum();
        for (c, v) in row.iter().enumerate() {
            let want = (v.exp() / z - y.get(&[r, c])) / 2.0;
            assert!((g.get(&[r, c]) - want).abs() < 1e-12);
        }
    }
}

/// h_{t+1} = tanh(W h_t + x_t) for a run-time number of steps.
#[grad]
fn rnn(#[rank(2)] w: &Array<f64>, #[rank(2)] xs: &Array<f64>, steps: usize) -> f64 {
    let mut h = xs.index(0) * 0.0;
    for t in 0..steps {
        h = (w.dot(&h) + xs.index(t)).tanh();
    }
    h.sum()
}

#[test]
fn rnn_gradient_over_a_runtime_number_of_steps_matches_finite_differences() {
    let w =
        Array::from_shape_vec(vec![3, 3], (0..9).map(|k| k as f64 * 0.1 - 0.4).collect()).unwrap();
    let xs =
        Array::from_shape_vec(vec![5, 3], (0..15).map(|k| (k as f64).sin()).collect()).unwrap();
    for steps in [1usize, 3, 5] {
        let g = rnn::grad(&w, &xs, steps);
        let h = 1e-6;
        for k in 0..9 {
            let bump = |s: f64| {
                let mut d = w.to_vec();
                d[k] += s;
                Array::from_shape_vec(vec![3, 3], d).unwrap()
            };
            let fd = (rnn(&bump(h), &xs, steps) - rnn(&bump(-h), &xs, steps)) / (2.0 * h);
            let got = g.as_slice()[k];
            assert!(
                (got - fd).abs() < 1e-7,
                "steps={steps} k={k}: {got} vs {fd}"
            );
        }
    }
}
