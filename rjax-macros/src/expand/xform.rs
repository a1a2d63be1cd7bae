//! The transformations this crate asks of rjax-core, in one place: each
//! is a call to core's IR -> IR function (no rule lives here) followed by
//! core's clean-up passes.

use rjax_core::transforms::{self, Mode};
use rjax_core::{Jaxpr, passes};

/// A transformation failure, as text for a compile error.
pub type XResult<T = Jaxpr> = Result<T, String>;

fn text<T>(r: rjax_core::Result<T>) -> XResult<T> {
    r.map_err(|e| e.to_string())
}

/// Clean-up after a transformation (dead code).
pub fn simplify(j: Jaxpr) -> Jaxpr {
    passes::dce(&j)
}

/// `#[jit]`: the optimisation pipeline.
pub fn optimize(j: &Jaxpr) -> XResult {
    Ok(simplify(j.clone()))
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
    text(transforms::jvp_wrt(j, &mask)).map(simplify)
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
    text(transforms::hessian(j, argnum)).map(simplify)
}

/// Batched over `in_axes` (None = unbatched), outputs batched on axis 0.
pub fn vmap(j: &Jaxpr, in_axes: &[Option<usize>]) -> XResult {
    let out_axes = vec![Some(0); j.outvars.len()];
    text(transforms::vmap(j, in_axes, &out_axes)).map(simplify)
}
