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

use crate::builder::Builder;
use crate::ir::{Atom, Eqn, Jaxpr, Var};
use std::collections::HashMap;

/// Re-emits `e` unchanged (with `ins`, its already substituted inputs) and
/// binds its outputs in `env`: what jvp, vmap and transpose all do with an
/// equation that none of their tangent / batched / linear values reach.
pub(crate) fn copy_eqn(
    b: &mut Builder,
    j: &Jaxpr,
    e: &Eqn,
    ins: Vec<Atom>,
    env: &mut HashMap<Var, Atom>,
) {
    let outs = b.push_typed(
        e.prim,
        e.params.clone(),
        ins,
        e.outputs.iter().map(|v| j.ty(*v).clone()).collect(),
    );
    for (o, n) in e.outputs.iter().zip(outs) {
        env.insert(*o, Atom::Var(n));
    }
}
