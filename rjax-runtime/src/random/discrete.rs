//! Integer and boolean samplers: `bernoulli`, `randint`.

use super::bits::{numel, words32, words64};
use super::continuous::Uniform;
use super::float::RandomFloat;
use super::kernel::{ElementFn, generate};
use super::key::{Key, split2};
use crate::array::Array;

/// Element function of `bernoulli`: `uniform(0, 1) < p`.
struct Bernoulli<T> {
    u: Uniform<T>,
    p: T,
}

impl<T: RandomFloat> ElementFn for Bernoulli<T> {
    type Out = bool;
    #[inline(always)]
    fn apply(&self, b1: u32, b2: u32) -> bool {
        self.u.apply(b1, b2) < self.p
    }
}

/// `jax.random.bernoulli(key, p, shape)`: `true` with probability `p`.
///
/// The uniform draw is made in `T`, the type of `p` (JAX uses `p`'s dtype:
/// f32 by default, f64 under x64), which changes the bits drawn.
///
/// ```
/// use rjax_runtime::random;
/// let b = random::bernoulli(random::key(4), 0.3f32, &[12]);
/// assert_eq!(b.shape(), &[12]);
/// ```
pub fn bernoulli<T: RandomFloat>(key: Key, p: T, shape: &[usize]) -> Array<bool> {
    let f = Bernoulli {
        u: Uniform::new(T::ZERO, T::ONE),
        p,
    };
    let data = generate(key.into_data(), numel(shape), &f);
    Array::from_shape_vec(shape.to_vec(), data).expect("numel(shape) elements")
}

/// JAX's modulus method: `hi` and `lo` are two independent words per
/// element; the offset is `(hi * 2^nbits + lo) mod span` computed without
/// overflow as `((hi mod s) * (2^nbits mod s) + lo mod s) mod s`, with the
/// same wrapping unsigned arithmetic as JAX (so biases agree too).
macro_rules! randint_values {
    ($key:expr, $n:expr, $minval:expr, $maxval:expr, $int:ty, $uint:ty, $half:expr, $words:ident) => {{
        let (minval, maxval): ($int, $int) = ($minval, $maxval);
        let [k1, k2] = split2($key);
        let high = $words(k1.into_data(), $n);
        let low = $words(k2.into_data(), $n);
        // Empty or inverted ranges always give `minval`.
        let span: $uint = if maxval <= minval {
            1
        } else {
            maxval.wrapping_sub(minval) as $uint
        };
        let m = ((1 as $uint) << $half) % span;
        let multiplier = m.wrapping_mul(m) % span;
        high.iter()
            .zip(&low)
            .map(|(&h, &l)| {
                let offset = ((h % span).wrapping_mul(multiplier)).wrapping_add(l % span) % span;
                minval.wrapping_add(offset as $int)
            })
            .collect::<Vec<$int>>()
    }};
}

/// `jax.random.randint(key, shape, minval, maxval)`: `i32` integers in
/// `[minval, maxval)` (always `minval` when `maxval <= minval`), JAX's
/// default int32 draw. For JAX's x64 draw (int64) see [`randint_i64`].
///
/// ```
/// use rjax_runtime::random;
/// let r = random::randint(random::key(5), &[10], 0, 10);
/// assert!(r.as_slice().iter().all(|&v| (0..10).contains(&v)));
/// ```
pub fn randint(key: Key, shape: &[usize], minval: i32, maxval: i32) -> Array<i32> {
    let data = randint_values!(key, numel(shape), minval, maxval, i32, u32, 16, words32);
    Array::from_shape_vec(shape.to_vec(), data).expect("numel(shape) elements")
}

/// `jax.random.randint` with `dtype=int64` (JAX's default under x64): the
/// same method on 64-bit words, so the values differ from [`randint`]'s.
///
/// ```
/// use rjax_runtime::random;
/// let w = random::randint_i64(random::key(5), &[3], -5, 5);
/// assert!(w.as_slice().iter().all(|&v| (-5..5).contains(&v)));
/// ```
pub fn randint_i64(key: Key, shape: &[usize], minval: i64, maxval: i64) -> Array<i64> {
    let data = randint_values!(key, numel(shape), minval, maxval, i64, u64, 32, words64);
    Array::from_shape_vec(shape.to_vec(), data).expect("numel(shape) elements")
}
