//! One equation: `outs = prim[params] inputs`.

use super::atom::{Atom, Var};
use super::params::Params;
use super::prim::Prim;

/// An equation of a jaxpr.
#[derive(Clone, Debug, PartialEq)]
pub struct Eqn {
    /// The primitive applied.
    pub prim: Prim,
    /// Its parameters (sorted by name).
    pub params: Params,
    /// Operands.
    pub inputs: Vec<Atom>,
    /// Results (fresh variables; typed in the jaxpr's type table).
    pub outputs: Vec<Var>,
}
