//! Evaluation of a jaxpr on concrete tensors.

use super::tensor::Tensor;
use crate::error::{Error, Result};
use crate::ir::{Atom, DimExpr, Jaxpr, TensorType, Var};
use crate::rules::{EvalCtx, rules};
use std::collections::HashMap;

/// Binds symbolic dims of `types` from concrete `shapes`, checking
/// constants and expressions; extends `env`.
pub fn bind_shapes(
    types: &[TensorType],
    shapes: &[&[usize]],
    env: &mut HashMap<String, i64>,
) -> Result<()> {
    for (t, s) in types.iter().zip(shapes) {
        if t.rank() != s.len() {
            return Err(Error::Eval(format!("input of type {t} given shape {s:?}")));
        }
        for (d, &n) in t.dims().iter().zip(s.iter()) {
            if let DimExpr::Sym(name) = d {
                match env.get(name) {
                    Some(&v) if v != n as i64 => {
                        return Err(Error::Eval(format!(
                            "symbolic dim `{name}` is {v} in one input and {n} in input of type {t}"
                        )));
                    }
                    _ => {
                        env.insert(name.clone(), n as i64);
                    }
                }
            }
        }
    }
    for (t, s) in types.iter().zip(shapes) {
        for (d, &n) in t.dims().iter().zip(s.iter()) {
            match d.eval(env) {
                Some(v) if v == n as i64 => {}
                Some(v) => {
                    return Err(Error::Eval(format!(
                        "input of type {t} given shape {s:?}: dim `{d}` = {v}"
                    )));
                }
                None => {
                    return Err(Error::Eval(format!(
                        "cannot bind dim `{d}` of input type {t} from shape {s:?}"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Evaluates `j` on `args`, binding symbolic dims from their shapes.
pub fn eval_jaxpr(j: &Jaxpr, args: &[Tensor]) -> Result<Vec<Tensor>> {
    eval_jaxpr_with_env(j, args, &HashMap::new())
}

/// `eval_jaxpr` with symbol bindings inherited from an enclosing jaxpr.
pub fn eval_jaxpr_with_env(
    j: &Jaxpr,
    args: &[Tensor],
    outer: &HashMap<String, i64>,
) -> Result<Vec<Tensor>> {
    if args.len() != j.invars.len() {
        return Err(Error::Eval(format!(
            "jaxpr takes {} inputs, got {}",
            j.invars.len(),
            args.len()
        )));
    }
    let mut env = outer.clone();
    let in_types = j.in_types();
    for (t, a) in in_types.iter().zip(args) {
        if t.dtype != a.dtype {
            return Err(Error::Eval(format!(
                "input of type {t} given a {} tensor",
                a.dtype
            )));
        }
    }
    let shapes: Vec<&[usize]> = args.iter().map(|a| a.shape.as_slice()).collect();
    bind_shapes(&in_types, &shapes, &mut env)?;
    let mut vals: HashMap<Var, Tensor> =
        j.invars.iter().copied().zip(args.iter().cloned()).collect();
    let get = |vals: &HashMap<Var, Tensor>, a: &Atom| -> Tensor {
        match a {
            Atom::Var(v) => vals[v].clone(),
            Atom::Lit(l) => Tensor::scalar(l.value, l.dtype),
        }
    };
    let cx = EvalCtx { env: &env };
    for e in &j.eqns {
        let ins: Vec<Tensor> = e.inputs.iter().map(|a| get(&vals, a)).collect();
        let outs = (rules(e.prim)?.eval)(&e.params, &ins, &cx)?;
        for (o, t) in e.outputs.iter().zip(outs) {
            vals.insert(*o, t);
        }
    }
    Ok(j.outvars.iter().map(|a| get(&vals, a)).collect())
}
