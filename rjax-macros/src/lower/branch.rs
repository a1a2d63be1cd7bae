//! `if`/`else` on a run-time scalar `bool` as `cond`: only the taken side
//! runs (a Rust `if` in the emitted code), and reverse mode through the
//! side not taken gives no NaN. With `select_n` both sides are evaluated
//! and `if x > 0.0 { x.sqrt() } else { 0.0 }` has gradient NaN at x < 0
//! (0 times sqrt's infinite slope: the `jnp.where` trap), which is not what
//! a Rust `if` means.
//!
//! Each side becomes a closed sub-jaxpr over the outer values it reads and
//! the outer variables it reassigns (as for loops); both sides give the
//! same types (an untyped literal takes the other side's type, a scalar is
//! broadcast to the other side's shape). When that is impossible (a side
//! reads a tuple-valued local, returns early, or gives a different shape)
//! the `if` falls back to evaluating both sides and merging with
//! `select_n`, which also reports any error in the sides.

use proc_macro2::Span;
use rjax_core::ir::params::ParamsExt;
use rjax_core::{Atom, Builder, DType, Param, Params, Prim, TensorType};

use super::control::uses;
use super::{LResult, Lowerer, Value, err};
use crate::front::ast::Block;

/// One side lowered into its own builder, not yet closed: the value's
/// structure, its leaves, each leaf's type (`true` when it was an untyped
/// literal, typed later by the other side) and the carried values.
struct Side {
    b: Builder,
    template: Value,
    leaves: Vec<Value>,
    types: Vec<(TensorType, bool)>,
    carry: Vec<Atom>,
}

fn flatten(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Tuple(parts) => parts.iter().for_each(|p| flatten(p, out)),
        leaf => out.push(leaf.clone()),
    }
}

fn same_structure(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_structure(p, q))
        }
        (Value::Tuple(_), _) | (_, Value::Tuple(_)) => false,
        _ => true,
    }
}

fn rebuild(template: &Value, atoms: &mut impl Iterator<Item = Atom>) -> Value {
    match template {
        Value::Tuple(parts) => Value::Tuple(parts.iter().map(|p| rebuild(p, atoms)).collect()),
        _ => Value::Atom(atoms.next().expect("one output per leaf")),
    }
}

impl Lowerer<'_> {
    /// `if cond { then } else { els }` as `cond` when `cond` is a run-time
    /// scalar `bool` and the sides close; `None` (with the builder and the
    /// environment as they were) when the caller should use `select_n`.
    /// `value`: whether the `if` is used as a value.
    pub(super) fn try_cond(
        &mut self,
        cond: &Value,
        then: &Block,
        els: Option<&Block>,
        value: bool,
        span: Span,
    ) -> Option<Value> {
        let Value::Atom(c @ Atom::Var(_)) = cond else {
            return None;
        };
        if self.b.rank(*c) != 0 || self.b.dtype(*c) != DType::Bool {
            return None;
        }
        let key = then as *const Block as usize;
        if self.failed_conds.borrow().contains(&key) {
            return None;
        }
        let (b, env, unified) = (self.b.clone(), self.env.clone(), self.unify.len());
        match self.cond_sides(*c, then, els, value, span) {
            Ok(v) => Some(v),
            Err(_) => {
                self.b = b;
                self.env = env;
                self.unify.truncate(unified);
                self.failed_conds.borrow_mut().insert(key);
                None
            }
        }
    }

    fn cond_sides(
        &mut self,
        c: Atom,
        then: &Block,
        els: Option<&Block>,
        value: bool,
        span: Span,
    ) -> LResult<Value> {
        let (mut reads, mut assigns) = uses(then);
        if let Some(e) = els {
            let (r, a) = uses(e);
            reads.extend(
                r.into_iter()
                    .filter(|n| !reads.contains(n))
                    .collect::<Vec<_>>(),
            );
            assigns.extend(
                a.into_iter()
                    .filter(|n| !assigns.contains(n))
                    .collect::<Vec<_>>(),
            );
        }
        if reads
            .iter()
            .any(|n| matches!(self.env.get(n), Some(Value::Tuple(_) | Value::Ints(_))))
        {
            return err(span, "a side reads a tuple-valued local");
        }
        let caps = self.captures(&reads, &assigns, None);
        let carry0 = self.carry_atoms(&caps.carry, span)?;
        let ctys: Vec<TensorType> = carry0.iter().map(|a| self.b.ty(*a)).collect();
        let consts: Vec<Atom> = caps.consts.iter().map(|n| self.atom_of(n)).collect();
        let mut inputs: Vec<(String, TensorType)> = caps
            .consts
            .iter()
            .cloned()
            .zip(consts.iter().map(|a| self.b.ty(*a)))
            .collect();
        inputs.extend(caps.carry.iter().cloned().zip(ctys.iter().cloned()));
        let sides = [els, Some(then)];

        // Each side is lowered once, into a builder left open: its value's
        // leaves are typed only after both sides are known (an untyped
        // literal takes the other side's type, a scalar is broadcast).
        // Lowering a side twice would make nested `if`s and `else if`
        // chains cost 2^depth.
        let mut learnt: Vec<Side> = Vec::new();
        for side in sides {
            learnt.push(self.open_side(&inputs, side, value, &caps.carry, &ctys, span)?);
        }
        let (f, t) = (&learnt[0], &learnt[1]);
        if !same_structure(&f.template, &t.template) || f.leaves.len() != t.leaves.len() {
            return err(span, "the two sides give values of different structure");
        }
        let mut want = Vec::new();
        for ((ft, fw), (tt, tw)) in f.types.iter().zip(&t.types) {
            let w = match (fw, tw) {
                (true, false) => tt,
                (false, true) => ft,
                _ if ft.rank() >= tt.rank() => ft,
                _ => tt,
            };
            want.push(w.clone());
        }
        let template = learnt[1].template.clone();

        // Each side's open builder finished with exactly `want`.
        let mut branches = Vec::new();
        for side in learnt {
            branches.push(self.close_side(side, &want, span)?);
        }
        let mut ins = vec![c];
        ins.extend(consts);
        ins.extend(carry0);
        let params = Params::from_pairs([("branches", Param::jaxprs(branches))]);
        let r = self.b.eqn(Prim::Cond, params, &ins);
        let outs = self.core(r, span)?;
        let mut it = outs.into_iter().map(Atom::Var);
        let v = rebuild(&template, &mut it);
        for n in &caps.carry {
            self.env.insert(
                n.clone(),
                Value::Atom(it.next().expect("one output per carry")),
            );
        }
        Ok(v)
    }

    /// Lowers one side in a fresh builder over `inputs`, leaving it open.
    fn open_side(
        &mut self,
        inputs: &[(String, TensorType)],
        side: Option<&Block>,
        value: bool,
        carry: &[String],
        ctys: &[TensorType],
        span: Span,
    ) -> LResult<Side> {
        let (b, (template, leaves, types, carry)) = self.open_sub(inputs, |lw| {
            let v = lw.side_value(side, value)?;
            let mut leaves = Vec::new();
            flatten(&v, &mut leaves);
            let mut types = Vec::new();
            for l in &leaves {
                let ty = match l {
                    Value::Weak(_, int) => {
                        let d = if *int { DType::I32 } else { lw.default_float };
                        TensorType::scalar(d)
                    }
                    other => {
                        let a = lw.atom(other.clone(), span)?;
                        lw.b.ty(a)
                    }
                };
                types.push((ty, matches!(l, Value::Weak(..))));
            }
            let carry = lw.carry_out(carry, ctys, span)?;
            Ok((v, leaves, types, carry))
        })?;
        Ok(Side {
            b,
            template,
            leaves,
            types,
            carry,
        })
    }

    /// Closes a side's builder: its leaves typed as `want` (a literal gets
    /// the type, a scalar is broadcast), then the carried values.
    fn close_side(
        &mut self,
        side: Side,
        want: &[TensorType],
        span: Span,
    ) -> LResult<rjax_core::Jaxpr> {
        let mut lw = Lowerer {
            b: side.b,
            env: Default::default(),
            default_float: self.default_float,
            unify: &mut *self.unify,
            callees: self.callees,
            failed_conds: self.failed_conds.clone(),
        };
        let mut outs = Vec::new();
        for (l, w) in side.leaves.into_iter().zip(want) {
            let mut a = lw.atom_as(l, w.dtype, span)?;
            if lw.b.ty(a) != *w && lw.b.rank(a) == 0 {
                let r = lw.b.broadcast_to(a, w.dims());
                a = lw.core(r, span)?;
            }
            if lw.b.ty(a) != *w {
                return err(span, "the two sides give values of different types");
            }
            outs.push(a);
        }
        outs.extend(side.carry);
        Ok(lw.b.build(&outs))
    }

    /// One side's value (the empty tuple for a missing `else` or when the
    /// `if` is a statement).
    fn side_value(&mut self, side: Option<&Block>, value: bool) -> LResult<Value> {
        match side {
            Some(b) => {
                let v = self.block_value(b)?;
                Ok(if value { v } else { Value::Tuple(Vec::new()) })
            }
            None => Ok(Value::Tuple(Vec::new())),
        }
    }
}
