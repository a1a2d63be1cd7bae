//! Lowering of control flow: `if` statements (a `cond` when the sides
//! close, see `branch.rs`; else both sides evaluated and the variables
//! they assign merged with `select_n`), `for i in lo..hi` with
//! static bounds (a `scan` carrying the reassigned variables and the
//! counter), other `for` loops and `while` (a `while` primitive).
//!
//! A loop body becomes a closed sub-jaxpr: the outer values it reads are
//! passed in as constants, the outer variables it reassigns are its carry.

use std::collections::{HashMap, HashSet};

use proc_macro2::Span;
use rjax_core::ir::params::ParamsExt;
use rjax_core::{Atom, Builder, DType, Jaxpr, Param, Params, Prim, TensorType};
use syn::Ident;

use super::{LResult, Lowerer, Value, err};
use crate::front::ast::{Block, Expr, ExprKind, Stmt};

/// The outer names a loop reads (constants) and reassigns (carry).
pub(super) struct Captures {
    pub(super) consts: Vec<String>,
    pub(super) carry: Vec<String>,
}

impl Lowerer<'_> {
    /// `if c { .. } [else { .. }]` as a statement.
    pub fn if_stmt(&mut self, c: &Expr, then: &Block, els: Option<&Block>) -> LResult<()> {
        let cond = self.expr(c)?;
        if self.try_cond(&cond, then, els, false, c.span).is_some() {
            return Ok(());
        }
        let saved = self.env.clone();
        self.block_value(then)?;
        let env_t = std::mem::replace(&mut self.env, saved.clone());
        if let Some(e) = els {
            self.block_value(e)?;
        }
        let env_f = std::mem::replace(&mut self.env, saved);
        self.merge_envs(cond, env_t, env_f, c.span)
    }

    /// After the two sides of an `if`: variables that differ get `select_n`.
    pub fn merge_envs(
        &mut self,
        cond: Value,
        env_t: HashMap<String, Value>,
        env_f: HashMap<String, Value>,
        span: Span,
    ) -> LResult<()> {
        let mut names: Vec<String> = self.env.keys().cloned().collect();
        names.sort();
        for n in names {
            let (Some(t), Some(f)) = (env_t.get(&n), env_f.get(&n)) else {
                continue;
            };
            if same(t, f) {
                self.env.insert(n, t.clone());
            } else {
                let v = self.select(cond.clone(), t.clone(), f.clone(), span)?;
                self.env.insert(n, v);
            }
        }
        Ok(())
    }

    pub(super) fn captures(
        &self,
        reads: &[String],
        assigns: &[String],
        exclude: Option<&Ident>,
    ) -> Captures {
        let ex = exclude.map(|i| i.to_string());
        let mut carry = Vec::new();
        for n in assigns {
            if self.env.contains_key(n) && Some(n) != ex.as_ref() && !carry.contains(n) {
                carry.push(n.clone());
            }
        }
        let mut consts = Vec::new();
        for n in reads {
            if self.env.contains_key(n)
                && !carry.contains(n)
                && Some(n) != ex.as_ref()
                && !consts.contains(n)
                && matches!(self.env[n], Value::Atom(Atom::Var(_)))
            {
                consts.push(n.clone());
            }
        }
        Captures { consts, carry }
    }

    /// Types every carried value (literals get their default dtype).
    pub(super) fn carry_atoms(&mut self, names: &[String], span: Span) -> LResult<Vec<Atom>> {
        let mut out = Vec::new();
        for n in names {
            let v = self.env[n].clone();
            let a = self.atom(v, span)?;
            self.env.insert(n.clone(), Value::Atom(a));
            out.push(a);
        }
        Ok(out)
    }

    /// Lowers `f` in a fresh builder whose inputs are `inputs` (name, type).
    pub(super) fn sub_jaxpr(
        &mut self,
        inputs: &[(String, TensorType)],
        f: impl FnOnce(&mut Lowerer<'_>) -> LResult<Vec<Atom>>,
    ) -> LResult<Jaxpr> {
        let (b, outs) = self.open_sub(inputs, f)?;
        Ok(b.build(&outs))
    }

    /// Runs `f` in a fresh builder whose inputs are `inputs` (name, type)
    /// and gives the builder back unbuilt, with what `f` returned.
    pub(super) fn open_sub<T>(
        &mut self,
        inputs: &[(String, TensorType)],
        f: impl FnOnce(&mut Lowerer<'_>) -> LResult<T>,
    ) -> LResult<(Builder, T)> {
        let mut b = Builder::new();
        // Literals are inlined rather than passed in.
        let mut env: HashMap<String, Value> = self
            .env
            .iter()
            .filter(|(_, v)| matches!(v, Value::Weak(..) | Value::Atom(Atom::Lit(_))))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (n, t) in inputs {
            let v = b.input_typed(t.clone());
            env.insert(n.clone(), Value::Atom(v.into()));
        }
        let mut sub = Lowerer {
            b,
            env,
            default_float: self.default_float,
            unify: &mut *self.unify,
            callees: self.callees,
            failed_conds: self.failed_conds.clone(),
        };
        let out = f(&mut sub)?;
        Ok((sub.b, out))
    }

    /// The new carry values, checked against the old types; symbols that
    /// must be equal are recorded for a retry.
    pub(super) fn carry_out(
        &mut self,
        names: &[String],
        types: &[TensorType],
        span: Span,
    ) -> LResult<Vec<Atom>> {
        let mut outs = Vec::new();
        for (n, t) in names.iter().zip(types) {
            let v = self.env[n].clone();
            let a = self.atom_as(v, t.dtype, span)?;
            let got = self.b.ty(a);
            if got != *t {
                let mut unified = false;
                if got.rank() == t.rank() && got.dtype == t.dtype {
                    for (g, w) in got.dims().iter().zip(t.dims()) {
                        if let (rjax_core::DimExpr::Sym(g), rjax_core::DimExpr::Sym(w)) = (g, w)
                            && g != w
                        {
                            self.unify.push((g.clone(), w.clone()));
                            unified = true;
                        }
                    }
                }
                let why = if unified {
                    " (retrying with equal dimensions)"
                } else {
                    ""
                };
                return err(
                    span,
                    format!(
                        "the loop changes the type of `{n}` from `{t}` to `{got}`: a carried variable keeps its shape{why}"
                    ),
                );
            }
            outs.push(a);
        }
        Ok(outs)
    }

    /// `for i in lo..hi { body }`.
    pub fn for_loop(
        &mut self,
        var: Option<&Ident>,
        lo: &Expr,
        hi: &Expr,
        body: &Block,
        span: Span,
    ) -> LResult<()> {
        let lo_v = self.expr(lo)?;
        let hi_v = self.expr(hi)?;
        let (reads, assigns) = uses(body);
        let uses_var = var.is_some_and(|v| reads.contains(&v.to_string()));
        let caps = self.captures(&reads, &assigns, var);
        let carry0 = self.carry_atoms(&caps.carry, span)?;
        let carry_types: Vec<TensorType> = carry0.iter().map(|a| self.b.ty(*a)).collect();
        let const_atoms: Vec<Atom> = caps.consts.iter().map(|n| self.atom_of(n)).collect();
        let const_types: Vec<TensorType> = const_atoms.iter().map(|a| self.b.ty(*a)).collect();
        let var_name = var.map(|v| v.to_string()).unwrap_or_else(|| "_".into());

        if let (Value::Weak(lo, true), Value::Weak(hi, true)) = (&lo_v, &hi_v) {
            // Static bounds: a scan, with the counter carried when the body reads it.
            let (lo, hi) = (*lo as i64, *hi as i64);
            let length = (hi - lo).max(0);
            let mut inputs: Vec<(String, TensorType)> = caps
                .consts
                .iter()
                .cloned()
                .zip(const_types.iter().cloned())
                .collect();
            if uses_var {
                inputs.push((var_name.clone(), TensorType::scalar(DType::I32)));
            }
            inputs.extend(caps.carry.iter().cloned().zip(carry_types.iter().cloned()));
            let carry_names = caps.carry.clone();
            let ctys = carry_types.clone();
            let vn = var_name.clone();
            let jaxpr = self.sub_jaxpr(&inputs, |lw| {
                lw.block_value(body)?;
                let mut outs = Vec::new();
                if uses_var {
                    let i = lw.atom_of(&vn);
                    let one = lw.b.lit(1.0, DType::I32);
                    let r = lw.b.add(i, one);
                    outs.push(lw.core(r, span)?);
                }
                outs.extend(lw.carry_out(&carry_names, &ctys, span)?);
                Ok(outs)
            })?;
            let mut ins = const_atoms;
            if uses_var {
                ins.push(self.b.lit(lo as f64, DType::I32));
            }
            ins.extend(carry0);
            let num_carry = caps.carry.len() + usize::from(uses_var);
            let params = Params::from_pairs([
                ("jaxpr", Param::jaxpr(jaxpr)),
                ("length", Param::int(length)),
                ("num_carry", Param::int(num_carry as i64)),
                ("num_consts", Param::int(caps.consts.len() as i64)),
                ("reverse", Param::Bool(false)),
            ]);
            let r = self.b.eqn(Prim::Scan, params, &ins);
            let outs = self.core(r, span)?;
            let skip = usize::from(uses_var);
            for (n, o) in caps.carry.iter().zip(&outs[skip..]) {
                self.env.insert(n.clone(), Value::Atom((*o).into()));
            }
            return Ok(());
        }

        // Run-time bounds: a while loop carrying the counter.
        let lo_a = self.atom_as(lo_v, DType::I32, lo.span)?;
        let hi_a = self.atom_as(hi_v, DType::I32, hi.span)?;
        if !self.b.dtype(lo_a).is_int() || self.b.dtype(lo_a) != self.b.dtype(hi_a) {
            return err(span, "loop bounds must be integers of one type");
        }
        let it = self.b.dtype(lo_a);
        let counter = TensorType::scalar(it);
        let mut carry_names = vec![var_name.clone()];
        carry_names.extend(caps.carry.iter().cloned());
        let mut ctys = vec![counter.clone()];
        ctys.extend(carry_types.iter().cloned());
        let carry_inputs: Vec<(String, TensorType)> = carry_names
            .iter()
            .cloned()
            .zip(ctys.iter().cloned())
            .collect();
        let hi_name = "__rjax_hi".to_string();
        let mut cond_inputs = vec![(hi_name.clone(), counter.clone())];
        cond_inputs.extend(carry_inputs.iter().cloned());
        let vn = var_name.clone();
        let cond_jaxpr = self.sub_jaxpr(&cond_inputs, |lw| {
            let (i, h) = (lw.atom_of(&vn), lw.atom_of(&hi_name));
            let r = lw.b.compare(Prim::Lt, i, h);
            Ok(vec![lw.core(r, span)?])
        })?;
        let mut body_inputs: Vec<(String, TensorType)> = caps
            .consts
            .iter()
            .cloned()
            .zip(const_types.iter().cloned())
            .collect();
        body_inputs.extend(carry_inputs);
        let cn = carry_names.clone();
        let body_jaxpr = self.sub_jaxpr(&body_inputs, |lw| {
            lw.block_value(body)?;
            let i = lw.atom_of(&cn[0]);
            let one = lw.b.lit(1.0, it);
            let r = lw.b.add(i, one);
            let next = lw.core(r, span)?;
            lw.env.insert(cn[0].clone(), Value::Atom(next));
            lw.carry_out(&cn, &ctys, span)
        })?;
        let mut ins = vec![hi_a];
        ins.extend(const_atoms);
        ins.push(lo_a);
        ins.extend(carry0);
        let outs = self.while_eqn(cond_jaxpr, body_jaxpr, 1, caps.consts.len(), &ins, span)?;
        for (n, o) in caps.carry.iter().zip(&outs[1..]) {
            self.env.insert(n.clone(), Value::Atom((*o).into()));
        }
        Ok(())
    }

    /// `while cond { body }`.
    pub fn while_loop(&mut self, cond: &Expr, body: &Block, span: Span) -> LResult<()> {
        let (mut reads, assigns) = uses(body);
        let (creads, _) = uses_expr(cond);
        reads.extend(creads.iter().cloned());
        let caps = self.captures(&reads, &assigns, None);
        let cond_caps = self.captures(&creads, &assigns, None);
        let carry0 = self.carry_atoms(&caps.carry, span)?;
        let ctys: Vec<TensorType> = carry0.iter().map(|a| self.b.ty(*a)).collect();
        let carry_inputs: Vec<(String, TensorType)> = caps
            .carry
            .iter()
            .cloned()
            .zip(ctys.iter().cloned())
            .collect();
        let typed = |lw: &Self, names: &[String]| -> Vec<(String, TensorType)> {
            names
                .iter()
                .map(|n| (n.clone(), lw.b.ty(lw.atom_of(n))))
                .collect()
        };
        let mut cond_inputs = typed(self, &cond_caps.consts);
        cond_inputs.extend(carry_inputs.iter().cloned());
        let cond_jaxpr = self.sub_jaxpr(&cond_inputs, |lw| {
            let v = lw.expr(cond)?;
            let a = lw.atom_as(v, DType::Bool, cond.span)?;
            if lw.b.dtype(a) != DType::Bool || lw.b.rank(a) != 0 {
                return err(cond.span, "a `while` condition must be a scalar `bool`");
            }
            Ok(vec![a])
        })?;
        let mut body_inputs = typed(self, &caps.consts);
        body_inputs.extend(carry_inputs);
        let cn = caps.carry.clone();
        let tys = ctys.clone();
        let body_jaxpr = self.sub_jaxpr(&body_inputs, |lw| {
            lw.block_value(body)?;
            lw.carry_out(&cn, &tys, span)
        })?;
        let mut ins: Vec<Atom> = cond_caps.consts.iter().map(|n| self.atom_of(n)).collect();
        ins.extend(caps.consts.iter().map(|n| self.atom_of(n)));
        ins.extend(carry0);
        let outs = self.while_eqn(
            cond_jaxpr,
            body_jaxpr,
            cond_caps.consts.len(),
            caps.consts.len(),
            &ins,
            span,
        )?;
        for (n, o) in caps.carry.iter().zip(&outs) {
            self.env.insert(n.clone(), Value::Atom((*o).into()));
        }
        Ok(())
    }

    fn while_eqn(
        &mut self,
        cond: Jaxpr,
        body: Jaxpr,
        cond_nconsts: usize,
        body_nconsts: usize,
        ins: &[Atom],
        span: Span,
    ) -> LResult<Vec<rjax_core::Var>> {
        let params = Params::from_pairs([
            ("body_jaxpr", Param::jaxpr(body)),
            ("body_nconsts", Param::int(body_nconsts as i64)),
            ("cond_jaxpr", Param::jaxpr(cond)),
            ("cond_nconsts", Param::int(cond_nconsts as i64)),
        ]);
        let r = self.b.eqn(Prim::While, params, ins);
        self.core(r, span)
    }

    /// The atom bound to a name known to be an atom.
    pub fn atom_of(&self, n: &str) -> Atom {
        match &self.env[n] {
            Value::Atom(a) => *a,
            other => panic!("rjax-macros: `{n}` is not an atom: {other:?}"),
        }
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Atom(x), Value::Atom(y)) => x == y,
        (Value::Weak(x, i), Value::Weak(y, j)) => x == y && i == j,
        (Value::Pullback(x), Value::Pullback(y)) => std::rc::Rc::ptr_eq(x, y),
        (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        _ => false,
    }
}

/// Names read and names assigned anywhere in a block (ordered, first use).
pub(super) fn uses(b: &Block) -> (Vec<String>, Vec<String>) {
    let mut u = Uses::default();
    u.block(b);
    (u.reads, u.assigns)
}

fn uses_expr(e: &Expr) -> (Vec<String>, Vec<String>) {
    let mut u = Uses::default();
    u.expr(e);
    (u.reads, u.assigns)
}

#[derive(Default)]
struct Uses {
    reads: Vec<String>,
    assigns: Vec<String>,
    seen: HashSet<String>,
}

impl Uses {
    fn read(&mut self, n: String) {
        if self.seen.insert(format!("r{n}")) {
            self.reads.push(n);
        }
    }
    fn block(&mut self, b: &Block) {
        for s in &b.stmts {
            match s {
                Stmt::Let(_, e) | Stmt::Expr(e) => self.expr(e),
                Stmt::Assign(n, e) => {
                    self.expr(e);
                    let n = n.to_string();
                    if self.seen.insert(format!("a{n}")) {
                        self.assigns.push(n.clone());
                    }
                    self.read(n);
                }
            }
        }
        if let Some(t) = &b.tail {
            self.expr(t);
        }
    }
    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Var(id) => self.read(id.to_string()),
            ExprKind::Float(..) | ExprKind::Int(..) | ExprKind::Bool(_) | ExprKind::IntList(_) => {}
            ExprKind::Neg(x)
            | ExprKind::Not(x)
            | ExprKind::Field(x, _)
            | ExprKind::Return(x)
            | ExprKind::Cast(x, _)
            | ExprKind::NamedField(x, _) => self.expr(x),
            ExprKind::StructLit(fs) => fs.iter().for_each(|(_, x)| self.expr(x)),
            ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Prim(_, _, xs)
            | ExprKind::Collective(_, xs)
            | ExprKind::Tuple(xs)
            | ExprKind::Stack(xs)
            | ExprKind::Call(_, _, xs) => xs.iter().for_each(|x| self.expr(x)),
            ExprKind::Pullback(id, xs) => {
                self.read(id.to_string());
                xs.iter().for_each(|x| self.expr(x));
            }
            ExprKind::If(c, t, f) => {
                self.expr(c);
                self.block(t);
                if let Some(f) = f {
                    self.block(f);
                }
            }
            ExprKind::For(_, lo, hi, b) => {
                self.expr(lo);
                self.expr(hi);
                self.block(b);
            }
            ExprKind::While(c, b) => {
                self.expr(c);
                self.block(b);
            }
            ExprKind::Block(b) => self.block(b),
        }
    }
}
