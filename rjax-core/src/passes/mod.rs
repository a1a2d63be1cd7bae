//! Optimisation passes, each IR -> IR and value-preserving: dead-code
//! elimination, common-subexpression elimination, constant folding,
//! algebraic simplification; and the fusion analysis the jit emitter uses.

pub mod dce;

pub use dce::{compact, dce};
