//! The jax.numpy vocabulary beyond elementwise math: means, reductions over
//! chosen axes, and the shape ops (`reshape`, `broadcast_to`, `transpose`
//! with a permutation, `slice`, `expand_dims`, `squeeze`, `argmax`,
//! `concatenate`, `stack`). Sizes and axes are constants written in the
//! body (`&[2, -1]`); negative axes count from the end as in NumPy.

use proc_macro2::Span;
use rjax_core::ir::Params;
use rjax_core::ir::params::ParamsExt;
use rjax_core::{Atom, DType, DimExpr, Param, Prim};

use super::{LResult, Lowerer, Value, err};
use crate::front::ast::Expr;
use crate::front::prims::Op;

/// `-1` is the last axis of a rank-`rank` value.
fn axis(k: i64, rank: usize, what: &str, span: Span) -> LResult<usize> {
    let r = rank as i64;
    if k < -r || k >= r.max(1) {
        return err(
            span,
            format!("`{what}`: axis {k} is out of range for a value of rank {rank}"),
        );
    }
    Ok(if k < 0 { (k + r) as usize } else { k as usize })
}

fn ints(v: Option<Value>, e: Option<&Expr>, what: &str, example: &str) -> LResult<Vec<i64>> {
    let span = e.map(|e| e.span).unwrap_or_else(Span::call_site);
    match v {
        Some(Value::Ints(v)) => Ok(v),
        Some(Value::Weak(x, true)) => Ok(vec![x as i64]),
        _ => err(
            span,
            format!("`{what}` needs a list of integer constants: write `{example}`"),
        ),
    }
}

fn int(v: Option<Value>, e: Option<&Expr>, what: &str, example: &str) -> LResult<i64> {
    let span = e.map(|e| e.span).unwrap_or_else(Span::call_site);
    match v {
        Some(Value::Weak(x, true)) => Ok(x as i64),
        _ => err(
            span,
            format!("`{what}` needs an integer constant: write `{example}`"),
        ),
    }
}

/// The `keepdims` argument: a `bool` constant.
fn keepdims(v: Option<Value>, e: Option<&Expr>, span: Span) -> LResult<bool> {
    match v {
        Some(Value::Atom(Atom::Lit(l))) if l.dtype == DType::Bool => Ok(l.value != 0.0),
        _ => err(
            e.map_or(span, |e| e.span),
            "`keepdims` must be `true` or `false`",
        ),
    }
}

impl Lowerer<'_> {
    /// Ops whose first argument is a list of values (`concatenate`, `stack`).
    pub(super) fn list_prim(
        &mut self,
        op: Op,
        vals: Vec<Value>,
        arg_exprs: &[Expr],
        span: Span,
    ) -> LResult<Value> {
        let name = if op == Op::Stack {
            "stack"
        } else {
            "concatenate"
        };
        let mut vals = vals.into_iter();
        let items = match vals.next() {
            Some(Value::Tuple(items)) if !items.is_empty() => items,
            _ => {
                return err(
                    span,
                    format!("`{name}` takes a list of arrays first: write `{name}(&[a, b], 0)`"),
                );
            }
        };
        let like = items
            .iter()
            .find_map(|v| match v {
                Value::Atom(a) => Some(self.b.dtype(*a)),
                _ => None,
            })
            .unwrap_or(self.default_float);
        let mut atoms = Vec::new();
        for v in items {
            atoms.push(self.atom_as(v, like, span)?);
        }
        let rank = self.b.rank(atoms[0]);
        let k = int(
            vals.next(),
            arg_exprs.first(),
            name,
            &format!("{name}(&[a, b], 0)"),
        )?;
        if op == Op::Stack {
            let k = axis(k, rank + 1, name, span)?;
            let mut parts = Vec::new();
            for a in atoms {
                let r = self.b.expand_dims(a, &[k]);
                parts.push(self.core(r, span)?);
            }
            let r = self.b.concatenate(&parts, k);
            return Ok(Value::Atom(self.core(r, span)?));
        }
        if rank == 0 {
            return err(
                span,
                "`concatenate` joins arrays along an existing axis; for scalars write `array![a, b]`",
            );
        }
        let k = axis(k, rank, name, span)?;
        let r = self.b.concatenate(&atoms, k);
        Ok(Value::Atom(self.core(r, span)?))
    }

    /// Reductions and shape ops on one array `x`; `rest` are the other
    /// arguments, `arg_exprs` their expressions (for spans).
    pub(super) fn vocab_prim(
        &mut self,
        op: Op,
        x: Atom,
        rest: Vec<Value>,
        arg_exprs: &[Expr],
        span: Span,
    ) -> LResult<Atom> {
        let t = self.b.ty(x);
        let rank = t.rank();
        let mut rest = rest.into_iter();
        let a0 = arg_exprs.first();
        match op {
            Op::Mean => {
                let axes: Vec<usize> = (0..rank).collect();
                self.mean(x, &axes, span)
            }
            Op::Axes(_) | Op::MeanAxes => {
                let what = match op {
                    Op::Axes(Prim::ReduceSum) => "sum_axes",
                    Op::Axes(Prim::ReduceMax) => "max_axes",
                    Op::Axes(_) => "min_axes",
                    _ => "mean_axes",
                };
                let example = format!("a.{what}(&[1], false)");
                let mut axes = Vec::new();
                for k in ints(rest.next(), a0, what, &example)? {
                    let k = axis(k, rank, what, a0.map_or(span, |e| e.span))?;
                    if !axes.contains(&k) {
                        axes.push(k);
                    }
                }
                axes.sort();
                let keep = keepdims(rest.next(), arg_exprs.get(1), span)?;
                let s = match op {
                    Op::Axes(prim) => {
                        let r = self.b.reduce(prim, x, &axes);
                        self.core(r, span)?
                    }
                    _ => self.mean(x, &axes, span)?,
                };
                if keep {
                    let r = self.b.expand_dims(s, &axes);
                    self.core(r, span)
                } else {
                    Ok(s)
                }
            }
            Op::Reshape => {
                let sizes = ints(rest.next(), a0, "reshape", "a.reshape(&[2, 3])")?;
                let dims = self.reshape_dims(t.dims(), &sizes, span)?;
                let r = self.b.reshape(x, &dims);
                self.core(r, span)
            }
            Op::Flatten => {
                let r = self.b.reshape(x, &[DimExpr::product(t.dims())]);
                self.core(r, span)
            }
            Op::BroadcastTo => {
                let sizes = ints(rest.next(), a0, "broadcast_to", "a.broadcast_to(&[4, 3])")?;
                if sizes.iter().any(|&s| s < 1) {
                    return err(span, "`broadcast_to` needs positive sizes");
                }
                let dims: Vec<DimExpr> = sizes.into_iter().map(DimExpr::Const).collect();
                let r = self.b.broadcast_to(x, &dims);
                self.core(r, span)
            }
            Op::Permute => {
                let perm = ints(rest.next(), a0, "transpose", "a.transpose(&[1, 0])")?;
                // Length first: `axis` accepts 0 for a scalar, which has no axes to mark.
                if perm.len() != rank {
                    return err(
                        span,
                        format!(
                            "`transpose`: the permutation has {} axes for a value of rank {rank}",
                            perm.len()
                        ),
                    );
                }
                let mut seen = vec![false; rank];
                let mut p = Vec::new();
                for k in perm {
                    let k = axis(k, rank, "transpose", span)?;
                    if seen[k] {
                        return err(span, "`transpose`: the permutation repeats an axis");
                    }
                    seen[k] = true;
                    p.push(k);
                }
                let r = self.b.transpose(x, &p);
                self.core(r, span)
            }
            Op::Slice => {
                let ranges = match rest.next() {
                    Some(Value::Tuple(v)) => match v.as_slice() {
                        [Value::Ints(s), Value::Ints(l)] => Some((s.clone(), l.clone())),
                        _ => None,
                    },
                    _ => None,
                };
                let Some((start, limit)) = ranges else {
                    return err(
                        a0.map_or(span, |e| e.span),
                        "`slice` needs one constant range per axis: write `a.slice(&[1..3, 0..2])`",
                    );
                };
                if start.len() != rank {
                    return err(
                        span,
                        format!("`slice` needs one range per axis: {} for `{t}`", rank),
                    );
                }
                for (k, (s, l)) in start.iter().zip(&limit).enumerate() {
                    let n = t.dims()[k].as_const();
                    if l < s || n.is_some_and(|n| *l > n) {
                        return err(
                            span,
                            format!("`slice`: range {s}..{l} does not fit axis {k} of `{t}`"),
                        );
                    }
                }
                let c = |v: &[i64]| v.iter().map(|&k| DimExpr::Const(k)).collect::<Vec<_>>();
                let r = self.b.slice(x, &c(&start), &c(&limit), None);
                self.core(r, span)
            }
            Op::ExpandDims => {
                let k = int(rest.next(), a0, "expand_dims", "a.expand_dims(0)")?;
                let k = axis(k, rank + 1, "expand_dims", span)?;
                let r = self.b.expand_dims(x, &[k]);
                self.core(r, span)
            }
            Op::Squeeze | Op::SqueezeAxes => {
                let axes: Vec<usize> = if op == Op::Squeeze {
                    (0..rank).filter(|&k| t.dims()[k].is(1)).collect()
                } else {
                    let mut v = Vec::new();
                    for k in ints(rest.next(), a0, "squeeze_axes", "a.squeeze_axes(&[0])")? {
                        let k = axis(k, rank, "squeeze_axes", span)?;
                        if !t.dims()[k].is(1) {
                            return err(
                                span,
                                format!("`squeeze_axes`: axis {k} of `{t}` is not known to be 1"),
                            );
                        }
                        v.push(k);
                    }
                    v
                };
                if axes.is_empty() {
                    return Ok(x);
                }
                let r = self.b.squeeze(x, &axes);
                self.core(r, span)
            }
            Op::Argmax => {
                let r = self.b.reshape(x, &[DimExpr::product(t.dims())]);
                let flat = self.core(r, span)?;
                self.argmax(flat, 0, span)
            }
            Op::ArgmaxAxis => {
                let k = int(rest.next(), a0, "argmax_axis", "a.argmax_axis(1, false)")?;
                let k = axis(k, rank, "argmax_axis", span)?;
                let keep = keepdims(rest.next(), arg_exprs.get(1), span)?;
                let i = self.argmax(x, k, span)?;
                if keep {
                    let r = self.b.expand_dims(i, &[k]);
                    self.core(r, span)
                } else {
                    Ok(i)
                }
            }
            Op::Item => {
                if rank != 0 {
                    return err(
                        span,
                        format!(
                            "`.item()` needs a single value, but this is `{t}`: reduce it first (`.sum()`)"
                        ),
                    );
                }
                Ok(x)
            }
            _ => unreachable!("not a vocabulary op: {op:?}"),
        }
    }

    /// `argmax[axes=(k,), index_dtype=int32]`.
    fn argmax(&mut self, x: Atom, k: usize, span: Span) -> LResult<Atom> {
        let params = Params::from_pairs([
            ("axes", Param::usizes(&[k])),
            ("index_dtype", Param::dtype(DType::I32)),
        ]);
        let r = self.b.eqn1(Prim::Argmax, params, &[x]);
        self.core(r, span)
    }

    /// `reduce_sum / count` over `axes` (int arrays are averaged as floats,
    /// like `jnp.mean`).
    fn mean(&mut self, x: Atom, axes: &[usize], span: Span) -> LResult<Atom> {
        let x = if self.b.dtype(x).is_float() {
            x
        } else {
            let r = self.b.convert(x, self.default_float);
            self.core(r, span)?
        };
        if axes.is_empty() {
            return Ok(x);
        }
        let dt = self.b.dtype(x);
        let r = self.b.count_as(x, axes, dt);
        let n = self.core(r, span)?;
        let r = self.b.reduce_sum(x, axes);
        let s = self.core(r, span)?;
        let r = self.b.div(s, n);
        self.core(r, span)
    }

    /// The new dims of a reshape: positive constants (the primal calls
    /// `Array::reshape(&[usize])`, so NumPy's `-1` cannot be written; use
    /// `flatten()` for the common case). With all-constant input dims the
    /// element counts are checked here, else at run time by the op.
    fn reshape_dims(&self, old: &[DimExpr], sizes: &[i64], span: Span) -> LResult<Vec<DimExpr>> {
        if sizes.iter().any(|&s| s < 1) {
            return err(
                span,
                "`reshape` sizes are positive constants: write `a.reshape(&[2, 3])` (for one axis, `a.flatten()`)",
            );
        }
        let new: i64 = sizes.iter().product();
        let consts: Option<Vec<i64>> = old.iter().map(DimExpr::as_const).collect();
        if let Some(c) = consts
            && c.iter().product::<i64>() != new
        {
            return err(
                span,
                format!(
                    "`reshape` of shape {c:?} ({} elements) to {sizes:?} ({new} elements)",
                    c.iter().product::<i64>()
                ),
            );
        }
        Ok(sizes.iter().map(|&s| DimExpr::Const(s)).collect())
    }
}
