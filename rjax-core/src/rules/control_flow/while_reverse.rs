//! `while_reverse[cond_jaxpr step_jaxpr back_jaxpr cond_nconsts
//! step_nconsts num_state]`: the reverse pass of a `while` loop, in time
//! linear in its trip count.
//!
//! ```text
//! operands: cconsts ++ sconsts ++ p0 ++ ct0 ++ acc0
//! forward:  p = p0; while cond(cconsts, p) { tape.push(p); p = step(sconsts, p) }
//! backward: for p in tape reversed { (ct, acc) = back(sconsts, p, ct, acc) }
//! results:  ct ++ acc
//! ```
//!
//! `p` is the loop's non-linear state, `ct` the cotangents of its linear
//! carries, `acc` those of its linear constants. The tape has one entry
//! per trip, a length known only at run time: an IR type cannot say that,
//! so the tape lives inside this primitive (the interpreter's and the
//! emitted code's own `Vec`) and never becomes a jaxpr value. Its
//! derivative and batching rules expand it into the equivalent program of
//! plain `while` loops that replays step j from `p0` (O(N²) work, static
//! shapes; JAX refuses reverse mode through `while` altogether), so
//! higher-order and batched uses keep working.

use super::while_loop::while_params;
use super::{batch_by_loop, i32_lit, jaxpr_param, sub_jaxpr};
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::interp::eval_jaxpr_with_env;
use crate::interp::tensor::Tensor;
use crate::ir::{Atom, DType, DimExpr, Jaxpr, Param, Params, ParamsExt, Prim, TensorType};
use crate::rules::{EvalCtx, LinArg, Table};
use crate::transforms::jvp::jvp_into;
use crate::transforms::transpose::transpose_into;

/// The parts of a `while_reverse`.
pub struct ReverseP {
    /// `(cconsts, p) -> bool`.
    pub cond: Jaxpr,
    /// `(sconsts, p) -> p`.
    pub step: Jaxpr,
    /// `(sconsts, p, ct, acc) -> (ct, acc)`.
    pub back: Jaxpr,
    /// Number of cond constants.
    pub cc: usize,
    /// Number of step (and back) constants.
    pub sc: usize,
    /// Number of state values `p`.
    pub np: usize,
}

/// Params of a `while_reverse`.
pub fn reverse_params(r: ReverseP) -> Params {
    Params::from_pairs([
        ("back_jaxpr", Param::jaxpr(r.back)),
        ("cond_jaxpr", Param::jaxpr(r.cond)),
        ("cond_nconsts", Param::int(r.cc as i64)),
        ("num_state", Param::int(r.np as i64)),
        ("step_jaxpr", Param::jaxpr(r.step)),
        ("step_nconsts", Param::int(r.sc as i64)),
    ])
}

/// Reads the params.
pub fn read(p: &Params) -> Result<ReverseP> {
    let pn = Prim::WhileReverse.name();
    Ok(ReverseP {
        cond: jaxpr_param(p, pn, "cond_jaxpr")?,
        step: jaxpr_param(p, pn, "step_jaxpr")?,
        back: jaxpr_param(p, pn, "back_jaxpr")?,
        cc: p.int(pn, "cond_nconsts")? as usize,
        sc: p.int(pn, "step_nconsts")? as usize,
        np: p.int(pn, "num_state")? as usize,
    })
}

fn shape(p: &Params, ins: &[TensorType]) -> Result<Vec<TensorType>> {
    let r = read(p)?;
    let fixed = r.cc + r.sc + r.np;
    if ins.len() < fixed || r.back.outvars.len() != ins.len() - fixed {
        return Err(Error::shape(
            "while_reverse",
            format!(
                "{} operands do not fit {} cond consts, {} step consts, {} state values and a back_jaxpr of {} results",
                ins.len(),
                r.cc,
                r.sc,
                r.np,
                r.back.outvars.len()
            ),
        ));
    }
    Ok(ins[fixed..].to_vec())
}

/// Runs the forward loop, keeping each trip's state on a tape, then the
/// backward steps over the tape in reverse.
fn eval(p: &Params, ins: &[Tensor], cx: &EvalCtx) -> Result<Vec<Tensor>> {
    let r = read(p)?;
    let (cconsts, rest) = ins.split_at(r.cc);
    let (sconsts, rest) = rest.split_at(r.sc);
    let (p0, lin) = rest.split_at(r.np);
    let mut state = p0.to_vec();
    let mut tape: Vec<Vec<Tensor>> = Vec::new();
    loop {
        let mut a = cconsts.to_vec();
        a.extend(state.iter().cloned());
        if eval_jaxpr_with_env(&r.cond, &a, cx.env)?[0].item() == 0.0 {
            break;
        }
        let mut a = sconsts.to_vec();
        a.extend(state.iter().cloned());
        let next = eval_jaxpr_with_env(&r.step, &a, cx.env)?;
        tape.push(std::mem::replace(&mut state, next));
    }
    count_tape_pushes(tape.len());
    let mut lin = lin.to_vec();
    for state in tape.into_iter().rev() {
        let mut a = sconsts.to_vec();
        a.extend(state);
        a.extend(lin);
        lin = eval_jaxpr_with_env(&r.back, &a, cx.env)?;
    }
    Ok(lin)
}

thread_local! {
    /// Tape entries written by the interpreter on this thread: lets tests
    /// check that the reverse pass stores one entry per trip (linear)
    /// without timing anything.
    static TAPE_PUSHES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn count_tape_pushes(n: usize) {
    TAPE_PUSHES.with(|c| c.set(c.get() + n as u64));
}

/// Tape entries the interpreter has written on this thread so far (one per
/// trip of each `while_reverse` it evaluated).
pub fn tape_pushes() -> u64 {
    TAPE_PUSHES.with(|c| c.get())
}

/// The same computation as plain `while` loops without a tape: count the
/// trips, then for j = N-1 .. 0 replay j steps from `p0` and apply `back`.
pub fn expand(b: &mut Builder, p: &Params, ins: &[Atom]) -> Result<Vec<Atom>> {
    let r = read(p)?;
    let (cconsts, rest) = ins.split_at(r.cc);
    let (sconsts, rest) = rest.split_at(r.sc);
    let (p0, lin) = rest.split_at(r.np);
    let i32t = TensorType::scalar(DType::I32);
    let s_types: Vec<TensorType> = sconsts.iter().map(|a| b.ty(*a)).collect();
    let c_types: Vec<TensorType> = cconsts.iter().map(|a| b.ty(*a)).collect();
    let p_types: Vec<TensorType> = p0.iter().map(|a| b.ty(*a)).collect();
    let l_types: Vec<TensorType> = lin.iter().map(|a| b.ty(*a)).collect();
    let (sc, np) = (r.sc, r.np);
    // Counting loop: consts sconsts; carry (i, p) -> (i + 1, step(p)).
    let mut step_in = s_types.clone();
    step_in.push(i32t.clone());
    step_in.extend(p_types.iter().cloned());
    let step = r.step.clone();
    let counted_step = sub_jaxpr(&step_in, |bb, a| {
        let one = i32_lit(bb, 1);
        let mut out = vec![bb.add(a[sc], one)?];
        let mut args = a[..sc].to_vec();
        args.extend_from_slice(&a[sc + 1..]);
        out.extend(bb.inline(&step, &args)?);
        Ok(out)
    })?;
    let mut cnt_cond_in = c_types.clone();
    cnt_cond_in.push(i32t.clone());
    cnt_cond_in.extend(p_types.iter().cloned());
    let cond = r.cond.clone();
    let cc = r.cc;
    let cnt_cond = sub_jaxpr(&cnt_cond_in, |bb, a| {
        let mut args = a[..cc].to_vec();
        args.extend_from_slice(&a[cc + 1..]);
        bb.inline(&cond, &args)
    })?;
    let mut a = cconsts.to_vec();
    a.extend_from_slice(sconsts);
    a.push(i32_lit(b, 0));
    a.extend_from_slice(p0);
    let counted = b.eqn(
        Prim::While,
        while_params(cnt_cond, counted_step.clone(), cc, sc),
        &a,
    )?;
    let trips = Atom::Var(counted[0]);
    // Backward loop: consts (sconsts, p0); carry (j, lin) while j > 0.
    let mut bb_in = s_types.clone();
    bb_in.extend(p_types.iter().cloned());
    bb_in.push(i32t.clone());
    bb_in.extend(l_types.iter().cloned());
    let back = r.back.clone();
    let back_body = sub_jaxpr(&bb_in, |bb, a| {
        let (consts, rest) = a.split_at(sc);
        let (p0, rest) = rest.split_at(np);
        let (j, lin) = (rest[0], &rest[1..]);
        let one = i32_lit(bb, 1);
        let jm = bb.sub(j, one)?;
        // Replay jm steps from p0: consts (jm, sconsts), carry (i, p).
        let mut rcond_in = vec![i32t.clone(), i32t.clone()];
        rcond_in.extend(p_types.iter().cloned());
        let rcond = sub_jaxpr(&rcond_in, |b2, x| {
            Ok(vec![b2.compare(Prim::Lt, x[1], x[0])?])
        })?;
        let mut rc = vec![jm];
        rc.extend_from_slice(consts);
        rc.push(i32_lit(bb, 0));
        rc.extend_from_slice(p0);
        let pj = bb.eqn(
            Prim::While,
            while_params(rcond, counted_step.clone(), 1, sc),
            &rc,
        )?;
        let mut ba = consts.to_vec();
        ba.extend(pj[1..].iter().map(|v| Atom::Var(*v)));
        ba.extend_from_slice(lin);
        let mut out = vec![jm];
        out.extend(bb.inline(&back, &ba)?);
        Ok(out)
    })?;
    let mut bcond_in = vec![i32t.clone()];
    bcond_in.extend(l_types.iter().cloned());
    let back_cond = sub_jaxpr(&bcond_in, |bb, a| {
        let z = i32_lit(bb, 0);
        Ok(vec![bb.compare(Prim::Gt, a[0], z)?])
    })?;
    let mut a = sconsts.to_vec();
    a.extend_from_slice(p0);
    a.push(trips);
    a.extend_from_slice(lin);
    let outs = b.eqn(
        Prim::While,
        while_params(back_cond, back_body, 0, sc + np),
        &a,
    )?;
    Ok(outs[1..].iter().map(|v| Atom::Var(*v)).collect())
}

/// `expand` as a jaxpr over operands of these types.
fn expanded(p: &Params, in_types: &[TensorType]) -> Result<Jaxpr> {
    sub_jaxpr(in_types, |bb, a| expand(bb, p, a))
}

fn jvp(
    b: &mut Builder,
    p: &Params,
    xs: &[Atom],
    ts: &[Option<Atom>],
) -> Result<(Vec<Atom>, Vec<Option<Atom>>)> {
    let types: Vec<TensorType> = xs.iter().map(|a| b.ty(*a)).collect();
    jvp_into(b, &expanded(p, &types)?, xs, ts)
}

fn transpose_rule(
    b: &mut Builder,
    p: &Params,
    ins: &[LinArg],
    cts: &[Option<Atom>],
) -> Result<Vec<Option<Atom>>> {
    let types: Vec<TensorType> = ins.iter().map(|a| a.ty(b)).collect();
    let j = expanded(p, &types)?;
    let linear: Vec<bool> = ins.iter().map(LinArg::is_linear).collect();
    let nonlin: Vec<Atom> = ins
        .iter()
        .filter(|a| !a.is_linear())
        .map(|a| a.primal(Prim::WhileReverse))
        .collect::<Result<_>>()?;
    let out = transpose_into(b, &j, &linear, &nonlin, cts)?;
    let mut it = out.into_iter();
    Ok(linear
        .iter()
        .map(|&l| if l { it.next().flatten() } else { None })
        .collect())
}

fn batch(
    b: &mut Builder,
    p: &Params,
    args: &[Atom],
    bt: &[bool],
    size: &DimExpr,
) -> Result<(Vec<Atom>, Vec<bool>)> {
    // Examples may take different numbers of trips: one at a time.
    batch_by_loop(b, Prim::WhileReverse, p, args, bt, size)
}

/// Registers while_reverse.
pub fn register(t: &mut Table) {
    t.def(Prim::WhileReverse, shape, eval)
        .jvp(jvp)
        .transpose(transpose_rule)
        .batch(batch);
}
