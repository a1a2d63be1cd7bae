//! Why a companion or a `#[jit]` primal was not generated. The expansion
//! reports it at the attribute that asked for it (`#[grad]`, `#[vmap]`,
//! `#[jit]`), or leaves the companion out silently when it cannot exist
//! for such a function.

use std::fmt;

use crate::lower::xform::XformError;

/// A companion that could not be generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CompanionError {
    /// The transformation failed.
    Xform(XformError),
    /// The parameters or result cannot take this companion (a tree whose
    /// leaves cannot hold a batch ...): the message says what to write.
    Unsupported(String),
    /// Tokens this crate generated did not parse (a bug of the crate).
    Internal(String),
}

impl CompanionError {
    /// False for a companion that is left out without an error: forward
    /// mode through a `#[custom_vjp]` function, which only a call reports.
    pub fn is_reported(&self) -> bool {
        !matches!(self, CompanionError::Xform(XformError::ForwardThroughVjp))
    }
}

impl From<XformError> for CompanionError {
    fn from(e: XformError) -> Self {
        CompanionError::Xform(e)
    }
}

impl fmt::Display for CompanionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompanionError::Xform(e) => write!(f, "{e}"),
            CompanionError::Unsupported(m) | CompanionError::Internal(m) => f.write_str(m),
        }
    }
}
