//! rjax: JAX's composable function transformations (`grad`, `vmap`, `jit`)
//! for Rust, done at compile time by attribute macros.
//!
//! This facade re-exports the three crates; most programs only need
//! `use rjax::prelude::*;`.

pub use rjax_core as core;
pub use rjax_macros::*;
pub use rjax_runtime as runtime;
pub use rjax_runtime::random;
pub use rjax_runtime::{Array, DType, Element, Result, RjaxError};

/// Everything a typical program uses.
pub mod prelude {
    pub use crate::random;
    pub use rjax_macros::*;
    pub use rjax_runtime::{Array, DType, Element};
}
