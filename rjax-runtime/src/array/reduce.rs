//! Reductions with one axis API (DESIGN.md §2 asked us to pick one):
//!
//! - `a.sum()` reduces every axis and returns the scalar `T`;
//! - `a.sum_axes(&[0, 2], keepdims)` reduces the listed axes; with
//!   `keepdims` they stay as size-1 axes (NumPy's `keepdims=True`).
//!
//! The same pair exists for `prod max min mean logsumexp`; `argmax()`
//! returns the flat index (as `jnp.argmax` without an axis) and
//! `argmax_axis(axis, keepdims)` an `Array<i32>`. Reducing an empty axis
//! gives the operation's identity (0, 1, -inf, +inf); the mean of nothing
//! is NaN.

use super::Array;
use crate::dtype::{Float, Num};
use crate::error::{Result, or_panic};
use crate::lax;

fn all_axes(n: usize) -> Vec<usize> {
    (0..n).collect()
}

/// Restores reduced axes as size 1 when `keepdims` (no copy).
fn keep<T: Num>(r: Array<T>, shape: &[usize], axes: &[usize], keepdims: bool) -> Array<T> {
    if keepdims {
        r.with_shape(lax::keepdims_shape(shape, axes))
    } else {
        r
    }
}

macro_rules! reductions {
    ($($(#[$m:meta])* $name:ident / $axes:ident / $try_axes:ident = $prim:ident;)*) => {$(
        $(#[$m])*
        pub fn $name(&self) -> T {
            lax::$prim(self, &all_axes(self.ndim())).item()
        }

        $(#[$m])*
        /// Over `axes` only; kept as size-1 axes when `keepdims`.
        ///
        /// # Panics
        /// When an axis is out of bounds or repeated (the `try_` text).
        #[track_caller]
        pub fn $axes(&self, axes: &[usize], keepdims: bool) -> Array<T> {
            or_panic(self.$try_axes(axes, keepdims))
        }

        $(#[$m])*
        /// Over `axes` only, or an error for a bad axis.
        pub fn $try_axes(&self, axes: &[usize], keepdims: bool) -> Result<Array<T>> {
            lax::check_axes(stringify!($name), self.shape(), axes)?;
            Ok(keep(lax::$prim(self, axes), self.shape(), axes, keepdims))
        }
    )*};
}

impl<T: Num> Array<T> {
    reductions! {
        /// Sum of the elements.
        sum / sum_axes / try_sum_axes = reduce_sum;
        /// Product of the elements.
        prod / prod_axes / try_prod_axes = reduce_prod;
        /// Largest element (NaN if any is NaN).
        max / max_axes / try_max_axes = reduce_max;
        /// Smallest element (NaN if any is NaN).
        min / min_axes / try_min_axes = reduce_min;
    }

    /// Flat row-major index of the largest element (the first one on ties;
    /// a NaN counts as largest).
    ///
    /// # Panics
    /// On an empty array.
    #[track_caller]
    pub fn argmax(&self) -> usize {
        let flat = self.with_shape(vec![self.len()]);
        or_panic(lax::try_argmax(&flat, 0)).item() as usize
    }

    /// Index of the largest element along `axis` (`jnp.argmax(a, axis,
    /// keepdims=...)`).
    ///
    /// # Panics
    /// When the axis is out of bounds or empty.
    #[track_caller]
    pub fn argmax_axis(&self, axis: usize, keepdims: bool) -> Array<i32> {
        let r = lax::argmax(self, axis);
        if keepdims {
            r.with_shape(lax::keepdims_shape(self.shape(), &[axis]))
        } else {
            r
        }
    }

    /// Running sum along `axis` (`jnp.cumsum`).
    #[track_caller]
    pub fn cumsum(&self, axis: usize) -> Array<T> {
        lax::cumsum(self, axis, false)
    }
}

impl<T: Float> Array<T> {
    /// Mean of the elements (NaN for an empty array).
    pub fn mean(&self) -> T {
        self.sum().div(T::from_f64(self.len() as f64))
    }

    /// Mean over `axes`; kept as size-1 axes when `keepdims`.
    ///
    /// # Panics
    /// When an axis is out of bounds or repeated.
    #[track_caller]
    pub fn mean_axes(&self, axes: &[usize], keepdims: bool) -> Array<T> {
        or_panic(self.try_mean_axes(axes, keepdims))
    }

    /// [`Array::mean_axes`], or an error for a bad axis.
    pub fn try_mean_axes(&self, axes: &[usize], keepdims: bool) -> Result<Array<T>> {
        let n: usize = axes.iter().filter_map(|&a| self.shape().get(a)).product();
        let s = self.try_sum_axes(axes, keepdims)?;
        Ok(&s / T::from_f64(n as f64))
    }

    /// `log(sum(exp(x)))` over every element, computed stably by shifting
    /// by the maximum.
    pub fn logsumexp(&self) -> T {
        self.logsumexp_axes(&all_axes(self.ndim()), false).item()
    }

    /// `log(sum(exp(x)))` over `axes`, stably; kept as size-1 axes when
    /// `keepdims`.
    ///
    /// # Panics
    /// When an axis is out of bounds or repeated.
    #[track_caller]
    pub fn logsumexp_axes(&self, axes: &[usize], keepdims: bool) -> Array<T> {
        or_panic(self.try_logsumexp_axes(axes, keepdims))
    }

    /// [`Array::logsumexp_axes`], or an error for a bad axis.
    pub fn try_logsumexp_axes(&self, axes: &[usize], keepdims: bool) -> Result<Array<T>> {
        lax::check_axes("logsumexp", self.shape(), axes)?;
        // An infinite max (all -inf, or a +inf) must not be subtracted:
        // shift by 0 there, as jax.nn.logsumexp does.
        let m = self.max_axes(axes, true);
        let shift = lax::map(&m, |v: T| if v.sub(v) == T::zero() { v } else { T::zero() });
        let s = (self - &shift).exp().sum_axes(axes, true);
        let r = &s.log() + &shift;
        Ok(if keepdims { r } else { lax::squeeze(&r, axes) })
    }
}
