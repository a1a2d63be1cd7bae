//! Permutations and sampling from a population: `permutation`,
//! `permute_rows`, `choice`.
//!
//! JAX shuffles by sorting on random 32-bit keys (stable sort), repeating
//! with fresh keys for `ceil(3 ln n / ln(2^32 - 1))` rounds so that ties in
//! one round are broken by the next.

use super::bits::{numel, words32};
use super::continuous::{gumbel_data, uniform};
use super::discrete::randint;
use super::float::RandomFloat;
use super::key::{Key, split2};
use crate::array::Array;
use crate::dtype::Element;
use crate::error::{Result, RjaxError};

/// The shuffle of `0..n` JAX's `_shuffle` produces.
fn shuffled_indices(key: Key, n: usize) -> Vec<usize> {
    let rounds = (3.0 * (n.max(1) as f64).ln() / (u32::MAX as f64).ln()).ceil() as usize;
    let mut order: Vec<usize> = (0..n).collect();
    let mut key = key;
    for _ in 0..rounds {
        let [next, sub] = split2(key);
        key = next;
        let sort_keys = words32(sub.into_data(), n);
        let mut idx: Vec<usize> = (0..n).collect();
        // `sort_by_key` is stable, like XLA's sort for `sort_key_val`.
        idx.sort_by_key(|&i| sort_keys[i]);
        order = idx.iter().map(|&i| order[i]).collect();
    }
    order
}

/// `jax.random.permutation(key, n)`: a random permutation of `0..n`.
///
/// ```
/// use rjax_runtime::random;
/// let mut p = random::permutation(random::key(8), 10).to_vec();
/// p.sort();
/// assert_eq!(p, (0..10).collect::<Vec<i32>>());
/// ```
pub fn permutation(key: Key, n: usize) -> Array<i32> {
    let data = shuffled_indices(key, n)
        .into_iter()
        .map(|i| i as i32)
        .collect();
    Array::from_vec(data)
}

/// `jax.random.permutation(key, x)` for an array: `x` with its rows (axis
/// 0) shuffled. Errors for a 0-d array.
pub fn try_permute_rows<T: Element>(key: Key, x: &Array<T>) -> Result<Array<T>> {
    let shape = x.shape();
    if shape.is_empty() {
        return Err(RjaxError::Invalid {
            op: "permute_rows",
            message: "needs an array with at least one axis, got shape []".into(),
        });
    }
    let rows = shape[0];
    let row_len = x.len().checked_div(rows).unwrap_or(0);
    let src = x.as_slice();
    let mut data = Vec::with_capacity(x.len());
    for r in shuffled_indices(key, rows) {
        data.extend_from_slice(&src[r * row_len..(r + 1) * row_len]);
    }
    Array::from_shape_vec(shape.to_vec(), data)
}

/// [`try_permute_rows`] that panics with the same message on error.
pub fn permute_rows<T: Element>(key: Key, x: &Array<T>) -> Array<T> {
    try_permute_rows(key, x).unwrap_or_else(|e| panic!("{e}"))
}

/// `jax.random.choice(key, n, shape, replace)`: indices into `0..n`, with
/// or without replacement, uniformly (no `p`). Without replacement the
/// result is the first `numel(shape)` entries of `permutation(key, n)`;
/// with replacement it is `randint(key, shape, 0, n)`.
pub fn try_choice(key: Key, n: usize, shape: &[usize], replace: bool) -> Result<Array<i32>> {
    let draws = numel(shape);
    let bad = |message: String| {
        Err(RjaxError::Invalid {
            op: "choice",
            message,
        })
    };
    if draws == 0 {
        return Array::from_shape_vec(shape.to_vec(), vec![]);
    }
    if n == 0 {
        return bad(format!(
            "cannot draw shape {shape:?} from an empty population"
        ));
    }
    if n > i32::MAX as usize {
        return bad(format!("population {n} does not fit in i32 indices"));
    }
    if replace {
        return Ok(randint(key, shape, 0, n as i32));
    }
    if draws > n {
        return bad(format!(
            "cannot take {draws} samples (shape {shape:?}) from a population of {n} without replacement"
        ));
    }
    let mut p = permutation(key, n).into_vec();
    p.truncate(draws);
    Array::from_shape_vec(shape.to_vec(), p)
}

/// [`try_choice`] that panics with the same message on error.
pub fn choice(key: Key, n: usize, shape: &[usize], replace: bool) -> Array<i32> {
    try_choice(key, n, shape, replace).unwrap_or_else(|e| panic!("{e}"))
}

/// `jax.random.choice(key, n, shape, replace, p)`: indices into `0..n`
/// drawn with probabilities proportional to `p` (which need not sum to 1).
///
/// With replacement JAX inverts the cumulative sum: `cumsum(p)[-1] * (1 -
/// u)` located by `searchsorted`; without replacement it takes the top
/// `numel(shape)` of `gumbel + log(p)` (the Gumbel top-k trick).
pub fn try_choice_weighted<T: RandomFloat>(
    key: Key,
    p: &[T],
    shape: &[usize],
    replace: bool,
) -> Result<Array<i32>> {
    let n = p.len();
    let draws = numel(shape);
    let bad = |message: String| {
        Err(RjaxError::Invalid {
            op: "choice",
            message,
        })
    };
    if draws == 0 {
        return Array::from_shape_vec(shape.to_vec(), vec![]);
    }
    if n == 0 {
        return bad(format!("cannot draw shape {shape:?} with an empty p"));
    }
    if !replace && draws > n {
        return bad(format!(
            "cannot take {draws} samples (shape {shape:?}) from a population of {n} without replacement"
        ));
    }
    let data = if replace {
        // Prefix sums in order, as XLA's cumsum for a vector.
        let mut acc = T::ZERO;
        let cum: Vec<T> = p
            .iter()
            .map(|&x| {
                acc = acc + x;
                acc
            })
            .collect();
        let total = cum[n - 1];
        let u = uniform::<T>(key, shape, T::ZERO, T::ONE);
        u.as_slice()
            .iter()
            .map(|&u| {
                let r = total * (T::ONE - u);
                // searchsorted(side="left"): the first i with cum[i] >= r.
                cum.partition_point(|&c| c < r).min(n - 1) as i32
            })
            .collect()
    } else {
        let g = gumbel_data::<T>(key.into_data(), n);
        let score: Vec<T> = g.iter().zip(p).map(|(&g, &p)| g + p.xla_log()).collect();
        let mut idx: Vec<usize> = (0..n).collect();
        // top_k: largest first, ties to the lower index (stable sort).
        idx.sort_by(|&a, &b| {
            score[b]
                .partial_cmp(&score[a])
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        idx.truncate(draws);
        idx.into_iter().map(|i| i as i32).collect()
    };
    Array::from_shape_vec(shape.to_vec(), data)
}

/// [`try_choice_weighted`] that panics with the same message on error.
pub fn choice_weighted<T: RandomFloat>(
    key: Key,
    p: &[T],
    shape: &[usize],
    replace: bool,
) -> Array<i32> {
    try_choice_weighted(key, p, shape, replace).unwrap_or_else(|e| panic!("{e}"))
}
