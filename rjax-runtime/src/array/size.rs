//! Element counts of shapes, computed with overflow checks.
//!
//! Every shape that enters the runtime from outside (a constructor, a
//! reshape, a broadcast, a random draw's shape) and every shape an op
//! builds bigger than its inputs (a product's `[m, n]`, a broadcast of two
//! operands, a concatenation) has its element count computed here. A
//! wrapped product would let a `[2^63, 2]` array hold 0 elements and a
//! kernel then write `m * n` elements into a buffer of the wrapped size:
//! undefined behaviour from safe code. So nothing multiplies dimensions
//! without `checked_mul`.

use crate::error::{Result, RjaxError, or_panic};

/// The number of elements of `shape`, or an error naming `op` and the
/// shape when the product does not fit in `usize`.
///
/// ```
/// use rjax_runtime::array::try_size;
/// assert_eq!(try_size("zeros", &[2, 3]).unwrap(), 6);
/// assert!(try_size("zeros", &[1 << 63, 2]).is_err());
/// ```
#[inline]
pub fn try_size(op: &'static str, shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or_else(|| overflow(op, shape))
}

/// [`try_size`], panicking with its error's text.
#[inline]
#[track_caller]
pub fn size(op: &'static str, shape: &[usize]) -> usize {
    or_panic(try_size(op, shape))
}

/// `a + b` for a dimension built from two others (concatenation, padding),
/// or an error naming `op` and the shape.
pub(crate) fn try_add_dims(op: &'static str, shape: &[usize], a: usize, b: usize) -> Result<usize> {
    a.checked_add(b).ok_or_else(|| overflow(op, shape))
}

#[cold]
fn overflow(op: &'static str, shape: &[usize]) -> RjaxError {
    RjaxError::invalid(
        op,
        format!(
            "shape {shape:?} has more elements than fit in usize ({}); no array can be that large",
            usize::MAX
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_overflows() {
        assert_eq!(try_size("op", &[]).unwrap(), 1);
        assert_eq!(try_size("op", &[0, usize::MAX]).unwrap(), 0);
        assert_eq!(try_size("op", &[usize::MAX, 0, 2]).unwrap(), 0);
        let e = try_size("zeros", &[1 << 63, 2]).unwrap_err().to_string();
        assert!(
            e.starts_with("zeros: shape [9223372036854775808, 2]"),
            "{e}"
        );
        assert!(try_size("op", &[1 << 32, 1 << 32]).is_err());
        assert!(try_add_dims("concatenate", &[1], usize::MAX, 1).is_err());
    }
}
