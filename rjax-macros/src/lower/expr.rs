//! Lowering of statements and expressions: bindings, operators, primitive
//! calls, indexing, tuples, and early `return` (which becomes a
//! `select_n` between the returned value and the rest of the body).

use std::collections::HashSet;

use proc_macro2::Span;
use rjax_core::ir::params::ParamsExt;
use rjax_core::{Atom, DType, Prim};

use super::{LResult, Lowerer, Value, err};
use crate::front::ast::{BinOp, Block, Expr, ExprKind, Pat, Stmt};
use crate::front::prims::Op;

impl Lowerer<'_> {
    /// The body of the function: statements whose `if c { ..; return v; }`
    /// may end the function early.
    pub fn function_body(&mut self, b: &Block) -> LResult<Value> {
        self.stmts_value(&b.stmts, b.tail.as_deref(), b.span)
    }

    fn stmts_value(&mut self, stmts: &[Stmt], tail: Option<&Expr>, span: Span) -> LResult<Value> {
        for (i, s) in stmts.iter().enumerate() {
            if let Stmt::Expr(e) = s {
                match &e.kind {
                    ExprKind::Return(v) => return self.expr(v),
                    ExprKind::If(c, then, els)
                        if returns(then) || els.as_ref().is_some_and(returns) =>
                    {
                        // `if c { ..; return a; } rest` == `if c { a } else { rest }`.
                        let cond = self.expr(c)?;
                        let saved = self.env.clone();
                        let then_v = self.tail_block(then)?;
                        self.env = saved.clone();
                        let else_v = match els {
                            Some(eb) if returns(eb) => self.tail_block(eb)?,
                            Some(eb) => {
                                self.block_value(eb)?;
                                self.stmts_value(&stmts[i + 1..], tail, span)?
                            }
                            None => self.stmts_value(&stmts[i + 1..], tail, span)?,
                        };
                        self.env = saved;
                        return self.select(cond, then_v, else_v, e.span);
                    }
                    _ => {}
                }
            }
            self.stmt(s)?;
        }
        match tail {
            Some(t) => self.tail_expr(t),
            None => err(
                span,
                "the function needs a final value: end the body with an expression (no `;`)",
            ),
        }
    }

    /// A block in tail position of the function (its `return`s end the function).
    fn tail_block(&mut self, b: &Block) -> LResult<Value> {
        let saved = self.env.clone();
        let v = self.stmts_value(&b.stmts, b.tail.as_deref(), b.span);
        self.env = saved;
        v
    }

    fn tail_expr(&mut self, e: &Expr) -> LResult<Value> {
        match &e.kind {
            ExprKind::If(c, then, Some(els)) => {
                let cond = self.expr(c)?;
                if let Some(v) = self.try_cond(&cond, then, Some(els), true, e.span) {
                    return Ok(v);
                }
                let t = self.tail_block(then)?;
                let f = self.tail_block(els)?;
                self.select(cond, t, f, e.span)
            }
            ExprKind::Return(v) => self.expr(v),
            ExprKind::Block(b) => self.tail_block(b),
            _ => self.expr(e),
        }
    }

    /// Lowers statements (no early return allowed at this level).
    pub fn stmts(&mut self, stmts: &[Stmt]) -> LResult<()> {
        for s in stmts {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> LResult<()> {
        match s {
            Stmt::Let(p, init) => {
                let v = self.expr(init)?;
                self.bind(p, v)
            }
            Stmt::Assign(name, e) => {
                let key = name.to_string();
                let Some(old) = self.env.get(&key).cloned() else {
                    return err(
                        name.span(),
                        format!("`{key}` is not a local variable of this function"),
                    );
                };
                let v = self.expr(e)?;
                // Keep the declared type: an untyped literal takes the old dtype.
                let v = match (old, v) {
                    (Value::Atom(a), Value::Weak(x, _)) => {
                        Value::Atom(self.b.lit(x, self.b.dtype(a)))
                    }
                    (_, v) => v,
                };
                self.env.insert(key, v);
                Ok(())
            }
            Stmt::Expr(e) => match &e.kind {
                ExprKind::If(c, then, els) => self.if_stmt(c, then, els.as_ref()),
                ExprKind::Return(_) => err(
                    e.span,
                    "`return` inside a loop or a nested block is not supported: return from the function's top level or an `if` there",
                ),
                _ => self.expr(e).map(|_| ()),
            },
        }
    }

    fn bind(&mut self, p: &Pat, v: Value) -> LResult<()> {
        match (p, v) {
            (Pat::Bind(id), v) => {
                self.env.insert(id.to_string(), v);
                Ok(())
            }
            (Pat::Wild, _) => Ok(()),
            (Pat::Tuple(ps, _), Value::Tuple(vs)) if ps.len() == vs.len() => {
                for (p, v) in ps.iter().zip(vs) {
                    self.bind(p, v)?;
                }
                Ok(())
            }
            (Pat::Tuple(ps, s), _) => err(*s, format!("this pattern expects a {}-tuple", ps.len())),
        }
    }

    /// Runs `f` over `b` with Rust's scoping: names `let`-bound at the top
    /// of `b` are restored afterwards, assignments to outer names persist.
    pub fn scoped<T>(&mut self, b: &Block, f: impl FnOnce(&mut Self) -> LResult<T>) -> LResult<T> {
        let declared = let_names(b);
        let before: Vec<(String, Option<Value>)> = declared
            .iter()
            .map(|n| (n.clone(), self.env.get(n).cloned()))
            .collect();
        let r = f(self);
        for (n, v) in before {
            match v {
                Some(v) => self.env.insert(n, v),
                None => self.env.remove(&n),
            };
        }
        r
    }

    /// The value of a block used as an expression.
    pub fn block_value(&mut self, b: &Block) -> LResult<Value> {
        self.scoped(b, |lw| {
            lw.stmts(&b.stmts)?;
            match &b.tail {
                Some(t) => lw.expr(t),
                None => Ok(Value::Tuple(Vec::new())),
            }
        })
    }

    /// Lowers an expression.
    pub fn expr(&mut self, e: &Expr) -> LResult<Value> {
        let span = e.span;
        Ok(match &e.kind {
            ExprKind::Var(id) => match self.env.get(&id.to_string()) {
                Some(v) => v.clone(),
                None => {
                    return err(
                        span,
                        format!(
                            "`{id}` is not a local variable or parameter: pass outside values as parameters"
                        ),
                    );
                }
            },
            ExprKind::Float(x, Some(s)) => Value::Atom(self.b.lit(*x, super::dtype(*s))),
            ExprKind::Float(x, None) => Value::Weak(*x, false),
            ExprKind::Int(x, Some(s)) => Value::Atom(self.b.lit(*x as f64, super::dtype(*s))),
            ExprKind::Int(x, None) => Value::Weak(*x as f64, true),
            ExprKind::Bool(v) => Value::Atom(self.b.lit(f64::from(u8::from(*v)), DType::Bool)),
            ExprKind::Neg(x) => match self.expr(x)? {
                Value::Weak(v, int) => Value::Weak(-v, int),
                v @ Value::Struct(_) => self.matrix_neg(v, span)?,
                v => {
                    let a = self.atom(v, span)?;
                    let r = self.b.neg(a);
                    Value::Atom(self.core(r, span)?)
                }
            },
            ExprKind::Not(x) => {
                let v = self.expr(x)?;
                let a = self.atom_as(v, DType::Bool, span)?;
                let r = self.b.unary(Prim::Not, a);
                Value::Atom(self.core(r, span)?)
            }
            ExprKind::Binary(op, l, r) => {
                let l = self.expr(l)?;
                let r = self.expr(r)?;
                self.binary(*op, l, r, span)?
            }
            ExprKind::Collective(c, args) => self.collective(c, args, span)?,
            ExprKind::Prim(Op::Random(f, elem), _, args) => {
                self.random_call(*f, *elem, args, span)?
            }
            ExprKind::Prim(Op::Fill(f, elem), _, args) => self.fill(*f, *elem, args, span)?,
            ExprKind::Prim(Op::Shape, _, _) => {
                return err(
                    span,
                    "`.shape()` is only accepted as the shape argument of a constructor or a random function: `Array::zeros(x.shape())`, `random::normal::<f32>(key, x.shape())`",
                );
            }
            ExprKind::Prim(op, name, args) => {
                let mut vals = Vec::new();
                for a in args {
                    vals.push(self.expr(a)?);
                }
                if matches!(vals.first(), Some(Value::Struct(_)))
                    && let Some(v) = self.matrix_method(name, vals.clone(), span)
                {
                    return v;
                }
                self.prim(*op, name, vals, &args[1..], span)?
            }
            ExprKind::Index(base, idx) => {
                let b = self.expr(base)?;
                if let Value::Struct(_) = b {
                    // `v[k]` of an nalgebra vector (crate::front::tree_param).
                    let i = self.expr(idx)?;
                    return self.vector_index(b, i, span);
                }
                let x = self.atom(b, base.span)?;
                let i = self.expr(idx)?;
                self.index(x, i, span)?
            }
            ExprKind::Field(base, k) => match self.expr(base)? {
                Value::Tuple(mut parts) if *k < parts.len() => parts.swap_remove(*k),
                _ => {
                    return err(
                        span,
                        format!("`.{k}` needs a tuple with at least {} elements", k + 1),
                    );
                }
            },
            ExprKind::NamedField(base, field) => {
                let b = self.expr(base)?;
                self.named_field(b, field, span)?
            }
            ExprKind::StructLit(fields) => {
                let mut vals = Vec::new();
                for (n, x) in fields {
                    vals.push((n.to_string(), self.expr(x)?));
                }
                Value::Struct(vals)
            }
            ExprKind::Tuple(parts) => {
                let mut vals = Vec::new();
                for p in parts {
                    vals.push(self.expr(p)?);
                }
                Value::Tuple(vals)
            }
            ExprKind::If(c, then, els) => match els {
                Some(els) => {
                    let cond = self.expr(c)?;
                    if let Some(v) = self.try_cond(&cond, then, Some(els), true, span) {
                        return Ok(v);
                    }
                    let saved = self.env.clone();
                    let t = self.block_value(then)?;
                    let env_t = std::mem::replace(&mut self.env, saved.clone());
                    let f = self.block_value(els)?;
                    let env_f = std::mem::replace(&mut self.env, saved);
                    self.merge_envs(cond.clone(), env_t, env_f, span)?;
                    self.select(cond, t, f, span)?
                }
                None => {
                    self.if_stmt(c, then, None)?;
                    Value::Tuple(Vec::new())
                }
            },
            ExprKind::For(var, lo, hi, body) => {
                self.for_loop(*var, lo, hi, body, span)?;
                Value::Tuple(Vec::new())
            }
            ExprKind::While(cond, body) => {
                self.while_loop(cond, body, span)?;
                Value::Tuple(Vec::new())
            }
            ExprKind::Return(_) => {
                return err(
                    span,
                    "`return` is only supported at the function's top level or in an `if` there",
                );
            }
            ExprKind::Block(b) => self.block_value(b)?,
            ExprKind::IntList(v) => Value::Ints(v.clone()),
            ExprKind::Call(name, comp, args) => {
                let mut vals = Vec::new();
                for a in args {
                    vals.push(self.expr(a)?);
                }
                self.call(name, *comp, vals, span)?
            }
            ExprKind::Pullback(id, args) => {
                let mut vals = Vec::new();
                for a in args {
                    vals.push(self.expr(a)?);
                }
                self.apply_pullback(id, vals, span)?
            }
            ExprKind::Stack(items) => {
                // jnp.array([a, b]): each scalar to shape [1], then concatenate.
                let mut vals = Vec::new();
                for it in items {
                    vals.push(self.expr(it)?);
                }
                let like = vals
                    .iter()
                    .find_map(|v| match v {
                        Value::Atom(a) => Some(self.b.dtype(*a)),
                        _ => None,
                    })
                    .unwrap_or(self.default_float);
                let mut parts = Vec::new();
                for (v, it) in vals.into_iter().zip(items) {
                    let a = self.atom_as(v, like, it.span)?;
                    if self.b.rank(a) != 0 {
                        return err(it.span, "`array!` takes scalars");
                    }
                    let r = self
                        .b
                        .broadcast_in_dim(a, &[rjax_core::DimExpr::Const(1)], &[]);
                    parts.push(self.core(r, it.span)?);
                }
                let r = self.b.concatenate(&parts, 0);
                Value::Atom(self.core(r, span)?)
            }
            ExprKind::Cast(x, s) => {
                let v = self.expr(x)?;
                let to = super::dtype(*s);
                match v {
                    Value::Weak(x, _) => Value::Atom(self.b.lit(x, to)),
                    v => {
                        let a = self.atom(v, span)?;
                        let r = self.b.convert(a, to);
                        Value::Atom(self.core(r, span)?)
                    }
                }
            }
        })
    }

    pub(crate) fn binary(&mut self, op: BinOp, l: Value, r: Value, span: Span) -> LResult<Value> {
        if Self::is_struct(&l) || Self::is_struct(&r) {
            // nalgebra values (`crate::lower::nalgebra_ops`).
            return self.matrix_binary(op, l, r, span);
        }
        if let (Value::Weak(a, ia), Value::Weak(b, ib)) = (&l, &r) {
            let int = *ia && *ib;
            let v = match op {
                BinOp::Add => Some(a + b),
                BinOp::Sub => Some(a - b),
                BinOp::Mul => Some(a * b),
                BinOp::Div if int => Some((a / b).trunc()),
                BinOp::Div => Some(a / b),
                _ => None,
            };
            if let Some(v) = v {
                return Ok(Value::Weak(v, int));
            }
        }
        let like = match (&l, &r) {
            (Value::Atom(a), _) | (_, Value::Atom(a)) => self.b.dtype(*a),
            (Value::Weak(_, true), Value::Weak(_, true)) => DType::I32,
            _ => self.default_float,
        };
        let (a, b) = (self.atom_as(l, like, span)?, self.atom_as(r, like, span)?);
        let (da, db) = (self.b.dtype(a), self.b.dtype(b));
        if da != db {
            return err(
                span,
                format!("operands have different types ({da} and {db}): convert one with `as`"),
            );
        }
        let prim = match op {
            BinOp::Add => Prim::Add,
            BinOp::Sub => Prim::Sub,
            BinOp::Mul => Prim::Mul,
            BinOp::Div => Prim::Div,
            BinOp::Lt => Prim::Lt,
            BinOp::Le => Prim::Le,
            BinOp::Gt => Prim::Gt,
            BinOp::Ge => Prim::Ge,
            BinOp::Eq => Prim::Eq,
            BinOp::Ne => Prim::Ne,
            BinOp::And => Prim::And,
            BinOp::Or => Prim::Or,
        };
        self.binary_prim(prim, a, b, span).map(Value::Atom)
    }

    /// A broadcasting binary primitive.
    pub fn binary_prim(&mut self, prim: Prim, a: Atom, b: Atom, span: Span) -> LResult<Atom> {
        let r = self.b.broadcast_binary(a, b);
        let (a, b) = self.core(r, span)?;
        let r = self.b.binary(prim, a, b);
        self.core(r, span)
    }

    fn prim(
        &mut self,
        op: Op,
        _name: &str,
        vals: Vec<Value>,
        arg_exprs: &[Expr],
        span: Span,
    ) -> LResult<Value> {
        if matches!(op, Op::Concatenate | Op::Stack) {
            return self.list_prim(op, vals, arg_exprs, span);
        }
        let mut vals = vals.into_iter();
        let first = vals.next().expect("receiver");
        let x = self.atom(first, span)?;
        let rank = self.b.rank(x);
        let out = match op {
            Op::Mean
            | Op::Axes(_)
            | Op::MeanAxes
            | Op::Reshape
            | Op::BroadcastTo
            | Op::Flatten
            | Op::Permute
            | Op::Slice
            | Op::ExpandDims
            | Op::Squeeze
            | Op::SqueezeAxes
            | Op::Argmax
            | Op::ArgmaxAxis
            | Op::Item => {
                return self
                    .vocab_prim(op, x, vals.collect(), arg_exprs, span)
                    .map(Value::Atom);
            }
            Op::Unary(prim) => {
                let r = self.b.unary(prim, x);
                self.core(r, span)?
            }
            Op::Powi => {
                let n = match vals.next() {
                    Some(Value::Weak(n, true)) => n as i64,
                    Some(Value::Atom(Atom::Lit(l))) if l.dtype == DType::I32 => l.value as i64,
                    _ => {
                        return err(
                            arg_exprs[0].span,
                            "`powi` needs a constant exponent: write `x.powi(2)`",
                        );
                    }
                };
                let r = self.b.integer_pow(x, n);
                self.core(r, span)?
            }
            Op::Binary(Prim::Pow) if matches!(arg_exprs[0].kind, ExprKind::Int(_, None)) => {
                // `n.pow(2)` with a constant exponent: integer_pow.
                let ExprKind::Int(n, None) = arg_exprs[0].kind else {
                    unreachable!()
                };
                let r = self.b.integer_pow(x, n);
                self.core(r, span)?
            }
            Op::Binary(prim) => {
                let y = vals.next().expect("argument");
                let dt = self.b.dtype(x);
                let y = self.atom_as(y, dt, span)?;
                self.binary_prim(prim, x, y, span)?
            }
            Op::Reduce(prim) => {
                if rank == 0 {
                    return Ok(Value::Atom(x));
                }
                let axes: Vec<usize> = (0..rank).collect();
                let r = self.b.reduce(prim, x, &axes);
                self.core(r, span)?
            }
            Op::Dot => {
                let y = vals.next().expect("argument");
                let dt = self.b.dtype(x);
                let y = self.atom_as(y, dt, span)?;
                let ry = self.b.rank(y);
                let contract: (&[usize], &[usize]) = match (rank, ry) {
                    (0, _) | (_, 0) => {
                        return self.binary_prim(Prim::Mul, x, y, span).map(Value::Atom);
                    }
                    (1, 1) => (&[0], &[0]),
                    (2, 1) => (&[1], &[0]),
                    (1, 2) => (&[0], &[0]),
                    (2, 2) => (&[1], &[0]),
                    _ => {
                        return err(
                            span,
                            format!(
                                "`dot` of ranks {rank} and {ry}: only vectors and matrices are supported"
                            ),
                        );
                    }
                };
                let r = self.b.dot_general(x, y, contract, (&[], &[]));
                self.core(r, span)?
            }
            Op::T => {
                if rank < 2 {
                    return err(
                        span,
                        format!("`.t()` transposes a matrix, but this value has rank {rank}"),
                    );
                }
                let perm: Vec<usize> = (0..rank).rev().collect();
                let r = self.b.transpose(x, &perm);
                self.core(r, span)?
            }
            Op::Identity => x,
            Op::Index => {
                let i = vals.next().expect("argument");
                return self.index(x, i, span);
            }
            Op::Random(..) | Op::Shape | Op::Fill(..) => unreachable!("lowered by `expr`"),
            Op::Concatenate | Op::Stack => unreachable!("list ops are lowered above"),
            Op::Where => {
                let a = vals.next().expect("argument");
                let b = vals.next().expect("argument");
                return self.select(cond_value(x), a, b, span);
            }
        };
        Ok(Value::Atom(out))
    }

    fn index(&mut self, x: Atom, i: Value, span: Span) -> LResult<Value> {
        let t = self.b.ty(x);
        if t.rank() == 0 {
            return err(
                span,
                format!("cannot index a scalar (`{t}`): index arrays only"),
            );
        }
        match i {
            Value::Weak(i, true) if i >= 0.0 => {
                if let Some(n) = t.dims()[0].as_const()
                    && i as i64 >= n
                {
                    return err(span, format!("index {i} is out of bounds for `{t}`"));
                }
                let r = self.b.index(x, i as i64);
                Ok(Value::Atom(self.core(r, span)?))
            }
            Value::Atom(i) if self.b.rank(i) == 0 && self.b.dtype(i).is_int() => {
                let mut sizes = t.dims().to_vec();
                sizes[0] = rjax_core::DimExpr::Const(1);
                let mut ins = vec![x, i];
                for _ in 1..t.rank() {
                    ins.push(self.b.lit(0.0, self.b.dtype(i)));
                }
                let params = rjax_core::Params::from_pairs([(
                    "slice_sizes",
                    rjax_core::Param::dims(&sizes),
                )]);
                let r = self.b.eqn1(Prim::DynamicSlice, params, &ins);
                let s = self.core(r, span)?;
                let r = self.b.squeeze(s, &[0]);
                Ok(Value::Atom(self.core(r, span)?))
            }
            _ => err(
                span,
                "an index is a non-negative integer literal or an integer variable",
            ),
        }
    }

    /// `if cond { then } else { els }` as a value: `select_n`, per tuple element.
    pub fn select(&mut self, cond: Value, then: Value, els: Value, span: Span) -> LResult<Value> {
        match (then, els) {
            (Value::Tuple(ts), Value::Tuple(fs)) if ts.len() == fs.len() => {
                let mut out = Vec::new();
                for (t, f) in ts.into_iter().zip(fs) {
                    out.push(self.select(cond.clone(), t, f, span)?);
                }
                Ok(Value::Tuple(out))
            }
            (t, f) => {
                let like = match (&t, &f) {
                    (Value::Atom(a), _) | (_, Value::Atom(a)) => self.b.dtype(*a),
                    (Value::Weak(_, true), Value::Weak(_, true)) => DType::I32,
                    _ => self.default_float,
                };
                let t = self.atom_as(t, like, span)?;
                let f = self.atom_as(f, like, span)?;
                let c = self.atom_as(cond, DType::Bool, span)?;
                if self.b.dtype(c) != DType::Bool {
                    return err(span, "the condition must be a `bool`");
                }
                if t == f {
                    return Ok(Value::Atom(t));
                }
                let r = self.b.broadcast_binary(t, f);
                let (t, f) = self.core(r, span)?;
                let r = self.b.select_n(c, &[f, t]);
                Ok(Value::Atom(self.core(r, span)?))
            }
        }
    }
}

/// A lowered condition as a value.
pub(crate) fn cond_value(a: Atom) -> Value {
    Value::Atom(a)
}

/// True when the block ends in `return`.
fn returns(b: &Block) -> bool {
    matches!(
        b.tail.as_deref(),
        Some(Expr {
            kind: ExprKind::Return(_),
            ..
        })
    ) || matches!(
        b.stmts.last(),
        Some(Stmt::Expr(Expr {
            kind: ExprKind::Return(_),
            ..
        }))
    )
}

/// Names bound by `let` at the top level of a block.
pub(crate) fn let_names(b: &Block) -> Vec<String> {
    let mut out = HashSet::new();
    fn pat(p: &Pat, out: &mut HashSet<String>) {
        match p {
            Pat::Bind(id) => {
                out.insert(id.to_string());
            }
            Pat::Wild => {}
            Pat::Tuple(ps, _) => ps.iter().for_each(|p| pat(p, out)),
        }
    }
    for s in &b.stmts {
        if let Stmt::Let(p, _) = s {
            pat(p, &mut out);
        }
    }
    out.into_iter().collect()
}
