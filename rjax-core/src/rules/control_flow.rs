//! Control flow: cond, scan, while. (Rules are filled in below.)

use super::Table;
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::ir::{Atom, DimExpr, Params, Prim};

/// Batches any primitive by looping over the batch (a `scan`), the
/// fallback for batched indices and data-dependent control.
pub fn batch_by_loop(
    _b: &mut Builder,
    prim: Prim,
    _p: &Params,
    _args: &[Atom],
    _bt: &[bool],
    _n: &DimExpr,
) -> Result<(Vec<Atom>, Vec<bool>)> {
    Err(Error::Unsupported {
        transform: "vmap".into(),
        prim: prim.name().into(),
    })
}

/// Registers the family.
pub fn register(_t: &mut Table) {}
