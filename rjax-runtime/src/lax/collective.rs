//! The collective primitives as `lax` functions, the calls that
//! rjax-macros emits for `psum(x, "data")` and the others inside an
//! annotated body (and for the `pvary`s and transposes that
//! differentiation adds). They run on the current device of the
//! enclosing `shard_map`; outside one they panic with a message naming
//! the primitive and saying to call it inside `shard_map`.
//!
//! Params are plain values, as for every `lax` function: axis names as
//! `&[&str]`, dimensions as `usize`, `perm` as (source, destination) pairs.

use crate::array::Array;
use crate::dtype::Element;
use crate::sharding::{
    self, Numeric, try_all_gather_tiled, try_pmax, try_pmin, try_ppermute, try_psum,
    try_psum_scatter_tiled,
};
use crate::{Result, RjaxError};

fn unwrap<T>(r: Result<T>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// `psum[axes]`: sum over the devices of the mesh axes.
pub fn psum<T: Numeric>(x: &Array<T>, axes: &[&str]) -> Array<T> {
    unwrap(try_psum(x, axes))
}

/// `pmax[axes]`: elementwise maximum over the devices of the mesh axes.
pub fn pmax<T: Numeric>(x: &Array<T>, axes: &[&str]) -> Array<T> {
    unwrap(try_pmax(x, axes))
}

/// `pmin[axes]`: elementwise minimum over the devices of the mesh axes.
pub fn pmin<T: Numeric>(x: &Array<T>, axes: &[&str]) -> Array<T> {
    unwrap(try_pmin(x, axes))
}

/// `pvary[axes]`: the identity on values (it only marks, for
/// differentiation, where a replicated value starts to differ per device).
pub fn pvary<T: Element>(x: &Array<T>, _axes: &[&str]) -> Array<T> {
    x.clone()
}

/// `all_gather[axis_name, all_gather_dimension, tiled]`: the group's
/// arrays stacked on a new axis `dim`, or concatenated along `dim` when
/// `tiled`.
pub fn all_gather<T: Element>(
    x: &Array<T>,
    axis_name: &[&str],
    dim: usize,
    tiled: bool,
) -> Array<T> {
    if tiled {
        return unwrap(try_all_gather_tiled(x, axis_name, dim));
    }
    if dim > x.ndim() {
        panic!(
            "all_gather: dimension {dim} is out of range for shape {:?}",
            x.shape()
        );
    }
    let mut shape = x.shape().to_vec();
    shape.insert(dim, 1);
    let lifted = x.reshape(&shape);
    unwrap(try_all_gather_tiled(&lifted, axis_name, dim))
}

/// `reduce_scatter[axis_name, scatter_dimension, tiled]` (JAX's
/// `psum_scatter`): the group's sum, this device keeping its block of
/// `dim`; untiled, `dim` must equal the group size and is removed.
pub fn reduce_scatter<T: Numeric>(
    x: &Array<T>,
    axis_name: &[&str],
    dim: usize,
    tiled: bool,
) -> Array<T> {
    let r = unwrap(try_psum_scatter_tiled(x, axis_name, dim));
    if tiled {
        return r;
    }
    let n = axis_size(axis_name);
    if x.shape()[dim] != n {
        panic!(
            "{}",
            RjaxError::invalid(
                "reduce_scatter",
                format!(
                    "dimension {dim} of shape {:?} must equal the group size {n}",
                    x.shape()
                )
            )
        );
    }
    let mut shape = r.shape().to_vec();
    shape.remove(dim);
    r.reshape(&shape)
}

/// `ppermute[axis_name, perm]`: device `src` sends to device `dst` for
/// each pair; a device that receives nothing gets zeros.
pub fn ppermute<T: Element>(x: &Array<T>, axis_name: &[&str], perm: &[(usize, usize)]) -> Array<T> {
    unwrap(try_ppermute(x, axis_name, perm))
}

/// `axis_index[axis_name]`: this device's index along the axes, as a
/// rank-0 i32 array.
pub fn axis_index(axis_name: &[&str]) -> Array<i32> {
    let i = unwrap(sharding::try_axis_index(axis_name));
    Array::scalar(i as i32)
}

/// The number of devices along the axes (binds the `size_<axis>` dims of
/// gathered shapes in emitted code).
pub fn axis_size(axis_name: &[&str]) -> usize {
    sharding::axis_size(axis_name)
}
