//! Run-time support for code emitted by `#[jit]`: the per-signature cache
//! ([`SigCache`]) and the buffer helpers the fused kernels write into.
//! Nothing here decides what to compute; the macro does that at compile
//! time.

mod buffers;
mod cache;

pub use buffers::{buffer, buffer_like, onehot};
pub use cache::{ArgSig, CacheStats, SigCache};
