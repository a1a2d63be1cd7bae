//! rjax: JAX's composable function transformations (`grad`, `vmap`, `jit`)
//! for Rust, done at compile time by attribute macros.
//!
//! This facade re-exports the three crates; most programs only need
//! `use rjax::prelude::*;`.
//!
//! ```
//! use rjax::prelude::*;
//!
//! #[grad]
//! fn f(t: &Array<f32>) -> f32 {
//!     let (x, y, z) = (t[0], t[1], t[2]);
//!     x.sin() * y.cos() * z
//! }
//!
//! # fn main() {
//! let t = Array::from_vec(vec![1.0f32, 2.0, 3.0]);
//! let g = f::grad(&t);
//! assert!((g[2] - 1.0f32.sin() * 2.0f32.cos()).abs() < 1e-6);
//! # }
//! ```
#![warn(missing_docs)]

pub use rjax_core as core;
pub use rjax_macros::*;
pub use rjax_runtime as runtime;
pub use rjax_runtime::random;
pub use rjax_runtime::sharding::{self, distributed};
pub use rjax_runtime::{Array, DType, Element, Result, RjaxError};

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// Everything a typical program uses.
pub mod prelude {
    pub use crate::random;
    pub use crate::random::Key;
    pub use rjax_macros::*;
    pub use rjax_runtime::array;
    // jax.numpy's free functions, so an annotated body's `sin(x)` or
    // `concatenate(&[a, b], 0)` is also valid ordinary Rust in the primal.
    pub use rjax_runtime::numpy::float_fns::*;
    pub use rjax_runtime::numpy::{
        abs, broadcast_to, concatenate, cos, dot, full_like, matmul, maximum, mean, minimum,
        ones_like, power, reshape, sign, sin, sqrt, square, stack, sum, tan, transpose, where_,
        zeros_like,
    };
    pub use rjax_runtime::{Array, DType, Element};
}
