//! Shape primitives that move no arithmetic: `transpose reshape
//! broadcast_in_dim squeeze expand_dims`. `reshape`, `squeeze` and
//! `expand_dims` share the storage (no copy).

use crate::array::Array;
use crate::dtype::Element;
use crate::error::{Result, RjaxError, or_panic};
use crate::kernels::{contiguous_strides, walk::gather};

/// Permutes the axes: output axis `i` is input axis `perm[i]`.
///
/// # Panics
/// With the text of [`try_transpose`]'s error.
#[track_caller]
pub fn transpose<T: Element>(x: &Array<T>, perm: &[usize]) -> Array<T> {
    or_panic(try_transpose(x, perm))
}

/// [`transpose`], returning an error when `perm` is not a permutation of
/// the axes.
pub fn try_transpose<T: Element>(x: &Array<T>, perm: &[usize]) -> Result<Array<T>> {
    let shape = x.shape();
    let mut seen = vec![false; shape.len()];
    let ok = perm.len() == shape.len()
        && perm
            .iter()
            .all(|&p| p < shape.len() && !std::mem::replace(&mut seen[p], true));
    if !ok {
        return Err(RjaxError::invalid(
            "transpose",
            format!("{perm:?} is not a permutation of the axes of shape {shape:?}"),
        ));
    }
    if perm.iter().enumerate().all(|(i, &p)| i == p) {
        return Ok(x.clone());
    }
    let strides = contiguous_strides(shape);
    let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
    let out_strides: Vec<isize> = perm.iter().map(|&p| strides[p]).collect();
    Ok(Array::from_raw(
        out_shape.clone(),
        gather(x.as_slice(), &out_shape, &out_strides, 0),
    ))
}

/// The same elements (row-major order) with shape `new_sizes`.
///
/// # Panics
/// With the text of [`try_reshape`]'s error.
#[track_caller]
pub fn reshape<T: Element>(x: &Array<T>, new_sizes: &[usize]) -> Array<T> {
    or_panic(try_reshape(x, new_sizes))
}

/// [`reshape`], returning an error when the element counts differ.
pub fn try_reshape<T: Element>(x: &Array<T>, new_sizes: &[usize]) -> Result<Array<T>> {
    let n = crate::array::try_size("reshape", new_sizes)?;
    if n != x.len() {
        return Err(RjaxError::shapes(
            "reshape",
            x.shape(),
            new_sizes,
            format!("have different sizes ({} != {n})", x.len()),
        ));
    }
    Ok(x.with_shape(new_sizes))
}

/// Broadcasts `x` to `shape`: operand axis `i` becomes output axis
/// `broadcast_dimensions[i]` (strictly increasing), where its size must be
/// 1 or equal to the output's; other output axes repeat.
///
/// # Panics
/// With the text of [`try_broadcast_in_dim`]'s error.
#[track_caller]
pub fn broadcast_in_dim<T: Element>(
    x: &Array<T>,
    shape: &[usize],
    broadcast_dimensions: &[usize],
) -> Array<T> {
    or_panic(try_broadcast_in_dim(x, shape, broadcast_dimensions))
}

/// [`broadcast_in_dim`], returning an error when the dimensions do not map
/// `x`'s axes onto compatible axes of `shape`.
pub fn try_broadcast_in_dim<T: Element>(
    x: &Array<T>,
    shape: &[usize],
    broadcast_dimensions: &[usize],
) -> Result<Array<T>> {
    let xs = x.shape();
    let bd = broadcast_dimensions;
    let err = |why: String| Err(RjaxError::shapes("broadcast_in_dim", xs, shape, why));
    if bd.len() != xs.len() {
        return err(format!(
            "need one broadcast dimension per operand axis, got {bd:?}"
        ));
    }
    for (i, &d) in bd.iter().enumerate() {
        if d >= shape.len() || (i > 0 && bd[i - 1] >= d) {
            return err(format!(
                "broadcast dimensions {bd:?} must be increasing and below {}",
                shape.len()
            ));
        }
        if xs[i] != 1 && xs[i] != shape[d] {
            return err(format!(
                "cannot be broadcast together (operand axis {i} of size {} onto axis {d} of size {})",
                xs[i], shape[d]
            ));
        }
    }
    if xs == shape {
        return Ok(x.clone());
    }
    crate::array::try_size("broadcast_in_dim", shape)?;
    let own = contiguous_strides(xs);
    let mut strides = vec![0isize; shape.len()];
    for (i, &d) in bd.iter().enumerate() {
        if xs[i] != 1 {
            strides[d] = own[i];
        }
    }
    Ok(Array::from_raw(
        shape.to_vec(),
        crate::kernels::walk::broadcast_copy(x.as_slice(), shape, &strides),
    ))
}

/// Removes the axes `dimensions`, each of which must have size 1.
///
/// # Panics
/// With the text of [`try_squeeze`]'s error.
#[track_caller]
pub fn squeeze<T: Element>(x: &Array<T>, dimensions: &[usize]) -> Array<T> {
    or_panic(try_squeeze(x, dimensions))
}

/// [`squeeze`], returning an error for an axis out of bounds or not of
/// size 1.
pub fn try_squeeze<T: Element>(x: &Array<T>, dimensions: &[usize]) -> Result<Array<T>> {
    let shape = x.shape();
    super::reduce::check_axes("squeeze", shape, dimensions)?;
    if let Some(&d) = dimensions.iter().find(|&&d| shape[d] != 1) {
        return Err(RjaxError::invalid(
            "squeeze",
            format!("axis {d} of shape {shape:?} has size {}, not 1", shape[d]),
        ));
    }
    let out: Vec<usize> = (0..shape.len())
        .filter(|d| !dimensions.contains(d))
        .map(|d| shape[d])
        .collect();
    Ok(x.with_shape(out))
}

/// Inserts size-1 axes so that they sit at positions `dimensions` of the
/// result (whose rank is `x.ndim() + dimensions.len()`).
///
/// # Panics
/// With the text of [`try_expand_dims`]'s error.
#[track_caller]
pub fn expand_dims<T: Element>(x: &Array<T>, dimensions: &[usize]) -> Array<T> {
    or_panic(try_expand_dims(x, dimensions))
}

/// [`expand_dims`], returning an error for a position out of bounds or
/// repeated.
pub fn try_expand_dims<T: Element>(x: &Array<T>, dimensions: &[usize]) -> Result<Array<T>> {
    let rank = x.ndim() + dimensions.len();
    let out_rank_shape = vec![0usize; rank];
    super::reduce::check_axes("expand_dims", &out_rank_shape, dimensions).map_err(|_| {
        RjaxError::invalid(
            "expand_dims",
            format!(
                "positions {dimensions:?} must be distinct and below {rank} for shape {:?}",
                x.shape()
            ),
        )
    })?;
    let mut it = x.shape().iter();
    let out: Vec<usize> = (0..rank)
        .map(|d| {
            if dimensions.contains(&d) {
                1
            } else {
                *it.next().expect("counted above")
            }
        })
        .collect();
    Ok(x.with_shape(out))
}
