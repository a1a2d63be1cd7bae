//! `while[cond_jaxpr body_jaxpr cond_nconsts body_nconsts] cconsts bconsts
//! carry`. Forward mode carries tangents alongside the primal carry.
//!
//! Reverse mode (JAX refuses it; we do not): partial evaluation keeps the
//! whole loop on the linear side, and the transpose rule rebuilds what it
//! needs from the primal inputs: a forward loop records the trip count N,
//! then a backward loop for j = N-1 .. 0 recomputes the primal carry of
//! step j from the initial carry (an inner loop of j steps) and applies the
//! transposed linearised body. That costs O(N²) body evaluations but no
//! dynamically sized tape, which static shapes cannot express.

use super::{carry_fixpoint, i32_lit, jaxpr_param, jvp_nonzero, sub_jaxpr};
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
    loop {
        let nz = jvp_nonzero(&w.body, &mask)?;
        let mut changed = false;
        for k in 0..nk {
            if nz[k] && !mask[bc + k] {
                mask[bc + k] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
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
    let pe = carry_fixpoint(&w.body, &mut u, bc, nk, |_| None)?;
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
    let pe = carry_fixpoint(&w.body, &mut lin, bc, nk, |m| Some(m[bc..].to_vec()))?;
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
    let i32t = TensorType::scalar(DType::I32);
    let np = nlk.len();
    // Step body shared by the counting loop and the replay loop:
    // consts nlb; carry (i, p) -> (i + 1, kstep(nlb, p)).
    let mut step_in = nlb_types.clone();
    step_in.push(i32t.clone());
    step_in.extend(p_types.iter().cloned());
    let nnlb = nlb.len();
    let step = sub_jaxpr(&step_in, |bb, a| {
        let one = i32_lit(bb, 1);
        let mut out = vec![bb.add(a[nnlb], one)?];
        let mut args = a[..nnlb].to_vec();
        args.extend_from_slice(&a[nnlb + 1..]);
        out.extend(bb.inline(&kstep, &args)?);
        Ok(out)
    })?;
    // 1. Trip count: cond(cc, p) on (i, p).
    let mut cnt_cond_in = cc_types.clone();
    cnt_cond_in.push(i32t.clone());
    cnt_cond_in.extend(p_types.iter().cloned());
    let cond = w.cond.clone();
    let cnt_cond = sub_jaxpr(&cnt_cond_in, |bb, a| {
        let mut args = a[..cc].to_vec();
        let mut pi = a[cc + 1..].iter();
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
    let mut a = cc_atoms.clone();
    a.extend_from_slice(&nlb_atoms);
    a.push(i32_lit(b, 0));
    a.extend_from_slice(&p0);
    let counted = b.eqn(
        Prim::While,
        while_params(cnt_cond, step.clone(), cc, nnlb),
        &a,
    )?;
    let trips = Atom::Var(counted[0]);
    // 2. Backward loop: consts (nlb, p0); carry (j, ct_lin_carry, acc_lin_bconsts).
    let back_cond = sub_jaxpr(std::slice::from_ref(&i32t), |bb, a| {
        let z = i32_lit(bb, 0);
        Ok(vec![bb.compare(Prim::Gt, a[0], z)?])
    })?;
    let mut bb_in = nlb_types.clone();
    bb_in.extend(p_types.iter().cloned());
    bb_in.push(i32t.clone());
    bb_in.extend(lk_types.iter().cloned());
    bb_in.extend(lb_types.iter().cloned());
    let nl = lk.len();
    let back_body = sub_jaxpr(&bb_in, |bb, a| {
        let (consts, rest) = a.split_at(nnlb);
        let (p0, rest) = rest.split_at(np);
        let j = rest[0];
        let ct = &rest[1..1 + nl];
        let acc = &rest[1 + nl..];
        let one = i32_lit(bb, 1);
        let jm = bb.sub(j, one)?;
        // Replay jm steps from p0: consts (jm, nlb), carry (i, p).
        let replay_cond = sub_jaxpr(&[i32t.clone(), i32t.clone()], |b2, x| {
            Ok(vec![b2.compare(Prim::Lt, x[1], x[0])?])
        })?;
        let mut rc = vec![jm];
        rc.extend_from_slice(consts);
        rc.push(i32_lit(bb, 0));
        rc.extend_from_slice(p0);
        let mut rcond = replay_cond;
        // The replay cond sees (jm, i, p...): append unused p inputs.
        rcond = with_unused_inputs(&rcond, &p_types);
        let pj = bb.eqn(Prim::While, while_params(rcond, step.clone(), 1, nnlb), &rc)?;
        let pj: Vec<Atom> = pj[1..].iter().map(|v| Atom::Var(*v)).collect();
        let mut ka = consts.to_vec();
        ka.extend_from_slice(&pj);
        let res = bb.inline(&kres, &ka)?;
        let mut ua = res;
        ua.extend_from_slice(ct);
        let r = bb.inline(&ut, &ua)?;
        let mut out = vec![jm];
        out.extend_from_slice(&r[lb.len()..]);
        for (k, x) in acc.iter().enumerate() {
            out.push(bb.add_any(*x, r[k])?);
        }
        Ok(out)
    })?;
    let mut a = nlb_atoms.clone();
    a.extend_from_slice(&p0);
    a.push(trips);
    for (i, &k) in lk.iter().enumerate() {
        a.push(match cts[k] {
            Some(c) => c,
            None => b.zeros(&lk_types[i])?,
        });
    }
    for t in &lb_types {
        a.push(b.zeros(t)?);
    }
    let back_cond = with_unused_inputs(&back_cond, &[lk_types.clone(), lb_types.clone()].concat());
    let outs = b.eqn(
        Prim::While,
        while_params(back_cond, back_body, 0, nnlb + np),
        &a,
    )?;
    let mut res = vec![None; ins.len()];
    for (i, &k) in lk.iter().enumerate() {
        if given[bc + k] {
            res[cc + bc + k] = Some(Atom::Var(outs[1 + i]));
        }
    }
    for (i, &bi) in lb.iter().enumerate() {
        res[cc + bi] = Some(Atom::Var(outs[1 + nl + i]));
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
    let body = loop {
        let (bj, ob) = batch_jaxpr(&w.body, &m, size, &m[bc..])?;
        let mut changed = false;
        for k in 0..nk {
            if ob[k] && !m[bc + k] {
                m[bc + k] = true;
                changed = true;
            }
        }
        if !changed {
            break bj;
        }
    };
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
