//! `custom_jvp_call[call_jaxpr, jvp_jaxpr_fun] operands`: a function whose
//! derivative is given by hand (JAX's `jax.custom_jvp`).
//!
//! - `call_jaxpr`: the function, `operands -> outs`.
//! - `jvp_jaxpr_fun`: the rule, `primals ++ tangents -> outs ++ tangent outs`
//!   (every operand gets a tangent; symbolic zeros are instantiated). It
//!   must be linear in the tangents, as in JAX.
//!
//! Evaluating runs `call_jaxpr`; the JVP inlines the rule (so the result
//! holds ordinary equations, and linearize/transpose work on those; a
//! second derivative differentiates the rule, like JAX); batching batches
//! both jaxprs and keeps the call. `custom_vjp_call` is not implemented.

use super::Table;
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::interp::eval_jaxpr_with_env;
use crate::ir::{Atom, Jaxpr, Param, Params, ParamsExt, Prim};
use crate::transforms::vmap::batch_jaxpr;

/// Params of a `custom_jvp_call`.
pub fn custom_jvp_params(call: Jaxpr, jvp: Jaxpr) -> Params {
    Params::from_pairs([
        ("call_jaxpr", Param::jaxpr(call)),
        ("jvp_jaxpr_fun", Param::jaxpr(jvp)),
    ])
}

fn parts(p: &Params) -> Result<(&Jaxpr, &Jaxpr)> {
    Ok((
        p.jaxpr("custom_jvp_call", "call_jaxpr")?,
        p.jaxpr("custom_jvp_call", "jvp_jaxpr_fun")?,
    ))
}

/// Registers the family.
pub fn register(t: &mut Table) {
    t.def(
        Prim::CustomJvpCall,
        |p, ins| {
            let (call, jvp) = parts(p)?;
            let n = call.invars.len();
            if ins.len() != n || jvp.invars.len() != 2 * n || jvp.outvars.len() != 2 * call.outvars.len() {
                return Err(Error::shape(
                    "custom_jvp_call",
                    format!(
                        "{} operands for a function of {n} inputs and a rule of {} inputs / {} outputs",
                        ins.len(),
                        jvp.invars.len(),
                        jvp.outvars.len()
                    ),
                ));
            }
            Ok(call.out_types())
        },
        |p, ins, cx| eval_jaxpr_with_env(parts(p)?.0, ins, cx.env),
    )
    .jvp(|b: &mut Builder, p, xs, ts| {
        let (call, jvp) = parts(p)?;
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
        let outs = b.inline(jvp, &args)?;
        let n = call.outvars.len();
        Ok((outs[..n].to_vec(), outs[n..].iter().map(|a| Some(*a)).collect()))
    })
    .batch(|b, p, xs, batched, size| {
        let (call, jvp) = parts(p)?;
        let force = vec![true; call.outvars.len()];
        let (call_b, _) = batch_jaxpr(call, batched, size, &force)?;
        let both: Vec<bool> = batched.iter().chain(batched).copied().collect();
        let force2 = vec![true; jvp.outvars.len()];
        let (jvp_b, _) = batch_jaxpr(jvp, &both, size, &force2)?;
        let outs = b.eqn(Prim::CustomJvpCall, custom_jvp_params(call_b, jvp_b), xs)?;
        Ok((outs.into_iter().map(Atom::Var).collect(), force))
    });
}

/// Replaces every `custom_jvp_call` in `j` (and in its sub-jaxprs) by the
/// equations of its `call_jaxpr`: what code generation runs once no more
/// differentiation is to come.
pub fn inline_custom_calls(j: &Jaxpr) -> Result<Jaxpr> {
    if !j.eqns.iter().any(|e| {
        e.prim == Prim::CustomJvpCall
            || e.params
                .values()
                .any(|p| matches!(p, Param::Jaxpr(_) | Param::List(_) | Param::Tuple(_)))
    }) {
        return Ok(j.clone());
    }
    let mut b = Builder::new();
    let mut env = std::collections::HashMap::new();
    for v in &j.invars {
        let n = b.input_typed(j.ty(*v).clone());
        env.insert(*v, Atom::Var(n));
    }
    let sub = |a: &Atom, env: &std::collections::HashMap<_, Atom>| match a {
        Atom::Var(v) => env[v],
        l => *l,
    };
    for e in &j.eqns {
        let ins: Vec<Atom> = e.inputs.iter().map(|a| sub(a, &env)).collect();
        let outs: Vec<Atom> = if e.prim == Prim::CustomJvpCall {
            let call = inline_custom_calls(parts(&e.params)?.0)?;
            b.inline(&call, &ins)?
        } else {
            let mut params = e.params.clone();
            for p in params.values_mut() {
                *p = inline_param(p)?;
            }
            let tys = e.outputs.iter().map(|v| j.ty(*v).clone()).collect();
            b.push_typed(e.prim, params, ins, tys)
                .into_iter()
                .map(Atom::Var)
                .collect()
        };
        for (o, n) in e.outputs.iter().zip(outs) {
            env.insert(*o, n);
        }
    }
    let outs: Vec<Atom> = j.outvars.iter().map(|a| sub(a, &env)).collect();
    Ok(b.build(&outs))
}

fn inline_param(p: &Param) -> Result<Param> {
    Ok(match p {
        Param::Jaxpr(s) => Param::jaxpr(inline_custom_calls(s)?),
        Param::List(v) => Param::List(v.iter().map(inline_param).collect::<Result<_>>()?),
        Param::Tuple(v) => Param::Tuple(v.iter().map(inline_param).collect::<Result<_>>()?),
        other => other.clone(),
    })
}
