//! The front layer: syn → the validated model of an annotated function
//! (its parameters, attributes, body), with spanned errors. Imports
//! nothing from `lower` or `back`.

pub mod arena;
pub mod ast;
pub mod attr;
pub mod check;
pub mod collective;
pub mod context;
pub mod ctxt;
pub mod guard;
pub mod key;
pub mod nalgebra_param;
pub mod prims;
pub mod suggest;
pub mod tree_node;
pub mod tree_param;
