//! The transformations this crate asks of rjax-core, in one place: each
//! is a call to core's IR -> IR function (no rule lives here) followed by
//! core's clean-up passes.

use std::fmt;

use rjax_core::transforms::{self, Mode};
use rjax_core::{Jaxpr, passes};

/// Why a transformation failed. The span is the caller's to add: the
/// call in a body (`h::grad(..)`) or the attribute of a companion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XformError {
    /// rjax-core refused; its error names the operation.
    Core(rjax_core::Error),
    /// Forward mode (jvp, hessian) through a `#[custom_vjp]` function,
    /// refused as JAX refuses it. A companion that cannot exist for such
    /// a function is left out silently rather than reported.
    ForwardThroughVjp,
}

impl fmt::Display for XformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XformError::Core(e) => write!(f, "{e}"),
            XformError::ForwardThroughVjp => f.write_str(
                "forward mode (jvp, hessian) through a `#[custom_vjp]` function is not defined: use `grad`, `vjp` or `jacobian`, or give the function a `#[custom_jvp]` rule",
            ),
        }
    }
}

/// A transformation's result.
pub type XResult<T = Jaxpr> = Result<T, XformError>;

fn text<T>(r: rjax_core::Result<T>) -> XResult<T> {
    r.map_err(XformError::Core)
}

/// Forward mode through a `#[custom_vjp]` function leaves a `custom_lin`
/// that nothing can evaluate: refused, as JAX refuses it.
fn no_forward_through_vjp(j: Jaxpr) -> XResult {
    if crate::lower::custom::contains(&j, rjax_core::Prim::CustomLin) {
        return Err(XformError::ForwardThroughVjp);
    }
    Ok(j)
}

/// Clean-up after a transformation: core's pipeline (simplification,
/// constant folding, CSE, DCE), so the emitted code has no dead or
/// repeated work.
pub fn simplify(j: Jaxpr) -> Jaxpr {
    passes::optimize(&j)
}

/// `#[jit]`: the optimisation pipeline; a small program of static
/// shapes becomes scalar code (`passes::scalarize`) and is optimised again.
pub fn optimize(j: &Jaxpr) -> XResult {
    let o = passes::optimize(j);
    Ok(match passes::scalarize(&o) {
        Some(s) => passes::optimize(&s),
        None => o,
    })
}

/// Same inputs; outputs `aux.. ++ grads` (one per argnum).
pub fn grad(j: &Jaxpr, argnums: &[usize], has_aux: bool) -> XResult {
    text(transforms::grad(j, argnums, has_aux)).map(simplify)
}

/// Same inputs; outputs `value ++ aux.. ++ grads`.
pub fn value_and_grad(j: &Jaxpr, argnums: &[usize], has_aux: bool) -> XResult {
    text(transforms::value_and_grad(j, argnums, has_aux)).map(simplify)
}

/// Forward mode: inputs `primals ++ tangents of wrt`, outputs `outs ++ tangent outs`.
pub fn jvp(j: &Jaxpr, wrt: &[usize]) -> XResult {
    let mask: Vec<bool> = (0..j.invars.len()).map(|i| wrt.contains(&i)).collect();
    text(transforms::jvp_wrt(j, &mask))
        .map(simplify)
        .and_then(no_forward_through_vjp)
}

/// Reverse mode: (forward: inputs -> outputs ++ residuals, backward:
/// residuals ++ output cotangents -> cotangents of `wrt`, residual count).
pub fn vjp(j: &Jaxpr, wrt: &[usize]) -> XResult<(Jaxpr, Jaxpr, usize)> {
    let v = text(transforms::vjp(j, wrt))?;
    Ok((v.forward, simplify(v.backward), v.num_residuals))
}

/// Jacobian of output 0 w.r.t. input `argnum` (shape out ++ in), reverse mode.
pub fn jacobian(j: &Jaxpr, argnum: usize) -> XResult {
    text(transforms::jacobian(j, &[argnum], Mode::Rev)).map(simplify)
}

/// Hessian of scalar output 0 w.r.t. input `argnum`.
pub fn hessian(j: &Jaxpr, argnum: usize) -> XResult {
    text(transforms::hessian(j, argnum))
        .map(simplify)
        .and_then(no_forward_through_vjp)
}

/// Batched over `in_axes` (None = unbatched), output k's batch axis at
/// `out_axes[k]` (None: the output must not depend on the batch).
pub fn vmap(j: &Jaxpr, in_axes: &[Option<usize>], out_axes: &[Option<usize>]) -> XResult {
    text(transforms::vmap(j, in_axes, out_axes)).map(simplify)
}

/// Reverse-mode Jacobian of every output with respect to every input in
/// `argnums`: outputs ordered `[for each output: for each argnum]`. With
/// scalar outputs and inputs (nalgebra leaves) it is scalar code only.
pub fn jacobian_many(j: &Jaxpr, argnums: &[usize]) -> XResult {
    text(transforms::jacobian(j, argnums, Mode::Rev)).map(simplify)
}

/// Hessian of scalar output 0 with respect to the scalar inputs
/// `argnums` (an nalgebra vector's leaves), reverse over reverse: each
/// pass pulls back a scalar, so no batch of basis vectors (no `Array`)
/// appears. Outputs ordered row by row.
pub fn hessian_many(j: &Jaxpr, argnums: &[usize]) -> XResult {
    let g = text(transforms::jacobian(j, argnums, Mode::Rev))?;
    jacobian_many(&simplify(g), argnums)
}

/// `vmap` with the batch size given: a callee's `h::vmap` inside a body
/// is batched over the caller's own dimension, not a fresh symbol the
/// caller's inputs would not bind.
pub fn vmap_sized(
    j: &Jaxpr,
    in_axes: &[Option<usize>],
    out_axes: &[Option<usize>],
    size: &rjax_core::DimExpr,
) -> XResult {
    text(transforms::vmap_sized(j, in_axes, out_axes, size)).map(simplify)
}
