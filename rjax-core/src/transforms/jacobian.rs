//! Jacobians and Hessians: `jacrev` (vmap of the pullback over a basis of
//! output cotangents), `jacfwd` (vmap of the JVP over a basis of input
//! tangents), `hessian = jacfwd(jacrev(f))`. The Jacobian of output k
//! with respect to argument a has shape `out_k.shape ++ arg_a.shape`.

use super::ad::vjp;
use super::jvp::jvp_wrt;
use super::vmap::vmap_sized;
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::ir::verify::debug_verify;
use crate::ir::{Atom, DType, DimExpr, Jaxpr, Prim};
use crate::passes::dce;

/// Which mode `jacobian` uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Reverse mode (like `jax.jacrev`, the default of `jax.jacobian`).
    Rev,
    /// Forward mode (`jax.jacfwd`).
    Fwd,
}

/// An identity matrix of size n, reshaped to `[n] ++ shape`.
fn eye(b: &mut Builder, dtype: DType, shape: &[DimExpr]) -> Result<Atom> {
    let n = DimExpr::product(shape);
    let sq = [n.clone(), n.clone()];
    let r = b.iota(DType::I32, &sq, 0)?;
    let c = b.iota(DType::I32, &sq, 1)?;
    let e = b.compare(Prim::Eq, r, c)?;
    let e = b.convert(e, dtype)?;
    let mut full = vec![n];
    full.extend_from_slice(shape);
    b.reshape(e, &full)
}

/// Reverse-mode Jacobian with respect to `argnums`: outputs ordered
/// `[for each output: for each argnum]`.
pub fn jacrev(j: &Jaxpr, argnums: &[usize]) -> Result<Jaxpr> {
    let r = jacrev_unchecked(j, argnums);
    if let Ok(j) = &r {
        debug_verify(j, "jacrev");
    }
    r
}

fn jacrev_unchecked(j: &Jaxpr, argnums: &[usize]) -> Result<Jaxpr> {
    let v = vjp(j, argnums)?;
    let r = v.num_residuals;
    let outs = j.out_types();
    let mut b = Builder::new();
    let ins: Vec<Atom> = j
        .invars
        .iter()
        .map(|x| b.input_typed(j.ty(*x).clone()).into())
        .collect();
    let fw = b.inline(&v.forward, &ins)?;
    let res = fw[outs.len()..].to_vec();
    let mut result = Vec::new();
    for (k, ot) in outs.iter().enumerate() {
        if !ot.dtype.is_float() {
            return Err(Error::NotDifferentiable(format!(
                "jacobian: output {k} has type {ot}"
            )));
        }
        // Pullback of output k alone: the other cotangents are zero.
        let mut pb = Builder::new();
        let rin: Vec<Atom> = v.backward.invars[..r]
            .iter()
            .map(|x| pb.input_typed(v.backward.ty(*x).clone()).into())
            .collect();
        let ct: Atom = pb.input_typed(ot.clone()).into();
        let mut bw_in = rin;
        for (kk, t) in outs.iter().enumerate() {
            bw_in.push(if kk == k { ct } else { pb.zeros(t)? });
        }
        let g = pb.inline(&v.backward, &bw_in)?;
        let pull = pb.build(&g);
        if ot.rank() == 0 {
            // A scalar output needs one pullback, not a batch of one.
            let mut a = res.clone();
            a.push(b.lit(1.0, ot.dtype));
            result.extend(b.inline(&pull, &a)?);
            continue;
        }
        let n = ot.shape.size();
        let mut in_axes = vec![None; r];
        in_axes.push(Some(0));
        let out_axes = vec![Some(0); argnums.len()];
        let batched = vmap_sized(&pull, &in_axes, &out_axes, &n)?;
        let basis = eye(&mut b, ot.dtype, ot.dims())?;
        let mut a = res.clone();
        a.push(basis);
        let jac = b.inline(&batched, &a)?;
        for (g, &an) in jac.into_iter().zip(argnums) {
            let it = j.ty(j.invars[an]);
            let mut shape = ot.dims().to_vec();
            shape.extend_from_slice(it.dims());
            result.push(b.reshape(g, &shape)?);
        }
    }
    Ok(dce(&b.build(&result)))
}

/// Forward-mode Jacobian with respect to `argnums`: outputs ordered
/// `[for each output: for each argnum]`.
pub fn jacfwd(j: &Jaxpr, argnums: &[usize]) -> Result<Jaxpr> {
    let r = jacfwd_unchecked(j, argnums);
    if let Ok(j) = &r {
        debug_verify(j, "jacfwd");
    }
    r
}

fn jacfwd_unchecked(j: &Jaxpr, argnums: &[usize]) -> Result<Jaxpr> {
    let outs = j.out_types();
    let n_in = j.invars.len();
    let mut b = Builder::new();
    let ins: Vec<Atom> = j
        .invars
        .iter()
        .map(|x| b.input_typed(j.ty(*x).clone()).into())
        .collect();
    let mut per_arg = Vec::new();
    for &a in argnums {
        let mut mask = vec![false; n_in];
        *mask
            .get_mut(a)
            .ok_or_else(|| Error::invalid(format!("jacfwd: argnum {a} out of range")))? = true;
        let mut jj = jvp_wrt(j, &mask)?;
        jj.outvars = jj.outvars[outs.len()..].to_vec();
        let at = j.ty(j.invars[a]).clone();
        let n = at.shape.size();
        let mut in_axes = vec![None; n_in];
        in_axes.push(Some(0));
        let out_axes = vec![Some(0); outs.len()];
        let batched = vmap_sized(&jj, &in_axes, &out_axes, &n)?;
        let basis = eye(&mut b, at.dtype, at.dims())?;
        let mut args = ins.clone();
        args.push(basis);
        let cols = b.inline(&batched, &args)?;
        let mut mats = Vec::new();
        for (c, ot) in cols.into_iter().zip(&outs) {
            // [n, out...] -> [out..., n] -> out ++ arg shape.
            let r = ot.rank();
            let mut perm: Vec<usize> = (1..=r).collect();
            perm.push(0);
            let t = b.transpose(c, &perm)?;
            let mut shape = ot.dims().to_vec();
            shape.extend_from_slice(at.dims());
            mats.push(b.reshape(t, &shape)?);
        }
        per_arg.push(mats);
    }
    let mut result = Vec::new();
    for k in 0..outs.len() {
        for m in &per_arg {
            result.push(m[k]);
        }
    }
    Ok(dce(&b.build(&result)))
}

/// `jacobian(f, argnums, mode)`.
pub fn jacobian(j: &Jaxpr, argnums: &[usize], mode: Mode) -> Result<Jaxpr> {
    match mode {
        Mode::Rev => jacrev(j, argnums),
        Mode::Fwd => jacfwd(j, argnums),
    }
}

/// `hessian(f, argnum) = jacfwd(jacrev(f))`: shape `arg.shape ++ arg.shape`
/// for a scalar-output `f`.
pub fn hessian(j: &Jaxpr, argnum: usize) -> Result<Jaxpr> {
    let r = hessian_unchecked(j, argnum);
    if let Ok(j) = &r {
        debug_verify(j, "hessian");
    }
    r
}

fn hessian_unchecked(j: &Jaxpr, argnum: usize) -> Result<Jaxpr> {
    let g = jacrev(j, &[argnum])?;
    jacfwd(&g, &[argnum])
}
