//! Random functions inside annotated bodies: draws under `#[jit]`,
//! `#[grad]` and `#[vmap]` are bit for bit the eager `rjax::random` draws
//! with the same keys (themselves checked against JAX in
//! rjax-runtime/tests/random_reference.rs); vmap over a batch of keys equals the loop over the
//! keys; gradients through noise equal the analytic ones.

use rjax::prelude::*;

/// Eight keys, made the same way twice (keys are used once).
fn eight_keys(seed: u64) -> Vec<Key> {
    random::split(random::key(seed), 8)
}

#[jit]
fn draws_f32(key: Key) -> (Array<f32>, Array<f32>, Array<f32>, Array<bool>, Array<i32>) {
    let [k1, rest] = random::split2(key);
    let [k2, rest] = random::split2(rest);
    let [k3, rest] = random::split2(rest);
    let [k4, k5] = random::split2(rest);
    let k5 = random::fold_in(k5, 7);
    (
        random::normal::<f32>(k1, &[5]),
        random::uniform::<f32>(k2, &[2, 3], -1.0, 2.0),
        random::gumbel::<f32>(k3, &[4]),
        random::bernoulli(k4, 0.3f32, &[6]),
        random::randint(k5, &[6], -3, 9),
    )
}

#[test]
fn jit_draws_equal_eager_draws_f32() {
    for seed in [0u64, 42, 1 << 40] {
        let (n, u, g, b, r) = draws_f32(random::key(seed));
        let [k1, rest] = random::split2(random::key(seed));
        let [k2, rest] = random::split2(rest);
        let [k3, rest] = random::split2(rest);
        let [k4, k5] = random::split2(rest);
        let k5 = random::fold_in(k5, 7);
        let bits = |a: &Array<f32>| a.to_vec().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&n), bits(&random::normal::<f32>(k1, &[5])));
        let want_u = random::uniform::<f32>(k2, &[2, 3], -1.0, 2.0);
        assert_eq!(u.shape(), want_u.shape());
        assert_eq!(bits(&u), bits(&want_u));
        assert_eq!(bits(&g), bits(&random::gumbel::<f32>(k3, &[4])));
        assert_eq!(b.to_vec(), random::bernoulli(k4, 0.3f32, &[6]).to_vec());
        assert_eq!(r.to_vec(), random::randint(k5, &[6], -3, 9).to_vec());
    }
}

#[jit]
fn draws_f64(#[rank(2)] x: &Array<f64>, key: Key) -> (Array<f64>, Array<f64>, Array<f64>) {
    let [a, b] = random::split2(random::fold_in(random::fold_in(key, 1), 2));
    (
        random::exponential::<f64>(a, x.shape()),
        random::truncated_normal::<f64>(b, -1.0, 2.0, &[3]),
        x * 2.0,
    )
}

#[test]
fn jit_draws_equal_eager_draws_f64() {
    let x = Array::from_shape_vec(vec![2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap();
    let (e, t, y) = draws_f64(&x, random::key(9));
    let [a, b] = random::split2(random::fold_in(random::fold_in(random::key(9), 1), 2));
    let bits = |a: &Array<f64>| a.to_vec().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let want_e = random::exponential::<f64>(a, &[2, 2]);
    assert_eq!(e.shape(), &[2, 2]);
    assert_eq!(bits(&e), bits(&want_e));
    assert_eq!(
        bits(&t),
        bits(&random::truncated_normal::<f64>(b, -1.0, 2.0, &[3]))
    );
    assert_eq!(y.to_vec(), vec![2.0, 4.0, 6.0, 8.0]);
}

// ---- vmap over a batch of keys ------------------------------------------

/// One noisy copy of a row; `noisy_row::vmap` takes a `Vec<Key>` for `key`
/// (one key per row, JAX's key array of shape (8,)).
#[vmap]
fn noisy_row(x: &Array<f64>, key: Key) -> Array<f64> {
    let [k1, k2] = random::split2(key);
    let z = random::normal::<f64>(k1, x.shape());
    let s = random::uniform::<f64>(k2, &[], 0.5, 1.5);
    x + &(z * s)
}

#[test]
fn vmap_over_split_keys_equals_the_loop() {
    let xs = Array::from_shape_vec(vec![8, 3], (0..24).map(f64::from).collect()).unwrap();
    let batched = noisy_row::vmap(&xs, eight_keys(3));
    assert_eq!(batched.shape(), &[8, 3]);
    for (i, k) in eight_keys(3).into_iter().enumerate() {
        let row = Array::from_vec(xs.to_vec()[3 * i..3 * i + 3].to_vec());
        let want = noisy_row(&row, k);
        assert_eq!(
            batched.to_vec()[3 * i..3 * i + 3],
            want.to_vec()[..],
            "row {i}"
        );
    }
}

/// Keys mapped, the scale shared (`None`), under `#[jit]` too.
#[jit]
#[vmap(in_axes = (0, None))]
fn scaled_noise(key: Key, scale: f32) -> Array<f32> {
    random::normal::<f32>(key, &[4]) * scale
}

#[test]
fn jit_vmap_over_keys_equals_the_loop() {
    // A key is its data in the IR; the draw is one primitive.
    let text = scaled_noise::jaxpr().to_string();
    assert!(text.contains("a:u32[2]"), "{text}");
    assert!(
        text.contains("random_normal[dtype=float32 shape=(4,)] a"),
        "{text}"
    );
    let batched = scaled_noise::vmap(eight_keys(5), 3.0);
    assert_eq!(batched.shape(), &[8, 4]);
    let mut want = Vec::new();
    for k in eight_keys(5) {
        want.extend(scaled_noise(k, 3.0).to_vec());
    }
    assert_eq!(batched.to_vec(), want);
}

/// One key shared by every row (`None`): every row sees the same noise.
#[vmap(in_axes = (0, None))]
fn shared_noise(x: &Array<f32>, key: Key) -> Array<f32> {
    x + &random::normal::<f32>(key, x.shape())
}

#[test]
fn vmap_with_a_shared_key_uses_the_same_noise_per_row() {
    let xs = Array::from_shape_vec(vec![2, 3], vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]).unwrap();
    let got = shared_noise::vmap(&xs, random::key(11));
    let z = random::normal::<f32>(random::key(11), &[3]).to_vec();
    let want: Vec<f32> = z.iter().copied().chain(z.iter().map(|v| v + 1.0)).collect();
    assert_eq!(got.to_vec(), want);
}

// ---- gradients through noise --------------------------------------------

#[grad]
fn noisy_loss(w: &Array<f64>, key: Key) -> f64 {
    let noise = random::normal::<f64>(key, w.shape());
    let d = w + &noise;
    (&d * &d).sum()
}

#[test]
fn grad_through_noise_is_two_times_w_plus_noise() {
    let w = Array::from_vec(vec![0.5, -1.0, 2.0]);
    let g = noisy_loss::grad(&w, random::key(7));
    let noise = random::normal::<f64>(random::key(7), &[3]).to_vec();
    let want: Vec<f64> = w
        .to_vec()
        .iter()
        .zip(&noise)
        .map(|(w, n)| 2.0 * (w + n))
        .collect();
    for (a, b) in g.to_vec().iter().zip(&want) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
    }
    let (v, _) = noisy_loss::value_and_grad(&w, random::key(7));
    assert_eq!(v, noisy_loss(&w, random::key(7)));
}

/// Differentiable through the bounds of `uniform`: `lo + (hi - lo) * u`.
#[grad]
fn uniform_sum(a: f64, key: Key) -> f64 {
    random::uniform::<f64>(key, &[4], a, a * 3.0).sum()
}

#[test]
fn grad_of_uniform_bounds_is_one_plus_two_u() {
    let g = uniform_sum::grad(0.7, random::key(2));
    let u = random::uniform::<f64>(random::key(2), &[4], 0.0, 1.0).to_vec();
    let want: f64 = u.iter().map(|u| 1.0 + 2.0 * u).sum();
    assert!((g - want).abs() < 1e-12, "{g} vs {want}");
}

// ---- keys threaded through a loop ----------------------------------------

/// Ten steps of a walk inside one `#[jit]` function: the key is carried by
/// the loop (a `scan`), split once per step.
#[jit]
fn walk(x: &Array<f32>, key: Key) -> Array<f32> {
    let mut key = key;
    let mut x = x.clone();
    for _ in 0..10 {
        let [next, now] = random::split2(key);
        key = next;
        x = &x + &random::normal::<f32>(now, x.shape());
    }
    x
}

#[test]
fn jit_loop_carrying_a_key_equals_the_eager_loop() {
    let x0 = Array::from_vec(vec![0.0f32, 1.0, -1.0]);
    let got = walk(&x0, random::key(21));
    let mut key = random::key(21);
    let mut want = x0.clone();
    for _ in 0..10 {
        let [next, now] = random::split2(key);
        key = next;
        want += &random::normal::<f32>(now, &[3]);
    }
    assert_eq!(got.to_vec(), want.to_vec());
}

// ---- raw bits --------------------------------------------------------------

#[jit]
#[vmap]
fn words(key: Key) -> Array<u32> {
    random::bits::<u32>(key, &[2, 3])
}

#[test]
fn bits_under_jit_and_vmap_equal_eager_bits() {
    assert_eq!(
        words(random::key(4)).to_vec(),
        random::bits::<u32>(random::key(4), &[2, 3]).to_vec()
    );
    let batched = words::vmap(eight_keys(6));
    assert_eq!(batched.shape(), &[8, 2, 3]);
    let want: Vec<u32> = eight_keys(6)
        .into_iter()
        .flat_map(|k| random::bits::<u32>(k, &[2, 3]).to_vec())
        .collect();
    assert_eq!(batched.to_vec(), want);
}

// ---- composition with keys ---------------------------------------------------

/// A key passed on to another annotated function, under `#[grad]`.
#[grad]
fn loss_via(w: &Array<f64>, key: Key) -> f64 {
    noisy_loss(w, key) * 0.5
}

/// Per-key gradients: vmap(grad) with the keys mapped and `w` shared.
#[vmap(in_axes = (None, 0))]
fn per_key_grads(w: &Array<f64>, key: Key) -> Array<f64> {
    noisy_loss::grad(w, key)
}

#[test]
fn keys_flow_through_calls_and_companions() {
    let w = Array::from_vec(vec![0.25, -0.5]);
    let g = loss_via::grad(&w, random::key(13));
    let want = noisy_loss::grad(&w, random::key(13));
    for (a, b) in g.to_vec().iter().zip(want.to_vec()) {
        assert!((a - 0.5 * b).abs() <= 1e-12, "{a} vs {}", 0.5 * b);
    }
    let batched = per_key_grads::vmap(&w, eight_keys(14));
    assert_eq!(batched.shape(), &[8, 2]);
    for (i, k) in eight_keys(14).into_iter().enumerate() {
        let row = noisy_loss::grad(&w, k).to_vec();
        let got = &batched.to_vec()[2 * i..2 * i + 2];
        for (a, b) in got.iter().zip(&row) {
            assert!((a - b).abs() <= 1e-12, "row {i}: {a} vs {b}");
        }
    }
}
