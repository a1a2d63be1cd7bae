//! The random primitives as `lax` functions, on key data instead of
//! [`Key`]s: what rjax-macros emits for `random::*` calls inside annotated
//! functions. Key data is a `u32` array of shape `[*b, 2]` (one key, or a
//! batch of keys under `vmap`); per-key operands are rank 0 (shared) or of
//! shape `b`; the result is `b ++ shape`, row `i` being exactly what the
//! eager `random::*` function gives for key `i` (each row *is* that call).

use crate::array::Array;
use crate::dtype::Element;
use crate::random::{self, Key, RandomFloat};

/// Splits key data `[*b, 2]` into its batch shape and its keys, panicking
/// with the primitive's name on a malformed shape.
fn keys(op: &str, data: &Array<u32>) -> (Vec<usize>, Vec<Key>) {
    let s = data.shape();
    assert!(
        s.last() == Some(&2),
        "{op}: key data must have shape [..., 2], got {s:?}"
    );
    let keys = data
        .as_slice()
        .chunks_exact(2)
        .map(|w| Key::from_data([w[0], w[1]]))
        .collect();
    (s[..s.len() - 1].to_vec(), keys)
}

/// The value of a per-key operand for key `i`.
fn at<T: Element>(op: &str, x: &Array<T>, batch: &[usize], i: usize) -> T {
    if x.ndim() == 0 {
        x.as_slice()[0]
    } else {
        assert_eq!(
            x.shape(),
            batch,
            "{op}: a per-key operand must be rank 0 or of the keys' batch shape"
        );
        x.as_slice()[i]
    }
}

/// One draw per key, concatenated: shape `batch ++ shape`.
fn per_key<U: Element>(
    batch: Vec<usize>,
    keys: Vec<Key>,
    shape: &[usize],
    mut draw: impl FnMut(usize, Key) -> Array<U>,
) -> Array<U> {
    if batch.is_empty() && keys.len() == 1 {
        // One key (the common case outside vmap): the draw itself, no copy.
        let k = keys.into_iter().next().expect("one key");
        return draw(0, k);
    }
    let mut data = Vec::with_capacity(
        keys.len()
            .saturating_mul(crate::array::size("random", shape)),
    );
    for (i, k) in keys.into_iter().enumerate() {
        data.extend_from_slice(draw(i, k).as_slice());
    }
    let mut dims = batch;
    dims.extend_from_slice(shape);
    Array::from_shape_vec(dims, data).expect("one draw per key")
}

/// `random_split[shape=(n,)]`: `[*b, 2] -> [*b, n, 2]`.
pub fn random_split(key_data: &Array<u32>, n: usize) -> Array<u32> {
    let (batch, ks) = keys("random_split", key_data);
    per_key(batch, ks, &[n, 2], |_, k| {
        random::keys_to_array(random::split(k, n))
    })
}

/// `random_fold_in`: `[*b, 2]`, data rank 0 or `b` -> `[*b, 2]`.
pub fn random_fold_in(key_data: &Array<u32>, data: &Array<u32>) -> Array<u32> {
    let (batch, ks) = keys("random_fold_in", key_data);
    let b = batch.clone();
    per_key(batch, ks, &[2], |i, k| {
        let d = at("random_fold_in", data, &b, i);
        random::key_to_array(random::fold_in(k, d))
    })
}

/// `random_bits[bit_width=32 shape]`: uint32 words.
pub fn random_bits(key_data: &Array<u32>, shape: &[usize]) -> Array<u32> {
    let (batch, ks) = keys("random_bits", key_data);
    per_key(batch, ks, shape, |_, k| random::bits::<u32>(k, shape))
}

/// `random_uniform[dtype shape]`.
pub fn random_uniform<T: RandomFloat>(
    key_data: &Array<u32>,
    minval: &Array<T>,
    maxval: &Array<T>,
    shape: &[usize],
) -> Array<T> {
    let (batch, ks) = keys("random_uniform", key_data);
    let b = batch.clone();
    per_key(batch, ks, shape, |i, k| {
        let (lo, hi) = (
            at("random_uniform", minval, &b, i),
            at("random_uniform", maxval, &b, i),
        );
        random::uniform(k, shape, lo, hi)
    })
}

/// `random_normal[dtype shape]`.
pub fn random_normal<T: RandomFloat>(key_data: &Array<u32>, shape: &[usize]) -> Array<T> {
    let (batch, ks) = keys("random_normal", key_data);
    per_key(batch, ks, shape, |_, k| random::normal(k, shape))
}

/// `random_gumbel[dtype shape]`.
pub fn random_gumbel<T: RandomFloat>(key_data: &Array<u32>, shape: &[usize]) -> Array<T> {
    let (batch, ks) = keys("random_gumbel", key_data);
    per_key(batch, ks, shape, |_, k| random::gumbel(k, shape))
}

/// `random_exponential[dtype shape]`.
pub fn random_exponential<T: RandomFloat>(key_data: &Array<u32>, shape: &[usize]) -> Array<T> {
    let (batch, ks) = keys("random_exponential", key_data);
    per_key(batch, ks, shape, |_, k| random::exponential(k, shape))
}

/// `random_truncated_normal[dtype shape]`.
pub fn random_truncated_normal<T: RandomFloat>(
    key_data: &Array<u32>,
    lower: &Array<T>,
    upper: &Array<T>,
    shape: &[usize],
) -> Array<T> {
    let op = "random_truncated_normal";
    let (batch, ks) = keys(op, key_data);
    let b = batch.clone();
    per_key(batch, ks, shape, |i, k| {
        random::truncated_normal(k, at(op, lower, &b, i), at(op, upper, &b, i), shape)
    })
}

/// `random_bernoulli[shape]`, drawn in the type of `p`.
pub fn random_bernoulli<T: RandomFloat>(
    key_data: &Array<u32>,
    p: &Array<T>,
    shape: &[usize],
) -> Array<bool> {
    let (batch, ks) = keys("random_bernoulli", key_data);
    let b = batch.clone();
    per_key(batch, ks, shape, |i, k| {
        random::bernoulli(k, at("random_bernoulli", p, &b, i), shape)
    })
}

/// `random_randint[shape]` (int32).
pub fn random_randint(
    key_data: &Array<u32>,
    minval: &Array<i32>,
    maxval: &Array<i32>,
    shape: &[usize],
) -> Array<i32> {
    let (batch, ks) = keys("random_randint", key_data);
    let b = batch.clone();
    per_key(batch, ks, shape, |i, k| {
        let (lo, hi) = (
            at("random_randint", minval, &b, i),
            at("random_randint", maxval, &b, i),
        );
        random::randint(k, shape, lo, hi)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batched_rows_are_the_single_key_draws() {
        let keys = random::split(random::key(3), 3);
        let want: Vec<Vec<f32>> = keys
            .iter()
            .map(|k| random::normal::<f32>(Key::from_data(k.data()), &[4]).to_vec())
            .collect();
        let got = random_normal::<f32>(&random::keys_to_array(keys), &[4]);
        assert_eq!(got.shape(), &[3, 4]);
        assert_eq!(got.to_vec(), want.concat());
    }

    #[test]
    fn per_key_bounds_and_shared_bounds() {
        let kd = random::keys_to_array(random::split(random::key(1), 2));
        let lo = Array::from_vec(vec![0.0f64, 10.0]);
        let u = random_uniform(&kd, &lo, &Array::scalar(20.0), &[5]);
        assert!(u.as_slice()[..5].iter().all(|&x| (0.0..20.0).contains(&x)));
        assert!(u.as_slice()[5..].iter().all(|&x| (10.0..20.0).contains(&x)));
    }
}
