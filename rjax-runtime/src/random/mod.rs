//! Explicit PRNG keys, bit-for-bit equal to JAX's defaults (threefry2x32,
//! `jax.random.key`, `jax_threefry_partitionable = True`) in f32 and f64.
//!
//! A [`Key`] is consumed by whatever uses it, so a key cannot be used twice;
//! [`split`] / [`split2`] / [`fold_in`] make fresh keys. Every sampler takes
//! the shape as `&[usize]` and the float type by turbofish:
//!
//! ```
//! use rjax_runtime::random;
//! let [k1, k2, k3] = <[_; 3]>::try_from(random::split(random::key(0), 3)).unwrap();
//! let x = random::normal::<f32>(k1, &[3]);
//! let u = random::uniform::<f64>(k2, &[2, 2], 0.0, 1.0);
//! let i = random::randint(k3, &[6], 0, 10);
//! assert_eq!((x.shape(), u.shape(), i.shape()), (&[3][..], &[2, 2][..], &[6][..]));
//! ```
//!
//! Layout: `threefry` (the hash), `kernel` (lanes, target features, threads),
//! `xla_math` (XLA's special functions, operation for operation), `float`
//! (per-type recipes), then one file per sampler family. This module only
//! reads `Array`'s stable constructors and accessors.

mod bits;
mod categorical;
mod continuous;
mod discrete;
mod float;
mod kernel;
mod key;
mod shuffle;
mod threefry;
mod xla_math;

#[allow(deprecated)]
pub use bits::WideArray;
pub use bits::{UnsignedBits, bits};
pub use categorical::{categorical, try_categorical};
pub use continuous::{exponential, gumbel, normal, truncated_normal, uniform};
pub use discrete::{bernoulli, randint, randint_i64};
pub use float::RandomFloat;
pub use key::{
    Key, fold_in, key, key_data, key_to_array, key_x32, keys_from_array, keys_to_array, split,
    split2,
};
pub use shuffle::{
    choice, choice_weighted, permutation, permute_rows, try_choice, try_choice_weighted,
    try_permute_rows,
};
