//! The hand-fused MLP of the benchmark (tests/fast_support/mlp.rs) against
//! an independent oracle: a naive f64 loss written with plain loops, and
//! its gradient by central finite differences at sampled coordinates.

#[path = "fast_support/mlp.rs"]
mod mlp;
#[path = "../rjax-runtime/tests/support/uniform.rs"]
mod uniform;

use mlp::{B, C, D, H, Mlp};
use uniform::uniform;

/// Mean softmax cross-entropy of tanh(x w1 + b1) w2 + b2, in f64 loops.
fn naive_loss(m: &Mlp, w1: &[f64], b1: &[f64], w2: &[f64], b2: &[f64]) -> f64 {
    let mut total = 0.0;
    for r in 0..B {
        let h: Vec<f64> = (0..H)
            .map(|j| {
                let z: f64 = (0..D).map(|p| m.x[r * D + p] as f64 * w1[p * H + j]).sum();
                (z + b1[j]).tanh()
            })
            .collect();
        let logits: Vec<f64> = (0..C)
            .map(|c| (0..H).map(|j| h[j] * w2[j * C + c]).sum::<f64>() + b2[c])
            .collect();
        let lse = logits.iter().map(|v| v.exp()).sum::<f64>().ln();
        total += (0..C)
            .map(|c| m.y[r * C + c] as f64 * (lse - logits[c]))
            .sum::<f64>();
    }
    total / B as f64
}

#[test]
fn mlp_loss_and_grad_match_f64_oracle() {
    let mut m = Mlp::new(uniform);
    let loss = m.grad();
    let to64 = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
    let (mut w1, mut b1, mut w2, mut b2) = (to64(&m.w1), to64(&m.b1), to64(&m.w2), to64(&m.b2));
    let want = naive_loss(&m, &w1, &b1, &w2, &b2);
    assert!(
        (loss as f64 - want).abs() < 1e-4 * want.abs(),
        "loss {loss} vs {want}"
    );
    assert!(
        (m.loss() as f64 - want).abs() < 1e-4 * want.abs(),
        "loss() alone"
    );

    let eps = 1e-4;
    // Parameter (name, index): a few coordinates of each.
    let picks: [(usize, usize); 8] = [
        (0, 0),
        (0, D * H - 1),
        (0, 12_345),
        (1, 7),
        (2, 0),
        (2, H * C - 1),
        (3, 3),
        (3, 9),
    ];
    for (which, idx) in picks {
        let bump =
            |w1: &mut Vec<f64>, b1: &mut Vec<f64>, w2: &mut Vec<f64>, b2: &mut Vec<f64>, d: f64| {
                let p = match which {
                    0 => &mut w1[idx],
                    1 => &mut b1[idx],
                    2 => &mut w2[idx],
                    _ => &mut b2[idx],
                };
                *p += d;
            };
        bump(&mut w1, &mut b1, &mut w2, &mut b2, eps);
        let up = naive_loss(&m, &w1, &b1, &w2, &b2);
        bump(&mut w1, &mut b1, &mut w2, &mut b2, -2.0 * eps);
        let down = naive_loss(&m, &w1, &b1, &w2, &b2);
        bump(&mut w1, &mut b1, &mut w2, &mut b2, eps);
        let fd = (up - down) / (2.0 * eps);
        let got = [&m.gw1, &m.gb1, &m.gw2, &m.gb2][which][idx] as f64;
        assert!(
            (got - fd).abs() <= 1e-3 * fd.abs().max(1e-2),
            "d loss / d param{which}[{idx}]: {got} vs finite difference {fd}"
        );
    }
}
