//! `scan[jaxpr length num_consts num_carry reverse] consts carry xs`:
//! the body maps `consts ++ carry ++ x_i -> carry ++ y_i`; outputs are the
//! final carry and the stacked ys. Reverse mode: partial evaluation splits
//! the body so a known scan stacks the residuals of every step and a linear
//! scan consumes them; its transpose runs the transposed body backwards.

use super::{jaxpr_param, jvp_nonzero, stacked, sub_jaxpr, unstacked};
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::interp::eval_jaxpr_with_env;
use crate::interp::tensor::Tensor;
use crate::ir::{Atom, DimExpr, Eqn, Jaxpr, Param, Params, ParamsExt, Prim, TensorType, Var};
use crate::rules::combinators::{fmt_types, shapes_match};
use crate::rules::shape_ops::materialize_batch;
use crate::rules::{LinArg, Table};
use crate::transforms::jvp::jvp_wrt;
use crate::transforms::partial_eval::PeCtx;
use crate::transforms::transpose::transpose;
use crate::transforms::vmap::batch_jaxpr;

/// Params of a scan.
pub fn scan_params(
    body: Jaxpr,
    length: &DimExpr,
    num_consts: usize,
    num_carry: usize,
    reverse: bool,
) -> Params {
    Params::from_pairs([
        ("jaxpr", Param::jaxpr(body)),
        ("length", Param::Dim(length.clone())),
        ("num_carry", Param::int(num_carry as i64)),
        ("num_consts", Param::int(num_consts as i64)),
        ("reverse", Param::Bool(reverse)),
    ])
}

struct ScanP {
    body: Jaxpr,
    length: DimExpr,
    nc: usize,
    nk: usize,
    reverse: bool,
}

fn read(p: &Params) -> Result<ScanP> {
    Ok(ScanP {
        body: jaxpr_param(p, "scan", "jaxpr")?,
        length: p
            .get("length")
            .and_then(Param::as_dim)
            .ok_or_else(|| Error::invalid("scan: missing `length`"))?,
        nc: p.int("scan", "num_consts")? as usize,
        nk: p.int("scan", "num_carry")? as usize,
        reverse: p.bool("scan", "reverse")?,
    })
}

fn shape(p: &Params, ins: &[TensorType]) -> Result<Vec<TensorType>> {
    let s = read(p)?;
    let body = &s.body;
    let bad = |m: String| Error::shape("scan", m);
    if body.invars.len() != ins.len() || s.nc + s.nk > ins.len() {
        return Err(bad(format!(
            "body takes {} inputs, scan has {}",
            body.invars.len(),
            ins.len()
        )));
    }
    let bin = body.in_types();
    for (i, (t, bt)) in ins.iter().zip(&bin).enumerate() {
        let want = if i >= s.nc + s.nk {
            stacked(bt, &s.length)
        } else {
            bt.clone()
        };
        if t.dtype != want.dtype || !shapes_match(t.dims(), want.dims()) {
            return Err(bad(format!("operand {i} is {t}, the body expects {want}")));
        }
    }
    let bout = body.out_types();
    if bout.len() < s.nk {
        return Err(bad("body returns fewer values than the carry".into()));
    }
    for k in 0..s.nk {
        let c = &bin[s.nc + k];
        if bout[k].dtype != c.dtype || !shapes_match(bout[k].dims(), c.dims()) {
            return Err(bad(format!(
                "carry {k} enters as {c} and leaves as {}",
                bout[k]
            )));
        }
    }
    let _ = fmt_types;
    let mut out: Vec<TensorType> = bout[..s.nk].to_vec();
    out.extend(bout[s.nk..].iter().map(|t| stacked(t, &s.length)));
    Ok(out)
}

/// Row `i` of the leading axis.
pub fn row(t: &Tensor, i: usize) -> Tensor {
    let inner: usize = t.shape[1..].iter().product();
    Tensor {
        dtype: t.dtype,
        shape: t.shape[1..].to_vec(),
        data: t.data[i * inner..(i + 1) * inner].to_vec(),
    }
}

fn eval(p: &Params, ins: &[Tensor], cx: &crate::rules::EvalCtx) -> Result<Vec<Tensor>> {
    let s = read(p)?;
    let n = cx.dim(Prim::Scan, &s.length)?;
    let consts = &ins[..s.nc];
    let mut carry: Vec<Tensor> = ins[s.nc..s.nc + s.nk].to_vec();
    let xs = &ins[s.nc + s.nk..];
    let ny = s.body.outvars.len() - s.nk;
    let mut ys: Vec<Vec<Tensor>> = vec![Vec::with_capacity(n); ny];
    let order: Vec<usize> = if s.reverse {
        (0..n).rev().collect()
    } else {
        (0..n).collect()
    };
    for &i in &order {
        let mut a: Vec<Tensor> = consts.to_vec();
        a.extend(carry.iter().cloned());
        a.extend(xs.iter().map(|x| row(x, i)));
        let mut out = eval_jaxpr_with_env(&s.body, &a, cx.env)?;
        let y = out.split_off(s.nk);
        carry = out;
        for (k, v) in y.into_iter().enumerate() {
            ys[k].push(v);
        }
    }
    let mut res = carry;
    let out_types = s.body.out_types();
    for (k, mut v) in ys.into_iter().enumerate() {
        if s.reverse {
            v.reverse();
        }
        let ty = &out_types[s.nk + k];
        let inner = match v.first() {
            Some(t) => t.shape.clone(),
            None => cx.dims(Prim::Scan, ty.dims())?,
        };
        let mut shape = vec![n];
        shape.extend(inner);
        let data = v.into_iter().flat_map(|t| t.data).collect();
        res.push(Tensor {
            dtype: ty.dtype,
            shape,
            data,
        });
    }
    Ok(res)
}

fn jvp(
    b: &mut Builder,
    p: &Params,
    xs: &[Atom],
    ts: &[Option<Atom>],
) -> Result<(Vec<Atom>, Vec<Option<Atom>>)> {
    let s = read(p)?;
    let n = xs.len();
    let (nc, nk) = (s.nc, s.nk);
    let ny = s.body.outvars.len() - nk;
    let mut mask: Vec<bool> = ts.iter().map(Option::is_some).collect();
    // Carry tangents: non-zero if they start non-zero or the body makes them so.
    let out_nz = super::carry_fixpoint(&mut mask, nc, nk, |m| {
        let nz = jvp_nonzero(&s.body, m)?;
        Ok((nz.clone(), nz))
    })?;
    let mut jb = jvp_wrt(&s.body, &mask)?;
    // Regroup inputs as [consts, t_consts, carry, t_carry, xs, t_xs].
    let prim_in = jb.invars[..n].to_vec();
    let mut tan_in = jb.invars[n..].iter();
    let mut tan_of = vec![None; n];
    for (i, m) in mask.iter().enumerate() {
        if *m {
            tan_of[i] = tan_in.next().copied();
        }
    }
    let group = |lo: usize, hi: usize| -> Vec<Var> {
        let mut v = prim_in[lo..hi].to_vec();
        v.extend((lo..hi).filter_map(|i| tan_of[i]));
        v
    };
    let mut inv = group(0, nc);
    inv.extend(group(nc, nc + nk));
    inv.extend(group(nc + nk, n));
    jb.invars = inv;
    let m = nk + ny;
    let outs = jb.outvars[..m].to_vec();
    let touts = jb.outvars[m..].to_vec();
    let mut ov = outs[..nk].to_vec();
    ov.extend((0..nk).filter(|&k| mask[nc + k]).map(|k| touts[k]));
    ov.extend_from_slice(&outs[nk..]);
    ov.extend_from_slice(&touts[nk..]);
    jb.outvars = ov;
    let jb = crate::passes::dce(&jb);
    // Operands in the same grouping.
    let mut ins = Vec::new();
    let mut tcount = [0usize; 3];
    for (g, (lo, hi)) in [(0, nc), (nc, nc + nk), (nc + nk, n)]
        .into_iter()
        .enumerate()
    {
        ins.extend_from_slice(&xs[lo..hi]);
        for i in lo..hi {
            if mask[i] {
                tcount[g] += 1;
                ins.push(match ts[i] {
                    Some(t) => t,
                    None => {
                        let ty = b.ty(xs[i]);
                        b.zeros(&ty)?
                    }
                });
            }
        }
    }
    let params = scan_params(jb, &s.length, nc + tcount[0], nk + tcount[1], s.reverse);
    let res: Vec<Atom> = b
        .eqn(Prim::Scan, params, &ins)?
        .into_iter()
        .map(Atom::Var)
        .collect();
    let nkt = tcount[1];
    let mut primal = res[..nk].to_vec();
    primal.extend_from_slice(&res[nk + nkt..nk + nkt + ny]);
    let mut tangents = Vec::new();
    let mut it = res[nk..nk + nkt].iter();
    for k in 0..nk {
        tangents.push(if mask[nc + k] {
            it.next().copied()
        } else {
            None
        });
    }
    for k in 0..ny {
        tangents.push(if out_nz[nk + k] {
            Some(res[nk + nkt + ny + k])
        } else {
            None
        });
    }
    Ok((primal, tangents))
}

fn partial(e: &Eqn, unk: &[bool], cx: &mut PeCtx) -> Result<()> {
    let s = read(&e.params)?;
    let (nc, nk) = (s.nc, s.nk);
    let n = e.inputs.len();
    let ny = s.body.outvars.len() - nk;
    let mut u = unk.to_vec();
    let pe = super::pe_fixpoint(&s.body, &mut u, nc, nk, |m| {
        let mut force = m[nc..nc + nk].to_vec();
        force.extend(std::iter::repeat_n(false, ny));
        Some(force)
    })?;
    let nres = pe.num_res;
    let mut known = pe.known.clone();
    let n_known_out = known.outvars.len() - nres;
    let res_vars: Vec<Var> = known.outvars[n_known_out..]
        .iter()
        .map(|a| a.as_var().unwrap())
        .collect();
    // Residuals that are body inputs need no stacking: a known const is
    // passed as a const, a known x as the outer xs.
    enum Res {
        Const(Atom),
        Xs(Atom),
        Stacked(usize),
    }
    let mut kinds = Vec::new();
    let mut stacked_vars = Vec::new();
    for v in &res_vars {
        let pos = s.body.invars.iter().position(|x| x == v);
        kinds.push(match pos {
            Some(i) if i < nc => Res::Const(e.inputs[i]),
            Some(i) if i >= nc + nk => Res::Xs(e.inputs[i]),
            _ => {
                stacked_vars.push(*v);
                Res::Stacked(stacked_vars.len() - 1)
            }
        });
    }
    known.outvars.truncate(n_known_out);
    known
        .outvars
        .extend(stacked_vars.iter().map(|v| Atom::Var(*v)));
    let known = crate::passes::dce(&known);
    // Known scan.
    let known_in: Vec<Atom> = (0..n).filter(|&i| !u[i]).map(|i| e.inputs[i]).collect();
    let knc = (0..nc).filter(|&i| !u[i]).count();
    let knk = (nc..nc + nk).filter(|&i| !u[i]).count();
    let mut kout: Vec<Var> = Vec::new();
    for k in 0..nk + ny {
        if !pe.out_unknown[k] {
            kout.push(e.outputs[k]);
        }
    }
    let stacked_outer: Vec<Var> = stacked_vars
        .iter()
        .map(|v| cx.fresh(stacked(pe.known.ty(*v), &s.length)))
        .collect();
    kout.extend(stacked_outer.iter().copied());
    cx.known.push(Eqn {
        prim: Prim::Scan,
        params: scan_params(known, &s.length, knc, knk, s.reverse),
        inputs: known_in,
        outputs: kout,
    });
    // Unknown scan: [const residuals, unknown consts] [unknown carry]
    // [xs residuals, stacked residuals, unknown xs].
    let mut unknown = pe.unknown.clone();
    let ures = unknown.invars[..nres].to_vec();
    let uin = unknown.invars[nres..].to_vec();
    let mut uin_it = uin.iter();
    let mut grp: [Vec<Var>; 3] = [vec![], vec![], vec![]];
    for (i, &x) in u.iter().enumerate() {
        if x {
            let g = if i < nc {
                0
            } else if i < nc + nk {
                1
            } else {
                2
            };
            grp[g].push(*uin_it.next().unwrap());
        }
    }
    let (mut c_vars, mut c_atoms, mut x_vars, mut x_atoms) = (vec![], vec![], vec![], vec![]);
    for (r, kind) in ures.iter().zip(&kinds) {
        match kind {
            Res::Const(a) => {
                c_vars.push(*r);
                c_atoms.push(*a);
            }
            Res::Xs(a) => {
                x_vars.push(*r);
                x_atoms.push(*a);
            }
            Res::Stacked(_) => {}
        }
    }
    for (r, kind) in ures.iter().zip(&kinds) {
        if let Res::Stacked(k) = kind {
            x_vars.push(*r);
            x_atoms.push(Atom::Var(stacked_outer[*k]));
        }
    }
    let unc = c_vars.len() + grp[0].len();
    let unk_n = grp[1].len();
    let mut inv = c_vars;
    inv.extend_from_slice(&grp[0]);
    inv.extend_from_slice(&grp[1]);
    inv.extend(x_vars);
    inv.extend_from_slice(&grp[2]);
    unknown.invars = inv;
    let mut ins = c_atoms;
    ins.extend((0..nc).filter(|&i| u[i]).map(|i| e.inputs[i]));
    ins.extend((nc..nc + nk).filter(|&i| u[i]).map(|i| e.inputs[i]));
    ins.extend(x_atoms);
    ins.extend((nc + nk..n).filter(|&i| u[i]).map(|i| e.inputs[i]));
    let uout: Vec<Var> = (0..nk + ny)
        .filter(|&k| pe.out_unknown[k])
        .map(|k| e.outputs[k])
        .collect();
    cx.push_unknown(Eqn {
        prim: Prim::Scan,
        params: scan_params(
            crate::passes::compact(&unknown),
            &s.length,
            unc,
            unk_n,
            s.reverse,
        ),
        inputs: ins,
        outputs: uout,
    });
    Ok(())
}

fn transpose_rule(
    b: &mut Builder,
    p: &Params,
    ins: &[LinArg],
    cts: &[Option<Atom>],
) -> Result<Vec<Option<Atom>>> {
    let s = read(p)?;
    let (nc, nk) = (s.nc, s.nk);
    let n = ins.len();
    let ny = s.body.outvars.len() - nk;
    let mut lin: Vec<bool> = ins.iter().map(LinArg::is_linear).collect();
    // A known carry in a linear scan is a materialised zero tangent.
    for l in lin.iter_mut().skip(nc).take(nk) {
        *l = true;
    }
    let bt = transpose(&s.body, &lin)?;
    let out_types = s.body.out_types();
    let mut ct_carry = Vec::new();
    for k in 0..nk {
        ct_carry.push(match cts[k] {
            Some(c) => c,
            None => b.zeros(&out_types[k])?,
        });
    }
    let mut ct_ys = Vec::new();
    for k in 0..ny {
        ct_ys.push(match cts[nk + k] {
            Some(c) => c,
            None => b.zeros(&stacked(&out_types[nk + k], &s.length))?,
        });
    }
    let nl_consts: Vec<usize> = (0..nc).filter(|&i| !lin[i]).collect();
    let l_consts: Vec<usize> = (0..nc).filter(|&i| lin[i]).collect();
    let nl_xs: Vec<usize> = (nc + nk..n).filter(|&i| !lin[i]).collect();
    let l_xs: Vec<usize> = (nc + nk..n).filter(|&i| lin[i]).collect();
    let bin = s.body.in_types();
    // Wrapper body: [nl consts] [acc lin consts, ct carry] [nl xs, ct ys].
    let mut wt: Vec<TensorType> = nl_consts.iter().map(|&i| bin[i].clone()).collect();
    wt.extend(l_consts.iter().map(|&i| bin[i].clone()));
    wt.extend(out_types[..nk].iter().cloned());
    wt.extend(nl_xs.iter().map(|&i| bin[i].clone()));
    wt.extend(out_types[nk..].iter().cloned());
    let (a, bl, c) = (nl_consts.len(), l_consts.len(), nl_xs.len());
    let w = sub_jaxpr(&wt, |bb, w| {
        let mut args = w[..a].to_vec();
        args.extend_from_slice(&w[a + bl + nk..a + bl + nk + c]);
        args.extend_from_slice(&w[a + bl..a + bl + nk]);
        args.extend_from_slice(&w[a + bl + nk + c..]);
        let r = bb.inline(&bt, &args)?;
        let mut outs = Vec::new();
        for k in 0..bl {
            outs.push(bb.add_any(w[a + k], r[k])?);
        }
        outs.extend_from_slice(&r[bl..bl + nk]);
        outs.extend_from_slice(&r[bl + nk..]);
        Ok(outs)
    })?;
    let mut args: Vec<Atom> = nl_consts
        .iter()
        .map(|&i| ins[i].primal(Prim::Scan))
        .collect::<Result<_>>()?;
    for &i in &l_consts {
        args.push(b.zeros(&bin[i])?);
    }
    args.extend(ct_carry);
    for &i in &nl_xs {
        args.push(ins[i].primal(Prim::Scan)?);
    }
    args.extend(ct_ys);
    let outs = b.eqn(
        Prim::Scan,
        scan_params(w, &s.length, a, bl + nk, !s.reverse),
        &args,
    )?;
    let mut res = vec![None; n];
    for (k, &i) in l_consts.iter().enumerate() {
        res[i] = Some(Atom::Var(outs[k]));
    }
    for k in 0..nk {
        if ins[nc + k].is_linear() {
            res[nc + k] = Some(Atom::Var(outs[bl + k]));
        }
    }
    for (k, &i) in l_xs.iter().enumerate() {
        res[i] = Some(Atom::Var(outs[bl + nk + k]));
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
    let s = read(p)?;
    let (nc, nk) = (s.nc, s.nk);
    let n = args.len();
    let ny = s.body.outvars.len() - nk;
    let mut m = bt.to_vec();
    let (body, ob) = super::carry_fixpoint(&mut m, nc, nk, |m| {
        let mut force = m[nc..nc + nk].to_vec();
        force.extend(std::iter::repeat_n(false, ny));
        let (bj, ob) = batch_jaxpr(&s.body, m, size, &force)?;
        Ok(((bj, ob.clone()), ob))
    })?;
    let mut ins = Vec::new();
    for i in 0..n {
        let a = args[i];
        ins.push(if i < nc {
            a
        } else if i < nc + nk {
            if m[i] {
                materialize_batch(b, a, bt[i], size)?
            } else {
                a
            }
        } else if bt[i] {
            // [B, L, ...] -> [L, B, ...]: the scan walks axis 0.
            let r = b.rank(a);
            let mut perm = vec![1, 0];
            perm.extend(2..r);
            b.transpose(a, &perm)?
        } else {
            a
        });
    }
    let outs = b.eqn(
        Prim::Scan,
        scan_params(body, &s.length, nc, nk, s.reverse),
        &ins,
    )?;
    let mut res = Vec::new();
    for (k, o) in outs.iter().enumerate() {
        let o = Atom::Var(*o);
        if k >= nk && ob[k] {
            let r = b.rank(o);
            let mut perm = vec![1, 0];
            perm.extend(2..r);
            res.push(b.transpose(o, &perm)?);
        } else {
            res.push(o);
        }
    }
    Ok((res, ob))
}

/// Registers scan.
pub fn register(t: &mut Table) {
    t.def(Prim::Scan, shape, eval)
        .jvp(jvp)
        .partial_eval(partial)
        .transpose(transpose_rule)
        .batch(batch);
    let _ = unstacked;
}
