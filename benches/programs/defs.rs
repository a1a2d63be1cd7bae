//! User programs of the benchmark suite (issue 16), written once as
//! annotated rjax functions the way a user would; their JAX twins are in
//! benches/programs_jax.py with the same shapes and maths. Shared by the
//! bench binary (benches/programs.rs) and tests/suite_programs.rs, which
//! checks each `#[jit]` result against the same body run eagerly.

use rjax::prelude::*;

// ---- one SGD step of a 784-512-512-10 relu MLP (batch 256) ----

/// The MLP's parameters, a pytree.
#[derive(Tree, Clone)]
pub struct Mlp {
    #[rank(2)]
    pub w1: Array<f32>,
    pub b1: Array<f32>,
    #[rank(2)]
    pub w2: Array<f32>,
    pub b2: Array<f32>,
    #[rank(2)]
    pub w3: Array<f32>,
    pub b3: Array<f32>,
}

/// Mean softmax cross-entropy of a relu MLP; `y` one-hot.
#[grad]
pub fn mlp_loss(p: &Mlp, #[rank(2)] x: &Array<f32>, #[rank(2)] y: &Array<f32>) -> f32 {
    let h1 = x.matmul(&p.w1) + &p.b1;
    let h1 = (h1.abs() + h1) * 0.5;
    let h2 = h1.matmul(&p.w2) + &p.b2;
    let h2 = (h2.abs() + h2) * 0.5;
    let logits = h2.matmul(&p.w3) + &p.b3;
    let z = &logits - logits.max_axes(&[1], true);
    let lse = z.exp().sum_axes(&[1], true).log();
    -(y * (z - lse)).sum_axes(&[1], false).mean()
}

/// One SGD step, learning rate `lr`.
#[jit]
pub fn mlp_step(p: &Mlp, #[rank(2)] x: &Array<f32>, #[rank(2)] y: &Array<f32>, lr: f32) -> Mlp {
    let g = mlp_loss::grad(p, x, y);
    Mlp {
        w1: &p.w1 - &g.w1 * lr,
        b1: &p.b1 - &g.b1 * lr,
        w2: &p.w2 - &g.w2 * lr,
        b2: &p.b2 - &g.b2 * lr,
        w3: &p.w3 - &g.w3 * lr,
        b3: &p.b3 - &g.b3 * lr,
    }
}

// ---- gradient of an RNN loss through 100 steps (hidden 128, batch 32) ----

/// `h <- tanh(h w + x_t)` for t < 100 from h = 0; the loss is sum(h^2).
#[grad]
pub fn rnn_loss(#[rank(2)] w: &Array<f32>, #[rank(3)] xs: &Array<f32>) -> f32 {
    let mut h = xs.index(0) * 0.0;
    for t in 0..100 {
        h = (h.dot(w) + xs.index(t)).tanh();
    }
    (&h * &h).sum()
}

/// The RNN's gradient with respect to `w`, compiled.
#[jit]
pub fn rnn_grad(#[rank(2)] w: &Array<f32>, #[rank(3)] xs: &Array<f32>) -> Array<f32> {
    rnn_loss::grad(w, xs)
}

// ---- per-example gradients of logistic regression (8192 x 256) ----

/// Negative log-likelihood of one example, label `y` in {-1, 1}.
#[grad]
pub fn nll(w: &Array<f32>, x: &Array<f32>, y: f32) -> f32 {
    let z = x.dot(w).item();
    (1.0 + (-(y * z)).exp()).ln()
}

/// The gradient of one example's loss.
#[vmap(in_axes = (None, 0, 0))]
pub fn example_grad(w: &Array<f32>, x: &Array<f32>, y: f32) -> Array<f32> {
    nll::grad(w, x, y)
}

/// Every example's gradient, compiled.
#[jit]
pub fn per_example_grads(
    w: &Array<f32>,
    #[rank(2)] xs: &Array<f32>,
    ys: &Array<f32>,
) -> Array<f32> {
    example_grad::vmap(w, xs, ys)
}

// ---- hessian of a 16-dimensional extended Rosenbrock (f64) ----

/// sum over pairs (x_{2i}, x_{2i+1}) of 100 (x_{2i+1} - x_{2i}^2)^2 + (1 - x_{2i})^2.
#[grad]
pub fn rosenbrock(x: &Array<f64>) -> f64 {
    let p = x.reshape(&[8, 2]);
    let a = p.slice(&[0..8, 0..1]);
    let b = p.slice(&[0..8, 1..2]);
    let d = &b - &a * &a;
    let e = 1.0 - a;
    (d.clone() * d * 100.0 + e.clone() * e).sum()
}

/// Its hessian, compiled.
#[jit]
pub fn rosenbrock_hessian(x: &Array<f64>) -> Array<f64> {
    rosenbrock::hessian(x)
}

// ---- one Adam update over 2^20 parameters ----

/// Adam at step `t` (1-based): returns (parameters, first moment, second moment).
#[jit]
pub fn adam(
    p: &Array<f32>,
    g: &Array<f32>,
    m: &Array<f32>,
    v: &Array<f32>,
    t: f32,
) -> (Array<f32>, Array<f32>, Array<f32>) {
    let m = m * 0.9 + g * 0.1;
    let v = v * 0.999 + g * g * 0.001;
    let mhat = &m / (1.0 - 0.9f32.powf(t));
    let vhat = &v / (1.0 - 0.999f32.powf(t));
    let p = p - mhat * 0.001 / (vhat.sqrt() + 1e-8);
    (p, m, v)
}

// ---- one k-means assignment step (65536 points in 16-d, 64 centres) ----

/// The index of the nearest centre of each point: argmin over centres of
/// |c|^2 - 2 x.c (|x|^2 is the same for every centre).
#[jit]
pub fn kmeans_assign(#[rank(2)] x: &Array<f32>, #[rank(2)] c: &Array<f32>) -> Array<i32> {
    let cc = (c * c).sum_axes(&[1], false);
    let d = cc - x.matmul(&c.t()) * 2.0;
    (-d).argmax_axis(1, false)
}

// ---- N-body accelerations with vmap (2048 bodies in 3-d) ----

/// The acceleration of a body at `xi` from all bodies `xs` of masses `ms`
/// (softened, G = 1).
#[vmap(in_axes = (0, None, None))]
pub fn accel(xi: &Array<f32>, #[rank(2)] xs: &Array<f32>, ms: &Array<f32>) -> Array<f32> {
    let d = xs - xi;
    let r2 = (&d * &d).sum_axes(&[1], true) + 0.01;
    let w = ms.expand_dims(1) / (r2.clone() * r2.sqrt());
    (d * w).sum_axes(&[0], false)
}

/// All accelerations, compiled.
#[jit]
pub fn nbody(#[rank(2)] xs: &Array<f32>, ms: &Array<f32>) -> Array<f32> {
    accel::vmap(xs, xs, ms)
}
