//! The MLP of issue 5 (tanh hidden layer, softmax cross-entropy) under
//! `#[jit]`: the loss and its gradient with respect to all four parameters
//! equal the un-jitted twin's (plain `#[grad]` emission, no fusion), and
//! the gradient matches central finite differences of the loss (f64).
//! The jitted gradient exercises every fused matmul form: bias columns
//! (`x.matmul(w1) + b1`), two results from one epilogue (`tanh` and
//! `1 - tanh^2`), an epilogue reading another array (`dh * (1 - h^2)`),
//! and transposed products written without copying a transpose. Shapes
//! include a batch of 1, sizes that are no multiple of any kernel tile,
//! and sizes above the threading threshold (column and row blocks).
use rjax::prelude::*;

#[path = "../rjax-runtime/tests/support/xorshift.rs"]
mod xorshift;

#[jit]
#[grad(argnums = (0, 1, 2, 3))]
fn loss_jit(
    #[rank(2)] w1: &Array<f32>,
    b1: &Array<f32>,
    #[rank(2)] w2: &Array<f32>,
    b2: &Array<f32>,
    #[rank(2)] x: &Array<f32>,
    #[rank(2)] y: &Array<f32>,
) -> f32 {
    let h = (x.matmul(w1) + b1).tanh();
    let logits = h.matmul(w2) + b2;
    let z = logits.clone() - logits.max();
    let lse = z.exp().sum_axes(&[1], true).log();
    -(y * (z - lse)).sum() * (1.0 / 128.0)
}

#[grad(argnums = (0, 1, 2, 3))]
fn loss_eager(
    #[rank(2)] w1: &Array<f32>,
    b1: &Array<f32>,
    #[rank(2)] w2: &Array<f32>,
    b2: &Array<f32>,
    #[rank(2)] x: &Array<f32>,
    #[rank(2)] y: &Array<f32>,
) -> f32 {
    let h = (x.matmul(w1) + b1).tanh();
    let logits = h.matmul(w2) + b2;
    let z = logits.clone() - logits.max();
    let lse = z.exp().sum_axes(&[1], true).log();
    -(y * (z - lse)).sum() * (1.0 / 128.0)
}

#[jit]
#[grad(argnums = (0, 1, 2, 3))]
fn loss64(
    #[rank(2)] w1: &Array<f64>,
    b1: &Array<f64>,
    #[rank(2)] w2: &Array<f64>,
    b2: &Array<f64>,
    #[rank(2)] x: &Array<f64>,
    #[rank(2)] y: &Array<f64>,
) -> f64 {
    let h = (x.matmul(w1) + b1).tanh();
    let logits = h.matmul(w2) + b2;
    let z = logits.clone() - logits.max();
    let lse = z.exp().sum_axes(&[1], true).log();
    -(y * (z - lse)).sum() * (1.0 / 128.0)
}

/// Deterministic values in [-1, 1).
fn data(n: usize, seed: u32) -> Vec<f64> {
    xorshift::uniform(n, seed, -1.0, 1.0)
}

/// Parameters and data (f64) for batch `b`, layers `d -> h -> c`: small
/// weights, one-hot labels.
fn model(b: usize, d: usize, h: usize, c: usize) -> [Array<f64>; 6] {
    let a = |shape: &[usize], seed: u32, scale: f64| {
        let v = data(shape.iter().product(), seed)
            .iter()
            .map(|x| x * scale)
            .collect();
        Array::from_shape_vec(shape.to_vec(), v).unwrap()
    };
    let mut y = vec![0.0; b * c];
    for r in 0..b {
        y[r * c + (r * 7) % c] = 1.0;
    }
    [
        a(&[d, h], 1, 1.0 / (d as f64).sqrt()),
        a(&[h], 2, 0.5),
        a(&[h, c], 3, 1.0 / (h as f64).sqrt()),
        a(&[c], 4, 0.5),
        a(&[b, d], 5, 1.0),
        Array::from_shape_vec(vec![b, c], y).unwrap(),
    ]
}

fn to_f32(a: &Array<f64>) -> Array<f32> {
    Array::from_shape_vec(
        a.shape().to_vec(),
        a.as_slice().iter().map(|&v| v as f32).collect(),
    )
    .unwrap()
}

const SHAPES: [(usize, usize, usize, usize); 4] = [
    (1, 5, 3, 2),
    (7, 13, 37, 5),
    (128, 50, 20, 10),
    (67, 300, 129, 10),
];

fn assert_close(got: &Array<f32>, want: &Array<f32>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes");
    let scale = want.as_slice().iter().fold(0.0f32, |m, v| m.max(v.abs()));
    for (i, (g, w)) in got.as_slice().iter().zip(want.as_slice()).enumerate() {
        assert!(
            (g - w).abs() <= 1e-4 * scale + 1e-6,
            "{what}: element {i}: jit {g} vs eager {w} (largest |value| {scale})"
        );
    }
}

#[test]
fn jit_loss_and_gradient_equal_the_eager_twin() {
    for (b, d, h, c) in SHAPES {
        let p = model(b, d, h, c).map(|a| to_f32(&a));
        let [w1, b1, w2, b2, x, y] = &p;
        let what = format!("batch {b}, {d}-{h}-{c}");
        let (lj, le) = (
            loss_jit(w1, b1, w2, b2, x, y),
            loss_eager(w1, b1, w2, b2, x, y),
        );
        assert!(
            (lj - le).abs() <= 1e-5 * (1.0 + le.abs()),
            "{what}: loss {lj} vs {le}"
        );
        let gj = loss_jit::grad(w1, b1, w2, b2, x, y);
        let ge = loss_eager::grad(w1, b1, w2, b2, x, y);
        assert_close(&gj.0, &ge.0, &format!("{what}: d/dw1"));
        assert_close(&gj.1, &ge.1, &format!("{what}: d/db1"));
        assert_close(&gj.2, &ge.2, &format!("{what}: d/dw2"));
        assert_close(&gj.3, &ge.3, &format!("{what}: d/db2"));
    }
}

#[test]
fn jit_gradient_matches_finite_differences() {
    for (b, d, h, c) in SHAPES {
        let p = model(b, d, h, c);
        let g = loss64::grad(&p[0], &p[1], &p[2], &p[3], &p[4], &p[5]);
        let grads = [&g.0, &g.1, &g.2, &g.3];
        for (which, grad) in grads.iter().enumerate() {
            let n = grad.as_slice().len();
            // About a dozen coordinates per parameter, first and last included.
            let step = (n / 12).max(1);
            for i in (0..n).step_by(step).chain([n - 1]) {
                let at = |delta: f64| {
                    let mut q = p.clone();
                    let mut v = q[which].to_vec();
                    v[i] += delta;
                    q[which] = Array::from_shape_vec(p[which].shape().to_vec(), v).unwrap();
                    loss64(&q[0], &q[1], &q[2], &q[3], &q[4], &q[5])
                };
                let eps = 1e-5;
                let fd = (at(eps) - at(-eps)) / (2.0 * eps);
                let an = grad.as_slice()[i];
                assert!(
                    (fd - an).abs() <= 1e-7 + 1e-5 * an.abs(),
                    "batch {b}, {d}-{h}-{c}: parameter {which} coordinate {i}: grad {an} vs finite difference {fd}"
                );
            }
        }
    }
}
