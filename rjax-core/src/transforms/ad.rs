//! Reverse mode and its users: `linearize` (jvp + partial evaluation),
//! `vjp` (linearize + transpose), `grad`, `value_and_grad`.

use super::jvp::jvp_wrt;
use super::partial_eval::partial_eval;
use super::transpose::transpose;
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::ir::verify::{debug_verified, debug_verify};
use crate::ir::{Atom, Jaxpr};
use crate::passes::dce;

/// `linearize(f)`: the primal computation and a linear jaxpr for its
/// tangents.
#[derive(Clone, Debug)]
pub struct Linearized {
    /// Inputs -> outputs ++ residuals.
    pub primal: Jaxpr,
    /// Residuals ++ tangents of the `wrt` inputs -> output tangents.
    pub linear: Jaxpr,
    /// Number of residuals.
    pub num_residuals: usize,
    /// Differentiated inputs.
    pub wrt: Vec<usize>,
}

/// `vjp(f)`: a forward jaxpr saving residuals and a backward (pullback)
/// jaxpr mapping output cotangents to input cotangents.
#[derive(Clone, Debug)]
pub struct Vjp {
    /// Inputs -> outputs ++ residuals.
    pub forward: Jaxpr,
    /// Residuals ++ output cotangents -> cotangents of the `wrt` inputs.
    pub backward: Jaxpr,
    /// Number of residuals.
    pub num_residuals: usize,
    /// Number of outputs of the original function.
    pub num_outputs: usize,
    /// Differentiated inputs.
    pub wrt: Vec<usize>,
}

fn check_wrt(j: &Jaxpr, wrt: &[usize], what: &str) -> Result<Vec<bool>> {
    let mut mask = vec![false; j.invars.len()];
    for &i in wrt {
        let t = j.ty(*j.invars.get(i).ok_or_else(|| {
            Error::invalid(format!(
                "{what}: argnum {i} out of range for {} inputs",
                j.invars.len()
            ))
        })?);
        if !t.dtype.is_float() {
            return Err(Error::NotDifferentiable(format!(
                "{what}: argument {i} has type {t}; derivatives exist only for floating inputs"
            )));
        }
        if mask[i] {
            return Err(Error::invalid(format!("{what}: argnum {i} given twice")));
        }
        mask[i] = true;
    }
    Ok(mask)
}

/// Linearises `j` at its inputs with respect to the inputs `wrt`.
pub fn linearize(j: &Jaxpr, wrt: &[usize]) -> Result<Linearized> {
    let r = linearize_unchecked(j, wrt);
    if let Ok(x) = &r {
        debug_verify(&x.primal, "linearize (primal)");
    }
    if let Ok(x) = &r {
        debug_verify(&x.linear, "linearize (linear)");
    }
    r
}

fn linearize_unchecked(j: &Jaxpr, wrt: &[usize]) -> Result<Linearized> {
    let mask = check_wrt(j, wrt, "linearize")?;
    // Inside shard_map, the differentiated inputs are replicated: mark
    // where they meet device-varying values so the gradient is summed
    // there (a no-op without collectives).
    let j = &crate::rules::collectives::insert_pvary(j, &mask)?;
    let jj = jvp_wrt(j, &mask)?;
    let n = j.invars.len();
    let m = j.outvars.len();
    // jvp_wrt's tangent inputs follow `mask` order, i.e. ascending argnum.
    let mut sorted = wrt.to_vec();
    sorted.sort();
    let mut unk = vec![false; n];
    unk.extend(std::iter::repeat_n(true, wrt.len()));
    let mut force = vec![false; m];
    force.extend(std::iter::repeat_n(true, m));
    let pe = partial_eval(&jj, &unk, Some(&force))?;
    let primal = dce(&pe.known);
    let mut linear = dce(&pe.unknown);
    // Reorder tangent inputs from ascending argnum to the caller's order.
    if sorted != wrt {
        let r = pe.num_res;
        let mut inv = linear.invars[..r].to_vec();
        for &i in wrt {
            let k = sorted.iter().position(|&s| s == i).unwrap();
            inv.push(linear.invars[r + k]);
        }
        linear.invars = inv;
    }
    Ok(Linearized {
        primal,
        linear,
        num_residuals: pe.num_res,
        wrt: wrt.to_vec(),
    })
}

/// Reverse mode with respect to the inputs `wrt`.
pub fn vjp(j: &Jaxpr, wrt: &[usize]) -> Result<Vjp> {
    let r = vjp_unchecked(j, wrt);
    if let Ok(x) = &r {
        debug_verify(&x.forward, "vjp (forward)");
    }
    if let Ok(x) = &r {
        debug_verify(&x.backward, "vjp (backward)");
    }
    r
}

fn vjp_unchecked(j: &Jaxpr, wrt: &[usize]) -> Result<Vjp> {
    let lin = linearize(j, wrt)?;
    let r = lin.num_residuals;
    let mut linear_mask = vec![false; r];
    linear_mask.extend(std::iter::repeat_n(true, wrt.len()));
    let backward = dce(&transpose(&lin.linear, &linear_mask)?);
    Ok(Vjp {
        forward: lin.primal,
        backward,
        num_residuals: r,
        num_outputs: j.outvars.len(),
        wrt: wrt.to_vec(),
    })
}

fn grad_impl(j: &Jaxpr, argnums: &[usize], has_aux: bool, with_value: bool) -> Result<Jaxpr> {
    let outs = j.out_types();
    let main = outs
        .first()
        .ok_or_else(|| Error::invalid("grad: function has no outputs"))?;
    if main.rank() != 0 || !main.dtype.is_float() {
        return Err(Error::invalid(format!(
            "grad: output must be a floating scalar, got {main}; use jacobian or vjp"
        )));
    }
    if !has_aux && outs.len() != 1 {
        return Err(Error::invalid(format!(
            "grad: function has {} outputs; pass has_aux for (value, aux) outputs",
            outs.len()
        )));
    }
    let mut j0 = j.clone();
    j0.outvars.truncate(1);
    let v = vjp(&j0, argnums)?;
    let mut b = Builder::new();
    let ins: Vec<Atom> = j
        .invars
        .iter()
        .map(|x| b.input_typed(j.ty(*x).clone()).into())
        .collect();
    let fw = b.inline(&v.forward, &ins)?;
    let mut bw_in = fw[1..].to_vec();
    bw_in.push(b.lit(1.0, main.dtype));
    let grads = b.inline(&v.backward, &bw_in)?;
    let mut result = Vec::new();
    if with_value {
        result.push(fw[0]);
    }
    if has_aux {
        let all = b.inline(j, &ins)?;
        result.extend_from_slice(&all[1..]);
    }
    result.extend(grads);
    Ok(dce(&b.build(&result)))
}

/// `grad(f, argnums, has_aux)`: same inputs as `f`; outputs are `aux...`
/// (when `has_aux`: every output of `f` after the first) followed by one
/// gradient per argnum. `f`'s first output must be a floating scalar.
pub fn grad(j: &Jaxpr, argnums: &[usize], has_aux: bool) -> Result<Jaxpr> {
    debug_verified(grad_impl(j, argnums, has_aux, false), "grad")
}

/// `value_and_grad(f, argnums, has_aux)`: outputs are the value, then the
/// aux outputs (if `has_aux`), then one gradient per argnum.
pub fn value_and_grad(j: &Jaxpr, argnums: &[usize], has_aux: bool) -> Result<Jaxpr> {
    debug_verified(grad_impl(j, argnums, has_aux, true), "value_and_grad")
}
