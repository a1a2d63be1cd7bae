//! `specialize`: binds a jaxpr's symbolic dims from concrete input shapes
//! and re-runs every shape rule, giving the jaxpr of one concrete call
//! (what `f::make_jaxpr(&args)` prints).

use crate::builder::{Builder, subst};
use crate::error::{Error, Result};
use crate::interp::eval::bind_shapes;
use crate::ir::{Atom, Jaxpr, Param, TensorType, Var};
use std::collections::HashMap;
use std::sync::Arc;

fn sub_param(p: &Param, env: &HashMap<String, i64>) -> Result<Param> {
    Ok(match p {
        Param::Dim(d) => Param::Dim(d.substitute(env)),
        Param::Tuple(v) => {
            Param::Tuple(v.iter().map(|x| sub_param(x, env)).collect::<Result<_>>()?)
        }
        Param::List(v) => Param::List(v.iter().map(|x| sub_param(x, env)).collect::<Result<_>>()?),
        Param::Jaxpr(j) => Param::Jaxpr(Arc::new(rebuild(j, env)?)),
        Param::Word(w) if env.contains_key(w) => Param::Dim(crate::ir::DimExpr::Const(env[w])),
        other => other.clone(),
    })
}

/// Re-infers every type of `j` after substituting the bound symbols.
pub fn rebuild(j: &Jaxpr, env: &HashMap<String, i64>) -> Result<Jaxpr> {
    let mut b = Builder::new();
    let mut m: HashMap<Var, Atom> = HashMap::new();
    for v in &j.invars {
        let t = j.ty(*v);
        let nt = TensorType::new(t.dtype, t.shape.substitute(env));
        m.insert(*v, b.input_typed(nt).into());
    }
    for e in &j.eqns {
        let params = e
            .params
            .iter()
            .map(|(k, v)| Ok((k.clone(), sub_param(v, env)?)))
            .collect::<Result<_>>()?;
        let ins: Vec<Atom> = e.inputs.iter().map(|a| subst(&m, *a)).collect();
        let outs = b.eqn(e.prim, params, &ins)?;
        for (o, n) in e.outputs.iter().zip(outs) {
            m.insert(*o, Atom::Var(n));
        }
    }
    let outs: Vec<Atom> = j.outvars.iter().map(|a| subst(&m, *a)).collect();
    Ok(b.build(&outs))
}

/// Binds symbols from `shapes` (one per input) and re-infers all shapes.
pub fn specialize(j: &Jaxpr, shapes: &[Vec<usize>]) -> Result<Jaxpr> {
    if shapes.len() != j.invars.len() {
        return Err(Error::invalid(format!(
            "specialize: {} shapes for {} inputs",
            shapes.len(),
            j.invars.len()
        )));
    }
    let mut env = HashMap::new();
    let s: Vec<&[usize]> = shapes.iter().map(|v| v.as_slice()).collect();
    bind_shapes(&j.in_types(), &s, &mut env)
        .map_err(|e| Error::invalid(format!("specialize: {e}")))?;
    rebuild(j, &env)
}
