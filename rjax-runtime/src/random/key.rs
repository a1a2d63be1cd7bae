//! `Key`: a threefry2x32 PRNG key, used at most once, and the operations
//! that make new keys from it (`key`, `split`, `split2`, `fold_in`).

use super::threefry::hash;
use crate::array::Array;
use crate::error::{Result, RjaxError};

/// A threefry2x32 PRNG key (JAX's default `jax.random.key`): two `u32`
/// words of key data.
///
/// `Key` is deliberately neither `Copy` nor `Clone`. Every function that
/// draws random numbers takes the key **by value**, so drawing twice from
/// one key (which gives correlated, usually identical, numbers) is a compile
/// error rather than JAX's run-time warning:
///
/// ```compile_fail
/// use rjax_runtime::random;
/// let key = random::key(0);
/// let a = random::normal::<f32>(key, &[3]);
/// let b = random::normal::<f32>(key, &[3]); // error[E0382]: use of moved value: `key`
/// ```
///
/// The compiler's message is about a moved value; the fix is always to
/// **split the key** first and use each part once:
///
/// ```
/// use rjax_runtime::random;
/// let [k1, k2] = random::split2(random::key(0));
/// let a = random::normal::<f32>(k1, &[3]);
/// let b = random::normal::<f32>(k2, &[3]);
/// assert_ne!(a.as_slice(), b.as_slice());
/// ```
///
/// To batch keys (one per row of a `vmap`), see [`keys_to_array`] and
/// [`keys_from_array`]; [`Key::from_data`] rebuilds a key from its data when
/// it really must be reused (as `jax.random.wrap_key_data`).
#[must_use = "a key is meant to be consumed by a draw or split; an unused key is usually a bug"]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Key {
    data: [u32; 2],
}

impl Key {
    /// A key with the given key data (`jax.random.wrap_key_data`).
    pub fn from_data(data: [u32; 2]) -> Key {
        Key { data }
    }

    /// The key data, without consuming the key.
    pub fn data(&self) -> [u32; 2] {
        self.data
    }

    /// Consumes the key, returning its data (for internal draws).
    pub(crate) fn into_data(self) -> [u32; 2] {
        self.data
    }
}

/// `jax.random.key(seed)`: the key data are the high and low 32 bits of the
/// 64-bit seed, `[seed >> 32, seed & 0xFFFF_FFFF]`.
///
/// This is JAX's result with `jax_enable_x64` (where seeds are 64-bit
/// integers); a seed `s >= 2^63` gives the key of the int64 seed `s - 2^64`
/// (JAX itself raises `OverflowError` for such a Python int). In JAX's
/// default 32-bit mode the seed is first cut to its low 32 bits, so seeds
/// `>= 2^32` lose their high word there: use [`key_x32`] for that behaviour.
/// Both agree for every seed below `2^32`.
pub fn key(seed: u64) -> Key {
    Key {
        data: [(seed >> 32) as u32, seed as u32],
    }
}

/// `jax.random.key(seed)` as JAX computes it in its default mode
/// (`jax_enable_x64 = False`): the seed is truncated to 32 bits, so the key
/// data are `[0, seed as u32]`.
pub fn key_x32(seed: u64) -> Key {
    key(u64::from(seed as u32))
}

/// `jax.random.key_data(key)`: the two words of key data.
pub fn key_data(key: &Key) -> [u32; 2] {
    key.data
}

/// `jax.random.split(key, n)`: `n` new keys (consumes `key`).
///
/// Key `i` is the threefry hash of the counter `i` (JAX's partitionable
/// layout), so `split(key, n)[..m] == split(key, m)` for `m <= n`.
pub fn split(key: Key, n: usize) -> Vec<Key> {
    let k = key.into_data();
    (0..n as u64)
        .map(|i| Key {
            data: hash(k, [(i >> 32) as u32, i as u32]),
        })
        .collect()
}

/// `jax.random.split(key)` into exactly two keys, as an array to
/// destructure: `let [k1, k2] = split2(key);`.
pub fn split2(key: Key) -> [Key; 2] {
    let k = key.into_data();
    [
        Key {
            data: hash(k, [0, 0]),
        },
        Key {
            data: hash(k, [0, 1]),
        },
    ]
}

/// `jax.random.split(key, N)` with `N` taken from where the keys go, so
/// that JAX's `k1, k2, k3 = random.split(key, 3)` reads
/// `let [k1, k2, k3] = random::split_n(key);`. The same keys as
/// [`split`]`(key, N)`.
pub fn split_n<const N: usize>(key: Key) -> [Key; N] {
    let k = key.into_data();
    std::array::from_fn(|i| {
        let i = i as u64;
        Key {
            data: hash(k, [(i >> 32) as u32, i as u32]),
        }
    })
}

/// `jax.random.fold_in(key, data)`: a new key that depends on `key` and a
/// 32-bit integer (a step number, a device index ...).
pub fn fold_in(key: Key, data: u32) -> Key {
    Key {
        data: hash(key.into_data(), [0, data]),
    }
}

/// A batch of keys as their key data: a `u32` array of shape `[n, 2]`
/// (what `jax.random.key_data` gives for `n` keys). Consumes the keys.
pub fn keys_to_array(keys: Vec<Key>) -> Array<u32> {
    let n = keys.len();
    let data = keys.into_iter().flat_map(|k| k.data).collect();
    Array::from_shape_vec(vec![n, 2], data).expect("n * 2 elements")
}

/// One key as its key data: a `u32` array of shape `[2]` (how an annotated
/// function's IR sees a `Key` parameter). Consumes the key.
pub fn key_to_array(key: Key) -> Array<u32> {
    Array::from_vec(key.into_data().to_vec())
}

/// Keys from key data of shape `[n, 2]` (`jax.random.wrap_key_data`).
pub fn keys_from_array(data: &Array<u32>) -> Result<Vec<Key>> {
    if data.shape().len() != 2 || data.shape()[1] != 2 {
        return Err(RjaxError::Invalid {
            op: "keys_from_array",
            message: format!("key data must have shape [n, 2], got {:?}", data.shape()),
        });
    }
    Ok(data
        .as_slice()
        .chunks_exact(2)
        .map(|w| Key { data: [w[0], w[1]] })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_prefixes_agree_and_fold_in_is_a_split_row() {
        let a: Vec<_> = split(key(5), 3).iter().map(Key::data).collect();
        let b: Vec<_> = split(key(5), 2).iter().map(Key::data).collect();
        assert_eq!(&a[..2], &b[..]);
        let [k1, k2] = split2(key(5));
        assert_eq!([k1.data(), k2.data()], [a[0], a[1]]);
        assert_eq!(fold_in(key(5), 2).data(), a[2]);
    }

    #[test]
    fn seeds_map_to_words() {
        assert_eq!(key((3 << 32) | 9).data(), [3, 9]);
        assert_eq!(key_x32((3 << 32) | 9).data(), [0, 9]);
        assert_eq!(key(u64::MAX).data(), [u32::MAX, u32::MAX]);
    }

    #[test]
    fn key_arrays_round_trip() {
        let keys = split(key(1), 4);
        let want: Vec<_> = keys.iter().map(Key::data).collect();
        let arr = keys_to_array(keys);
        assert_eq!(arr.shape(), &[4, 2]);
        let back: Vec<_> = keys_from_array(&arr)
            .unwrap()
            .iter()
            .map(Key::data)
            .collect();
        assert_eq!(back, want);
        let bad = Array::from_vec(vec![1u32, 2, 3]);
        assert!(
            keys_from_array(&bad)
                .unwrap_err()
                .to_string()
                .contains("[3]")
        );
    }
}
