//! `bits`: raw random words, the source of every other sampler, and the
//! 64-bit words.

use super::kernel::{ElementFn, generate};
use super::key::Key;
use crate::array::Array;

/// The former container of 64-bit integer draws, from before [`Array`]
/// had `i64`/`u64` elements: now just `Array<T>`.
#[deprecated(note = "64-bit draws are `Array<u64>` / `Array<i64>` now")]
pub type WideArray<T> = Array<T>;

/// Element function: the 32-bit word of a `uint32` draw.
pub(crate) struct Xor32;
impl ElementFn for Xor32 {
    type Out = u32;
    #[inline(always)]
    fn apply(&self, b1: u32, b2: u32) -> u32 {
        b1 ^ b2
    }
}

/// Element function: the 64-bit word of a `uint64` draw.
pub(crate) struct Concat64;
impl ElementFn for Concat64 {
    type Out = u64;
    #[inline(always)]
    fn apply(&self, b1: u32, b2: u32) -> u64 {
        (u64::from(b1) << 32) | u64::from(b2)
    }
}

/// The number of elements of `shape`.
///
/// # Panics
/// When the count overflows `usize` (a random draw's shape comes from the
/// user, so it is checked here, where every sampler reads it).
#[track_caller]
pub(crate) fn numel(shape: &[usize]) -> usize {
    crate::array::size("random", shape)
}

/// `n` uint32 words from key data (what several samplers start from).
pub(crate) fn words32(key: [u32; 2], n: usize) -> Vec<u32> {
    generate(key, n, &Xor32)
}

/// `n` uint64 words from key data.
pub(crate) fn words64(key: [u32; 2], n: usize) -> Vec<u64> {
    generate(key, n, &Concat64)
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u32 {}
    impl Sealed for u64 {}
}

/// The unsigned types `bits` can produce: `u32` and `u64` (an [`Array`] of
/// that type).
pub trait UnsignedBits: sealed::Sealed + Sized {
    /// The array type holding the result.
    type Output;
    /// Draws the bits (see [`bits`]).
    fn draw(key: Key, shape: &[usize]) -> Self::Output;
}

impl UnsignedBits for u32 {
    type Output = Array<u32>;
    fn draw(key: Key, shape: &[usize]) -> Array<u32> {
        let data = words32(key.into_data(), numel(shape));
        Array::from_shape_vec(shape.to_vec(), data).expect("numel(shape) elements")
    }
}

impl UnsignedBits for u64 {
    type Output = Array<u64>;
    fn draw(key: Key, shape: &[usize]) -> Array<u64> {
        let data = words64(key.into_data(), numel(shape));
        Array::from_shape_vec(shape.to_vec(), data).expect("numel(shape) elements")
    }
}

/// `jax.random.bits(key, shape, dtype)`: uniformly random words.
///
/// ```
/// use rjax_runtime::random;
/// let b = random::bits::<u32>(random::key(0), &[2, 3]);
/// assert_eq!(b.shape(), &[2, 3]);
/// let w = random::bits::<u64>(random::key(0), &[4]);
/// assert_eq!(w.as_slice().len(), 4);
/// ```
pub fn bits<T: UnsignedBits>(key: Key, shape: &[usize]) -> T::Output {
    T::draw(key, shape)
}
