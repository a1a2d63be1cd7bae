//! `Builder`: the one way to construct jaxprs. Lowering (the macros) and
//! every transformation emit equations through it, so each equation's
//! output types always come from the primitive's shape rule.
//!
//! Convenience methods for individual primitives (`b.add(x, y)`,
//! `b.broadcast_in_dim(..)` ...) live in `builder_ops.rs`.

use crate::error::{Error, Result};
use crate::ir::{Atom, DType, Eqn, Jaxpr, Literal, Params, Prim, Shape, TensorType, Var};
use std::collections::HashMap;

/// Builds a jaxpr equation by equation.
///
/// ```
/// use rjax_core::{Builder, DType, Prim, Params};
/// let mut b = Builder::new();
/// let u = b.input(DType::I32, []);
/// let v = b.input(DType::I32, []);
/// let c = b.add(u.into(), v.into()).unwrap();
/// let d = b.integer_pow(c, 2).unwrap();
/// let j = b.build(&[d]);
/// assert_eq!(j.to_string(), "{ lambda ; a:i32[] b:i32[]. let\n    c:i32[] = add a b\n    d:i32[] = integer_pow[y=2] c\n  in (d,) }");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Builder {
    types: Vec<TensorType>,
    eqns: Vec<Eqn>,
    invars: Vec<Var>,
}

impl Builder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an input of the given dtype and shape.
    pub fn input(&mut self, dtype: DType, shape: impl Into<Shape>) -> Var {
        self.input_typed(TensorType::new(dtype, shape))
    }

    /// Adds an input of the given type.
    pub fn input_typed(&mut self, ty: TensorType) -> Var {
        let v = self.fresh(ty);
        self.invars.push(v);
        v
    }

    /// The inputs added so far.
    pub fn inputs(&self) -> &[Var] {
        &self.invars
    }

    /// A new variable of the given type (not yet defined by an equation).
    pub(crate) fn fresh(&mut self, ty: TensorType) -> Var {
        self.types.push(ty);
        Var(self.types.len() as u32 - 1)
    }

    /// The type of an atom.
    pub fn ty(&self, a: Atom) -> TensorType {
        match a {
            Atom::Var(v) => self.types[v.index()].clone(),
            Atom::Lit(l) => l.ty(),
        }
    }

    /// The dtype of an atom.
    pub fn dtype(&self, a: Atom) -> DType {
        match a {
            Atom::Var(v) => self.types[v.index()].dtype,
            Atom::Lit(l) => l.dtype,
        }
    }

    /// The rank of an atom.
    pub fn rank(&self, a: Atom) -> usize {
        match a {
            Atom::Var(v) => self.types[v.index()].rank(),
            Atom::Lit(_) => 0,
        }
    }

    /// A scalar literal.
    pub fn lit(&self, value: f64, dtype: DType) -> Atom {
        Atom::Lit(Literal::new(value, dtype))
    }

    /// Adds `outs = prim[params] inputs`: runs the shape rule and returns
    /// the new output variables, or an error naming the primitive and the
    /// operand types.
    pub fn eqn(&mut self, prim: Prim, params: Params, inputs: &[Atom]) -> Result<Vec<Var>> {
        let in_types: Vec<TensorType> = inputs.iter().map(|a| self.ty(*a)).collect();
        let out_types = crate::rules::shape_rule(prim, &params, &in_types)?;
        let outputs: Vec<Var> = out_types.into_iter().map(|t| self.fresh(t)).collect();
        self.eqns.push(Eqn {
            prim,
            params,
            inputs: inputs.to_vec(),
            outputs: outputs.clone(),
        });
        Ok(outputs)
    }

    /// `eqn` for single-output primitives.
    pub fn eqn1(&mut self, prim: Prim, params: Params, inputs: &[Atom]) -> Result<Atom> {
        let outs = self.eqn(prim, params, inputs)?;
        match outs.as_slice() {
            [o] => Ok(Atom::Var(*o)),
            _ => Err(Error::invalid(format!(
                "{prim}: expected one output, got {}",
                outs.len()
            ))),
        }
    }

    /// Adds an equation whose output types are already known (used when
    /// copying equations verbatim).
    pub(crate) fn push_typed(
        &mut self,
        prim: Prim,
        params: Params,
        inputs: Vec<Atom>,
        out_types: Vec<TensorType>,
    ) -> Vec<Var> {
        let outputs: Vec<Var> = out_types.into_iter().map(|t| self.fresh(t)).collect();
        self.eqns.push(Eqn {
            prim,
            params,
            inputs,
            outputs: outputs.clone(),
        });
        outputs
    }

    /// Copies a jaxpr's equations in, with its inputs bound to `args`;
    /// returns its outputs.
    pub fn inline(&mut self, j: &Jaxpr, args: &[Atom]) -> Result<Vec<Atom>> {
        if args.len() != j.invars.len() {
            return Err(Error::invalid(format!(
                "inline: jaxpr takes {} inputs, got {}",
                j.invars.len(),
                args.len()
            )));
        }
        let mut env: HashMap<Var, Atom> =
            j.invars.iter().copied().zip(args.iter().copied()).collect();
        for e in &j.eqns {
            let ins: Vec<Atom> = e.inputs.iter().map(|a| subst(&env, *a)).collect();
            let outs = self.push_typed(
                e.prim,
                e.params.clone(),
                ins,
                e.outputs.iter().map(|v| j.ty(*v).clone()).collect(),
            );
            for (o, n) in e.outputs.iter().zip(outs) {
                env.insert(*o, Atom::Var(n));
            }
        }
        Ok(j.outvars.iter().map(|a| subst(&env, *a)).collect())
    }

    /// Finishes the jaxpr with the given outputs.
    pub fn build(self, outs: &[Atom]) -> Jaxpr {
        Jaxpr {
            invars: self.invars,
            eqns: self.eqns,
            outvars: outs.to_vec(),
            types: self.types,
        }
    }
}

/// Looks an atom up in a substitution (literals map to themselves).
pub(crate) fn subst(env: &HashMap<Var, Atom>, a: Atom) -> Atom {
    match a {
        Atom::Var(v) => *env.get(&v).unwrap_or(&a),
        l => l,
    }
}
