//! The user-program rows of benches/compare.sh (issue 16): each program of
//! benches/programs/defs.rs timed through its annotated (`#[jit]`) form,
//! printed as `macro:name<TAB>seconds` (best of several calls after a
//! warm-up). benches/programs_jax.py times the same programs under
//! jax.jit with the same shapes. Sizes:
//!   mlp_step           SGD step, 784-512-512-10 relu, batch 256
//!   rnn_grad           grad of sum(h^2), 100 steps of tanh(h w + x_t), hidden 128, batch 32
//!   per_example_grads  vmap(grad(logistic nll)) over 8192 examples of 256 features
//!   rosenbrock_hessian hessian of a 16-d extended Rosenbrock, f64, per call
//!   adam_update        one Adam step over 2^20 parameters
//!   kmeans_assign      nearest of 64 centres for 65536 points in 16-d
//!   nbody              vmap'd accelerations of 2048 bodies in 3-d
//!   random_normal      random.normal f32 of 10^7 (eager: a runtime call)
//! Run: cargo bench --bench programs [-- name-filter ...]

use std::hint::black_box;
use std::time::Instant;

#[path = "programs/defs.rs"]
#[allow(dead_code)]
mod defs;
use defs::*;
use rjax::prelude::*;

fn best_of(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// Uniform values in [-scale, scale) from a fixed xorshift stream.
fn rand(shape: &[usize], seed: u32, scale: f32) -> Array<f32> {
    let n: usize = shape.iter().product();
    let mut s = seed.wrapping_mul(2_654_435_761) | 1;
    let v = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            ((s >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0) * scale
        })
        .collect();
    Array::from_shape_vec(shape.to_vec(), v).unwrap()
}

fn one_hot(rows: usize, classes: usize) -> Array<f32> {
    let mut y = vec![0.0f32; rows * classes];
    for i in 0..rows {
        y[i * classes + (i * 7) % classes] = 1.0;
    }
    Array::from_shape_vec(vec![rows, classes], y).unwrap()
}

/// Names and their timers, in compare.sh's order.
const NAMES: [&str; 8] = [
    "mlp_step",
    "rnn_grad",
    "per_example_grads",
    "rosenbrock_hessian",
    "adam_update",
    "kmeans_assign",
    "nbody",
    "random_normal",
];

fn run(name: &str) -> f64 {
    match name {
        "mlp_step" => {
            let p = Mlp {
                w1: rand(&[784, 512], 1, 0.05),
                b1: rand(&[512], 2, 0.01),
                w2: rand(&[512, 512], 3, 0.05),
                b2: rand(&[512], 4, 0.01),
                w3: rand(&[512, 10], 5, 0.05),
                b3: rand(&[10], 6, 0.01),
            };
            let (x, y) = (rand(&[256, 784], 7, 1.0), one_hot(256, 10));
            best_of(20, || {
                black_box(mlp_step(&p, &x, &y, 0.01));
            })
        }
        "rnn_grad" => {
            let (w, xs) = (rand(&[128, 128], 11, 0.1), rand(&[100, 32, 128], 12, 1.0));
            best_of(20, || {
                black_box(rnn_grad(&w, &xs));
            })
        }
        "per_example_grads" => {
            let (w, xs) = (rand(&[256], 21, 0.1), rand(&[8192, 256], 22, 1.0));
            let ys = Array::from_vec(
                (0..8192)
                    .map(|i| if i % 3 == 0 { 1.0 } else { -1.0 })
                    .collect(),
            );
            best_of(20, || {
                black_box(per_example_grads(&w, &xs, &ys));
            })
        }
        "rosenbrock_hessian" => {
            let x = Array::from_vec((0..16).map(|i| 0.1 * i as f64 - 0.7).collect());
            // Per call: 1000 calls per timed run.
            best_of(10, || {
                for _ in 0..1000 {
                    black_box(rosenbrock_hessian(black_box(&x)));
                }
            }) / 1000.0
        }
        "adam_update" => {
            let n = 1 << 20;
            let (p, g, m) = (
                rand(&[n], 31, 1.0),
                rand(&[n], 32, 1.0),
                rand(&[n], 33, 0.1),
            );
            let v = rand(&[n], 34, 0.1).abs();
            best_of(20, || {
                black_box(adam(&p, &g, &m, &v, 3.0));
            })
        }
        "kmeans_assign" => {
            let (x, c) = (rand(&[65536, 16], 41, 1.0), rand(&[64, 16], 42, 1.0));
            best_of(20, || {
                black_box(kmeans_assign(&x, &c));
            })
        }
        "nbody" => {
            let xs = rand(&[2048, 3], 51, 2.0);
            let ms = rand(&[2048], 52, 1.0).abs();
            best_of(10, || {
                black_box(nbody(&xs, &ms));
            })
        }
        "random_normal" => best_of(10, || {
            black_box(random::normal::<f32>(random::key(0), &[10_000_000]));
        }),
        _ => unreachable!("unknown program {name}"),
    }
}

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    for name in NAMES {
        if filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str())) {
            println!("macro:{name}\t{:.9}", run(name));
        }
    }
}
