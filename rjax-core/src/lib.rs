//! rjax-core: the IR (jaxpr), its reference interpreter, and every
//! transformation (jvp, vjp, vmap, passes) as per-primitive rules.
//!
//! Pure Rust: no proc-macro code and no kernels live here.
