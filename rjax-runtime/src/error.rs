//! The one error type of the runtime: every message names the operation and
//! the shapes involved, and says what was expected.

use thiserror::Error;

/// Errors from the `try_` forms of array operations. The plain forms panic
/// with the same text.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum RjaxError {
    /// Two shapes that an operation needs to agree do not.
    #[error("{op}: shapes {lhs:?} and {rhs:?} {reason}")]
    ShapeMismatch {
        /// The operation, as the user called it (`add`, `dot`, ...).
        op: &'static str,
        /// Shape of the first operand.
        lhs: Vec<usize>,
        /// Shape of the second operand.
        rhs: Vec<usize>,
        /// What does not fit, e.g. "do not align (4 != 5)".
        reason: String,
    },
    /// An operand (or requested shape) is not valid for an operation.
    #[error("{op}: {message}")]
    Invalid {
        /// The operation.
        op: &'static str,
        /// What is wrong and what was expected.
        message: String,
    },
}

/// Result alias of the runtime.
pub type Result<T> = std::result::Result<T, RjaxError>;

impl RjaxError {
    /// A [`RjaxError::ShapeMismatch`] between two shapes.
    pub fn shapes(
        op: &'static str,
        lhs: &[usize],
        rhs: &[usize],
        reason: impl Into<String>,
    ) -> Self {
        RjaxError::ShapeMismatch {
            op,
            lhs: lhs.to_vec(),
            rhs: rhs.to_vec(),
            reason: reason.into(),
        }
    }

    /// An [`RjaxError::Invalid`] with a message.
    pub fn invalid(op: &'static str, message: impl Into<String>) -> Self {
        RjaxError::Invalid {
            op,
            message: message.into(),
        }
    }
}

/// Unwraps a result or panics with the error's text: how every plain form
/// is made from its `try_` form, so both report the same words.
#[track_caller]
pub(crate) fn or_panic<T>(r: Result<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}
