//! `cond[branches] index operands`: runs branch `clamp(index)` (a bool
//! index picks branch 0 for false). Partial evaluation splits every branch
//! and unifies their residuals (each branch returns zeros in the other
//! branches' residual slots); a batched index becomes a `select_n` over
//! all branches' batched results.

use super::{jvp_nonzero, sub_jaxpr};
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::interp::eval_jaxpr_with_env;
use crate::interp::tensor::Tensor;
use crate::ir::{
    Atom, DType, DimExpr, Eqn, Jaxpr, Param, Params, ParamsExt, Prim, TensorType, Var,
};
use crate::rules::combinators::shapes_match;
use crate::rules::shape_ops::materialize_batch;
use crate::rules::{EvalCtx, LinArg, Table};
use crate::transforms::jvp::jvp_wrt;
use crate::transforms::partial_eval::{PeCtx, partial_eval};
use crate::transforms::transpose::transpose;
use crate::transforms::vmap::batch_jaxpr;

/// Params of a cond.
pub fn cond_params(branches: Vec<Jaxpr>) -> Params {
    Params::from_pairs([("branches", Param::jaxprs(branches))])
}

fn branches(p: &Params) -> Result<Vec<Jaxpr>> {
    Ok(p.jaxprs("cond", "branches")?.into_iter().cloned().collect())
}

fn shape(p: &Params, ins: &[TensorType]) -> Result<Vec<TensorType>> {
    let br = branches(p)?;
    let bad = |m: String| Error::shape("cond", m);
    if ins.is_empty() || ins[0].rank() != 0 || !matches!(ins[0].dtype, DType::I32 | DType::Bool) {
        return Err(bad("the index must be an i32 or bool scalar".into()));
    }
    let first = br
        .first()
        .ok_or_else(|| bad("needs at least one branch".into()))?;
    let outs = first.out_types();
    for (k, j) in br.iter().enumerate() {
        let it = j.in_types();
        if it.len() != ins.len() - 1
            || it
                .iter()
                .zip(&ins[1..])
                .any(|(a, b)| a.dtype != b.dtype || !shapes_match(a.dims(), b.dims()))
        {
            return Err(bad(format!("branch {k} does not take the operands' types")));
        }
        let ot = j.out_types();
        if ot.len() != outs.len()
            || ot
                .iter()
                .zip(&outs)
                .any(|(a, b)| a.dtype != b.dtype || !shapes_match(a.dims(), b.dims()))
        {
            return Err(bad(format!(
                "branch {k} returns types different from branch 0"
            )));
        }
    }
    Ok(outs)
}

fn pick(idx: f64, n: usize) -> usize {
    (idx.max(0.0) as usize).min(n - 1)
}

fn eval(p: &Params, ins: &[Tensor], cx: &EvalCtx) -> Result<Vec<Tensor>> {
    let br = branches(p)?;
    let k = pick(ins[0].item(), br.len());
    eval_jaxpr_with_env(&br[k], &ins[1..], cx.env)
}

fn jvp(
    b: &mut Builder,
    p: &Params,
    xs: &[Atom],
    ts: &[Option<Atom>],
) -> Result<(Vec<Atom>, Vec<Option<Atom>>)> {
    let br = branches(p)?;
    let mask: Vec<bool> = ts[1..].iter().map(Option::is_some).collect();
    let m = br[0].outvars.len();
    let mut nz = vec![false; m];
    for j in &br {
        for (a, x) in nz.iter_mut().zip(jvp_nonzero(j, &mask)?) {
            *a |= x;
        }
    }
    let mut nb = Vec::new();
    for j in &br {
        let mut jj = jvp_wrt(j, &mask)?;
        let mut ov = jj.outvars[..m].to_vec();
        ov.extend((0..m).filter(|&k| nz[k]).map(|k| jj.outvars[m + k]));
        jj.outvars = ov;
        nb.push(crate::passes::dce(&jj));
    }
    let mut ins = xs.to_vec();
    ins.extend(ts[1..].iter().flatten().copied());
    let outs: Vec<Atom> = b
        .eqn(Prim::Cond, cond_params(nb), &ins)?
        .into_iter()
        .map(Atom::Var)
        .collect();
    let mut it = outs[m..].iter();
    let tangents = (0..m)
        .map(|k| if nz[k] { it.next().copied() } else { None })
        .collect();
    Ok((outs[..m].to_vec(), tangents))
}

fn partial(e: &Eqn, unk: &[bool], cx: &mut PeCtx) -> Result<()> {
    if unk[0] {
        cx.push_unknown(e.clone());
        return Ok(());
    }
    let br = branches(&e.params)?;
    let u = &unk[1..];
    let m = br[0].outvars.len();
    let mut force = vec![false; m];
    for j in &br {
        for (f, x) in force.iter_mut().zip(partial_eval(j, u, None)?.out_unknown) {
            *f |= x;
        }
    }
    let pes = br
        .iter()
        .map(|j| partial_eval(j, u, Some(&force)))
        .collect::<Result<Vec<_>>>()?;
    // All residual types, branch after branch.
    let mut res_types: Vec<TensorType> = Vec::new();
    let mut offs = Vec::new();
    for pe in &pes {
        offs.push(res_types.len());
        let k = pe.known.outvars.len() - pe.num_res;
        res_types.extend(pe.known.outvars[k..].iter().map(|a| pe.known.atom_type(a)));
    }
    let kin_types: Vec<TensorType> = e.inputs[1..]
        .iter()
        .zip(u)
        .filter(|(_, x)| !**x)
        .map(|(a, _)| atom_type(cx, a))
        .collect();
    let uin_types: Vec<TensorType> = e.inputs[1..]
        .iter()
        .zip(u)
        .filter(|(_, x)| **x)
        .map(|(a, _)| atom_type(cx, a))
        .collect();
    let mut kb = Vec::new();
    let mut ub = Vec::new();
    for (i, pe) in pes.iter().enumerate() {
        let rt = res_types.clone();
        kb.push(sub_jaxpr(&kin_types, |b, ins| {
            let mut outs = b.inline(&pe.known, ins)?;
            let own = outs.split_off(outs.len() - pe.num_res);
            for (r, t) in rt.iter().enumerate() {
                if r >= offs[i] && r < offs[i] + pe.num_res {
                    outs.push(own[r - offs[i]]);
                } else {
                    outs.push(b.zeros(t)?);
                }
            }
            Ok(outs)
        })?);
        let mut ut = res_types.clone();
        ut.extend(uin_types.iter().cloned());
        let nres = res_types.len();
        ub.push(sub_jaxpr(&ut, |b, ins| {
            let mut a = ins[offs[i]..offs[i] + pe.num_res].to_vec();
            a.extend_from_slice(&ins[nres..]);
            b.inline(&pe.unknown, &a)
        })?);
    }
    let res_vars: Vec<Var> = res_types.iter().map(|t| cx.fresh(t.clone())).collect();
    let mut kout: Vec<Var> = (0..m)
        .filter(|&k| !force[k])
        .map(|k| e.outputs[k])
        .collect();
    kout.extend(res_vars.iter().copied());
    let mut kin = vec![e.inputs[0]];
    kin.extend(
        e.inputs[1..]
            .iter()
            .zip(u)
            .filter(|(_, x)| !**x)
            .map(|(a, _)| *a),
    );
    cx.known.push(Eqn {
        prim: Prim::Cond,
        params: cond_params(kb),
        inputs: kin,
        outputs: kout,
    });
    let mut uin = vec![e.inputs[0]];
    uin.extend(res_vars.iter().map(|v| Atom::Var(*v)));
    uin.extend(
        e.inputs[1..]
            .iter()
            .zip(u)
            .filter(|(_, x)| **x)
            .map(|(a, _)| *a),
    );
    let uout = (0..m).filter(|&k| force[k]).map(|k| e.outputs[k]).collect();
    cx.push_unknown(Eqn {
        prim: Prim::Cond,
        params: cond_params(ub),
        inputs: uin,
        outputs: uout,
    });
    Ok(())
}

fn atom_type(cx: &PeCtx, a: &Atom) -> TensorType {
    match a {
        Atom::Var(v) => cx.types[v.index()].clone(),
        Atom::Lit(l) => l.ty(),
    }
}

fn transpose_rule(
    b: &mut Builder,
    p: &Params,
    ins: &[LinArg],
    cts: &[Option<Atom>],
) -> Result<Vec<Option<Atom>>> {
    let br = branches(p)?;
    let idx = ins[0].primal(Prim::Cond)?;
    let lin: Vec<bool> = ins[1..].iter().map(LinArg::is_linear).collect();
    let tb = br
        .iter()
        .map(|j| transpose(j, &lin))
        .collect::<Result<Vec<_>>>()?;
    let out_types = br[0].out_types();
    let mut args = vec![idx];
    for a in &ins[1..] {
        if let LinArg::Primal(x) = a {
            args.push(*x);
        }
    }
    for (c, t) in cts.iter().zip(&out_types) {
        args.push(match c {
            Some(c) => *c,
            None => b.zeros(t)?,
        });
    }
    let outs = b.eqn(Prim::Cond, cond_params(tb), &args)?;
    let mut it = outs.into_iter();
    let mut res = vec![None];
    for l in lin {
        res.push(if l { it.next().map(Atom::Var) } else { None });
    }
    Ok(res)
}

fn batch(
    b: &mut Builder,
    p: &Params,
    args: &[Atom],
    bt: &[bool],
    size: &DimExpr,
) -> Result<(Vec<Atom>, Vec<bool>)> {
    let br = branches(p)?;
    let m = br[0].outvars.len();
    if bt[0] {
        // Every example may take a different branch: run all, then select.
        let mut results = Vec::new();
        for j in &br {
            let (bj, _) = batch_jaxpr(j, &bt[1..], size, &vec![true; m])?;
            results.push(b.inline(&bj, &args[1..])?);
        }
        let mut idx = args[0];
        if b.dtype(idx) == DType::I32 {
            let lo = b.lit(0.0, DType::I32);
            let hi = b.lit((br.len() - 1) as f64, DType::I32);
            idx = b.binary(Prim::Max, idx, lo)?;
            idx = b.binary(Prim::Min, idx, hi)?;
        }
        let mut outs = Vec::new();
        for k in 0..m {
            let ot = b.ty(results[0][k]);
            let pi = if ot.rank() > 1 {
                b.broadcast_in_dim(idx, ot.dims(), &[0])?
            } else {
                idx
            };
            let cases: Vec<Atom> = results.iter().map(|r| r[k]).collect();
            outs.push(b.select_n(pi, &cases)?);
        }
        return Ok((outs, vec![true; m]));
    }
    let mut force = vec![false; m];
    for j in &br {
        for (f, x) in force
            .iter_mut()
            .zip(batch_jaxpr(j, &bt[1..], size, &vec![false; m])?.1)
        {
            *f |= x;
        }
    }
    let nb = br
        .iter()
        .map(|j| batch_jaxpr(j, &bt[1..], size, &force).map(|r| r.0))
        .collect::<Result<Vec<_>>>()?;
    let outs = b.eqn(Prim::Cond, cond_params(nb), args)?;
    let _ = materialize_batch;
    Ok((outs.into_iter().map(Atom::Var).collect(), force))
}

/// Registers cond.
pub fn register(t: &mut Table) {
    t.def(Prim::Cond, shape, eval)
        .jvp(jvp)
        .partial_eval(partial)
        .transpose(transpose_rule)
        .batch(batch);
}
