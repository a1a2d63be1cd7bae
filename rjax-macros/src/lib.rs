//! rjax-macros: `#[grad]`, `#[vmap]`, `#[jit]`.
//!
//! Parses the annotated function, diagnoses what is outside the accepted
//! subset, lowers it to rjax-core's IR, transforms it with rjax-core and
//! emits plain Rust calling rjax-runtime. No derivative or batching rule
//! lives here.
