//! `bits`: raw random words, the source of every other sampler, and the
//! container for 64-bit integer results.

use super::kernel::{ElementFn, generate};
use super::key::Key;
use crate::array::Array;

/// A shaped, row-major array of 64-bit integers (`u64` bits, `i64` from
/// `randint`). [`Array`] has no 64-bit integer element types yet, so these
/// results come in this small container with the same accessors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WideArray<T> {
    shape: Vec<usize>,
    data: Vec<T>,
}

impl<T: Copy> WideArray<T> {
    pub(crate) fn new(shape: &[usize], data: Vec<T>) -> Self {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        WideArray {
            shape: shape.to_vec(),
            data,
        }
    }
    /// The shape (one entry per axis).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// The elements in row-major order.
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }
    /// The elements as a new `Vec`, row-major.
    pub fn to_vec(&self) -> Vec<T> {
        self.data.clone()
    }
    /// The elements as a `Vec`, without a copy.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }
}

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
pub(crate) fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
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

/// The unsigned types `bits` can produce: `u32` (an [`Array<u32>`]) and
/// `u64` (a [`WideArray<u64>`]).
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
    type Output = WideArray<u64>;
    fn draw(key: Key, shape: &[usize]) -> WideArray<u64> {
        WideArray::new(shape, words64(key.into_data(), numel(shape)))
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
