//! The reference interpreter: evaluates any jaxpr (control flow included)
//! on concrete `Tensor`s, binding symbolic dims from the input shapes. It
//! is the oracle every transformation and pass is tested against.

pub mod eval;
pub mod tensor;

pub use eval::{eval_jaxpr, eval_jaxpr_with_env};
pub use tensor::Tensor;
