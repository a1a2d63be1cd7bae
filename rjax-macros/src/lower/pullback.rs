//! `let (y, pullback) = h::vjp(x); .. pullback(ct)` in a body (parsed in
//! ast/pullback.rs). Like JAX's `vjp` under a trace: the callee's forward
//! pass (rjax-core's `vjp`: outputs ++ residuals) is inlined at the `let`,
//! the pullback is the backward jaxpr closed over those residual values,
//! and each application inlines the backward pass on its cotangent. The
//! result is ordinary equations, so an outer `#[grad]`, `#[vmap]` or
//! `#[jit]` transforms through it like any other code.

use std::rc::Rc;

use proc_macro2::Span;
use rjax_core::{Atom, DimExpr, Jaxpr, TensorType};

use super::{LResult, Lowerer, Value, err};
use crate::front::tree_node::Node;
use crate::lower::xform;

/// A pullback value: the callee's backward pass and what it closes over.
#[derive(Debug)]
pub struct Pullback {
    /// The callee, for messages.
    pub name: String,
    /// residuals ++ output cotangents -> cotangents of the float parameters.
    pub backward: Jaxpr,
    /// The residual values computed by the forward pass.
    pub residuals: Vec<Atom>,
    /// The callee's output types (what a cotangent must look like).
    pub outs: Vec<TensorType>,
    /// The callee returns a tuple (the cotangent is then a tuple too).
    pub tuple: bool,
    /// The callee's tree result (the cotangent is then that tree).
    pub ret_node: Option<Node>,
    /// How the parameters' cotangents regroup into the callee's trees.
    pub regroup: Vec<Option<Node>>,
}

impl Lowerer<'_> {
    /// `h::vjp(args)`: `(y, pullback)`, with `j` the callee lowered at the
    /// argument types and `wrt` its float parameters.
    pub(super) fn vjp_value(
        &mut self,
        name: &str,
        f: &crate::front::ast::Function,
        j: &Jaxpr,
        atoms: &[Atom],
        wrt: &[usize],
        span: Span,
    ) -> LResult<Value> {
        if wrt.is_empty() || j.out_types().iter().any(|t| !t.dtype.is_float()) {
            return err(
                span,
                format!(
                    "`{name}::vjp` needs float parameters and float results (`{name}` has none to differentiate)"
                ),
            );
        }
        let (fwd, bwd, nres) = xform::vjp(j, wrt).map_err(|e| super::LowerError {
            span,
            msg: format!("`{name}::vjp`: {e}"),
        })?;
        let r = self.b.inline(&fwd, atoms);
        let outs = self.core(r, span)?;
        let nout = outs.len() - nres;
        let ys: Vec<Value> = outs[..nout].iter().map(|a| Value::Atom(*a)).collect();
        let pb = Pullback {
            name: name.to_string(),
            backward: bwd,
            residuals: outs[nout..].to_vec(),
            outs: outs[..nout].iter().map(|a| self.b.ty(*a)).collect(),
            tuple: f.ret.tuple,
            ret_node: f.ret.node.clone(),
            regroup: crate::lower::tree::regroup_plan(f, wrt),
        };
        let y = if pb.ret_node.is_some() {
            crate::lower::tree::struct_value(f, ys)
        } else if pb.tuple {
            Value::Tuple(ys)
        } else {
            one_or_tuple(ys)
        };
        Ok(Value::Tuple(vec![y, Value::Pullback(Rc::new(pb))]))
    }

    /// `pullback(ct)`: the backward pass on `ct`; the cotangent of one
    /// float parameter, or a tuple of them (as the companion `h::vjp`'s
    /// pullback returns).
    pub(super) fn apply_pullback(
        &mut self,
        id: &syn::Ident,
        args: Vec<Value>,
        span: Span,
    ) -> LResult<Value> {
        let Some(Value::Pullback(pb)) = self.env.get(&id.to_string()).cloned() else {
            return err(
                span,
                format!(
                    "`{id}` is applied inside a loop or a branch that became `cond`, away from the `let` that made it: apply it next to that `let` (`let g = {id}(&ct);`) and use `g` inside"
                ),
            );
        };
        let name = &pb.name;
        let shown: Vec<String> = pb.outs.iter().map(|t| t.to_string()).collect();
        let want = if pb.tuple {
            format!("({})", shown.join(", "))
        } else {
            shown.join(", ")
        };
        let wrong = || super::LowerError {
            span,
            msg: format!(
                "`{id}` takes one cotangent shaped like `{name}`'s result, `{want}`: write `{id}(&ct)`"
            ),
        };
        let [arg] = <[Value; 1]>::try_from(args).map_err(|_| wrong())?;
        let cts = match (arg, pb.tuple, &pb.ret_node) {
            (v, _, Some(node)) => {
                let mut leaves = Vec::new();
                node.flatten(v, &mut leaves)
                    .map_err(|m| super::LowerError {
                        span,
                        msg: format!("the cotangent of `{name}`'s result: {m}"),
                    })?;
                leaves
            }
            (Value::Tuple(v), true, None) if v.len() == pb.outs.len() => v,
            (v, false, None) => vec![v],
            _ => return Err(wrong()),
        };
        let mut ins = pb.residuals.clone();
        for (ct, t) in cts.into_iter().zip(&pb.outs) {
            let a = self.atom_as(ct, t.dtype, span)?;
            let got = self.b.ty(a);
            if got.dtype != t.dtype || got.rank() != t.rank() {
                return Err(wrong());
            }
            // Symbols the cotangent and the output share are the caller's
            // to identify (its lowering retries with them equal).
            for (g, w) in got.dims().iter().zip(t.dims()) {
                if let (DimExpr::Sym(g), DimExpr::Sym(w)) = (g, w)
                    && g != w
                {
                    self.unify.push((g.clone(), w.clone()));
                }
            }
            ins.push(a);
        }
        let r = self.b.inline(&pb.backward, &ins);
        let cots = self.core(r, span)?;
        let cots = cots.into_iter().map(Value::Atom).collect();
        Ok(one_or_tuple(crate::lower::tree::apply_regroup(
            &pb.regroup,
            cots,
        )))
    }
}

fn one_or_tuple(mut v: Vec<Value>) -> Value {
    if v.len() == 1 {
        v.pop().unwrap()
    } else {
        Value::Tuple(v)
    }
}
