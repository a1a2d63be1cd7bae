//! The benchmark's data (benches/jit.rs), shared with the tests that check
//! its kernels on the same kind of values (tests/fast_mlp.rs,
//! rjax-runtime/tests/kernels.rs).

/// Deterministic pseudo-random values in [-1, 1) (64-bit xorshift; the
/// benchmark needs typical values, not JAX's stream).
pub fn uniform(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}
