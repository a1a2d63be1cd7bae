//! Kernels: the loops every `lax` op is built from. Nothing here knows
//! about `Array`; kernels see slices, shapes and strides (in elements), so
//! they can be tested and tuned on their own.
//!
//! - [`walk`]: visiting every index of an n-d shape with several strided
//!   operands at once (broadcasting, transposes, slices);
//! - [`elementwise`]: contiguous maps and zips, parallel above a size
//!   threshold;
//! - [`gemm`]: matrix products through the `gemm` crate;
//! - [`vmath`]: vectorised transcendental functions (`tanh`).

pub mod elementwise;
pub mod gemm;
pub mod vmath;
pub mod walk;

/// Row-major strides (in elements) of a contiguous array of `shape`.
pub fn contiguous_strides(shape: &[usize]) -> Vec<isize> {
    let mut strides = vec![0isize; shape.len()];
    let mut acc = 1isize;
    for (s, &d) in strides.iter_mut().zip(shape).rev() {
        *s = acc;
        acc *= d as isize;
    }
    strides
}
