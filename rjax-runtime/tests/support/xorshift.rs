//! Deterministic test data: a 32-bit xorshift stream (Marsaglia's 13, 17,
//! 5), seeded by a multiplicative hash so nearby seeds give unrelated
//! streams. Typical values, not JAX's stream: tests that compare with JAX
//! load its values from tests/data instead. Used by the runtime's tests and,
//! by `#[path]`, by the facade's (tests/*.rs).

/// `n` values in `[lo, hi)`: the top 24 bits of each state as a fraction
/// `u` in [0, 1), then `lo + (hi - lo) * u`. When `hi - lo` is a power of
/// two every value is exact in f32, so the same seed gives the same
/// values in f32 and f64.
pub fn uniform<T: rjax_runtime::Element>(n: usize, seed: u32, lo: f64, hi: f64) -> Vec<T> {
    let mut s = seed.wrapping_mul(2_654_435_761) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let u = (s >> 8) as f64 / (1u32 << 24) as f64;
            T::from_f64(lo + (hi - lo) * u)
        })
        .collect()
}
