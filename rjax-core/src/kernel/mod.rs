//! Row kernels: whole row-wise programs (softmax, logsumexp, layer norm,
//! cross-entropy, along any axis) as one loop nest over the rows.
//!
//! The pass [`schedule`] decides what fuses with what (`build.rs`),
//! reorders the jaxpr so each kernel's equations are consecutive
//! (`order.rs`), and describes each kernel as loops over the reduced axes
//! of one row (`ir.rs`) over an index space (`space.rs`): reductions with
//! their producers fused in, their consumers reading the reduced value
//! through a broadcast index map, and broadcasts, `expand_dims`,
//! `squeeze` and size-1 `reshape`s as index arithmetic instead of
//! buffers. Row softmax is three loops over a row that stays in cache:
//! max, exp and sum, divide. Elementwise work reading a broadcast with
//! no reduction is a *map kernel* of the same IR (one loop per row,
//! nothing reduced), so `relu(x + b)` never builds `b`'s broadcast.
//! `print.rs` prints the IR; `eval.rs`
//! interprets it element by element (the oracle of the tests); the jit
//! emitter (rjax-macros) prints it as Rust.

mod build;
mod eval;
mod ir;
mod order;
mod print;
mod space;

pub use build::{find_kernels, is_row_reduction, is_view};
pub use eval::eval_schedule;
pub use ir::{Kernel, Loop, Read, Space, Step, View};
pub use space::{Access, Group, IndexSpace, Placement};

use std::collections::HashSet;

use crate::ir::Jaxpr;

/// A jaxpr reordered for its kernels, and the kernels (indices into it).
#[derive(Clone, Debug)]
pub struct Schedule {
    /// The jaxpr, equations reordered so that each kernel's members are
    /// consecutive (the same program).
    pub jaxpr: Jaxpr,
    /// The kernels, in execution order.
    pub kernels: Vec<Kernel>,
}

/// The row kernels of `j` (top level), never including the equations of
/// `exclude` (indices into `j`); `jaxpr` is `j` reordered.
pub fn schedule(j: &Jaxpr, exclude: &HashSet<usize>) -> Schedule {
    let mut kernels = find_kernels(j, exclude);
    loop {
        if kernels.is_empty() {
            return Schedule {
                jaxpr: j.clone(),
                kernels,
            };
        }
        if let Some(new_order) = order::order(j, &kernels) {
            let mut map = vec![0; j.eqns.len()];
            for (new, &old) in new_order.iter().enumerate() {
                map[old] = new;
            }
            let mut out = j.clone();
            out.eqns = new_order.iter().map(|&i| j.eqns[i].clone()).collect();
            for k in &mut kernels {
                k.remap(&map);
            }
            kernels.sort_by_key(|k| k.members[0]);
            return Schedule {
                jaxpr: out,
                kernels,
            };
        }
        // Kernels that need each other's results: give up the last one.
        kernels.pop();
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        print::print(&self.jaxpr, &self.kernels, f)
    }
}

#[cfg(test)]
mod tests;
