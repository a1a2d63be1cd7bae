//! `categorical`: sampling classes from logits by the Gumbel-max trick.

use super::bits::numel;
use super::continuous::gumbel_data;
use super::float::RandomFloat;
use super::key::Key;
use crate::array::Array;
use crate::error::{Result, RjaxError};

/// `jax.random.categorical(key, logits, axis, shape)`: class indices along
/// `axis` of `logits`, drawn with probabilities `softmax(logits, axis)`.
///
/// `shape` defaults to the logits' shape without `axis` (the batch shape);
/// a given `shape` must end with the batch shape, and its leading axes draw
/// independent samples. As in JAX, this is `argmax(gumbel + logits)` over
/// a Gumbel draw of shape `shape` with the class axis inserted.
pub fn try_categorical<T: RandomFloat>(
    key: Key,
    logits: &Array<T>,
    axis: isize,
    shape: Option<&[usize]>,
) -> Result<Array<i32>> {
    let lshape = logits.shape();
    let rank = lshape.len() as isize;
    let bad = |message: String| RjaxError::Invalid {
        op: "categorical",
        message,
    };
    if rank == 0 || axis < -rank || axis >= rank {
        return Err(bad(format!(
            "axis {axis} is out of range for logits of shape {lshape:?}"
        )));
    }
    let axis = axis.rem_euclid(rank) as usize;
    let classes = lshape[axis];
    let batch: Vec<usize> = [&lshape[..axis], &lshape[axis + 1..]].concat();
    let shape = shape.unwrap_or(&batch);
    if shape.len() < batch.len() || shape[shape.len() - batch.len()..] != batch[..] {
        return Err(bad(format!(
            "shape {shape:?} must end with the logits' batch shape {batch:?} (logits shape {lshape:?}, axis {axis})"
        )));
    }
    if classes == 0 {
        return Err(bad(format!(
            "no classes along axis {axis} of shape {lshape:?}"
        )));
    }
    let prefix = numel(&shape[..shape.len() - batch.len()]);
    // The Gumbel draw has shape prefix ++ logits_shape, row-major.
    let outer = numel(&lshape[..axis]);
    let inner = numel(&lshape[axis + 1..]);
    let noise = gumbel_data::<T>(key.into_data(), prefix * logits.len());
    let l = logits.as_slice();
    let mut out = Vec::with_capacity(prefix * outer * inner);
    for p in 0..prefix {
        let g = &noise[p * logits.len()..(p + 1) * logits.len()];
        for o in 0..outer {
            for i in 0..inner {
                let at = |c: usize| (o * classes + c) * inner + i;
                // argmax: the first index of the largest value.
                let mut best = 0;
                let mut best_v = g[at(0)] + l[at(0)];
                for c in 1..classes {
                    let v = g[at(c)] + l[at(c)];
                    if v > best_v {
                        best = c;
                        best_v = v;
                    }
                }
                out.push(best as i32);
            }
        }
    }
    Array::from_shape_vec(shape.to_vec(), out)
}

/// [`try_categorical`] that panics with the same message on error.
///
/// ```
/// use rjax_runtime::{Array, random};
/// let logits = Array::from_vec(vec![0.1f32.ln(), 0.2f32.ln(), 0.7f32.ln()]);
/// let c = random::categorical(random::key(9), &logits, -1, Some(&[12]));
/// assert!(c.as_slice().iter().all(|&i| (0..3).contains(&i)));
/// ```
pub fn categorical<T: RandomFloat>(
    key: Key,
    logits: &Array<T>,
    axis: isize,
    shape: Option<&[usize]>,
) -> Array<i32> {
    try_categorical(key, logits, axis, shape).unwrap_or_else(|e| panic!("{e}"))
}
