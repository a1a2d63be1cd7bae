//! Calls to other annotated functions and their companions inside a body:
//! the callee is lowered at the argument types, transformed by rjax-core
//! (`grad`, `hessian`, `vmap` ...) and inlined, so `#[vmap] fn g(t) {
//! f::grad(t) }` is vmap(grad(f)) in one jaxpr.

use proc_macro2::Span;
use rjax_core::{Jaxpr, TensorType};

use super::{LResult, Lowerer, Value, err, lower_typed};
use crate::ast::ParamTy;
use crate::attr::InAxes;
use crate::check;
use crate::expand::xform;

impl Lowerer<'_> {
    /// `name(..)` or `name::comp(..)`.
    pub fn call(
        &mut self,
        name: &str,
        comp: Option<&str>,
        vals: Vec<Value>,
        span: Span,
    ) -> LResult<Value> {
        let Some(callee) = self.callees.get(name) else {
            return err(
                span,
                format!(
                    "`{name}` is not an annotated function (`#[grad]`, `#[vmap]` or `#[jit]`) in this module"
                ),
            );
        };
        let f = &callee.f;
        if vals.len() != f.params.len() {
            return err(
                span,
                format!(
                    "`{name}` takes {} argument(s), not {}",
                    f.params.len(),
                    vals.len()
                ),
            );
        }
        let mut atoms = Vec::new();
        for (v, p) in vals.into_iter().zip(&f.params) {
            let dt = match p.ty {
                ParamTy::Scalar(s) | ParamTy::Array { elem: s, .. } => super::dtype(s),
                ParamTy::Key => rjax_core::DType::U32,
            };
            atoms.push(self.atom_as(v, dt, span)?);
        }
        let argnums = check::argnums(&callee.config);
        let has_aux = callee
            .config
            .grad
            .as_ref()
            .is_some_and(|g| g.has_aux.is_some());
        // For vmap the callee sees one example: the mapped axis removed.
        let axes: Vec<Option<usize>> =
            match callee.config.vmap.as_ref().and_then(|v| v.in_axes.as_ref()) {
                Some(InAxes::PerArg(list, _)) => list.iter().map(|a| a.axis).collect(),
                Some(InAxes::All(a)) => vec![a.axis; f.params.len()],
                None => vec![Some(0); f.params.len()],
            };
        let types: Vec<TensorType> = atoms
            .iter()
            .zip(&axes)
            .map(|(a, ax)| {
                let t = self.b.ty(*a);
                match (comp, ax) {
                    (Some("vmap"), Some(k)) if *k < t.rank() => {
                        let mut dims = t.dims().to_vec();
                        dims.remove(*k);
                        TensorType::new(t.dtype, dims)
                    }
                    _ => t,
                }
            })
            .collect();
        let mut unify = Vec::new();
        let none = super::Callees::new();
        let j = lower_typed(f, types, &mut unify, &none).map_err(|e| super::LowerError {
            span,
            msg: format!("in `{name}`: {}", e.msg),
        })?;
        let wrap = |r: xform::XResult| -> LResult<Jaxpr> {
            r.map_err(|e| super::LowerError {
                span,
                msg: format!("`{name}::{}`: {e}", comp.unwrap_or("")),
            })
        };
        let j = match comp {
            None => j,
            Some("grad") => wrap(xform::grad(&first_if(&j, !has_aux), &argnums, has_aux))?,
            Some("value_and_grad") => wrap(xform::value_and_grad(
                &first_if(&j, !has_aux),
                &argnums,
                has_aux,
            ))?,
            Some("hessian") => wrap(xform::hessian(&first_if(&j, true), argnums[0]))?,
            Some("jacobian") => wrap(xform::jacobian(&first_if(&j, true), argnums[0]))?,
            Some("vmap") => wrap(xform::vmap(&j, &axes))?,
            Some(other) => {
                return err(
                    span,
                    format!("`{name}::{other}` cannot be called inside a transformed body"),
                );
            }
        };
        let r = self.b.inline(&j, &atoms);
        let outs = self.core(r, span)?;
        let mut vals: Vec<Value> = outs.into_iter().map(Value::Atom).collect();
        if comp == Some("grad") && has_aux {
            // core: aux.. ++ grads; the companion returns (grads, aux).
            let n_aux = vals.len() - argnums.len();
            let grads: Vec<Value> = vals.split_off(n_aux);
            let g = one_or_tuple(grads);
            return Ok(Value::Tuple(vec![g, one_or_tuple(vals)]));
        }
        Ok(one_or_tuple(vals))
    }
}

fn first_if(j: &Jaxpr, first: bool) -> Jaxpr {
    let mut j = j.clone();
    if first {
        j.outvars.truncate(1);
    }
    j
}

fn one_or_tuple(mut v: Vec<Value>) -> Value {
    if v.len() == 1 {
        v.pop().unwrap()
    } else {
        Value::Tuple(v)
    }
}
