//! Transformations as IR -> IR functions built on the per-primitive rules:
//! `jvp`, `linearize` (jvp + partial evaluation), `vjp` (linearize +
//! transpose), `grad`/`value_and_grad`, `jacrev`/`jacfwd`/`hessian`, and
//! `vmap`. Every result is an ordinary `Jaxpr`, so they compose freely.

pub mod ad;
pub mod jacobian;
pub mod jvp;
pub mod partial_eval;
pub mod transpose;
pub mod vmap;

pub use ad::{Linearized, Vjp, grad, linearize, value_and_grad, vjp};
pub use jacobian::{Mode, hessian, jacfwd, jacobian, jacrev};
pub use jvp::{jvp, jvp_wrt};
pub use partial_eval::{PartialEval, partial_eval};
pub use transpose::transpose;
pub use vmap::{vmap, vmap_sized};
