//! Calls to other annotated functions and their companions inside a body:
//! the callee is lowered at the argument types, transformed by rjax-core
//! (`grad`, `hessian`, `vmap` ...) and inlined, so `#[vmap] fn g(t) {
//! f::grad(t) }` is vmap(grad(f)) in one jaxpr.

use proc_macro2::Span;
use rjax_core::{Jaxpr, TensorType};

use super::{LResult, Lowerer, Value, err, lower_typed};
use crate::front::ast::ParamTy;
use crate::front::attr::InAxes;
use crate::front::check;
use crate::lower::xform;

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
                    "`{name}` is not an annotated function: annotate it (`#[jit]`, `#[grad]` or `#[vmap]`) or give its derivative with `#[custom_jvp]`"
                ),
            );
        };
        let f = &callee.f;
        let scalar_out = f.ret.is_scalar_float()
            || callee
                .config
                .grad
                .as_ref()
                .is_some_and(|g| g.has_aux.is_some());
        if matches!(comp, Some("grad" | "value_and_grad" | "hessian")) && !scalar_out {
            return err(
                span,
                format!(
                    "`{name}::{}` needs a scalar float output, and `{name}` returns `{}`: use `{name}::jacobian(..)` or `{name}::jvp(..)`",
                    comp.unwrap_or_default(),
                    show_ret(f)
                ),
            );
        }
        // `h::jvp((primals..), (tangents..))`: one tangent per float parameter.
        let wrt: Vec<usize> = f
            .params
            .iter()
            .enumerate()
            .filter(|(_, p)| matches!(p.ty, ParamTy::Scalar(s) | ParamTy::Array { elem: s, .. } if s.is_float()))
            .map(|(i, _)| i)
            .collect();
        let (vals, tangents) = if comp == Some("jvp") {
            match <[Value; 2]>::try_from(vals) {
                Ok([Value::Tuple(p), Value::Tuple(t)]) if t.len() == wrt.len() => (p, t),
                _ => {
                    return err(
                        span,
                        format!(
                            "write `{name}::jvp((primals..), (tangents..))` with {} primal(s) and {} tangent(s) (one per float parameter)",
                            f.params.len(),
                            wrt.len()
                        ),
                    );
                }
            }
        } else {
            (vals, Vec::new())
        };
        let vals = crate::lower::tree::flatten_args(f, vals, span)?;
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
                ParamTy::Tree { .. } => {
                    unreachable!("struct parameters are replaced by their fields first")
                }
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
        if comp == Some("vmap") {
            check_vmap_ranks(name, callee, &types, &axes, span)?;
        }
        let mut unify = Vec::new();
        let j = lower_typed(f, types, &mut unify, &callee.deps).map_err(|e| super::LowerError {
            span,
            msg: format!("in `{name}`: {}", e.msg),
        })?;
        // Symbols the callee's operations assume equal (`x.matmul(w)`) are
        // the caller's: the caller's lowering retries with them identified
        // (`symbols`), or a transformation below would compare them.
        self.unify.extend(unify);
        self.unify.extend(crate::lower::symbols::assumed_equal(&j));
        let j = match &callee.config.custom {
            Some(c) => crate::lower::custom::wrap(name, j, c, &callee.deps)
                .map_err(|msg| super::LowerError { span, msg })?,
            None => j,
        };
        for (t, &i) in tangents.into_iter().zip(&wrt) {
            let dt = self.b.ty(atoms[i]).dtype;
            let a = self.atom_as(t, dt, span)?;
            atoms.push(a);
        }
        let wrap = |r: xform::XResult| -> LResult<Jaxpr> {
            r.map_err(|e| super::LowerError {
                span,
                msg: format!("`{name}::{}`: {e}", comp.unwrap_or("")),
            })
        };
        if comp == Some("vjp") {
            return self.vjp_value(name, f, &j, &atoms, &wrt, span);
        }
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
            Some("vmap") => {
                let size = self.batch_size(&atoms, &axes, span)?;
                let outs =
                    crate::front::attr::out_axes(callee.config.vmap.as_ref(), j.outvars.len());
                wrap(xform::vmap_sized(&j, &axes, &outs, &size))?
            }
            Some("jvp") => wrap(xform::jvp(&j, &wrt))?,
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
        if comp == Some("jvp") {
            // (outs, tangent outs), each shaped like the callee's result.
            let touts = vals.split_off(vals.len() / 2);
            let shape = |v: Vec<Value>| {
                if f.ret.tuple {
                    Value::Tuple(v)
                } else {
                    one_or_tuple(v)
                }
            };
            return Ok(Value::Tuple(vec![shape(vals), shape(touts)]));
        }
        if comp == Some("grad") && has_aux {
            // core: aux.. ++ grads; the companion returns (grads, aux).
            let n_aux = vals.len() - argnums.len();
            let grads: Vec<Value> = vals.split_off(n_aux);
            let g = one_or_tuple(crate::lower::tree::regroup(f, &argnums, grads));
            return Ok(Value::Tuple(vec![g, one_or_tuple(vals)]));
        }
        match comp {
            Some("grad") => {
                return Ok(one_or_tuple(crate::lower::tree::regroup(f, &argnums, vals)));
            }
            Some("value_and_grad") => {
                let grads = vals.split_off(vals.len() - argnums.len());
                let g = one_or_tuple(crate::lower::tree::regroup(f, &argnums, grads));
                return Ok(Value::Tuple(vec![one_or_tuple(vals), g]));
            }
            None if f.ret.tree.is_some() => {
                return Ok(crate::lower::tree::struct_value(f, vals));
            }
            _ => {}
        }
        Ok(one_or_tuple(vals))
    }
}

impl Lowerer<'_> {
    /// The caller's size of the mapped axes of `h::vmap(..)`'s arguments
    /// (the first mapped one's; the others are assumed equal to it, and
    /// the runtime ops check).
    fn batch_size(
        &mut self,
        atoms: &[rjax_core::Atom],
        axes: &[Option<usize>],
        span: Span,
    ) -> LResult<rjax_core::DimExpr> {
        let mut size = None;
        for (a, ax) in atoms.iter().zip(axes) {
            let Some(k) = ax else { continue };
            let t = self.b.ty(*a);
            let Some(d) = t.dims().get(*k).cloned() else {
                return err(
                    span,
                    format!("`vmap` maps axis {k} of an argument of rank {}", t.rank()),
                );
            };
            match &size {
                None => size = Some(d),
                Some(s) => {
                    if let (rjax_core::DimExpr::Sym(x), rjax_core::DimExpr::Sym(y)) = (s, &d)
                        && x != y
                    {
                        self.unify.push((x.clone(), y.clone()));
                    }
                }
            }
        }
        match size {
            Some(s) => Ok(s),
            None => err(
                span,
                "`vmap` needs at least one mapped argument (in_axes not all None)",
            ),
        }
    }
}

/// `h::vmap(..)` in a body is the companion `h::vmap`: batched over `h`
/// at the ranks `h` is written for (inferred in its own expansion), so an
/// example of another rank is refused here; the caller's rank inference
/// then tries the next rank (`points` of rank 2 for a rank-1 `a`).
fn check_vmap_ranks(
    name: &str,
    callee: &super::Callee,
    types: &[TensorType],
    axes: &[Option<usize>],
    span: Span,
) -> LResult<()> {
    let own =
        super::rank::lower_inferring(&callee.f, &callee.deps).map_err(|e| super::LowerError {
            span,
            msg: format!("in `{name}`: {e}"),
        })?;
    for (i, ((t, ax), p)) in types.iter().zip(axes).zip(&callee.f.params).enumerate() {
        let want = own.ranks[i];
        if matches!(p.ty, ParamTy::Array { .. }) && t.rank() != want {
            let (r, extra) = match ax {
                Some(_) => (want + 1, " (one more for the mapped axis)"),
                None => (want, ""),
            };
            return err(
                span,
                format!(
                    "`{name}::vmap`: `{}` is rank {want} in `{name}`, so pass an array of rank {r}{extra}",
                    p.name
                ),
            );
        }
    }
    Ok(())
}

fn show_ret(f: &crate::front::ast::Function) -> String {
    let one = |t: &crate::front::ast::ValTy| match t {
        crate::front::ast::ValTy::Scalar(s) => s.rust_name().to_string(),
        crate::front::ast::ValTy::Array(s) => format!("Array<{}>", s.rust_name()),
    };
    let parts: Vec<String> = f.ret.tys.iter().map(one).collect();
    if f.ret.tuple {
        format!("({})", parts.join(", "))
    } else {
        parts.join(", ")
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
