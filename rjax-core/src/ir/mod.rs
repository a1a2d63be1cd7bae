//! The IR: one file per concept (dtypes, dimension expressions, shapes,
//! variables and atoms, parameters, equations, jaxprs, primitives), plus the
//! JAX-format printer and its parser.

pub mod atom;
pub mod dim;
pub mod dtype;
pub mod eqn;
pub mod jaxpr;
pub mod params;
pub mod parse;
pub mod prim;
pub mod print;
pub mod shape;
pub mod typed;
pub mod verify;

pub use atom::{Atom, Literal, Var};
pub use dim::DimExpr;
pub use dtype::DType;
pub use eqn::Eqn;
pub use jaxpr::Jaxpr;
pub use params::{Param, Params, ParamsExt};
pub use prim::{Arity, Family, Kernel, Prim, PrimInfo};
pub use shape::{Shape, TensorType};
pub use typed::{DotGeneralParams, PadConfig};
