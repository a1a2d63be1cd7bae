//! Collectives over named mesh axes, for use inside [`super::shard_map`]:
//! `psum`, `pmean`, `pmax`, `pmin`, `all_gather`, `psum_scatter`,
//! `ppermute`, `axis_index`, with JAX's meanings.
//!
//! Each has a `try_` form returning `Result` and a plain form that panics
//! with the same text (the panic is turned into an error by `shard_map`).
//! Reductions combine the group's arrays in group order, so every device
//! gets bit-identical results.

use super::exec::{DeviceCtx, current};
use super::layout::{extract, insert};
use super::local::{Numeric, same_shape, zip};
use super::value::CollectiveValue;
use crate::array::Array;
use crate::dtype::Element;
use crate::error::{Result, RjaxError};

/// One or more mesh axis names: `"data"`, `&["data", "model"]`.
pub trait AxisNames {
    /// The names, major first.
    fn names(&self) -> Vec<&str>;
}

impl AxisNames for &str {
    fn names(&self) -> Vec<&str> {
        vec![self]
    }
}

impl AxisNames for &[&str] {
    fn names(&self) -> Vec<&str> {
        self.to_vec()
    }
}

impl<const N: usize> AxisNames for [&str; N] {
    fn names(&self) -> Vec<&str> {
        self.to_vec()
    }
}

impl AxisNames for String {
    fn names(&self) -> Vec<&str> {
        vec![self.as_str()]
    }
}

/// The device context, the mesh-axis positions of `axes`, and the label
/// used in messages (`psum over ["data"]`).
fn setup(op: &'static str, axes: &impl AxisNames) -> Result<(DeviceCtx, Vec<usize>, String)> {
    let ctx = current(op)?;
    let names = axes.names();
    let pos = names
        .iter()
        .map(|n| ctx.comm.mesh().require_axis(op, n))
        .collect::<Result<Vec<_>>>()?;
    Ok((ctx, pos, format!("{op} over {names:?}")))
}

/// Every group member's array, in group order.
fn gather_group<T: Element>(
    op: &'static str,
    axes: &impl AxisNames,
    x: &Array<T>,
) -> Result<(Vec<Array<T>>, usize)> {
    let (ctx, ax, label) = setup(op, axes)?;
    let all = ctx.comm.exchange(ctx.slot, &label, x.clone())?;
    let mesh = ctx.comm.mesh();
    let group = mesh.group(ctx.pos, &ax);
    let me = mesh.linear_index(ctx.pos, &ax);
    let members: Vec<Array<T>> = group.iter().map(|&p| all[p].clone()).collect();
    for m in &members {
        same_shape(op, x, m)?;
    }
    Ok((members, me))
}

fn fold<T: Element>(
    op: &'static str,
    xs: &[Array<T>],
    f: impl Fn(T, T) -> T + Copy,
) -> Result<Array<T>> {
    let mut acc = xs[0].clone();
    for x in &xs[1..] {
        acc = zip(op, &acc, x, f)?;
    }
    Ok(acc)
}

fn unwrap<T>(r: Result<T>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

/// Sum of `x` over the devices of the group along `axes`, with the group
/// size (see [`super::comm::Comm::sum`] for how ranks combine).
fn group_sum<T: Numeric>(
    op: &'static str,
    axes: &impl AxisNames,
    x: &Array<T>,
) -> Result<(Array<T>, usize)> {
    let (ctx, ax, label) = setup(op, axes)?;
    let s = ctx.comm.sum(ctx.slot, &label, x.clone(), &ax)?;
    Ok((s, ctx.comm.mesh().axes_size(&ax)))
}

/// Sum of `x` over the devices of the group along `axes`.
pub fn try_psum<T: Numeric>(x: &Array<T>, axes: impl AxisNames) -> Result<Array<T>> {
    Ok(group_sum("psum", &axes, x)?.0)
}

/// Sum over mesh axes (JAX's `lax.psum`) of an array or a scalar;
/// panics outside `shard_map`.
pub fn psum<X: CollectiveValue>(x: X, axes: impl AxisNames) -> X::Output
where
    X::Elem: Numeric,
{
    X::from_array(unwrap(try_psum(&x.to_array(), axes)))
}

/// [`try_psum`] of several arrays in one exchange (JAX's `psum` of a
/// pytree): one synchronisation instead of one per array, which is what
/// makes all-reducing a model's gradients cheap.
pub fn try_psum_many<T: Numeric>(xs: &[Array<T>], axes: impl AxisNames) -> Result<Vec<Array<T>>> {
    let flat: Vec<T> = xs
        .iter()
        .flat_map(|x| x.as_slice().iter().copied())
        .collect();
    let s = try_psum(&Array::from_vec(flat), axes)?;
    let mut at = 0;
    xs.iter()
        .map(|x| {
            let part = s.as_slice()[at..at + x.len()].to_vec();
            at += x.len();
            Array::from_shape_vec(x.shape().to_vec(), part)
        })
        .collect()
}

/// Sums of several arrays over mesh axes in one exchange.
pub fn psum_many<T: Numeric>(xs: &[Array<T>], axes: impl AxisNames) -> Vec<Array<T>> {
    unwrap(try_psum_many(xs, axes))
}

/// Mean over mesh axes: `psum(x) / group size` (JAX's `lax.pmean`).
pub fn try_pmean<T: Numeric>(x: &Array<T>, axes: impl AxisNames) -> Result<Array<T>> {
    let (s, size) = group_sum("pmean", &axes, x)?;
    let n: T = num_traits::cast(size).expect("group size fits the element type");
    Ok(super::local::map(&s, |v| v / n))
}

/// Mean over mesh axes (JAX's `lax.pmean`) of an array or a scalar.
pub fn pmean<X: CollectiveValue>(x: X, axes: impl AxisNames) -> X::Output
where
    X::Elem: Numeric,
{
    X::from_array(unwrap(try_pmean(&x.to_array(), axes)))
}

/// Elementwise maximum over mesh axes.
pub fn try_pmax<T: Numeric>(x: &Array<T>, axes: impl AxisNames) -> Result<Array<T>> {
    let (xs, _) = gather_group("pmax", &axes, x)?;
    fold("pmax", &xs, |a, b| if b > a { b } else { a })
}

/// Elementwise maximum over mesh axes (JAX's `lax.pmax`) of an array or
/// a scalar.
pub fn pmax<X: CollectiveValue>(x: X, axes: impl AxisNames) -> X::Output
where
    X::Elem: Numeric,
{
    X::from_array(unwrap(try_pmax(&x.to_array(), axes)))
}

/// Elementwise minimum over mesh axes.
pub fn try_pmin<T: Numeric>(x: &Array<T>, axes: impl AxisNames) -> Result<Array<T>> {
    let (xs, _) = gather_group("pmin", &axes, x)?;
    fold("pmin", &xs, |a, b| if b < a { b } else { a })
}

/// Elementwise minimum over mesh axes (JAX's `lax.pmin`) of an array or
/// a scalar.
pub fn pmin<X: CollectiveValue>(x: X, axes: impl AxisNames) -> X::Output
where
    X::Elem: Numeric,
{
    X::from_array(unwrap(try_pmin(&x.to_array(), axes)))
}

/// Concatenation of `parts` (equal shapes) along `dim`.
fn concat<T: Element>(parts: &[Array<T>], dim: usize) -> Result<Array<T>> {
    let shape = parts[0].shape().to_vec();
    let mut out_shape = shape.clone();
    out_shape[dim] *= parts.len();
    let mut out = vec![T::default(); out_shape.iter().product()];
    for (i, p) in parts.iter().enumerate() {
        let index: Vec<_> = shape
            .iter()
            .enumerate()
            .map(|(d, &n)| if d == dim { i * n..(i + 1) * n } else { 0..n })
            .collect();
        insert(&mut out, &out_shape, &index, p.as_slice());
    }
    Array::from_shape_vec(out_shape, out)
}

/// The group's arrays stacked on a new leading axis (JAX's
/// `lax.all_gather(x, axis_name)`, `tiled=False`): shape `[n, ..x.shape]`.
pub fn try_all_gather<T: Element>(x: &Array<T>, axes: impl AxisNames) -> Result<Array<T>> {
    let (xs, _) = gather_group("all_gather", &axes, x)?;
    let mut shape = vec![1];
    shape.extend_from_slice(x.shape());
    let lifted: Vec<Array<T>> = xs
        .iter()
        .map(|a| Array::from_shape_vec(shape.clone(), a.to_vec()))
        .collect::<Result<_>>()?;
    concat(&lifted, 0)
}

/// Stacked gather over mesh axes (JAX's `lax.all_gather`) of an array or
/// a scalar (then a 1-d array of the group's values).
pub fn all_gather<X: CollectiveValue>(x: X, axes: impl AxisNames) -> Array<X::Elem> {
    unwrap(try_all_gather(&x.to_array(), axes))
}

fn check_dim<T: Element>(op: &'static str, x: &Array<T>, dim: usize) -> Result<()> {
    if dim < x.ndim() {
        Ok(())
    } else {
        Err(RjaxError::Invalid {
            op,
            message: format!("dimension {dim} is out of range for shape {:?}", x.shape()),
        })
    }
}

/// The group's arrays concatenated along `dim` (JAX's
/// `lax.all_gather(x, axis_name, axis=dim, tiled=True)`).
pub fn try_all_gather_tiled<T: Element>(
    x: &Array<T>,
    axes: impl AxisNames,
    dim: usize,
) -> Result<Array<T>> {
    check_dim("all_gather", x, dim)?;
    let (xs, _) = gather_group("all_gather", &axes, x)?;
    concat(&xs, dim)
}

/// Concatenating gather over mesh axes.
pub fn all_gather_tiled<T: Element>(x: &Array<T>, axes: impl AxisNames, dim: usize) -> Array<T> {
    unwrap(try_all_gather_tiled(x, axes, dim))
}

/// Sum over the group, then this device keeps its block `i` (its index
/// along `axes`) of `dim`, split into `n` equal blocks (JAX's
/// `lax.psum_scatter(x, axis_name, scatter_dimension=dim, tiled=True)`).
pub fn try_psum_scatter_tiled<T: Numeric>(
    x: &Array<T>,
    axes: impl AxisNames,
    dim: usize,
) -> Result<Array<T>> {
    check_dim("psum_scatter", x, dim)?;
    let (xs, me) = gather_group("psum_scatter", &axes, x)?;
    let n = xs.len();
    let len = x.shape()[dim];
    if !len.is_multiple_of(n) {
        return Err(RjaxError::Invalid {
            op: "psum_scatter",
            message: format!(
                "dimension {dim} of shape {:?} does not split into {n} equal blocks",
                x.shape()
            ),
        });
    }
    let s = fold("psum_scatter", &xs, |a, b| a + b)?;
    let block = len / n;
    let index: Vec<_> = x
        .shape()
        .iter()
        .enumerate()
        .map(|(d, &k)| {
            if d == dim {
                me * block..(me + 1) * block
            } else {
                0..k
            }
        })
        .collect();
    let mut shape = x.shape().to_vec();
    shape[dim] = block;
    Array::from_shape_vec(shape, extract(s.as_slice(), x.shape(), &index))
}

/// Tiled reduce-scatter over mesh axes.
pub fn psum_scatter_tiled<T: Numeric>(x: &Array<T>, axes: impl AxisNames, dim: usize) -> Array<T> {
    unwrap(try_psum_scatter_tiled(x, axes, dim))
}

/// JAX's default `lax.psum_scatter(x, axis_name)`: `x.shape[0]` equals the
/// group size and device `i` gets the sum of row `i`, without that axis.
pub fn try_psum_scatter<T: Numeric>(x: &Array<T>, axes: impl AxisNames) -> Result<Array<T>> {
    let names: Vec<String> = axes.names().iter().map(|s| s.to_string()).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let n = current("psum_scatter")?;
    let ax = refs
        .iter()
        .map(|a| n.comm.mesh().require_axis("psum_scatter", a))
        .collect::<Result<Vec<_>>>()?;
    let size = n.comm.mesh().axes_size(&ax);
    if x.ndim() == 0 || x.shape()[0] != size {
        return Err(RjaxError::Invalid {
            op: "psum_scatter",
            message: format!(
                "leading dimension of shape {:?} must equal the group size {size}",
                x.shape()
            ),
        });
    }
    let r = try_psum_scatter_tiled(x, refs.as_slice(), 0)?;
    Array::from_shape_vec(x.shape()[1..].to_vec(), r.to_vec())
}

/// Reduce-scatter over mesh axes (JAX's `lax.psum_scatter`).
pub fn psum_scatter<T: Numeric>(x: &Array<T>, axes: impl AxisNames) -> Array<T> {
    unwrap(try_psum_scatter(x, axes))
}

/// Sends `x` from the device with index `src` along `axes` to the one with
/// index `dst`, for each `(src, dst)` in `perm`; a device that receives
/// nothing gets zeros (JAX's `lax.ppermute`).
pub fn try_ppermute<T: Element>(
    x: &Array<T>,
    axes: impl AxisNames,
    perm: &[(usize, usize)],
) -> Result<Array<T>> {
    let (xs, me) = gather_group("ppermute", &axes, x)?;
    let n = xs.len();
    for (i, &(s, d)) in perm.iter().enumerate() {
        if s >= n || d >= n {
            return Err(RjaxError::Invalid {
                op: "ppermute",
                message: format!("pair ({s}, {d}) is out of range for a group of {n} devices"),
            });
        }
        if perm[..i].iter().any(|&(s2, d2)| s2 == s || d2 == d) {
            return Err(RjaxError::Invalid {
                op: "ppermute",
                message: format!("{perm:?} is not a permutation: a source or destination repeats"),
            });
        }
    }
    Ok(match perm.iter().find(|&&(_, d)| d == me) {
        Some(&(s, _)) => xs[s].clone(),
        None => Array::from_shape_vec(x.shape().to_vec(), vec![T::default(); x.len()])?,
    })
}

/// Permutation over mesh axes (JAX's `lax.ppermute`) of an array or a
/// scalar.
pub fn ppermute<X: CollectiveValue>(
    x: X,
    axes: impl AxisNames,
    perm: &[(usize, usize)],
) -> X::Output {
    X::from_array(unwrap(try_ppermute(&x.to_array(), axes, perm)))
}

/// This device's index along `axes` (JAX's `lax.axis_index`).
pub fn try_axis_index(axes: impl AxisNames) -> Result<usize> {
    let (ctx, ax, _) = setup("axis_index", &axes)?;
    Ok(ctx.comm.mesh().linear_index(ctx.pos, &ax))
}

/// This device's index along `axes` (JAX's `lax.axis_index`).
pub fn axis_index(axes: impl AxisNames) -> usize {
    unwrap(try_axis_index(axes))
}

/// Number of devices along `axes` (JAX's `lax.psum(1, axes)`).
pub fn axis_size(axes: impl AxisNames) -> usize {
    unwrap((|| {
        let (ctx, ax, _) = setup("axis_size", &axes)?;
        Ok(ctx.comm.mesh().axes_size(&ax))
    })())
}
