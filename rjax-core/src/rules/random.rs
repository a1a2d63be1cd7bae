//! Random primitives (threefry2x32, random_bits): not differentiable.

use super::Table;

/// Registers the family.
pub fn register(_t: &mut Table) {}
