//! `#[custom_jvp(jvp = f_jvp)]` and `#[custom_vjp(fwd = f_fwd, bwd =
//! f_bwd)]`: a function whose derivative is the user's rule (JAX's
//! `custom_jvp`/`defjvp` and `custom_vjp`/`defvjp`).
//!
//! ```ignore
//! #[custom_jvp(jvp = log1pexp_jvp)]
//! fn log1pexp(x: f64) -> f64 { (1.0 + x.exp()).ln() }
//! #[jit]
//! fn log1pexp_jvp(x: f64, x_dot: f64) -> (f64, f64) {
//!     ((1.0 + x.exp()).ln(), x_dot * x.logistic())
//! }
//! ```
//!
//! The rules are annotated functions, so their tokens reach this macro
//! the way any callee's do (`back::export`). The function's lowered
//! jaxpr becomes one `custom_jvp_call`/`custom_vjp_call` equation holding
//! its body and the rules' jaxprs; rjax-core's rules for those primitives
//! make every transformation (here and in annotated callers) use the
//! user's rule. Code generation runs the body itself ([`for_emission`]).
//! No derivative rule lives here: only the plumbing.

use rjax_core::{Atom, Builder, Jaxpr, Param, Params, ParamsExt, Prim, TensorType};

use crate::front::attr::{CustomAttr, CustomRule};
use crate::front::key::path_key;
use crate::lower::{Callee, Callees, lower_typed};

/// `j` (the function's lowered body) wrapped in the custom call of
/// `attr`'s rules, found in `deps`. Errors are messages for the user.
pub fn wrap(name: &str, j: Jaxpr, attr: &CustomAttr, deps: &Callees) -> Result<Jaxpr, String> {
    let ins = j.in_types();
    let outs = j.out_types();
    let params = match &attr.rule {
        CustomRule::Jvp(rule) => {
            // rule(primals.., tangents..) -> (outs.., tangent outs..)
            let want_in: Vec<TensorType> = ins.iter().chain(&ins).cloned().collect();
            let want_out: Vec<TensorType> = outs.iter().chain(&outs).cloned().collect();
            let r = lower_rule(name, "jvp", rule, deps, &want_in)?;
            expect(
                name,
                "jvp",
                rule,
                &r.out_types(),
                &want_out,
                "(outputs.., tangents..)",
            )?;
            Params::from_pairs([
                ("call_jaxpr", Param::jaxpr(j.clone())),
                ("jvp_jaxpr", Param::jaxpr(r)),
            ])
        }
        CustomRule::Vjp(fwd, bwd) => {
            // fwd(args..) -> (outs.., residuals..)
            let f = lower_rule(name, "fwd", fwd, deps, &ins)?;
            let fo = f.out_types();
            if fo.len() < outs.len() {
                return Err(format!(
                    "`{name}`'s fwd rule `{}` returns {} value(s); it must return the {} output(s) of `{name}` followed by residuals",
                    path_key(fwd),
                    fo.len(),
                    outs.len()
                ));
            }
            expect(
                name,
                "fwd",
                fwd,
                &fo[..outs.len()],
                &outs,
                "(outputs.., residuals..)",
            )?;
            // bwd(residuals.., cotangents..) -> argument cotangents
            let bin: Vec<TensorType> = fo[outs.len()..].iter().chain(&outs).cloned().collect();
            let b = lower_rule(name, "bwd", bwd, deps, &bin)?;
            expect(
                name,
                "bwd",
                bwd,
                &b.out_types(),
                &ins,
                "one cotangent per parameter",
            )?;
            Params::from_pairs([
                ("call_jaxpr", Param::jaxpr(j.clone())),
                ("fwd_jaxpr", Param::jaxpr(f)),
                ("bwd_jaxpr", Param::jaxpr(b)),
            ])
        }
    };
    let prim = match attr.rule {
        CustomRule::Jvp(_) => Prim::CustomJvpCall,
        CustomRule::Vjp(..) => Prim::CustomVjpCall,
    };
    let mut b = Builder::new();
    let args: Vec<Atom> = ins
        .iter()
        .map(|t| b.input_typed(t.clone()).into())
        .collect();
    let o = b
        .eqn(prim, params, &args)
        .map_err(|e| format!("`{name}`: {e}"))?;
    let o: Vec<Atom> = o.into_iter().map(Atom::Var).collect();
    Ok(b.build(&o))
}

/// The rule lowered at the types its role gives it.
fn lower_rule(
    name: &str,
    role: &str,
    rule: &syn::Path,
    deps: &Callees,
    types: &[TensorType],
) -> Result<Jaxpr, String> {
    let key = path_key(rule);
    let Some(Callee { f, deps: rdeps, .. }) = deps.get(&key) else {
        return Err(format!(
            "`{name}`'s {role} rule `{key}` is not an annotated function: mark it `#[jit]`"
        ));
    };
    if f.params.len() != types.len() {
        return Err(format!(
            "`{name}`'s {role} rule `{key}` takes {} parameter(s); it must take {} ({})",
            f.params.len(),
            types.len(),
            show(types)
        ));
    }
    let mut unify = Vec::new();
    lower_typed(f, types.to_vec(), &mut unify, rdeps)
        .map_err(|e| format!("in `{name}`'s {role} rule `{key}`: {}", e.msg))
}

/// The rule's results have the dtypes and ranks its role requires.
fn expect(
    name: &str,
    role: &str,
    rule: &syn::Path,
    got: &[TensorType],
    want: &[TensorType],
    what: &str,
) -> Result<(), String> {
    let fits = got.len() == want.len()
        && got
            .iter()
            .zip(want)
            .all(|(a, b)| a.dtype == b.dtype && a.rank() == b.rank());
    if fits {
        return Ok(());
    }
    Err(format!(
        "`{name}`'s {role} rule `{}` must return {what} = ({}); it returns ({})",
        path_key(rule),
        show(want),
        show(got)
    ))
}

fn show(ts: &[TensorType]) -> String {
    ts.iter()
        .map(|t| t.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// True when `j` (or a sub-jaxpr) holds an equation of `prim`.
pub fn contains(j: &Jaxpr, prim: Prim) -> bool {
    fn param(p: &Param, prim: Prim) -> bool {
        match p {
            Param::Jaxpr(s) => contains(s, prim),
            Param::List(v) | Param::Tuple(v) => v.iter().any(|x| param(x, prim)),
            _ => false,
        }
    }
    j.eqns
        .iter()
        .any(|e| e.prim == prim || e.params.values().any(|p| param(p, prim)))
}

/// `j` with every custom call replaced by its body: what runs once no
/// transformation is to come (the emitter has no case for the calls).
/// `None` when there is none (`j` is emitted as it is).
pub fn for_emission(j: &Jaxpr) -> Option<Jaxpr> {
    if !contains(j, Prim::CustomJvpCall) && !contains(j, Prim::CustomVjpCall) {
        return None;
    }
    Some(inline_calls(j))
}

fn inline_calls(j: &Jaxpr) -> Jaxpr {
    let j = rjax_core::passes::map_sub_jaxprs(j, &inline_calls);
    let mut b = Builder::new();
    let mut env = std::collections::HashMap::new();
    for v in &j.invars {
        env.insert(*v, Atom::from(b.input_typed(j.ty(*v).clone())));
    }
    let sub = |a: &Atom, env: &std::collections::HashMap<_, Atom>| match a {
        Atom::Var(v) => env[v],
        l => *l,
    };
    for e in &j.eqns {
        let ins: Vec<Atom> = e.inputs.iter().map(|a| sub(a, &env)).collect();
        let outs: Vec<Atom> = match e.prim {
            Prim::CustomJvpCall | Prim::CustomVjpCall => {
                let call = e
                    .params
                    .jaxpr(e.prim.name(), "call_jaxpr")
                    .expect("a custom call holds its body");
                b.inline(&inline_calls(call), &ins)
                    .expect("the body fits its call's operands")
            }
            _ => b
                .eqn(e.prim, e.params.clone(), &ins)
                .expect("an equation replays with the same operands")
                .into_iter()
                .map(Atom::Var)
                .collect(),
        };
        for (o, n) in e.outputs.iter().zip(outs) {
            env.insert(*o, n);
        }
    }
    let outs: Vec<Atom> = j.outvars.iter().map(|a| sub(a, &env)).collect();
    b.build(&outs)
}
