//! Row-wise workloads of issue 16 for benches/compare.sh, written once as
//! `#[jit]` functions (macro output only: rjax-core's row kernels) and
//! once in benches/jax_compare.py with the same shapes and maths:
//!   softmax_4096     row softmax of f32[4096, 4096]
//!   logsumexp_4096   logsumexp over the rows of f32[4096, 4096]
//!   layer_norm_4096  layer norm of the rows of f32[4096, 4096] (mean,
//!                    variance, eps 1e-5, scale and shift vectors)
//!   attention_256    single-head attention, sequence 256, width 64:
//!                    softmax(q kᵀ / 8) v, per call

use std::hint::black_box;

use rjax::prelude::jit;
use rjax::runtime::Array;

use super::{best_of, uniform};

#[jit]
fn softmax(#[rank(2)] x: &Array<f32>) -> Array<f32> {
    let z = x - x.max_axes(&[1], true);
    let e = z.exp();
    e.clone() / e.sum_axes(&[1], true)
}

#[jit]
fn logsumexp(#[rank(2)] x: &Array<f32>) -> Array<f32> {
    let m = x.max_axes(&[1], true);
    ((x - m.clone()).exp().sum_axes(&[1], true).log() + m).squeeze()
}

#[jit]
fn layer_norm(#[rank(2)] x: &Array<f32>, g: &Array<f32>, b: &Array<f32>) -> Array<f32> {
    let mu = x.mean_axes(&[1], true);
    let d = x - mu;
    let var = (d.clone() * d.clone()).mean_axes(&[1], true);
    d / (var + 1e-5).sqrt() * g + b
}

#[jit]
fn attention(
    #[rank(2)] q: &Array<f32>,
    #[rank(2)] k: &Array<f32>,
    #[rank(2)] v: &Array<f32>,
) -> Array<f32> {
    let s = q.matmul(&k.t()) * 0.125;
    let e = (s.clone() - s.max_axes(&[1], true)).exp();
    let p = e.clone() / e.sum_axes(&[1], true);
    p.matmul(v)
}

const N: usize = 4096;

fn square(seed: u64, scale: f32) -> Array<f32> {
    let x: Vec<f32> = uniform(N * N, seed).iter().map(|v| v * scale).collect();
    Array::from_shape_vec(vec![N, N], x).unwrap()
}

/// Seconds per call of the named workload (None: not one of these).
pub fn run(name: &str) -> Option<f64> {
    Some(match name {
        "softmax_4096" => {
            let x = square(21, 4.0);
            black_box(softmax(&x));
            best_of(10, || {
                black_box(softmax(&x));
            })
        }
        "logsumexp_4096" => {
            let x = square(22, 4.0);
            black_box(logsumexp(&x));
            best_of(10, || {
                black_box(logsumexp(&x));
            })
        }
        "layer_norm_4096" => {
            let x = square(23, 2.0);
            let g = Array::from_vec(uniform(N, 24).iter().map(|v| 1.0 + 0.5 * v).collect());
            let b = Array::from_vec(uniform(N, 25));
            black_box(layer_norm(&x, &g, &b));
            best_of(10, || {
                black_box(layer_norm(&x, &g, &b));
            })
        }
        "attention_256" => {
            let m = |seed| Array::from_shape_vec(vec![256, 64], uniform(256 * 64, seed)).unwrap();
            let (q, k, v) = (m(26), m(27), m(28));
            black_box(attention(&q, &k, &v));
            let calls = 200;
            best_of(10, || {
                for _ in 0..calls {
                    black_box(attention(&q, &k, &v));
                }
            }) / calls as f64
        }
        _ => return None,
    })
}

/// The workload names, in compare.sh's order.
pub const NAMES: &[&str] = &[
    "softmax_4096",
    "logsumexp_4096",
    "layer_norm_4096",
    "attention_256",
];
