//! Random walks with explicit keys: the key is threaded through the
//! simulation, split once per step, and never used twice (the compiler
//! enforces it). Rerunning with the same seed gives the same walk, bit for
//! bit, and so would `jax.random` with the same calls.
//!
//! `cargo run --release --example random_walk`

use rjax::prelude::*;
use rjax::runtime::array::where_;

/// One step for every walker, compiled by `#[jit]` (random draws included):
/// Gaussian increments, plus a rare jump of size +-`jump` drawn with
/// probability `p_jump`. Consumes the step's key; using it twice would not
/// compile, under `#[jit]` too.
#[jit]
fn step(positions: &Array<f32>, key: Key, jump: f32, p_jump: f32) -> Array<f32> {
    let [k_move, rest] = random::split2(key);
    let [k_jump, k_side] = random::split2(rest);
    let moves = random::normal::<f32>(k_move, positions.shape());
    let jumped = random::bernoulli(k_jump, p_jump, positions.shape());
    // A fair direction: the sign of a uniform draw on [-1, 1).
    let side = random::uniform::<f32>(k_side, positions.shape(), -1.0, 1.0);
    let kick = side.sign() * jump;
    let stay = &kick * 0.0;
    positions + &moves + &where_(&jumped, &kick, &stay)
}

/// Simulates `walkers` walks of `steps` steps from `key`; returns the final
/// positions.
fn simulate(mut key: Key, walkers: usize, steps: usize) -> Vec<f32> {
    let mut positions = Array::zeros(&[walkers]);
    for _ in 0..steps {
        // Split off this step's key and keep the other for the future.
        let [next, now] = random::split2(key);
        key = next;
        positions = step(&positions, now, 5.0, 0.01);
    }
    positions.to_vec()
}

fn mean_var(x: &[f32]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = x.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
    (mean, var)
}

fn main() {
    let (walkers, steps) = (10_000, 100);
    let root = random::key(42);
    // fold_in derives a key per experiment from one root key.
    let [k_a, k_b] = random::split2(root);
    let run1 = simulate(random::fold_in(k_a, 0), walkers, steps);
    // Recreating the key from the seed replays the experiment exactly.
    let [k_a_again, _] = random::split2(random::key(42));
    let run2 = simulate(random::fold_in(k_a_again, 0), walkers, steps);
    assert_eq!(run1, run2, "same key, same walk");

    let (mean, var) = mean_var(&run1);
    // Variance per step: 1 (Gaussian) + 0.01 * 25 (jumps) = 1.25.
    let expected = steps as f64 * 1.25;
    println!(
        "{walkers} walkers x {steps} steps: mean {mean:+.3}, variance {var:.1} (expected {expected:.1})"
    );

    let other = simulate(k_b, walkers, steps);
    let (m2, v2) = mean_var(&other);
    println!("an independent key: mean {m2:+.3}, variance {v2:.1}");
    println!(
        "first walker, both runs: {:+.4} vs {:+.4}",
        run1[0], other[0]
    );
}
