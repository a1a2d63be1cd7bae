//! Selection and casts: `select_n` and `convert_element_type`.

use super::broadcast::{broadcast_shapes, zip3_with};
use super::unary::map;
use crate::array::Array;
use crate::dtype::Element;
use crate::error::{Result, RjaxError, or_panic};

/// `cases[pred as usize]` elementwise: case 0 where `pred` is false, case 1
/// where it is true (JAX's `select_n` with a boolean predicate, so one or
/// two cases). Shapes broadcast as in NumPy (JAX itself wants equal shapes
/// or a rank-0 `pred`).
///
/// # Panics
/// With the text of [`try_select_n`]'s error.
#[track_caller]
pub fn select_n<T: Element>(pred: &Array<bool>, cases: &[&Array<T>]) -> Array<T> {
    or_panic(try_select_n(pred, cases))
}

/// [`select_n`], returning an error for a wrong number of cases or shapes
/// that do not broadcast.
pub fn try_select_n<T: Element>(pred: &Array<bool>, cases: &[&Array<T>]) -> Result<Array<T>> {
    match cases {
        [only] => {
            let shape = broadcast_shapes("select_n", pred.shape(), only.shape())?;
            if shape == only.shape() {
                Ok((*only).clone())
            } else {
                zip3_with("select_n", pred, only, only, |_, a, _| a)
            }
        }
        [f, t] => zip3_with("select_n", pred, f, t, |p, f, t| if p { t } else { f }),
        _ => Err(RjaxError::invalid(
            "select_n",
            format!(
                "a boolean predicate selects between 1 or 2 cases, got {}",
                cases.len()
            ),
        )),
    }
}

/// Converts every element to `U` (JAX's `convert_element_type[new_dtype]`):
/// floats to integers truncate toward zero and saturate, NaN gives 0;
/// anything to `bool` is `x != 0`; `bool` is 0 or 1.
pub fn convert_element_type<T: Element, U: Element>(x: &Array<T>) -> Array<U> {
    map(x, |v: T| v.cast::<U>())
}
