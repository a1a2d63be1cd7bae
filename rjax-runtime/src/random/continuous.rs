//! Float samplers: `uniform`, `normal`, `truncated_normal`, `gumbel`,
//! `exponential`, each the same sequence of float operations as JAX's.

use super::bits::numel;
use super::float::RandomFloat;
use super::kernel::{ElementFn, generate};
use super::key::Key;
use crate::array::Array;

/// Element function: `max(lo, unit * span + lo)` (XLA fuses the multiply-add).
pub(crate) struct Uniform<T> {
    pub(crate) lo: T,
    pub(crate) span: T,
}

impl<T: RandomFloat> Uniform<T> {
    /// The sampler for `[minval, maxval)`, with the span rounded in `T` as
    /// JAX computes `maxval - minval`.
    pub(crate) fn new(minval: T, maxval: T) -> Self {
        Uniform {
            lo: minval,
            span: maxval - minval,
        }
    }
}

impl<T: RandomFloat> ElementFn for Uniform<T> {
    type Out = T;
    #[inline(always)]
    fn apply(&self, b1: u32, b2: u32) -> T {
        T::unit(b1, b2).fma(self.span, self.lo).max_of(self.lo)
    }
}

fn shaped<T: RandomFloat>(shape: &[usize], data: Vec<T>) -> Array<T> {
    Array::from_shape_vec(shape.to_vec(), data).expect("numel(shape) elements")
}

/// `jax.random.uniform(key, shape, dtype, minval, maxval)`: floats in
/// `[minval, maxval)`.
///
/// ```
/// use rjax_runtime::random;
/// let u = random::uniform::<f64>(random::key(0), &[2, 2], -1.0, 1.0);
/// assert!(u.as_slice().iter().all(|&x| (-1.0..1.0).contains(&x)));
/// ```
pub fn uniform<T: RandomFloat>(key: Key, shape: &[usize], minval: T, maxval: T) -> Array<T> {
    let data = generate(key.into_data(), numel(shape), &Uniform::new(minval, maxval));
    shaped(shape, data)
}

/// Element function: `sqrt(2) * erf_inv(u)` with `u` uniform in `(-1, 1)`.
struct Normal<T>(Uniform<T>);

impl<T: RandomFloat> ElementFn for Normal<T> {
    type Out = T;
    #[inline(always)]
    fn apply(&self, b1: u32, b2: u32) -> T {
        T::SQRT_2 * self.0.apply(b1, b2).xla_erf_inv()
    }
}

/// `jax.random.normal(key, shape, dtype)`: standard normal samples, by the
/// inverse-CDF method (`sqrt(2) * erf_inv(u)`, `u` uniform in `(-1, 1)`).
///
/// ```
/// use rjax_runtime::random;
/// let z = random::normal::<f32>(random::key(0), &[1000]);
/// let mean = z.as_slice().iter().sum::<f32>() / 1000.0;
/// assert!(mean.abs() < 0.1);
/// ```
pub fn normal<T: RandomFloat>(key: Key, shape: &[usize]) -> Array<T> {
    let lo = (-T::ONE).next_toward(T::ZERO);
    let f = Normal(Uniform::new(lo, T::ONE));
    shaped(shape, generate(key.into_data(), numel(shape), &f))
}

/// Element function of `truncated_normal`.
struct Truncated<T> {
    u: Uniform<T>,
    floor: T,
    ceil: T,
}

impl<T: RandomFloat> ElementFn for Truncated<T> {
    type Out = T;
    #[inline(always)]
    fn apply(&self, b1: u32, b2: u32) -> T {
        let x = T::SQRT_2 * self.u.apply(b1, b2).xla_erf_inv();
        x.max_of(self.floor).min_of(self.ceil)
    }
}

/// `jax.random.truncated_normal(key, lower, upper, shape, dtype)`: normal
/// samples restricted to the open interval `(lower, upper)`.
///
/// ```
/// use rjax_runtime::random;
/// let t = random::truncated_normal::<f32>(random::key(2), -1.0, 2.0, &[100]);
/// assert!(t.as_slice().iter().all(|&x| -1.0 < x && x < 2.0));
/// ```
pub fn truncated_normal<T: RandomFloat>(key: Key, lower: T, upper: T, shape: &[usize]) -> Array<T> {
    // XLA rewrites `x / sqrt(2)` as `x * (1 / sqrt(2))`, rounded in T.
    let inv_sqrt2 = T::ONE / T::SQRT_2;
    let a = (lower * inv_sqrt2).xla_erf();
    let b = (upper * inv_sqrt2).xla_erf();
    let f = Truncated {
        u: Uniform::new(a, b),
        floor: lower.next_toward(T::from_f64(f64::INFINITY)),
        ceil: upper.next_toward(T::from_f64(f64::NEG_INFINITY)),
    };
    shaped(shape, generate(key.into_data(), numel(shape), &f))
}

/// Element function of `gumbel`: `-log(-log(u))`, `u` in `[tiny, 1)`.
struct Gumbel<T>(Uniform<T>);

impl<T: RandomFloat> ElementFn for Gumbel<T> {
    type Out = T;
    #[inline(always)]
    fn apply(&self, b1: u32, b2: u32) -> T {
        -(-self.0.apply(b1, b2).xla_log()).xla_log()
    }
}

pub(crate) fn gumbel_data<T: RandomFloat>(key: [u32; 2], n: usize) -> Vec<T> {
    generate(key, n, &Gumbel(Uniform::new(T::TINY, T::ONE)))
}

/// `jax.random.gumbel(key, shape, dtype)` (JAX's default `mode="low"`):
/// standard Gumbel samples.
pub fn gumbel<T: RandomFloat>(key: Key, shape: &[usize]) -> Array<T> {
    shaped(shape, gumbel_data(key.into_data(), numel(shape)))
}

/// Element function of `exponential`: `-log1p(-u)`.
struct Exponential<T>(Uniform<T>);

impl<T: RandomFloat> ElementFn for Exponential<T> {
    type Out = T;
    #[inline(always)]
    fn apply(&self, b1: u32, b2: u32) -> T {
        -(-self.0.apply(b1, b2)).xla_log1p()
    }
}

/// `jax.random.exponential(key, shape, dtype)`: samples with density
/// `exp(-x)` on `x >= 0`.
pub fn exponential<T: RandomFloat>(key: Key, shape: &[usize]) -> Array<T> {
    let f = Exponential(Uniform::new(T::ZERO, T::ONE));
    shaped(shape, generate(key.into_data(), numel(shape), &f))
}
