//! `#[custom_jvp(rule)]`: a function whose derivative is given by hand
//! (JAX's `jax.custom_jvp` + `defjvp`).
//!
//! ```ignore
//! #[custom_jvp(log1pexp_jvp)]
//! fn log1pexp(x: f64) -> f64 { (1.0 + x.exp()).ln() }
//! #[jit]
//! fn log1pexp_jvp(x: f64, t: f64) -> (f64, f64) {
//!     (log1pexp(x), t * x.logistic())          // (primal out, tangent out)
//! }
//! ```
//!
//! The rule is an annotated function taking the primals then one tangent
//! per parameter, and returning the outputs then their tangents (linear in
//! the tangents). Its jaxpr reaches this macro through the composition
//! callback ([`crate::compose`]), like any callee; the function's jaxpr
//! becomes one `custom_jvp_call[call_jaxpr, jvp_jaxpr_fun]` equation
//! (rjax-core's rules), so every companion (`grad`, `hessian`, `vmap`) and
//! every annotated caller differentiates through the rule, and code
//! generation runs the function's own body.

use std::cell::RefCell;
use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use rjax_core::{Atom, Builder, DimExpr, Jaxpr, Param, ParamsExt, Prim};

use crate::lower::rank::Lowered;

thread_local! {
    static RULE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Stage 1 of `#[custom_jvp(rule)] fn f`: ask for the rule's (and the
/// body's callees') exports.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let rule: syn::Path = match syn::parse2(args) {
        Ok(p) => p,
        Err(_) => {
            return syn::Error::new(Span::call_site(), "write `#[custom_jvp(rule_fn)]`, naming an annotated function `rule_fn(primals.., tangents..) -> (out, tangent_out)`")
                .to_compile_error();
        }
    };
    let item_fn: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(i) => i,
        Err(e) => {
            return syn::Error::new(e.span(), "`#[custom_jvp]` applies to free functions")
                .to_compile_error();
        }
    };
    crate::compose::defer_with(quote!(custom_jvp), quote!(#rule), &item_fn, Some(rule))
}

/// Runs `f` with `rule` as the custom JVP rule of the function being expanded.
pub fn with_rule<T>(rule: String, f: impl FnOnce() -> T) -> T {
    let prev = RULE.with(|r| r.replace(Some(rule)));
    let out = f();
    RULE.with(|r| *r.borrow_mut() = prev);
    out
}

/// The lowered function as one `custom_jvp_call` of itself and the rule,
/// when a rule is active.
pub fn wrap(l: Lowered) -> Result<Lowered, syn::Error> {
    let Some(rule) = RULE.with(|r| r.borrow().clone()) else {
        return Ok(l);
    };
    let err = |m: String| syn::Error::new(Span::call_site(), m);
    let Some(c) = crate::compose::callee(&rule) else {
        return Err(err(format!(
            "`#[custom_jvp]`: the rule `{rule}` is not an annotated function"
        )));
    };
    let j = &l.jaxpr;
    let n = j.invars.len();
    let (ins, outs) = (j.in_types(), j.out_types());
    let (rin, rout) = (c.jaxpr.in_types(), c.jaxpr.out_types());
    let show = |ts: &[rjax_core::TensorType]| {
        ts.iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let want_in: Vec<_> = ins.iter().chain(&ins).cloned().collect();
    let want_out: Vec<_> = outs.iter().chain(&outs).cloned().collect();
    let fits = |a: &[rjax_core::TensorType], b: &[rjax_core::TensorType]| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.dtype == y.dtype && x.rank() == y.rank())
    };
    if !fits(&rin, &want_in) || !fits(&rout, &want_out) {
        return Err(err(format!(
            "`#[custom_jvp({rule})]`: the rule must take (primals, tangents) = ({}) and return (outputs, tangents) = ({}); it takes ({}) and returns ({})",
            show(&want_in),
            show(&want_out),
            show(&rin),
            show(&rout)
        )));
    }
    // The rule's symbols are renamed to the function's.
    let mut map: HashMap<String, DimExpr> = HashMap::new();
    for (r, w) in rin.iter().zip(&want_in) {
        for (d, g) in r.dims().iter().zip(w.dims()) {
            if let DimExpr::Sym(s) = d {
                map.entry(s.clone()).or_insert_with(|| g.clone());
            }
        }
    }
    let rule_j = crate::compose::inline::rename(&c.jaxpr, &map);
    let mut b = Builder::new();
    let args: Vec<rjax_core::Atom> = ins
        .iter()
        .map(|t| b.input_typed(t.clone()).into())
        .collect();
    let params = rjax_core::Params::from_pairs([
        ("call_jaxpr", rjax_core::Param::jaxpr(j.clone())),
        ("jvp_jaxpr", rjax_core::Param::jaxpr(rule_j)),
    ]);
    let outs = b
        .eqn(rjax_core::Prim::CustomJvpCall, params, &args)
        .map_err(|e| err(format!("`#[custom_jvp({rule})]`: {e}")))?;
    let outs: Vec<rjax_core::Atom> = outs.into_iter().map(Into::into).collect();
    let _ = n;
    Ok(Lowered {
        jaxpr: b.build(&outs),
        ranks: l.ranks,
    })
}

/// Replaces every `custom_jvp_call` in `j` (and in its sub-jaxprs) by the
/// equations of its `call_jaxpr`: what code generation runs once no more
/// differentiation is to come (the emitter has no case for the call).
pub fn inline_custom_calls(j: &Jaxpr) -> rjax_core::Result<Jaxpr> {
    fn has_call(j: &Jaxpr) -> bool {
        j.eqns
            .iter()
            .any(|e| e.prim == Prim::CustomJvpCall || e.params.values().any(param_has_call))
    }
    fn param_has_call(p: &Param) -> bool {
        match p {
            Param::Jaxpr(s) => has_call(s),
            Param::List(v) | Param::Tuple(v) => v.iter().any(param_has_call),
            _ => false,
        }
    }
    fn param(p: &Param) -> rjax_core::Result<Param> {
        Ok(match p {
            Param::Jaxpr(s) => Param::jaxpr(inline_custom_calls(s)?),
            Param::List(v) => Param::List(v.iter().map(param).collect::<rjax_core::Result<_>>()?),
            Param::Tuple(v) => Param::Tuple(v.iter().map(param).collect::<rjax_core::Result<_>>()?),
            other => other.clone(),
        })
    }
    if !has_call(j) {
        return Ok(j.clone());
    }
    let mut b = Builder::new();
    let mut env: HashMap<rjax_core::Var, Atom> = HashMap::new();
    for v in &j.invars {
        let n = b.input_typed(j.ty(*v).clone());
        env.insert(*v, n.into());
    }
    let sub = |a: &Atom, env: &HashMap<rjax_core::Var, Atom>| match a {
        Atom::Var(v) => env[v],
        l => *l,
    };
    for e in &j.eqns {
        let ins: Vec<Atom> = e.inputs.iter().map(|a| sub(a, &env)).collect();
        let outs: Vec<Atom> = if e.prim == Prim::CustomJvpCall {
            let call = inline_custom_calls(e.params.jaxpr("custom_jvp_call", "call_jaxpr")?)?;
            b.inline(&call, &ins)?
        } else {
            let mut params = e.params.clone();
            for p in params.values_mut() {
                *p = param(p)?;
            }
            b.eqn(e.prim, params, &ins)?
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
