//! A jaxpr: typed inputs, equations, outputs, and the type table that
//! gives every variable its dtype and shape.
//!
//! Grammar of the printed form (JAX's):
//! ```text
//! jaxpr ::= '{' 'lambda' ';' (var ':' type)* '.' 'let' eqn* 'in' '(' atom,* ')' '}'
//! eqn   ::= (var|'_') ':' type ... '=' prim ('[' (key '=' value)* ']')? atom*
//! atom  ::= var | number ':' type
//! ```

use super::atom::{Atom, Var};
use super::eqn::Eqn;
use super::shape::TensorType;
use crate::error::Result;

/// A closed program in A-normal form.
#[derive(Clone, Debug, PartialEq)]
pub struct Jaxpr {
    /// Input variables.
    pub invars: Vec<Var>,
    /// Equations in execution order.
    pub eqns: Vec<Eqn>,
    /// Outputs: variables or literals.
    pub outvars: Vec<Atom>,
    /// `types[v.0]` is the type of variable `v`.
    pub types: Vec<TensorType>,
}

impl Jaxpr {
    /// The type of a variable.
    pub fn ty(&self, v: Var) -> &TensorType {
        &self.types[v.index()]
    }
    /// The type of an atom.
    pub fn atom_type(&self, a: &Atom) -> TensorType {
        match a {
            Atom::Var(v) => self.ty(*v).clone(),
            Atom::Lit(l) => l.ty(),
        }
    }
    /// Types of the inputs.
    pub fn in_types(&self) -> Vec<TensorType> {
        self.invars.iter().map(|v| self.ty(*v).clone()).collect()
    }
    /// Types of the outputs.
    pub fn out_types(&self) -> Vec<TensorType> {
        self.outvars.iter().map(|a| self.atom_type(a)).collect()
    }
    /// Parses JAX's text form (what `Display` prints).
    pub fn parse(text: &str) -> Result<Jaxpr> {
        super::parse::parse_jaxpr(text)
    }
    /// Checks that every variable is defined once before use and that each
    /// equation's output types are what its shape rule says.
    pub fn verify(&self) -> Result<()> {
        super::verify::verify(self)
    }
}

impl std::str::FromStr for Jaxpr {
    type Err = crate::error::Error;
    fn from_str(s: &str) -> Result<Self> {
        Jaxpr::parse(s)
    }
}
