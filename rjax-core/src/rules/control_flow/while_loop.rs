//! `while[cond_jaxpr body_jaxpr cond_nconsts body_nconsts] cconsts bconsts
//! carry`. Forward mode carries tangents alongside the primal carry.
//!
//! Reverse mode (JAX refuses it; we do not): partial evaluation keeps the
//! whole loop on the linear side, and the transpose rule emits a
//! `while_reverse` (`while_reverse.rs`): the loop runs forward keeping its
//! non-linear state of each trip on a tape, then the transposed body runs
//! once per trip in reverse. Linear in the trip count.

use super::while_reverse::{ReverseP, reverse_params};
use super::{carry_fixpoint, jaxpr_param, jvp_nonzero, pe_fixpoint, sub_jaxpr};
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::interp::eval_jaxpr_with_env;
use crate::interp::tensor::Tensor;
use crate::ir::{Atom, DType, DimExpr, Eqn, Jaxpr, Param, Params, ParamsExt, Prim, TensorType};
use crate::rules::combinators::shapes_match;
use crate::rules::shape_ops::materialize_batch;
use crate::rules::{EvalCtx, LinArg, Table};
use crate::transforms::jvp::jvp_wrt;
use crate::transforms::partial_eval::{PeCtx, partial_eval};
use crate::transforms::transpose::transpose;
use crate::transforms::vmap::batch_jaxpr;

/// Params of a while loop.
pub fn while_params(cond: Jaxpr, body: Jaxpr, cond_nconsts: usize, body_nconsts: usize) -> Params {
    Params::from_pairs([
        ("body_jaxpr", Param::jaxpr(body)),
        ("body_nconsts", Param::int(body_nconsts as i64)),
        ("cond_jaxpr", Param::jaxpr(cond)),
        ("cond_nconsts", Param::int(cond_nconsts as i64)),
    ])
}

struct WhileP {
    cond: Jaxpr,
    body: Jaxpr,
    cc: usize,
    bc: usize,
}

fn read(p: &Params) -> Result<WhileP> {
    Ok(WhileP {
        cond: jaxpr_param(p, "while", "cond_jaxpr")?,
        body: jaxpr_param(p, "while", "body_jaxpr")?,
        cc: p.int("while", "cond_nconsts")? as usize,
        bc: p.int("while", "body_nconsts")? as usize,
    })
}

fn same(a: &[TensorType], b: &[TensorType]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.dtype == y.dtype && shapes_match(x.dims(), y.dims()))
}

fn shape(p: &Params, ins: &[TensorType]) -> Result<Vec<TensorType>> {
    let w = read(p)?;
    let bad = |m: &str| Error::shape("while", m.to_string());
    if w.cc + w.bc > ins.len() {
        return Err(bad("more constants than operands"));
    }
    let carry = &ins[w.cc + w.bc..];
    let mut cin = ins[..w.cc].to_vec();
    cin.extend_from_slice(carry);
    if !same(&w.cond.in_types(), &cin) {
        return Err(bad("cond_jaxpr does not take cond consts ++ carry"));
    }
    let co = w.cond.out_types();
    if co.len() != 1 || co[0].dtype != DType::Bool || co[0].rank() != 0 {
        return Err(bad("cond_jaxpr must return one bool scalar"));
    }
    let mut bin = ins[w.cc..w.cc + w.bc].to_vec();
    bin.extend_from_slice(carry);
    if !same(&w.body.in_types(), &bin) || !same(&w.body.out_types(), carry) {
        return Err(bad(
            "body_jaxpr must map body consts ++ carry to the carry's types",
        ));
    }
    Ok(carry.to_vec())
}

fn eval(p: &Params, ins: &[Tensor], cx: &EvalCtx) -> Result<Vec<Tensor>> {
    let w = read(p)?;
    let cc = &ins[..w.cc];
    let bc = &ins[w.cc..w.cc + w.bc];
    let mut carry: Vec<Tensor> = ins[w.cc + w.bc..].to_vec();
    loop {
        let mut a = cc.to_vec();
        a.extend(carry.iter().cloned());
        if eval_jaxpr_with_env(&w.cond, &a, cx.env)?[0].item() == 0.0 {
            return Ok(carry);
        }
        let mut a = bc.to_vec();
        a.extend(carry);
        carry = eval_jaxpr_with_env(&w.body, &a, cx.env)?;
    }
}

/// `j` with extra (unused) inputs of the given types appended.
fn with_unused_inputs(j: &Jaxpr, extra: &[TensorType]) -> Jaxpr {
    let mut j = j.clone();
    for t in extra {
        j.types.push(t.clone());
        let v = crate::ir::Var(j.types.len() as u32 - 1);
        j.invars.push(v);
    }
    j
}

fn jvp(
    b: &mut Builder,
    p: &Params,
    xs: &[Atom],
    ts: &[Option<Atom>],
) -> Result<(Vec<Atom>, Vec<Option<Atom>>)> {
    let w = read(p)?;
    let (cc, bc) = (w.cc, w.bc);
    let nk = xs.len() - cc - bc;
    // Body inputs: bconsts ++ carry.
    let mut mask: Vec<bool> = ts[cc..].iter().map(Option::is_some).collect();
    carry_fixpoint(&mut mask, bc, nk, |m| Ok(((), jvp_nonzero(&w.body, m)?)))?;
    let mut jb = jvp_wrt(&w.body, &mask)?;
    let n = bc + nk;
    let prim_in = jb.invars[..n].to_vec();
    let tan_in = jb.invars[n..].to_vec();
    let nbt = mask[..bc].iter().filter(|x| **x).count();
    let mut inv = prim_in[..bc].to_vec();
    inv.extend_from_slice(&tan_in[..nbt]);
    inv.extend_from_slice(&prim_in[bc..]);
    inv.extend_from_slice(&tan_in[nbt..]);
    jb.invars = inv;
    let mut ov = jb.outvars[..nk].to_vec();
    ov.extend(
        (0..nk)
            .filter(|&k| mask[bc + k])
            .map(|k| jb.outvars[nk + k]),
    );
    jb.outvars = ov;
    let jb = crate::passes::dce(&jb);
    let carry_types: Vec<TensorType> = xs[cc + bc..].iter().map(|a| b.ty(*a)).collect();
    let t_types: Vec<TensorType> = (0..nk)
        .filter(|&k| mask[bc + k])
        .map(|k| carry_types[k].clone())
        .collect();
    let cond = with_unused_inputs(&w.cond, &t_types);
    let mut ins = xs[..cc + bc].to_vec();
    ins.extend((0..bc).filter(|&i| mask[i]).map(|i| ts[cc + i].unwrap()));
    ins.extend_from_slice(&xs[cc + bc..]);
    for k in 0..nk {
        if mask[bc + k] {
            ins.push(match ts[cc + bc + k] {
                Some(t) => t,
                None => b.zeros(&carry_types[k])?,
            });
        }
    }
    let outs: Vec<Atom> = b
        .eqn(Prim::While, while_params(cond, jb, cc, bc + nbt), &ins)?
        .into_iter()
        .map(Atom::Var)
        .collect();
    let mut it = outs[nk..].iter();
    let tangents = (0..nk)
        .map(|k| {
            if mask[bc + k] {
                it.next().copied()
            } else {
                None
            }
        })
        .collect();
    Ok((outs[..nk].to_vec(), tangents))
}

fn partial(e: &Eqn, unk: &[bool], cx: &mut PeCtx) -> Result<()> {
    let w = read(&e.params)?;
    let (cc, bc) = (w.cc, w.bc);
    let nk = e.inputs.len() - cc - bc;
    if unk[..cc].iter().any(|x| *x) {
        cx.push_unknown(e.clone());
        return Ok(());
    }
    let mut u = unk[cc..].to_vec();
    let pe = pe_fixpoint(&w.body, &mut u, bc, nk, |_| None)?;
    let mut cmask = vec![false; cc];
    cmask.extend_from_slice(&u[bc..]);
    if partial_eval(&w.cond, &cmask, None)?.out_unknown[0] {
        cx.push_unknown(e.clone());
        return Ok(());
    }
    // Known loop over the known carries only.
    let nko = (0..nk).filter(|&k| !u[bc + k]).count();
    let mut kb = pe.known.clone();
    kb.outvars.truncate(nko);
    let kb = crate::passes::dce(&kb);
    let mut kc = w.cond.clone();
    kc.invars = kc
        .invars
        .iter()
        .enumerate()
        .filter(|(i, _)| *i < cc || !u[bc + i - cc])
        .map(|(_, v)| *v)
        .collect();
    let kc = crate::passes::dce(&kc);
    let nkbc = (0..bc).filter(|&i| !u[i]).count();
    let mut kin = e.inputs[..cc].to_vec();
    kin.extend((0..bc + nk).filter(|&i| !u[i]).map(|i| e.inputs[cc + i]));
    let kout = (0..nk)
        .filter(|&k| !u[bc + k])
        .map(|k| e.outputs[k])
        .collect();
    cx.known.push(Eqn {
        prim: Prim::While,
        params: while_params(kc, kb, cc, nkbc),
        inputs: kin,
        outputs: kout,
    });
    // The unknown side runs the whole loop again (its known outputs unused).
    let mut ue = e.clone();
    for k in 0..nk {
        if !u[bc + k] {
            let t = cx.types[e.outputs[k].index()].clone();
            ue.outputs[k] = cx.fresh(t);
        }
    }
    cx.push_unknown(ue);
    Ok(())
}

fn transpose_rule(
    b: &mut Builder,
    p: &Params,
    ins: &[LinArg],
    cts: &[Option<Atom>],
) -> Result<Vec<Option<Atom>>> {
    let w = read(p)?;
    let (cc, bc) = (w.cc, w.bc);
    let nk = ins.len() - cc - bc;
    // A carry given as a known value may still become linear through a
    // linear const: a tangent carry whose initial tangent is a materialised
    // zero (an RNN state `h` that starts independent of the weights). It
    // is linear from then on; its initial value is zero, so it contributes
    // nothing and gets no cotangent (`promoted`).
    let given: Vec<bool> = ins[cc..].iter().map(LinArg::is_linear).collect();
    let mut lin = given.clone();
    let pe = pe_fixpoint(&w.body, &mut lin, bc, nk, |m| Some(m[bc..].to_vec()))?;
    if (0..nk).any(|k| pe.out_unknown[k] != lin[bc + k]) {
        return Err(Error::NotDifferentiable(
            "while: a non-linear carry depends on a linear one".into(),
        ));
    }
    let mut cmask = vec![false; cc];
    cmask.extend_from_slice(&lin[bc..]);
    if partial_eval(&w.cond, &cmask, None)?.out_unknown[0] {
        return Err(Error::NotDifferentiable(
            "while: the loop condition depends on a linear carry".into(),
        ));
    }
    let nres = pe.num_res;
    let nlk: Vec<usize> = (0..nk).filter(|&k| !lin[bc + k]).collect();
    let lk: Vec<usize> = (0..nk).filter(|&k| lin[bc + k]).collect();
    let nlb: Vec<usize> = (0..bc).filter(|&i| !lin[i]).collect();
    let lb: Vec<usize> = (0..bc).filter(|&i| lin[i]).collect();
    let bin = w.body.in_types();
    let kstep = {
        let mut k = pe.known.clone();
        k.outvars.truncate(nlk.len());
        crate::passes::dce(&k)
    };
    let kres = {
        let mut k = pe.known.clone();
        k.outvars = k.outvars[nlk.len()..].to_vec();
        crate::passes::dce(&k)
    };
    let mut umask = vec![false; nres];
    umask.extend(std::iter::repeat_n(true, lb.len() + lk.len()));
    let ut = transpose(&pe.unknown, &umask)?;
    let cc_atoms: Vec<Atom> = ins[..cc]
        .iter()
        .map(|a| a.primal(Prim::While))
        .collect::<Result<_>>()?;
    let nlb_atoms: Vec<Atom> = nlb
        .iter()
        .map(|&i| ins[cc + i].primal(Prim::While))
        .collect::<Result<_>>()?;
    let p0: Vec<Atom> = nlk
        .iter()
        .map(|&k| ins[cc + bc + k].primal(Prim::While))
        .collect::<Result<_>>()?;
    let cc_types: Vec<TensorType> = cc_atoms.iter().map(|a| b.ty(*a)).collect();
    let nlb_types: Vec<TensorType> = nlb.iter().map(|&i| bin[i].clone()).collect();
    let p_types: Vec<TensorType> = nlk.iter().map(|&k| bin[bc + k].clone()).collect();
    let lk_types: Vec<TensorType> = lk.iter().map(|&k| bin[bc + k].clone()).collect();
    let lb_types: Vec<TensorType> = lb.iter().map(|&i| bin[i].clone()).collect();
    let np = nlk.len();
    let nnlb = nlb.len();
    // The loop's condition on its non-linear state alone (it cannot read
    // a linear carry, checked above: zeros stand in for those).
    let mut cond_in = cc_types.clone();
    cond_in.extend(p_types.iter().cloned());
    let cond = w.cond.clone();
    let cond_p = sub_jaxpr(&cond_in, |bb, a| {
        let mut args = a[..cc].to_vec();
        let mut pi = a[cc..].iter();
        for k in 0..nk {
            if lin[bc + k] {
                let t = cond.ty(cond.invars[cc + k]).clone();
                args.push(bb.zeros(&t)?);
            } else {
                args.push(*pi.next().unwrap());
            }
        }
        bb.inline(&cond, &args)
    })?;
    // One backward step at state p: residuals of p, the transposed body,
    // and the constants' cotangents accumulated.
    let mut back_in = nlb_types.clone();
    back_in.extend(p_types.iter().cloned());
    back_in.extend(lk_types.iter().cloned());
    back_in.extend(lb_types.iter().cloned());
    let nl = lk.len();
    let back = sub_jaxpr(&back_in, |bb, a| {
        let (consts, rest) = a.split_at(nnlb);
        let (p, rest) = rest.split_at(np);
        let (ct, acc) = rest.split_at(nl);
        let mut ka = consts.to_vec();
        ka.extend_from_slice(p);
        let mut ua = bb.inline(&kres, &ka)?;
        ua.extend_from_slice(ct);
        let r = bb.inline(&ut, &ua)?;
        let mut out = r[lb.len()..].to_vec();
        for (k, x) in acc.iter().enumerate() {
            out.push(bb.add_any(*x, r[k])?);
        }
        Ok(out)
    })?;
    let mut a = cc_atoms.clone();
    a.extend_from_slice(&nlb_atoms);
    a.extend_from_slice(&p0);
    for (i, &k) in lk.iter().enumerate() {
        a.push(match cts[k] {
            Some(c) => c,
            None => b.zeros(&lk_types[i])?,
        });
    }
    for t in &lb_types {
        a.push(b.zeros(t)?);
    }
    let params = reverse_params(ReverseP {
        cond: cond_p,
        step: kstep,
        back,
        cc,
        sc: nnlb,
        np,
    });
    let outs = b.eqn(Prim::WhileReverse, params, &a)?;
    let mut res = vec![None; ins.len()];
    for (i, &k) in lk.iter().enumerate() {
        if given[bc + k] {
            res[cc + bc + k] = Some(Atom::Var(outs[i]));
        }
    }
    for (i, &bi) in lb.iter().enumerate() {
        res[cc + bi] = Some(Atom::Var(outs[nl + i]));
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
    let w = read(p)?;
    let (cc, bc) = (w.cc, w.bc);
    let nk = args.len() - cc - bc;
    let mut m = bt[cc..].to_vec();
    let body = carry_fixpoint(&mut m, bc, nk, |m| batch_jaxpr(&w.body, m, size, &m[bc..]))?;
    let mut cm = bt[..cc].to_vec();
    cm.extend_from_slice(&m[bc..]);
    let (cond, cb) = batch_jaxpr(&w.cond, &cm, size, &[false])?;
    if cb[0] {
        // Examples stop at different steps: loop over the batch instead.
        return super::batch_by_loop(b, Prim::While, p, args, bt, size);
    }
    let mut ins = args[..cc + bc].to_vec();
    for k in 0..nk {
        let a = args[cc + bc + k];
        ins.push(if m[bc + k] {
            materialize_batch(b, a, bt[cc + bc + k], size)?
        } else {
            a
        });
    }
    let outs = b.eqn(Prim::While, while_params(cond, body, cc, bc), &ins)?;
    Ok((outs.into_iter().map(Atom::Var).collect(), m[bc..].to_vec()))
}

/// Registers while.
pub fn register(t: &mut Table) {
    t.def(Prim::While, shape, eval)
        .jvp(jvp)
        .partial_eval(partial)
        .transpose(transpose_rule)
        .batch(batch);
}
