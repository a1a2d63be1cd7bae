//! The transformations this crate asks of rjax-core, in one place: each
//! is a call to core's IR -> IR function (no rule lives here) followed by
//! core's clean-up passes.

use rjax_core::Jaxpr;

/// A transformation failure, as text for a compile error.
pub type XResult = Result<Jaxpr, String>;

fn unavailable(what: &str) -> XResult {
    Err(format!("rjax-core does not provide `{what}` yet"))
}

/// Clean-up after a transformation (DCE, CSE, simplification).
pub fn simplify(j: Jaxpr) -> Jaxpr {
    j
}

/// `#[jit]`: the optimisation pipeline.
pub fn optimize(j: &Jaxpr) -> XResult {
    Ok(simplify(j.clone()))
}

/// Gradients of output 0 w.r.t. `argnums`: inputs as `j`, outputs one per argnum.
pub fn grad(_j: &Jaxpr, _argnums: &[usize]) -> XResult {
    unavailable("grad")
}

/// Value and gradients: outputs (value, aux outputs.., grads..).
pub fn value_and_grad(_j: &Jaxpr, _argnums: &[usize]) -> XResult {
    unavailable("value_and_grad")
}

/// Forward mode: inputs (primals.., tangents of `wrt`..), outputs (outs.., tangent outs..).
pub fn jvp(_j: &Jaxpr, _wrt: &[usize]) -> XResult {
    unavailable("jvp")
}

/// Reverse mode: inputs (primals.., cotangents of the outputs..), outputs
/// the cotangents of the `wrt` inputs.
pub fn vjp(_j: &Jaxpr, _wrt: &[usize]) -> XResult {
    unavailable("vjp")
}

/// Jacobian of output 0 w.r.t. input `argnum` (shape out ++ in).
pub fn jacobian(_j: &Jaxpr, _argnum: usize) -> XResult {
    unavailable("jacobian")
}

/// Hessian of scalar output 0 w.r.t. input `argnum`.
pub fn hessian(_j: &Jaxpr, _argnum: usize) -> XResult {
    unavailable("hessian")
}

/// Batched over `in_axes` (None = unbatched), outputs batched on axis 0;
/// the batch size is the symbol `batch`.
pub fn vmap(_j: &Jaxpr, _in_axes: &[Option<usize>]) -> XResult {
    unavailable("vmap")
}
