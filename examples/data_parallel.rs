//! Data-parallel training of a small MLP: the batch is split over the
//! "data" axis of a mesh and each device runs `loss::value_and_grad` on
//! its block. The loss is `pmean` of the blocks' mean squared errors, so
//! rjax's gradient through `pmean` is already the gradient of the whole
//! batch, all-reduced (the transpose rules of rjax-core put the `psum`
//! where the replicated parameters meet the sharded data), and every
//! device applies the same update. Loss is printed per epoch.
//!
//! The same program runs on threads or on MPI ranks:
//!
//! ```text
//! cargo run --release --example data_parallel                  # 1 thread device per core
//! cargo build --release --features mpi --example data_parallel
//! mpirun -n 2 target/release/examples/data_parallel            # 2 processes
//! ```
//!
//! Both print the same losses (collectives add in device order, so the
//! results are bit-identical; RJAX_NUM_DEVICES sets the thread count). On
//! threads it then times the training step on 1 device and on all of them
//! and prints the speed-up.

use std::time::Instant;

use rjax::runtime::sharding::{Mesh, devices, distributed};

/// The model, its forward and backward passes written by hand, and the
/// sharded and unsharded training steps (shared with the tests).
pub mod mlp {
    use rjax::prelude::*;
    use rjax::runtime::P;
    use rjax::runtime::sharding::{Mesh, pmean, shard_map};

    /// Input features.
    pub const D_IN: usize = 32;
    /// Hidden units.
    pub const HIDDEN: usize = 128;
    /// Learning rate of plain SGD.
    pub const LR: f32 = 0.05;

    /// `[w1 [D_IN, HIDDEN], b1 [HIDDEN], w2 [HIDDEN, 1], b2 [1]]`.
    pub type Params = Vec<Array<f32>>;

    /// A reproducible stream of uniform numbers in [-1, 1) (splitmix64), so
    /// every process builds the same data without sharing it.
    pub struct Rng(u64);

    impl Rng {
        /// A stream from `seed`.
        pub fn new(seed: u64) -> Rng {
            Rng(seed)
        }

        /// The next number in [-1, 1).
        pub fn uniform(&mut self) -> f32 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            ((z >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        }

        fn array(&mut self, shape: &[usize], scale: f32) -> Array<f32> {
            let n = shape.iter().product();
            Array::from_shape_vec(
                shape.to_vec(),
                (0..n).map(|_| self.uniform() * scale).collect(),
            )
            .unwrap()
        }
    }

    /// Initial parameters (scaled uniform, zero biases).
    pub fn init(seed: u64) -> Params {
        let mut r = Rng::new(seed);
        vec![
            r.array(&[D_IN, HIDDEN], (1.0 / D_IN as f32).sqrt()),
            Array::from_vec(vec![0.0; HIDDEN]),
            r.array(&[HIDDEN, 1], (1.0 / HIDDEN as f32).sqrt()),
            Array::from_vec(vec![0.0]),
        ]
    }

    /// `n` examples of a smooth nonlinear regression target: `(x [n, D_IN], y [n, 1])`.
    pub fn dataset(n: usize, seed: u64) -> (Array<f32>, Array<f32>) {
        let mut r = Rng::new(seed);
        let x = r.array(&[n, D_IN], 1.0);
        let y: Vec<f32> = x
            .as_slice()
            .chunks(D_IN)
            .map(|row| (row[0] * 2.0).sin() + row[1] * row[2] + 0.5 * row[3].abs())
            .collect();
        (x, Array::from_shape_vec(vec![n, 1], y).unwrap())
    }

    /// Rows `lo..hi` of a 2-d array.
    pub fn rows(a: &Array<f32>, lo: usize, hi: usize) -> Array<f32> {
        let c = a.shape()[1];
        Array::from_shape_vec(vec![hi - lo, c], a.as_slice()[lo * c..hi * c].to_vec()).unwrap()
    }

    /// The reference the tests hold rjax's gradient to, derived by hand:
    /// sum of squared errors over this block divided by `batch` (the global
    /// batch size), and its gradient with respect to every parameter.
    pub fn loss_and_grads(
        p: &[Array<f32>],
        x: &Array<f32>,
        y: &Array<f32>,
        batch: usize,
    ) -> (f32, Params) {
        let (w1, b1, w2, b2) = (&p[0], &p[1], &p[2], &p[3]);
        let scale = 1.0 / batch as f32;
        // Forward: h = tanh(x w1 + b1), out = h w2 + b2, loss = sum((out - y)^2) / batch.
        let h = (&x.matmul(w1) + b1).tanh();
        let r = &(&h.matmul(w2) + b2) - y;
        let loss = r.square().sum() * scale;
        // Backward, by the chain rule from d loss / d out = 2 r / batch.
        let d_out = &r * (2.0 * scale);
        let g_w2 = h.t().matmul(&d_out);
        let g_b2 = d_out.sum_axes(&[0], false);
        let d_z = &d_out.matmul(&w2.t()) * &(-h.square() + 1.0);
        let g_w1 = x.t().matmul(&d_z);
        let g_b1 = d_z.sum_axes(&[0], false);
        (loss, vec![g_w1, g_b1, g_w2, g_b2])
    }

    /// The loss of one device's block: the mean over the "data" axis of
    /// each block's mean squared error (`inv_rows` = 1 / rows per block),
    /// which for equal blocks is the mean squared error of the whole batch.
    /// Inside `shard_map`, `loss::value_and_grad` gives that global loss and
    /// its gradient with respect to the replicated parameters.
    #[grad(argnums = (0, 1, 2, 3))]
    pub fn loss(
        #[rank(2)] w1: &Array<f32>,
        b1: &Array<f32>,
        #[rank(2)] w2: &Array<f32>,
        b2: &Array<f32>,
        #[rank(2)] x: &Array<f32>,
        #[rank(2)] y: &Array<f32>,
        inv_rows: f32,
    ) -> f32 {
        let h = (x.dot(w1) + b1).tanh();
        let r = h.dot(w2) + b2 - y;
        pmean((&r * &r).sum() * inv_rows, "data")
    }

    /// This device's loss and gradients (already all-reduced), as
    /// `[g_w1, g_b1, g_w2, g_b2]`; `a` is `[w1, b1, w2, b2, x, y]`.
    pub fn block_value_and_grad(a: &[Array<f32>]) -> (f32, Params) {
        let inv_rows = 1.0 / a[4].shape()[0] as f32;
        let (l, (g1, gb1, g2, gb2)) =
            loss::value_and_grad(&a[0], &a[1], &a[2], &a[3], &a[4], &a[5], inv_rows);
        (l, vec![g1, gb1, g2, gb2])
    }

    /// `p - LR * g` for every parameter.
    pub fn sgd(p: &[Array<f32>], g: &[Array<f32>]) -> Params {
        p.iter().zip(g).map(|(p, g)| p - &(g * LR)).collect()
    }

    /// One SGD step on one device: returns the new parameters and the loss.
    pub fn step_unsharded(p: &[Array<f32>], x: &Array<f32>, y: &Array<f32>) -> (Params, f32) {
        let (loss, g) = loss_and_grads(p, x, y, x.shape()[0]);
        (sgd(p, &g), loss)
    }

    /// The gradient of the whole batch from `loss::grad` per block:
    /// `[g_w1, g_b1, g_w2, g_b2, loss]`, the same on every device.
    pub fn grads_sharded(mesh: &Mesh, p: &[Array<f32>], x: &Array<f32>, y: &Array<f32>) -> Params {
        let f = |a: &[Array<f32>]| {
            let (l, mut g) = block_value_and_grad(a);
            g.push(Array::from_vec(vec![l]));
            g
        };
        let specs = [P![], P![], P![], P![], P!["data", None], P!["data", None]];
        let sm = shard_map(f, mesh, &specs, &[P![], P![], P![], P![], P![]]);
        let args: Vec<&Array<f32>> = p.iter().chain([x, y]).collect();
        sm.call(&args).unwrap().iter().map(|s| s.gather()).collect()
    }

    /// One data-parallel SGD step: the batch is split over "data", each
    /// device differentiates the `pmean` loss of its block (the gradient
    /// comes out all-reduced) and applies the same update.
    pub fn step_sharded(
        mesh: &Mesh,
        p: &[Array<f32>],
        x: &Array<f32>,
        y: &Array<f32>,
    ) -> (Params, f32) {
        let f = |a: &[Array<f32>]| {
            let (l, g) = block_value_and_grad(a);
            let mut out = sgd(&a[..4], &g);
            out.push(Array::from_vec(vec![l]));
            out
        };
        let specs = [P![], P![], P![], P![], P!["data", None], P!["data", None]];
        let sm = shard_map(f, mesh, &specs, &[P![], P![], P![], P![], P![]]);
        let args: Vec<&Array<f32>> = p.iter().chain([x, y]).collect();
        let mut out: Params = sm.call(&args).unwrap().iter().map(|s| s.gather()).collect();
        let loss = out.pop().unwrap().as_slice()[0];
        (out, loss)
    }
}

const N: usize = 4096;
const BATCH: usize = 1024;
const EPOCHS: usize = 8;

/// Trains for `EPOCHS` epochs and returns the final parameters, printing
/// the mean loss of each epoch when `print` is set.
fn train(mesh: &Mesh, print: bool) -> mlp::Params {
    let (x, y) = mlp::dataset(N, 1);
    let mut p = mlp::init(2);
    for epoch in 0..EPOCHS {
        let mut total = 0.0;
        for lo in (0..N).step_by(BATCH) {
            let (xb, yb) = (mlp::rows(&x, lo, lo + BATCH), mlp::rows(&y, lo, lo + BATCH));
            let (np, loss) = mlp::step_sharded(mesh, &p, &xb, &yb);
            p = np;
            total += loss;
        }
        if print {
            println!("epoch {epoch}: loss {:.6}", total / (N / BATCH) as f32);
        }
    }
    p
}

/// Wall time of one training step on `one` and on `many` devices: steps
/// alternate between the two meshes so that other load on the machine hits
/// both alike, and each time is the median of `reps` steps.
fn time_steps(one: &Mesh, many: &Mesh, reps: usize) -> (f64, f64) {
    let (x, y) = mlp::dataset(BATCH, 3);
    let mut p = mlp::init(2);
    let mut t = [Vec::new(), Vec::new()];
    for i in 0..=reps {
        for (k, mesh) in [one, many].into_iter().enumerate() {
            let start = Instant::now();
            p = mlp::step_sharded(mesh, &p, &x, &y).0;
            if i > 0 {
                // The first round is a warm-up.
                t[k].push(start.elapsed().as_secs_f64());
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(&mut t[0]), median(&mut t[1]))
}

fn main() {
    let dist = distributed::initialize().expect("joining the distributed system");
    let all = devices();
    let n = all.len();
    let mesh = Mesh::new(&all[..n], &[("data", n)]).unwrap();
    let lead = dist.process_index() == 0;
    if lead {
        println!(
            "{} process(es), mesh data={n}; batch {BATCH} split in {n}, MLP {}-{}-1",
            dist.process_count(),
            mlp::D_IN,
            mlp::HIDDEN
        );
    }
    let p = train(&mesh, lead);
    if lead {
        let checksum: f64 = p.iter().flat_map(|a| a.to_vec()).map(|v| v as f64).sum();
        println!("parameter checksum {checksum:.9}");
    }
    if dist.process_count() == 1 && n > 1 {
        let one = Mesh::new(&all[..1], &[("data", 1)]).unwrap();
        let (t1, tn) = time_steps(&one, &mesh, 41);
        println!(
            "training step (median of 41): 1 device {:.2} ms, {n} devices {:.2} ms, speed-up {:.2}x",
            t1 * 1e3,
            tn * 1e3,
            t1 / tn
        );
    }
}
