//! Primitives that cut, paste and build: `slice dynamic_slice
//! dynamic_update_slice concatenate pad iota`.

use crate::array::Array;
use crate::dtype::{Element, Num};
use crate::error::{Result, RjaxError, or_panic};
use crate::kernels::{
    contiguous_strides,
    walk::{gather, scatter},
};

/// The elements `start[d] <= i < limit[d]` stepping by `strides[d]` along
/// every axis `d` (an empty `strides` means all 1, as JAX's `None`).
///
/// # Panics
/// With the text of [`try_slice`]'s error.
#[track_caller]
pub fn slice<T: Element>(
    x: &Array<T>,
    start: &[usize],
    limit: &[usize],
    strides: &[usize],
) -> Array<T> {
    or_panic(try_slice(x, start, limit, strides))
}

/// [`slice()`], returning an error for bounds that do not fit the shape.
pub fn try_slice<T: Element>(
    x: &Array<T>,
    start: &[usize],
    limit: &[usize],
    strides: &[usize],
) -> Result<Array<T>> {
    let shape = x.shape();
    let nd = shape.len();
    let ones = vec![1; nd];
    let steps = if strides.is_empty() {
        &ones[..]
    } else {
        strides
    };
    if start.len() != nd || limit.len() != nd || steps.len() != nd {
        return Err(RjaxError::invalid(
            "slice",
            format!(
                "start {start:?}, limit {limit:?} and strides {strides:?} need one entry per axis of shape {shape:?}"
            ),
        ));
    }
    for d in 0..nd {
        if start[d] > limit[d] || limit[d] > shape[d] || steps[d] == 0 {
            return Err(RjaxError::invalid(
                "slice",
                format!(
                    "start {start:?}, limit {limit:?}, strides {steps:?} do not fit shape {shape:?} at axis {d}"
                ),
            ));
        }
    }
    let own = contiguous_strides(shape);
    let out_shape: Vec<usize> = (0..nd)
        .map(|d| (limit[d] - start[d]).div_ceil(steps[d]))
        .collect();
    let out_strides: Vec<isize> = (0..nd).map(|d| own[d] * steps[d] as isize).collect();
    let base: isize = (0..nd).map(|d| own[d] * start[d] as isize).sum();
    Ok(Array::from_raw(
        out_shape.clone(),
        gather(x.as_slice(), &out_shape, &out_strides, base),
    ))
}

/// Clamps `start` so that a block of `sizes` fits in `shape` (JAX's rule).
fn clamp_start(start: &[usize], sizes: &[usize], shape: &[usize]) -> Vec<usize> {
    (0..shape.len())
        .map(|d| start[d].min(shape[d] - sizes[d]))
        .collect()
}

/// The block of `sizes` starting at `start`; starts are clamped so the
/// block fits, as in JAX (no error for a start past the end).
///
/// # Panics
/// With the text of [`try_dynamic_slice`]'s error.
#[track_caller]
pub fn dynamic_slice<T: Element>(x: &Array<T>, start: &[usize], sizes: &[usize]) -> Array<T> {
    or_panic(try_dynamic_slice(x, start, sizes))
}

/// [`dynamic_slice`], returning an error for wrong ranks or sizes larger
/// than the shape.
pub fn try_dynamic_slice<T: Element>(
    x: &Array<T>,
    start: &[usize],
    sizes: &[usize],
) -> Result<Array<T>> {
    let shape = x.shape();
    if start.len() != shape.len()
        || sizes.len() != shape.len()
        || sizes.iter().zip(shape).any(|(s, d)| s > d)
    {
        return Err(RjaxError::invalid(
            "dynamic_slice",
            format!("start {start:?} and slice sizes {sizes:?} do not fit shape {shape:?}"),
        ));
    }
    let s = clamp_start(start, sizes, shape);
    let limit: Vec<usize> = s.iter().zip(sizes).map(|(a, b)| a + b).collect();
    try_slice(x, &s, &limit, &[])
}

/// `x` with the block at `start` replaced by `update`; starts are clamped
/// so the block fits, as in JAX.
///
/// # Panics
/// With the text of [`try_dynamic_update_slice`]'s error.
#[track_caller]
pub fn dynamic_update_slice<T: Element>(
    x: &Array<T>,
    update: &Array<T>,
    start: &[usize],
) -> Array<T> {
    or_panic(try_dynamic_update_slice(x, update, start))
}

/// [`dynamic_update_slice`], returning an error for wrong ranks or an
/// update larger than `x`.
pub fn try_dynamic_update_slice<T: Element>(
    x: &Array<T>,
    update: &Array<T>,
    start: &[usize],
) -> Result<Array<T>> {
    let (shape, us) = (x.shape(), update.shape());
    if us.len() != shape.len()
        || start.len() != shape.len()
        || us.iter().zip(shape).any(|(u, d)| u > d)
    {
        return Err(RjaxError::shapes(
            "dynamic_update_slice",
            shape,
            us,
            format!("do not fit (update at start {start:?})"),
        ));
    }
    let s = clamp_start(start, us, shape);
    let own = contiguous_strides(shape);
    let base: isize = (0..shape.len()).map(|d| own[d] * s[d] as isize).sum();
    let mut out = x.clone();
    scatter(out.as_mut_slice(), us, &own, base, update.as_slice());
    Ok(out)
}

/// Joins arrays along axis `dimension`; all other axes must agree.
///
/// # Panics
/// With the text of [`try_concatenate`]'s error.
#[track_caller]
pub fn concatenate<T: Element>(xs: &[&Array<T>], dimension: usize) -> Array<T> {
    or_panic(try_concatenate(xs, dimension))
}

/// [`concatenate`], returning an error for no operands, a bad axis or
/// shapes that differ off the axis.
pub fn try_concatenate<T: Element>(xs: &[&Array<T>], dimension: usize) -> Result<Array<T>> {
    concatenate_named("concatenate", xs, dimension)
}

pub(crate) fn concatenate_named<T: Element>(
    op: &'static str,
    xs: &[&Array<T>],
    dimension: usize,
) -> Result<Array<T>> {
    let Some(first) = xs.first() else {
        return Err(RjaxError::invalid(op, "needs at least one array"));
    };
    let s0 = first.shape();
    if dimension >= s0.len() {
        return Err(RjaxError::invalid(
            op,
            format!("axis {dimension} is out of bounds for shape {s0:?}"),
        ));
    }
    for x in &xs[1..] {
        let s = x.shape();
        let same = s.len() == s0.len() && (0..s.len()).all(|d| d == dimension || s[d] == s0[d]);
        if !same {
            return Err(RjaxError::shapes(
                op,
                s0,
                s,
                format!("differ off axis {dimension}"),
            ));
        }
    }
    let outer: usize = s0[..dimension].iter().product();
    let mut out_shape = s0.to_vec();
    out_shape[dimension] = 0;
    for x in xs {
        out_shape[dimension] =
            crate::array::try_add_dims(op, &out_shape, out_shape[dimension], x.shape()[dimension])?;
    }
    let mut out = Vec::with_capacity(crate::array::try_size(op, &out_shape)?);
    let runs: Vec<usize> = xs
        .iter()
        .map(|x| x.shape()[dimension..].iter().product())
        .collect();
    for o in 0..outer {
        for (x, &r) in xs.iter().zip(&runs) {
            out.extend_from_slice(&x.as_slice()[o * r..(o + 1) * r]);
        }
    }
    Ok(Array::from_raw(out_shape, out))
}

/// Pads with `value`: `config[d] = (lo, hi, interior)` adds `lo` elements
/// before, `hi` after and `interior` between neighbours along axis `d`.
/// Negative `lo`/`hi` remove elements, as in `lax.pad`.
///
/// # Panics
/// With the text of [`try_pad`]'s error.
#[track_caller]
pub fn pad<T: Element>(x: &Array<T>, value: T, config: &[(i64, i64, usize)]) -> Array<T> {
    or_panic(try_pad(x, value, config))
}

/// [`pad`], returning an error for a config of the wrong length or one
/// that would give a negative size.
pub fn try_pad<T: Element>(
    x: &Array<T>,
    value: T,
    config: &[(i64, i64, usize)],
) -> Result<Array<T>> {
    let shape = x.shape();
    let nd = shape.len();
    if config.len() != nd {
        return Err(RjaxError::invalid(
            "pad",
            format!("padding config {config:?} needs one entry per axis of shape {shape:?}"),
        ));
    }
    let mut out_shape = Vec::with_capacity(nd);
    for (d, &(lo, hi, interior)) in config.iter().enumerate() {
        let n = shape[d] as i128;
        // i128: no sum of these i64/usize terms can wrap, so a huge config
        // is reported below instead of giving a small, wrong size.
        let size = lo as i128 + hi as i128 + n + (n - 1).max(0) * interior as i128;
        if size > usize::MAX as i128 {
            return Err(RjaxError::invalid(
                "pad",
                format!(
                    "padding config {config:?} gives axis {d} of shape {shape:?} more than usize::MAX elements"
                ),
            ));
        }
        if size < 0 {
            return Err(RjaxError::invalid(
                "pad",
                format!(
                    "padding config {config:?} gives a negative size at axis {d} of shape {shape:?}"
                ),
            ));
        }
        out_shape.push(size as usize);
    }
    let out_n = crate::array::try_size("pad", &out_shape)?;
    let mut out = vec![value; out_n];
    if out_n == 0 || x.is_empty() {
        return Ok(Array::from_raw(out_shape, out));
    }
    // Where input index i of axis d lands in the output, if it survives.
    let pos: Vec<Vec<Option<usize>>> = (0..nd)
        .map(|d| {
            let (lo, _, interior) = config[d];
            (0..shape[d])
                .map(|i| {
                    let p = lo + i as i64 * (interior as i64 + 1);
                    (p >= 0 && p < out_shape[d] as i64).then_some(p as usize)
                })
                .collect()
        })
        .collect();
    let ostr = contiguous_strides(&out_shape);
    let mut idx = vec![0usize; nd];
    for &v in x.as_slice() {
        let mut off = Some(0usize);
        for d in 0..nd {
            off = match (off, pos[d][idx[d]]) {
                (Some(o), Some(p)) => Some(o + p * ostr[d] as usize),
                _ => None,
            };
        }
        if let Some(o) = off {
            out[o] = v;
        }
        for d in (0..nd).rev() {
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    Ok(Array::from_raw(out_shape, out))
}

/// An array of `shape` whose value at each index is that index's position
/// along axis `dimension` (JAX's `iota[dtype, shape, dimension]`).
///
/// # Panics
/// When `dimension` is not an axis of `shape`.
#[track_caller]
pub fn iota<T: Num>(shape: &[usize], dimension: usize) -> Array<T> {
    assert!(
        dimension < shape.len(),
        "iota: dimension {dimension} is out of bounds for shape {shape:?}"
    );
    let n = crate::array::size("iota", shape);
    let inner: usize = shape[dimension + 1..].iter().product();
    let len = shape[dimension];
    let data = (0..n)
        .map(|i| T::from_f64(((i / inner.max(1)) % len.max(1)) as f64))
        .collect();
    Array::from_raw(shape.to_vec(), data)
}
