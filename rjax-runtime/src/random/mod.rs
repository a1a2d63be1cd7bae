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
//! Inside `#[jit]`, `#[grad]` and `#[vmap]` functions the same calls are
//! accepted (`split`, `split2`, `fold_in`, `uniform`, `normal`,
//! `truncated_normal`, `gumbel`, `exponential`, `bernoulli`, `randint`,
//! `bits::<u32>`) with `Key` parameters, shapes as `&[2, 3]` or
//! `x.shape()`, and `let [k1, k2] = random::split2(key);`. Each becomes one
//! IR primitive whose `lax::random_*` function calls the function here, so
//! the draws are bit for bit the eager ones; `f::vmap` takes a mapped key as
//! a `Vec<Key>` (from [`split`]). See docs/ARCHITECTURE.md.
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
    split_n, split2,
};
pub use shuffle::{
    choice, choice_weighted, permutation, permute_rows, try_choice, try_choice_weighted,
    try_permute_rows,
};
