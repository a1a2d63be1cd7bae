//! Run-time support for code emitted by `#[jit]`: the per-signature cache
//! ([`SigCache`]) and the buffer helpers the fused kernels write into.
//! Nothing here decides what to compute; the macro does that at compile
//! time.

mod buffers;
mod cache;
mod grid;
mod rows;

pub use buffers::{buffer, buffer_like, column, onehot, onehot_cols};
pub use cache::{ArgSig, CAPACITY, CacheStats, SigCache};
pub use grid::{Block, Grid, LANES, TILE, grid};
pub use rows::{rows, rows_checked};
