//! `#[jit]` output equals the same function without `#[jit]` (the plain
//! Rust body run eagerly on `Array` methods, or the unfused companions of
//! an un-jitted twin) for each fused form the emitter produces: an
//! elementwise chain, a group with several results, a full sum fused with
//! its producer, `tanh(x xᵀ)` (the symmetric kernel), non-square matmuls
//! with transposed operands and epilogues, an epilogue that reads another
//! array (bias), and the loop-carried seed test_fn (ping-pong buffers).
use rjax::prelude::*;

#[path = "../rjax-runtime/tests/support/xorshift.rs"]
mod xorshift;

/// Deterministic values in [-1, 1).
fn data(n: usize, seed: u32) -> Vec<f32> {
    xorshift::uniform(n, seed, -1.0, 1.0)
}

fn arr(shape: &[usize], seed: u32) -> Array<f32> {
    Array::from_shape_vec(shape.to_vec(), data(shape.iter().product(), seed)).unwrap()
}

fn assert_close(got: &Array<f32>, want: &Array<f32>, tol: f32, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes");
    for (i, (g, w)) in got.as_slice().iter().zip(want.as_slice()).enumerate() {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "{what}: element {i}: jit {g} vs eager {w}"
        );
    }
}

#[jit]
fn chain(x: &Array<f32>) -> Array<f32> {
    (x.sin() * 2.0 + 1.0).exp().tanh()
}

fn chain_eager(x: &Array<f32>) -> Array<f32> {
    (x.sin() * 2.0 + 1.0).exp().tanh()
}

#[test]
fn elementwise_chain_small_and_parallel() {
    // 1000 elements run on the calling thread, 100_000 over the pool.
    for n in [1000, 100_000] {
        let x = Array::from_vec(data(n, 1).iter().map(|v| v * 4.0).collect());
        assert_close(&chain(&x), &chain_eager(&x), 1e-5, "chain");
    }
}

#[jit]
fn two_results(#[rank(2)] x: &Array<f32>, #[rank(2)] y: &Array<f32>) -> (Array<f32>, Array<f32>) {
    let s = x.cos() * y;
    let t = (s.clone() - x).logistic();
    (s.log1p(), t * y.exp())
}

fn two_results_eager(x: &Array<f32>, y: &Array<f32>) -> (Array<f32>, Array<f32>) {
    let s = x.cos() * y;
    let t = (s.clone() - x).logistic();
    (s.log1p(), t * y.exp())
}

#[test]
fn group_with_several_inputs_and_results() {
    let (x, y) = (arr(&[37, 11], 2), arr(&[37, 11], 3).abs());
    let (a, b) = two_results(&x, &y);
    let (ea, eb) = two_results_eager(&x, &y);
    assert_close(&a, &ea, 1e-5, "first result");
    assert_close(&b, &eb, 1e-5, "second result");
}

#[jit]
fn sum_of_product(x: &Array<f32>, y: &Array<f32>) -> f32 {
    (x.sin() * y).sum()
}

fn sum_of_product_eager(x: &Array<f32>, y: &Array<f32>) -> f32 {
    (x.sin() * y).sum()
}

#[jit]
fn plain_sum(x: &Array<f64>) -> f64 {
    x.sum()
}

#[test]
fn reductions_consume_their_producer() {
    for n in [5, 70_001] {
        let (x, y) = (arr(&[n], 4), arr(&[n], 5));
        let (j, e) = (sum_of_product(&x, &y), sum_of_product_eager(&x, &y));
        // The fused sum accumulates in f64: compare with a tolerance
        // scaled by the sum of magnitudes.
        let mag: f32 = x
            .as_slice()
            .iter()
            .zip(y.as_slice())
            .map(|(a, b)| (a.sin() * b).abs())
            .sum();
        assert!((j - e).abs() <= 1e-5 * (1.0 + mag), "n={n}: {j} vs {e}");
    }
    let x = Array::from_vec((0..1000).map(|i| i as f64).collect());
    assert_eq!(plain_sum(&x), 499_500.0);
}

#[jit]
fn syrk_tanh(x: &Array<f32>) -> Array<f32> {
    x.dot(&x.t()).tanh()
}

#[jit]
fn gemm_tanh(#[rank(2)] a: &Array<f32>, #[rank(2)] b: &Array<f32>) -> Array<f32> {
    a.dot(b).tanh()
}

#[jit]
fn gemm_nt(#[rank(2)] a: &Array<f32>, #[rank(2)] b: &Array<f32>) -> Array<f32> {
    (a.dot(&b.t()) * 0.5).exp()
}

#[jit]
fn gemm_tn(#[rank(2)] a: &Array<f32>, #[rank(2)] b: &Array<f32>) -> Array<f32> {
    a.t().dot(b)
}

#[jit]
fn gemm_f64(#[rank(2)] a: &Array<f64>, #[rank(2)] b: &Array<f64>) -> Array<f64> {
    a.dot(b).sin()
}

#[jit]
fn dense(#[rank(2)] x: &Array<f32>, #[rank(2)] w: &Array<f32>, b: &Array<f32>) -> Array<f32> {
    (x.dot(w) + b).tanh()
}

fn dense_eager(x: &Array<f32>, w: &Array<f32>, b: &Array<f32>) -> Array<f32> {
    (x.dot(w) + b).tanh()
}

#[test]
fn matmul_epilogues() {
    // Odd sizes: partial strips and tiles.
    let x = arr(&[13, 7], 6);
    assert_close(&syrk_tanh(&x), &x.dot(&x.t()).tanh(), 1e-5, "tanh(x xᵀ)");
    let big = arr(&[150, 40], 7);
    assert_close(
        &syrk_tanh(&big),
        &big.dot(&big.t()).tanh(),
        1e-5,
        "tanh(x xᵀ) parallel",
    );
    let (a, b) = (arr(&[9, 5], 8), arr(&[5, 14], 9));
    assert_close(&gemm_tanh(&a, &b), &a.dot(&b).tanh(), 1e-5, "tanh(a b)");
    let bt = arr(&[14, 5], 10);
    assert_close(
        &gemm_nt(&a, &bt),
        &(a.dot(&bt.t()) * 0.5).exp(),
        1e-5,
        "exp(a bᵀ / 2)",
    );
    let at = arr(&[5, 9], 11);
    assert_close(&gemm_tn(&at, &b), &at.t().dot(&b), 1e-5, "aᵀ b");
    let (a64, b64) = (
        Array::from_shape_vec(vec![3, 4], (0..12).map(|i| i as f64 * 0.1).collect()).unwrap(),
        Array::from_shape_vec(vec![4, 2], (0..8).map(|i| 1.0 - i as f64 * 0.2).collect()).unwrap(),
    );
    let (g, e) = (gemm_f64(&a64, &b64), a64.dot(&b64).sin());
    assert!(g.allclose(&e, 1e-12, 1e-12), "f64: {g:?} vs {e:?}");
    let (xb, w, bias) = (arr(&[16, 30], 12), arr(&[30, 20], 13), arr(&[20], 14));
    assert_close(
        &dense(&xb, &w, &bias),
        &dense_eager(&xb, &w, &bias),
        1e-5,
        "tanh(x w + b)",
    );
}

/// The same programs at sizes where the AVX2 packed kernel takes several
/// contraction passes (k > 320) and runs on the pool, with edge tiles
/// (m not a multiple of 6, n not a multiple of 16).
#[test]
fn matmul_epilogues_over_passes_and_threads() {
    let (x, w, bias) = (arr(&[7, 700], 20), arr(&[700, 17], 21), arr(&[17], 22));
    assert_close(
        &dense(&x, &w, &bias),
        &dense_eager(&x, &w, &bias),
        1e-4,
        "dense 7x700x17",
    );
    let (x, w, bias) = (arr(&[130, 321], 23), arr(&[321, 70], 24), arr(&[70], 25));
    assert_close(
        &dense(&x, &w, &bias),
        &dense_eager(&x, &w, &bias),
        1e-4,
        "dense 130x321x70",
    );
    let (at, b) = (arr(&[321, 130], 26), arr(&[321, 40], 27));
    assert_close(&gemm_tn(&at, &b), &at.t().dot(&b), 1e-4, "aᵀ b 130x321x40");
    let (a, bt) = (arr(&[61, 400], 28), arr(&[47, 400], 29));
    assert_close(
        &gemm_nt(&a, &bt),
        &(a.dot(&bt.t()) * 0.5).exp(),
        1e-4,
        "exp(a bᵀ / 2) 61x400x47",
    );
    let x = arr(&[130, 333], 30);
    assert_close(
        &syrk_tanh(&x),
        &x.dot(&x.t()).tanh(),
        1e-4,
        "tanh(x xᵀ) 130x333",
    );
    let x = arr(&[130, 130], 31) * (1.0 / 130f32.sqrt());
    assert_close(&test_fn(&x), &test_fn_eager(&x), 1e-4, "test_fn 130");
}

#[test]
#[should_panic(expected = "must have the same size")]
fn matmul_shape_mismatch_names_the_op() {
    gemm_tanh(&arr(&[3, 4], 1), &arr(&[5, 2], 2));
}

#[jit]
fn test_fn(x: &Array<f32>) -> Array<f32> {
    let mut x = x.clone();
    for _ in 0..100 {
        x = x.dot(&x.t()).tanh();
    }
    x
}

fn test_fn_eager(x: &Array<f32>) -> Array<f32> {
    let mut x = x.clone();
    for _ in 0..100 {
        x = x.dot(&x.t()).tanh();
    }
    x
}

#[jit]
fn damped(x: &Array<f32>, y: &Array<f32>) -> Array<f32> {
    let mut x = x.clone();
    for _ in 0..20 {
        x = (x * 0.9 + y).sin();
    }
    x
}

#[test]
fn loops_update_carries_in_place() {
    for n in [8, 70] {
        let x = arr(&[n, n], 15) * (1.0 / (n as f32).sqrt());
        let before = x.clone();
        assert_close(&test_fn(&x), &test_fn_eager(&x), 1e-4, "test_fn");
        // The input's storage is shared with the loop's first carry: the
        // ping-pong buffers must never write into it.
        assert_eq!(x, before);
    }
    let (x, y) = (arr(&[50], 16), arr(&[50], 17));
    let mut e = x.clone();
    for _ in 0..20 {
        e = (e * 0.9 + &y).sin();
    }
    assert_close(&damped(&x, &y), &e, 1e-5, "elementwise carry");
}
