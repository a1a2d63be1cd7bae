//! The one error type of rjax-core: every failure names the operation (a
//! primitive, a transformation or the parser) and, for shape errors, the
//! shapes involved.

use std::fmt;

/// What went wrong, with enough context to point at the culprit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// A primitive's shape/dtype rule rejected its operands
    /// (`add: shapes f32[3] and f32[4] do not match`).
    Shape {
        /// The primitive (or helper) whose rule failed.
        op: String,
        /// What was expected and what was found.
        msg: String,
    },
    /// A derivative was requested where none exists (an integer, bool or
    /// key input, or a non-differentiable primitive on the path).
    NotDifferentiable(String),
    /// A transformation has no rule for a primitive.
    Unsupported {
        /// The transformation (`jvp`, `transpose`, `vmap`, `eval` ...).
        transform: String,
        /// The primitive it met.
        prim: String,
    },
    /// The jaxpr text could not be parsed.
    Parse {
        /// Byte offset into the text.
        offset: usize,
        /// What the parser expected.
        msg: String,
    },
    /// Any other misuse of the API (wrong argument counts, bad axes ...).
    Invalid(String),
    /// A run-time failure of the reference interpreter.
    Eval(String),
}

impl Error {
    /// A shape error of `op`.
    pub fn shape(op: impl Into<String>, msg: impl Into<String>) -> Self {
        Error::Shape {
            op: op.into(),
            msg: msg.into(),
        }
    }
    /// An API misuse.
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Shape { op, msg } => write!(f, "{op}: {msg}"),
            Error::NotDifferentiable(m) => write!(f, "not differentiable: {m}"),
            Error::Unsupported { transform, prim } => {
                write!(f, "{transform}: no rule for primitive `{prim}`")
            }
            Error::Parse { offset, msg } => write!(f, "jaxpr parse error at byte {offset}: {msg}"),
            Error::Invalid(m) => write!(f, "{m}"),
            Error::Eval(m) => write!(f, "eval: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// Result alias used throughout rjax-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
