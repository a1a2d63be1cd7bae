//! NumPy broadcasting for elementwise primitives with several operands.
//!
//! The rule (NumPy's): align shapes at their last axis; two sizes agree when
//! they are equal or one of them is 1; missing leading axes count as 1. A
//! rank-0 operand therefore broadcasts to anything. The kernels give a
//! broadcast axis stride 0 instead of copying.

use crate::array::Array;
use crate::dtype::Element;
use crate::error::{Result, RjaxError};
use crate::kernels::{self, contiguous_strides, walk::walk};

/// The broadcast shape of `a` and `b`, or the error `op: shapes A and B
/// cannot be broadcast together`.
pub fn broadcast_shapes(op: &'static str, a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i < n - a.len() {
            1
        } else {
            a[i - (n - a.len())]
        };
        let db = if i < n - b.len() {
            1
        } else {
            b[i - (n - b.len())]
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(RjaxError::shapes(
                op,
                a,
                b,
                format!(
                    "cannot be broadcast together ({da} != {db} at axis {})",
                    i as isize - n as isize
                ),
            ));
        };
    }
    Ok(out)
}

/// Strides that read an array of `shape` as if it had the (broadcast)
/// shape `out`: 0 along broadcast and missing axes.
pub fn broadcast_strides(shape: &[usize], out: &[usize]) -> Vec<isize> {
    let own = contiguous_strides(shape);
    let lead = out.len() - shape.len();
    (0..out.len())
        .map(|d| {
            if d < lead || shape[d - lead] == 1 {
                0
            } else {
                own[d - lead]
            }
        })
        .collect()
}

/// `f(a, b)` elementwise with NumPy broadcasting; the kernel behind every
/// binary primitive.
pub fn zip_with<T: Element, U: Element>(
    op: &'static str,
    a: &Array<T>,
    b: &Array<T>,
    f: impl Fn(T, T) -> U + Sync + Send,
) -> Result<Array<U>> {
    if a.shape() == b.shape() {
        return Ok(kernels::map2(a, b, f));
    }
    let shape = broadcast_shapes(op, a.shape(), b.shape())?;
    let n = crate::array::try_size(op, &shape)?;
    // A one-element operand that does not grow the result: a map.
    if b.len() == 1 && shape == a.shape() {
        let y = b.as_slice()[0];
        return Ok(kernels::map1(a, |x| f(x, y)));
    }
    if a.len() == 1 && shape == b.shape() {
        let x = a.as_slice()[0];
        return Ok(kernels::map1(b, |y| f(x, y)));
    }
    let sa = broadcast_strides(a.shape(), &shape);
    let sb = broadcast_strides(b.shape(), &shape);
    let (xa, xb) = (a.as_slice(), b.as_slice());
    let mut out = Vec::with_capacity(n);
    walk(&shape, [&sa, &sb], [0, 0], |[i, j]| {
        out.push(f(xa[i as usize], xb[j as usize]))
    });
    Ok(Array::from_raw(shape, out))
}

/// `f(a, b, c)` elementwise with NumPy broadcasting of all three operands.
pub fn zip3_with<A: Element, B: Element, C: Element, U: Element>(
    op: &'static str,
    a: &Array<A>,
    b: &Array<B>,
    c: &Array<C>,
    f: impl Fn(A, B, C) -> U,
) -> Result<Array<U>> {
    let ab = broadcast_shapes(op, a.shape(), b.shape())?;
    let shape = broadcast_shapes(op, &ab, c.shape()).map_err(|_| {
        let first = if broadcast_shapes(op, a.shape(), c.shape()).is_err() {
            a.shape()
        } else {
            b.shape()
        };
        broadcast_shapes(op, first, c.shape())
            .err()
            .unwrap_or_else(|| {
                RjaxError::shapes(op, &ab, c.shape(), "cannot be broadcast together")
            })
    })?;
    let n = crate::array::try_size(op, &shape)?;
    let sa = broadcast_strides(a.shape(), &shape);
    let sb = broadcast_strides(b.shape(), &shape);
    let sc = broadcast_strides(c.shape(), &shape);
    let (xa, xb, xc) = (a.as_slice(), b.as_slice(), c.as_slice());
    let mut out = Vec::with_capacity(n);
    walk(&shape, [&sa, &sb, &sc], [0, 0, 0], |[i, j, k]| {
        out.push(f(xa[i as usize], xb[j as usize], xc[k as usize]))
    });
    Ok(Array::from_raw(shape, out))
}
