//! Lowering one call to an annotated function (or a companion of it) into
//! the caller's builder: the callee's exported jaxpr, transformed by
//! rjax-core as the companion says, its symbolic dims renamed to the
//! caller's, and its equations inlined.

use std::collections::HashMap;
use std::sync::Arc;

use proc_macro2::Span;
use rjax_core::transforms::{self, Mode};
use rjax_core::{Atom, DimExpr, Jaxpr, Param, Shape, TensorType, passes};

use crate::ast::Expr;
use crate::lower::{LResult, Lowerer, Value, err};

/// Turns the inlined jaxpr's outputs into the value the call returns.
type Shaper = Box<dyn Fn(Vec<Atom>) -> Value>;

/// Lowers `callee|companion(args)` (the name built by [`super::call_expr`]).
pub fn lower_call(lw: &mut Lowerer, name: &str, args: &[Expr], span: Span) -> LResult<Value> {
    let (path, companion) = name.split_once('|').unwrap_or((name, ""));
    let Some(c) = super::callee(path) else {
        return err(
            span,
            format!(
                "`{path}` is not an annotated function: annotate it with `#[grad]`, `#[vmap]` or `#[jit]` (or `#[custom_jvp]`) so that it can be called here"
            ),
        );
    };
    let shown = if companion.is_empty() {
        path.to_string()
    } else {
        format!("{path}::{companion}")
    };
    let mut vals = Vec::new();
    for a in args {
        vals.push(lw.expr(a)?);
    }
    let j = &c.jaxpr;
    let nparams = j.invars.len();
    // jvp takes (primals,) and (tangents,) tuples; the others take the parameters.
    let flat: Vec<Value> = if companion == "jvp" {
        let mut out = Vec::new();
        for v in vals {
            match v {
                Value::Tuple(parts) => out.extend(parts),
                _ => {
                    return err(
                        span,
                        format!("`{shown}` takes `(primals..,)` and `(tangents..,)` tuples"),
                    );
                }
            }
        }
        out
    } else {
        vals
    };
    let (t, shape_result): (Jaxpr, Shaper) = match companion {
        "" => {
            let tuple = c.tuple;
            (j.clone(), Box::new(move |o| tuple_if(o, tuple)))
        }
        "grad" | "value_and_grad" => {
            if !(c.has_aux || (j.outvars.len() == 1 && is_scalar_float(&j.out_types()[0]))) {
                return err(
                    span,
                    format!(
                        "`{shown}`: `{path}` does not return one float scalar; use `{path}::jacobian` or `{path}::jvp`"
                    ),
                );
            }
            let gj = if c.has_aux {
                j.clone()
            } else {
                first_output(j)
            };
            let n_aux = if c.has_aux { j.outvars.len() - 1 } else { 0 };
            let nargs = c.argnums.len();
            let has_aux = c.has_aux;
            if companion == "grad" {
                let t = core(transforms::grad(&gj, &c.argnums, c.has_aux), span, &shown)?;
                (
                    t,
                    Box::new(move |o: Vec<Atom>| {
                        let g = tuple_if(o[n_aux..].to_vec(), nargs > 1);
                        if has_aux {
                            Value::Tuple(vec![g, tuple_if(o[..n_aux].to_vec(), n_aux > 1)])
                        } else {
                            g
                        }
                    }),
                )
            } else {
                let t = core(
                    transforms::value_and_grad(&gj, &c.argnums, c.has_aux),
                    span,
                    &shown,
                )?;
                (
                    t,
                    Box::new(move |o: Vec<Atom>| {
                        let g = tuple_if(o[1 + n_aux..].to_vec(), nargs > 1);
                        let v = if has_aux {
                            Value::Tuple(o[..1 + n_aux].iter().map(|a| Value::Atom(*a)).collect())
                        } else {
                            Value::Atom(o[0])
                        };
                        Value::Tuple(vec![v, g])
                    }),
                )
            }
        }
        "hessian" => {
            let t = core(
                transforms::hessian(&first_output(j), c.argnums[0]),
                span,
                &shown,
            )?;
            (t, Box::new(|o: Vec<Atom>| Value::Atom(o[0])))
        }
        "jacobian" => {
            let t = core(
                transforms::jacobian(&first_output(j), &[c.argnums[0]], Mode::Rev),
                span,
                &shown,
            )?;
            (t, Box::new(|o: Vec<Atom>| Value::Atom(o[0])))
        }
        "jvp" => {
            let mask: Vec<bool> = (0..nparams).map(|i| c.floats.contains(&i)).collect();
            let t = core(transforms::jvp_wrt(j, &mask), span, &shown)?;
            let nout = j.outvars.len();
            let tuple = c.tuple;
            (
                t,
                Box::new(move |o: Vec<Atom>| {
                    Value::Tuple(vec![
                        tuple_if(o[..nout].to_vec(), tuple),
                        tuple_if(o[nout..].to_vec(), tuple),
                    ])
                }),
            )
        }
        "vmap" => {
            let out_axes = vec![Some(0); j.outvars.len()];
            let t = core(transforms::vmap(j, &c.in_axes, &out_axes), span, &shown)?;
            let tuple = c.tuple;
            (t, Box::new(move |o| tuple_if(o, tuple)))
        }
        other => {
            return err(
                span,
                format!("`{path}::{other}` cannot be called inside a transformed function"),
            );
        }
    };
    let t = passes::dce(&t);
    if flat.len() != t.invars.len() {
        return err(
            span,
            format!(
                "`{shown}` takes {} argument(s), got {}",
                t.invars.len(),
                flat.len()
            ),
        );
    }
    let in_types = t.in_types();
    let mut atoms = Vec::new();
    let mut map: HashMap<String, DimExpr> = HashMap::new();
    for (k, (v, want)) in flat.into_iter().zip(&in_types).enumerate() {
        let a = lw.atom_as(v, want.dtype, span)?;
        let got = lw.b.ty(a);
        if got.dtype != want.dtype || got.rank() != want.rank() {
            return err(
                span,
                format!("`{shown}`: argument {k} is `{got}`, the callee takes `{want}`"),
            );
        }
        for (d, g) in want.dims().iter().zip(got.dims()) {
            match d {
                DimExpr::Sym(s) => {
                    map.entry(s.clone()).or_insert_with(|| g.clone());
                }
                DimExpr::Const(c) if g.as_const().is_some_and(|x| x != *c) => {
                    return err(
                        span,
                        format!("`{shown}`: argument {k} is `{got}`, the callee takes `{want}`"),
                    );
                }
                _ => {}
            }
        }
        atoms.push(a);
    }
    let t = rename(&t, &map);
    let r = lw.b.inline(&t, &atoms);
    let outs = lw.core(r, span)?;
    Ok(shape_result(outs))
}

fn core<T>(r: rjax_core::Result<T>, span: Span, shown: &str) -> LResult<T> {
    r.map_err(|e| crate::lower::LowerError {
        span,
        msg: format!("`{shown}`: {e}"),
    })
}

fn is_scalar_float(t: &TensorType) -> bool {
    t.rank() == 0 && t.dtype.is_float()
}

fn first_output(j: &Jaxpr) -> Jaxpr {
    let mut j = j.clone();
    j.outvars.truncate(1);
    j
}

fn tuple_if(o: Vec<Atom>, tuple: bool) -> Value {
    if tuple || o.len() != 1 {
        Value::Tuple(o.into_iter().map(Value::Atom).collect())
    } else {
        Value::Atom(o[0])
    }
}

/// `j` with its symbolic dims replaced per `map`, in types and params.
pub fn rename(j: &Jaxpr, map: &HashMap<String, DimExpr>) -> Jaxpr {
    if map
        .iter()
        .all(|(k, v)| matches!(v, DimExpr::Sym(s) if s == k))
    {
        return j.clone();
    }
    let mut j = j.clone();
    for t in &mut j.types {
        t.shape = Shape(t.shape.0.iter().map(|d| dim(d, map)).collect());
    }
    for e in &mut j.eqns {
        for p in e.params.values_mut() {
            *p = param(p, map);
        }
    }
    j
}

fn param(p: &Param, map: &HashMap<String, DimExpr>) -> Param {
    match p {
        Param::Dim(d) => Param::Dim(dim(d, map)),
        Param::Tuple(v) => Param::Tuple(v.iter().map(|x| param(x, map)).collect()),
        Param::List(v) => Param::List(v.iter().map(|x| param(x, map)).collect()),
        Param::Jaxpr(sub) => Param::Jaxpr(Arc::new(rename(sub, map))),
        other => other.clone(),
    }
}

fn dim(d: &DimExpr, map: &HashMap<String, DimExpr>) -> DimExpr {
    match d {
        DimExpr::Sym(s) => map.get(s).cloned().unwrap_or_else(|| d.clone()),
        DimExpr::Const(_) => d.clone(),
        DimExpr::Add(a, b) => DimExpr::add(&dim(a, map), &dim(b, map)),
        DimExpr::Sub(a, b) => DimExpr::sub(&dim(a, map), &dim(b, map)),
        DimExpr::Mul(a, b) => DimExpr::mul(&dim(a, map), &dim(b, map)),
    }
}
