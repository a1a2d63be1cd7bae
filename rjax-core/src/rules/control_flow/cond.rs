//! `cond[branches] index operands`: runs branch `clamp(index)` (a bool
//! index picks branch 0 for false). Partial evaluation splits every branch
//! and unifies their residuals (each branch returns zeros in the other
//! branches' residual slots); a batched index becomes a `select_n` over
//! all branches' batched results.

use super::sub_jaxpr;
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::interp::eval_jaxpr_with_env;
use crate::interp::tensor::Tensor;
use crate::ir::{
    Atom, DType, DimExpr, Eqn, Jaxpr, Param, Params, ParamsExt, Prim, TensorType, Var,
};
use crate::rules::combinators::shapes_match;
use crate::rules::{EvalCtx, LinArg, Table};
use crate::transforms::jvp::jvp_into;
use crate::transforms::partial_eval::{PeCtx, partial_finish, partial_split};
use crate::transforms::transpose::transpose;
use crate::transforms::vmap::{batch_jaxpr, batch_jaxpr_open};

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
    // Each branch differentiated once; which output tangents are zero in
    // every branch is known before the branches are built. (Asking first
    // and differentiating again made nested conds cost 2^depth.)
    let open = br
        .iter()
        .map(|j| open_jvp(j, &mask))
        .collect::<Result<Vec<_>>>()?;
    let mut nz = vec![false; m];
    for o in &open {
        for (a, t) in nz.iter_mut().zip(&o.touts) {
            *a |= t.is_some();
        }
    }
    let mut nb = Vec::new();
    for o in open {
        nb.push(o.finish(&nz)?);
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

/// A branch's JVP in a builder not yet built (inputs: primals, then the
/// tangents of the inputs in `mask`), its tangents still symbolic.
struct OpenJvp {
    b: Builder,
    outs: Vec<Atom>,
    touts: Vec<Option<Atom>>,
}

fn open_jvp(j: &Jaxpr, mask: &[bool]) -> Result<OpenJvp> {
    let mut b = Builder::new();
    let prim: Vec<Atom> = j
        .invars
        .iter()
        .map(|v| b.input_typed(j.ty(*v).clone()).into())
        .collect();
    let mut tan = Vec::new();
    for (i, (v, m)) in j.invars.iter().zip(mask).enumerate() {
        if !*m {
            tan.push(None);
            continue;
        }
        let t = j.ty(*v);
        if !t.dtype.is_float() {
            return Err(Error::NotDifferentiable(format!(
                "jvp: input {i} has type {t}; only floating inputs have tangents"
            )));
        }
        tan.push(Some(b.input_typed(t.clone()).into()));
    }
    let (outs, touts) = jvp_into(&mut b, j, &prim, &tan)?;
    Ok(OpenJvp { b, outs, touts })
}

impl OpenJvp {
    /// The branch: primal outputs, then the tangents of the outputs in
    /// `nz` (zeros where this branch's is symbolically zero).
    fn finish(mut self, nz: &[bool]) -> Result<Jaxpr> {
        let mut all = self.outs.clone();
        for (k, t) in self.touts.iter().enumerate() {
            if !nz[k] {
                continue;
            }
            all.push(match t {
                Some(t) => *t,
                None => {
                    let ty = self.b.ty(self.outs[k]);
                    self.b.zeros(&ty)?
                }
            });
        }
        Ok(crate::passes::dce(&self.b.build(&all)))
    }
}

fn partial(e: &Eqn, unk: &[bool], cx: &mut PeCtx) -> Result<()> {
    if unk[0] {
        cx.push_unknown(e.clone());
        return Ok(());
    }
    let br = branches(&e.params)?;
    let u = &unk[1..];
    let m = br[0].outvars.len();
    // Each branch split once; an output unknown in any branch is forced
    // unknown in all of them.
    let splits = br
        .iter()
        .map(|j| partial_split(j, u))
        .collect::<Result<Vec<_>>>()?;
    let mut force = vec![false; m];
    for (j, s) in br.iter().zip(&splits) {
        for (f, a) in force.iter_mut().zip(&j.outvars) {
            *f |= s.is_unknown(a);
        }
    }
    let pes: Vec<_> = br
        .iter()
        .zip(splits)
        .map(|(j, s)| partial_finish(j, u, s, Some(&force)))
        .collect();
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
    // Each branch batched once; an output batched in any branch is made
    // batched in all of them.
    let open = br
        .iter()
        .map(|j| batch_jaxpr_open(j, &bt[1..], size))
        .collect::<Result<Vec<_>>>()?;
    let mut force = vec![false; m];
    for o in &open {
        for (f, x) in force.iter_mut().zip(&o.batched) {
            *f |= x;
        }
    }
    let nb = open
        .into_iter()
        .map(|o| o.finish(&force, size).map(|r| r.0))
        .collect::<Result<Vec<_>>>()?;
    let outs = b.eqn(Prim::Cond, cond_params(nb), args)?;
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
