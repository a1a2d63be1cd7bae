//! User-defined derivatives:
//! - `custom_jvp_call[call_jaxpr jvp_jaxpr] args`: evaluates `call_jaxpr`;
//!   its JVP is `jvp_jaxpr: primals ++ tangents -> outputs ++ tangents`.
//! - `custom_vjp_call[call_jaxpr fwd_jaxpr bwd_jaxpr num_res] args`:
//!   evaluates `call_jaxpr`; under differentiation `fwd_jaxpr: args ->
//!   outputs ++ residuals` runs forward and a `custom_lin[bwd_jaxpr]`
//!   equation carries the tangents; transposing it runs `bwd_jaxpr:
//!   residuals ++ output cotangents -> argument cotangents`. Like JAX,
//!   pure forward mode through a custom VJP is an error (custom_lin has no
//!   evaluation rule).

use super::Table;
use super::combinators::arity;
use crate::error::{Error, Result};
use crate::interp::eval_jaxpr_with_env;
use crate::ir::params::ParamsExt;
use crate::ir::{Atom, Param, Params, Prim, TensorType};
use crate::transforms::vmap::batch_jaxpr;

fn call_shape(prim: Prim, p: &Params, ins: &[TensorType]) -> Result<Vec<TensorType>> {
    let j = p.jaxpr(prim.name(), "call_jaxpr")?;
    arity(prim, ins, j.invars.len())?;
    Ok(j.out_types())
}

/// Registers the family.
pub fn register(t: &mut Table) {
    t.def(
        Prim::CustomJvpCall,
        |p, ins| call_shape(Prim::CustomJvpCall, p, ins),
        |p, ins, cx| eval_jaxpr_with_env(p.jaxpr("custom_jvp_call", "call_jaxpr")?, ins, cx.env),
    )
    .jvp(|b, p, xs, ts| {
        let jj = p.jaxpr("custom_jvp_call", "jvp_jaxpr")?.clone();
        let m = p.jaxpr("custom_jvp_call", "call_jaxpr")?.outvars.len();
        let mut args = xs.to_vec();
        for (x, t) in xs.iter().zip(ts) {
            args.push(match t {
                Some(t) => *t,
                None => {
                    let ty = b.ty(*x);
                    b.zeros(&ty)?
                }
            });
        }
        let o = b.inline(&jj, &args)?;
        Ok((o[..m].to_vec(), o[m..].iter().map(|x| Some(*x)).collect()))
    })
    .batch(|b, p, args, bt, n| {
        let call = p.jaxpr("custom_jvp_call", "call_jaxpr")?;
        let m = call.outvars.len();
        let (c, ob) = batch_jaxpr(call, bt, n, &vec![true; m])?;
        let mut tb = bt.to_vec();
        tb.extend_from_slice(bt);
        let (jj, _) = batch_jaxpr(
            p.jaxpr("custom_jvp_call", "jvp_jaxpr")?,
            &tb,
            n,
            &vec![true; 2 * m],
        )?;
        let np = Params::from_pairs([
            ("call_jaxpr", Param::jaxpr(c)),
            ("jvp_jaxpr", Param::jaxpr(jj)),
        ]);
        let o = b.eqn(Prim::CustomJvpCall, np, args)?;
        Ok((o.into_iter().map(Atom::Var).collect(), ob))
    });

    t.def(
        Prim::CustomVjpCall,
        |p, ins| call_shape(Prim::CustomVjpCall, p, ins),
        |p, ins, cx| eval_jaxpr_with_env(p.jaxpr("custom_vjp_call", "call_jaxpr")?, ins, cx.env),
    )
    .jvp(|b, p, xs, ts| {
        let fwd = p.jaxpr("custom_vjp_call", "fwd_jaxpr")?.clone();
        let m = p.jaxpr("custom_vjp_call", "call_jaxpr")?.outvars.len();
        let o = b.inline(&fwd, xs)?;
        let mut lin_in = o[m..].to_vec();
        for (x, t) in xs.iter().zip(ts) {
            lin_in.push(match t {
                Some(t) => *t,
                None => {
                    let ty = b.ty(*x);
                    b.zeros(&ty)?
                }
            });
        }
        let lp = Params::from_pairs([
            (
                "bwd_jaxpr",
                p.get("bwd_jaxpr")
                    .cloned()
                    .ok_or_else(|| Error::invalid("custom_vjp_call: missing bwd_jaxpr"))?,
            ),
            ("num_res", Param::int((o.len() - m) as i64)),
        ]);
        let touts = b.eqn(Prim::CustomLin, lp, &lin_in)?;
        Ok((
            o[..m].to_vec(),
            touts.into_iter().map(|v| Some(Atom::Var(v))).collect(),
        ))
    })
    .batch(|b, p, args, bt, n| {
        super::control_flow::batch_by_loop(b, Prim::CustomVjpCall, p, args, bt, n)
    });

    t.def(
        Prim::CustomLin,
        |p, ins| {
            let bwd = p.jaxpr("custom_lin", "bwd_jaxpr")?;
            let r = p.int("custom_lin", "num_res")? as usize;
            // bwd: residuals ++ output cotangents -> argument cotangents.
            let m = bwd.invars.len() - r;
            if ins.len() < r {
                return Err(Error::shape("custom_lin", "fewer operands than residuals"));
            }
            Ok(bwd.in_types()[r..r + m].to_vec())
        },
        |_p, _ins, _| {
            Err(Error::Unsupported {
                transform: "eval (forward-mode through a custom_vjp function)".into(),
                prim: "custom_lin".into(),
            })
        },
    )
    .transpose(|b, p, ins, cts| {
        let bwd = p.jaxpr("custom_lin", "bwd_jaxpr")?.clone();
        let r = p.int("custom_lin", "num_res")? as usize;
        let mut args = Vec::new();
        for a in &ins[..r] {
            args.push(a.primal(Prim::CustomLin)?);
        }
        let ot = bwd.in_types();
        for (k, c) in cts.iter().enumerate() {
            args.push(match c {
                Some(c) => *c,
                None => b.zeros(&ot[r + k])?,
            });
        }
        let g = b.inline(&bwd, &args)?;
        let mut res = vec![None; r];
        res.extend(g.into_iter().map(Some));
        Ok(res)
    });
}
