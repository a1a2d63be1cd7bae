//! rjax-runtime: the arrays that rjax's generated code works on, their
//! kernels, explicit PRNG keys bit-compatible with JAX, and devices with
//! sharding.
//!
//! This crate computes; it holds no transformation rules (those live in
//! rjax-core) and no parsing (rjax-macros).
#![warn(missing_docs)]

pub mod array;
pub mod dtype;
pub mod error;
pub mod jit;
pub mod kernels;
pub mod lax;
pub mod numpy;
pub mod random;
pub mod sharding;
mod trace;
pub mod tree;

pub use array::Array;
pub use dtype::{DType, Element, Float, Num};
pub use error::{Result, RjaxError};
