//! The small per-shard helpers the sharded ops and collectives need
//! (elementwise combine, axis reductions, 2-d matmul), written over slices
//! so this module only relies on `Array`'s stable basics.

use crate::array::Array;
use crate::dtype::Element;
use crate::error::{Result, RjaxError};

/// Element types the sharded ops compute with (`f32`, `f64`, `i32`, `u32`).
pub trait Numeric: crate::dtype::Num + num_traits::Num + num_traits::NumCast + PartialOrd {}
impl<T: crate::dtype::Num + num_traits::Num + num_traits::NumCast + PartialOrd> Numeric for T {}

pub(crate) fn same_shape<T: Element>(op: &'static str, a: &Array<T>, b: &Array<T>) -> Result<()> {
    if a.shape() == b.shape() {
        Ok(())
    } else {
        Err(RjaxError::ShapeMismatch {
            op,
            lhs: a.shape().to_vec(),
            rhs: b.shape().to_vec(),
            reason: "differ (no broadcasting across devices)".into(),
        })
    }
}

/// `f` applied elementwise to `a` and `b` of equal shapes.
pub(crate) fn zip<T: Element>(
    op: &'static str,
    a: &Array<T>,
    b: &Array<T>,
    f: impl Fn(T, T) -> T,
) -> Result<Array<T>> {
    same_shape(op, a, b)?;
    let data = a
        .as_slice()
        .iter()
        .zip(b.as_slice())
        .map(|(&x, &y)| f(x, y))
        .collect();
    Array::from_shape_vec(a.shape().to_vec(), data)
}

/// `f` applied to every element.
pub(crate) fn map<T: Element>(a: &Array<T>, f: impl Fn(T) -> T) -> Array<T> {
    let data = a.as_slice().iter().map(|&x| f(x)).collect();
    Array::from_shape_vec(a.shape().to_vec(), data).expect("same element count")
}

/// Folds axis `axis` away with `f`, starting from the first element.
pub(crate) fn reduce_axis<T: Element>(
    op: &'static str,
    a: &Array<T>,
    axis: usize,
    f: impl Fn(T, T) -> T,
) -> Result<Array<T>> {
    let shape = a.shape();
    if axis >= shape.len() || shape[axis] == 0 {
        return Err(RjaxError::Invalid {
            op,
            message: format!("cannot reduce axis {axis} of shape {shape:?}"),
        });
    }
    let outer: usize = shape[..axis].iter().product();
    let n = shape[axis];
    let inner: usize = shape[axis + 1..].iter().product();
    let x = a.as_slice();
    let mut out = Vec::with_capacity(outer * inner);
    for o in 0..outer {
        let base = o * n * inner;
        out.extend_from_slice(&x[base..base + inner]);
        let row = &mut out[o * inner..(o + 1) * inner];
        for k in 1..n {
            let src = &x[base + k * inner..base + (k + 1) * inner];
            for (r, &v) in row.iter_mut().zip(src) {
                *r = f(*r, v);
            }
        }
    }
    let mut new_shape = shape.to_vec();
    new_shape.remove(axis);
    Array::from_shape_vec(new_shape, out)
}

/// `a @ b` for 2-d `a` `[m, k]` and `b` `[k, n]`, with the runtime's gemm.
pub(crate) fn matmul<T: Numeric>(a: &Array<T>, b: &Array<T>) -> Result<Array<T>> {
    let (sa, sb) = (a.shape(), b.shape());
    if sa.len() != 2 || sb.len() != 2 || sa[1] != sb[0] {
        return Err(RjaxError::ShapeMismatch {
            op: "matmul",
            lhs: sa.to_vec(),
            rhs: sb.to_vec(),
            reason: "do not align (need [m, k] and [k, n])".into(),
        });
    }
    a.try_matmul(b)
}
