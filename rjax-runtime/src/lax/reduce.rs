//! Reductions: `reduce_sum reduce_prod reduce_max reduce_min argmax cumsum`.
//!
//! JAX semantics: the reduced axes disappear (no keepdims; the `Array`
//! methods add that). Reducing no axes is the identity; reducing an empty
//! axis gives the identity of the operation (0, -inf, +inf).

use crate::array::Array;
use crate::dtype::Num;
use crate::error::{Result, RjaxError, or_panic};
use crate::kernels::{contiguous_strides, walk::walk};

/// Checks that `axes` are distinct axes of `shape`.
pub(crate) fn check_axes(op: &'static str, shape: &[usize], axes: &[usize]) -> Result<()> {
    for (i, &a) in axes.iter().enumerate() {
        if a >= shape.len() {
            return Err(RjaxError::invalid(
                op,
                format!("axis {a} is out of bounds for shape {shape:?}"),
            ));
        }
        if axes[..i].contains(&a) {
            return Err(RjaxError::invalid(
                op,
                format!("axis {a} is repeated in {axes:?} (shape {shape:?})"),
            ));
        }
    }
    Ok(())
}

/// Folds a contiguous slice with eight independent accumulators, so the
/// loop vectorises and float sums lose less precision than a serial fold.
fn fold_slice<T: Num>(s: &[T], init: T, f: impl Fn(T, T) -> T) -> T {
    let mut acc = [init; 8];
    let chunks = s.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for l in 0..8 {
            acc[l] = f(acc[l], c[l]);
        }
    }
    let mut r = init;
    for &v in rest {
        r = f(r, v);
    }
    let a = f(f(acc[0], acc[4]), f(acc[1], acc[5]));
    let b = f(f(acc[2], acc[6]), f(acc[3], acc[7]));
    f(f(a, b), r)
}

/// The generic reduction: `init` folded with `f` over `axes`.
fn reduce<T: Num>(
    op: &'static str,
    x: &Array<T>,
    axes: &[usize],
    init: T,
    f: impl Fn(T, T) -> T + Copy,
) -> Result<Array<T>> {
    let shape = x.shape();
    check_axes(op, shape, axes)?;
    let out_shape: Vec<usize> = (0..shape.len())
        .filter(|d| !axes.contains(d))
        .map(|d| shape[d])
        .collect();
    if axes.is_empty() {
        return Ok(x.clone());
    }
    let out_n: usize = out_shape.iter().product();
    let src = x.as_slice();
    // Reduced axes form a suffix: each output is the fold of a contiguous run.
    let k = axes.len();
    let suffix = (shape.len() - k..shape.len()).all(|d| axes.contains(&d));
    if suffix {
        let run: usize = shape[shape.len() - k..].iter().product();
        let out: Vec<T> = if run == 0 {
            vec![init; out_n]
        } else {
            src.chunks(run).map(|c| fold_slice(c, init, f)).collect()
        };
        return Ok(Array::from_raw(out_shape, out));
    }
    // General case: walk the input once, accumulating into the output slot
    // of each element (stride 0 along reduced axes).
    let in_strides = contiguous_strides(shape);
    let out_own = contiguous_strides(&out_shape);
    let mut out_strides = vec![0isize; shape.len()];
    let mut j = 0;
    for (d, s) in out_strides.iter_mut().enumerate() {
        if !axes.contains(&d) {
            *s = out_own[j];
            j += 1;
        }
    }
    let mut out = vec![init; out_n];
    walk(shape, [&in_strides, &out_strides], [0, 0], |[i, o]| {
        let slot = &mut out[o as usize];
        *slot = f(*slot, src[i as usize]);
    });
    Ok(Array::from_raw(out_shape, out))
}

macro_rules! reducer {
    ($($(#[$m:meta])* $name:ident / $try_name:ident = ($init:expr, $f:expr);)*) => {$(
        $(#[$m])*
        ///
        /// # Panics
        /// When an axis is out of bounds or repeated, with the text of the
        /// `try_` form's error.
        #[track_caller]
        pub fn $name<T: Num>(x: &Array<T>, axes: &[usize]) -> Array<T> {
            or_panic($try_name(x, axes))
        }

        $(#[$m])*
        ///
        /// Errors when an axis is out of bounds or repeated.
        pub fn $try_name<T: Num>(x: &Array<T>, axes: &[usize]) -> Result<Array<T>> {
            reduce(stringify!($name), x, axes, $init, $f)
        }
    )*};
}

reducer! {
    /// Sum over `axes`, which disappear from the shape.
    reduce_sum / try_reduce_sum = (T::zero(), |a: T, b: T| a.add(b));
    /// Product over `axes`, which disappear from the shape.
    reduce_prod / try_reduce_prod = (T::one(), |a: T, b: T| a.mul(b));
    /// Maximum over `axes` (NaN if any is NaN; -inf / `MIN` for an empty axis).
    reduce_max / try_reduce_max = (T::lowest(), |a: T, b: T| a.max(b));
    /// Minimum over `axes` (NaN if any is NaN; +inf / `MAX` for an empty axis).
    reduce_min / try_reduce_min = (T::highest(), |a: T, b: T| a.min(b));
}

/// Index of the largest element along `axis`, which disappears (JAX's
/// `argmax[axes=(axis,), index_dtype=int32]`). Ties give the first index;
/// a NaN counts as larger than everything (the first NaN wins), as in JAX.
///
/// # Panics
/// With the text of [`try_argmax`]'s error.
#[track_caller]
pub fn argmax<T: Num>(x: &Array<T>, axis: usize) -> Array<i32> {
    or_panic(try_argmax(x, axis))
}

/// [`argmax`], returning an error for an out-of-bounds or empty axis.
pub fn try_argmax<T: Num>(x: &Array<T>, axis: usize) -> Result<Array<i32>> {
    let shape = x.shape();
    check_axes("argmax", shape, &[axis])?;
    let len = shape[axis];
    if len == 0 {
        return Err(RjaxError::invalid(
            "argmax",
            format!("axis {axis} of shape {shape:?} is empty"),
        ));
    }
    let strides = contiguous_strides(shape);
    let step = strides[axis];
    let mut outer = shape.to_vec();
    outer[axis] = 1;
    let src = x.as_slice();
    let mut out = Vec::with_capacity(src.len() / len);
    walk(&outer, [&strides], [0], |[base]| {
        let mut best = 0usize;
        let mut bv = src[base as usize];
        if !bv.is_nan() {
            for i in 1..len {
                let v = src[(base + i as isize * step) as usize];
                if v.is_nan() {
                    best = i;
                    break;
                }
                if v > bv {
                    best = i;
                    bv = v;
                }
            }
        }
        out.push(best as i32);
    });
    let out_shape: Vec<usize> = (0..shape.len())
        .filter(|&d| d != axis)
        .map(|d| shape[d])
        .collect();
    Ok(Array::from_raw(out_shape, out))
}

/// Running sum along `axis` (inclusive), from the end when `reverse`.
///
/// # Panics
/// With the text of [`try_cumsum`]'s error.
#[track_caller]
pub fn cumsum<T: Num>(x: &Array<T>, axis: usize, reverse: bool) -> Array<T> {
    or_panic(try_cumsum(x, axis, reverse))
}

/// [`cumsum`], returning an error for an out-of-bounds axis.
pub fn try_cumsum<T: Num>(x: &Array<T>, axis: usize, reverse: bool) -> Result<Array<T>> {
    let shape = x.shape();
    check_axes("cumsum", shape, &[axis])?;
    let len = shape[axis];
    let strides = contiguous_strides(shape);
    let step = strides[axis];
    let mut outer = shape.to_vec();
    outer[axis] = 1;
    let mut data = x.to_vec();
    walk(&outer, [&strides], [0], |[base]| {
        let mut acc = T::zero();
        for i in 0..len {
            let i = if reverse { len - 1 - i } else { i };
            let at = (base + i as isize * step) as usize;
            acc = acc.add(data[at]);
            data[at] = acc;
        }
    });
    Ok(Array::from_raw(shape.to_vec(), data))
}

/// Keeps the reduced axes as size-1 axes (NumPy's `keepdims=True`): the
/// shape of a reduction of `shape` over `axes`.
pub(crate) fn keepdims_shape(shape: &[usize], axes: &[usize]) -> Vec<usize> {
    shape
        .iter()
        .enumerate()
        .map(|(d, &s)| if axes.contains(&d) { 1 } else { s })
        .collect()
}
