//! Algebraic simplification: local rewrites, each with its identity in a
//! comment. A rewrite applies only when the result has exactly the
//! equation's output type (so `mul x 1.0` with a rank-0 `x` broadcasting
//! to an array is kept). Zeros are tracked (literal 0, broadcasts of 0, and
//! results of the rewrites below) so the symbolic-zero tangents that JVP
//! materialises disappear again.
//!
//! `x * 0 = 0` assumes `x` is finite, as JAX's symbolic zeros do.

use super::map_sub_jaxprs;
use crate::builder::subst;
use crate::ir::params::ParamsExt;
use crate::ir::{Atom, Eqn, Jaxpr, Param, Params, Prim, TensorType, Var};
use std::collections::{HashMap, HashSet};

struct Cx<'a> {
    j: &'a Jaxpr,
    out: Jaxpr,
    zeros: HashSet<Var>,
    def: HashMap<Var, (Prim, Vec<Atom>)>,
}

impl Cx<'_> {
    fn ty(&self, a: &Atom) -> TensorType {
        match a {
            Atom::Var(v) => self.out.types[v.index()].clone(),
            Atom::Lit(l) => l.ty(),
        }
    }
    fn is_zero(&self, a: &Atom) -> bool {
        match a {
            Atom::Lit(l) => l.value == 0.0,
            Atom::Var(v) => self.zeros.contains(v),
        }
    }
    fn is_one(&self, a: &Atom) -> bool {
        matches!(a, Atom::Lit(l) if l.value == 1.0)
    }
    /// A zero of type `t`: a literal for scalars, else a new broadcast.
    fn zero(&mut self, t: &TensorType) -> Atom {
        let l = Atom::lit(0.0, t.dtype);
        if t.rank() == 0 {
            return l;
        }
        self.out.types.push(t.clone());
        let v = Var(self.out.types.len() as u32 - 1);
        self.out.eqns.push(Eqn {
            prim: Prim::BroadcastInDim,
            params: Params::from_pairs([
                ("broadcast_dimensions", Param::Tuple(vec![])),
                ("shape", Param::dims(t.dims())),
            ]),
            inputs: vec![l],
            outputs: vec![v],
        });
        self.zeros.insert(v);
        Atom::Var(v)
    }
}

fn identity_perm(p: &[usize]) -> bool {
    p.iter().enumerate().all(|(i, &x)| i == x)
}

/// The operand of `a`'s defining equation when that is a squeeze,
/// expand_dims or reshape (ops that keep the elements' order).
fn layout_source(cx: &Cx, a: &Atom) -> Option<Atom> {
    match a.as_var().and_then(|v| cx.def.get(&v)) {
        Some((Prim::Squeeze | Prim::ExpandDims | Prim::Reshape, inner)) => Some(inner[0]),
        _ => None,
    }
}

/// One rewrite step: `Some(replacement)` for a single-output equation.
fn rewrite(cx: &mut Cx, e: &Eqn) -> Option<Atom> {
    use Prim::*;
    if e.outputs.len() != 1 {
        return None;
    }
    let out_t = cx.j.ty(e.outputs[0]).clone();
    let same = |cx: &Cx, a: &Atom| cx.ty(a) == out_t;
    let ins = &e.inputs;
    let p = &e.params;
    match e.prim {
        // x + 0 = x, 0 + x = x, x - 0 = x
        Add | AddAny | Sub if cx.is_zero(&ins[1]) && same(cx, &ins[0]) => Some(ins[0]),
        Add | AddAny if cx.is_zero(&ins[0]) && same(cx, &ins[1]) => Some(ins[1]),
        // 0 + 0 = 0
        Add | AddAny | Sub if cx.is_zero(&ins[0]) && cx.is_zero(&ins[1]) => Some(cx.zero(&out_t)),
        // x * 1 = x, 1 * x = x, x / 1 = x
        Mul | Div if cx.is_one(&ins[1]) && same(cx, &ins[0]) => Some(ins[0]),
        Mul if cx.is_one(&ins[0]) && same(cx, &ins[1]) => Some(ins[1]),
        // x * 0 = 0 * x = 0, 0 / y = 0
        Mul if cx.is_zero(&ins[0]) || cx.is_zero(&ins[1]) => Some(cx.zero(&out_t)),
        Div if cx.is_zero(&ins[0]) => Some(cx.zero(&out_t)),
        // -(-x) = x
        Neg => match ins[0].as_var().and_then(|v| cx.def.get(&v)) {
            Some((Neg, inner)) if same(cx, &inner[0]) => Some(inner[0]),
            _ if cx.is_zero(&ins[0]) => Some(cx.zero(&out_t)),
            _ => None,
        },
        // x^1 = x
        IntegerPow if p.int("integer_pow", "y").ok() == Some(1) && same(cx, &ins[0]) => {
            Some(ins[0])
        }
        IntegerPow
            if p.int("integer_pow", "y").ok().is_some_and(|y| y > 0) && cx.is_zero(&ins[0]) =>
        {
            Some(cx.zero(&out_t))
        }
        // Shape ops that do nothing: same type in and out.
        ConvertElementType | Reshape | BroadcastInDim | Squeeze | ExpandDims
            if same(cx, &ins[0])
                && (e.prim != BroadcastInDim
                    || identity_perm(&p.axes("", "broadcast_dimensions").unwrap_or_default())) =>
        {
            Some(ins[0])
        }
        // squeeze(expand_dims(x)) = x, expand_dims(squeeze(x)) = x, and any
        // reshape back: these keep the row-major order of the elements, so
        // a chain that ends at its source's type is the source (the
        // `keepdims` of `x.max_axes(&[1], true)` read back without it).
        Squeeze | ExpandDims | Reshape
            if layout_source(cx, &ins[0]).is_some_and(|x| same(cx, &x)) =>
        {
            layout_source(cx, &ins[0])
        }
        Transpose if identity_perm(&p.axes("", "permutation").unwrap_or_default()) => Some(ins[0]),
        ReduceSum | ReduceMax | ReduceMin
            if p.axes("", "axes").is_ok_and(|a| a.is_empty()) && same(cx, &ins[0]) =>
        {
            Some(ins[0])
        }
        // Linear maps of zero are zero (pad needs a zero padding value).
        ReduceSum | BroadcastInDim | Reshape | Transpose | Slice | Squeeze | ExpandDims
        | Cumsum | ConvertElementType | DynamicSlice | Gather
            if cx.is_zero(&ins[0]) =>
        {
            Some(cx.zero(&out_t))
        }
        Pad if cx.is_zero(&ins[0]) && cx.is_zero(&ins[1]) => Some(cx.zero(&out_t)),
        DotGeneral if cx.is_zero(&ins[0]) || cx.is_zero(&ins[1]) => Some(cx.zero(&out_t)),
        // select with a known predicate picks its case; equal cases need no pick.
        SelectN => {
            if let Some(l) = ins[0].as_lit() {
                let k = (l.value.max(0.0) as usize).min(ins.len() - 2);
                let c = ins[1 + k];
                return if same(cx, &c) { Some(c) } else { None };
            }
            if ins[2..].iter().all(|c| *c == ins[1]) && same(cx, &ins[1]) {
                return Some(ins[1]);
            }
            if ins[1..].iter().all(|c| cx.is_zero(c)) {
                return Some(cx.zero(&out_t));
            }
            None
        }
        _ => None,
    }
}

/// Applies the rewrites once over the jaxpr (and its sub-jaxprs).
pub fn simplify(j: &Jaxpr) -> Jaxpr {
    let j = map_sub_jaxprs(j, &simplify);
    let mut out = j.clone();
    out.eqns.clear();
    let mut cx = Cx {
        j: &j,
        out,
        zeros: HashSet::new(),
        def: HashMap::new(),
    };
    let mut env: HashMap<Var, Atom> = HashMap::new();
    for e in &j.eqns {
        let mut e = e.clone();
        e.inputs = e.inputs.iter().map(|a| subst(&env, *a)).collect();
        if let Some(r) = rewrite(&mut cx, &e) {
            env.insert(e.outputs[0], r);
            continue;
        }
        if e.prim == Prim::BroadcastInDim && cx.is_zero(&e.inputs[0]) {
            cx.zeros.insert(e.outputs[0]);
        }
        if e.outputs.len() == 1 {
            cx.def.insert(e.outputs[0], (e.prim, e.inputs.clone()));
        }
        cx.out.eqns.push(e);
    }
    let mut out = cx.out;
    out.outvars = j.outvars.iter().map(|a| subst(&env, *a)).collect();
    out
}
