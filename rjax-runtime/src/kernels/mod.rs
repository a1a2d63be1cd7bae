//! Kernels: every loop the runtime computes with, eager (`lax`, `Array`'s
//! methods) and `#[jit]`-emitted code alike. One home per kind of kernel,
//! so that an eager op and its jit form run the same code and give the
//! same bits:
//!
//! - [`cpu`]: the CPU's instruction set, detected once ([`isa`]), and
//!   [`dispatch`], which runs a loop body compiled for it (AVX-512,
//!   AVX2+FMA or the portable baseline); the PRNG and the gemm kernels
//!   pick through it too;
//! - `par`: when a pass is split over threads (one threshold,
//!   [`PAR_MIN_LEN`]) and the task runner the gemm kernels use;
//! - `math`: the transcendentals (`exp expm1 ln ln_1p sin cos tanh
//!   logistic`), each written once as branch-free scalar code that
//!   vectorises inside [`dispatch`]; [`crate::Float`]'s methods, the eager
//!   `lax` ops and `#[jit]` bodies all call these ([`FastMath`]);
//! - `map`: elementwise passes over one to `N` inputs and `M` outputs,
//!   fused reductions ([`map_sum`]), the checked and staged forms for
//!   bodies with sin/cos or several transcendentals, streaming stores;
//! - `gemm`: matrix products: the one wrapper of the `gemm` crate
//!   ([`matmul_strided`]), the AVX2/AVX-512 f32 kernels, and products with
//!   a fused elementwise epilogue ([`gemm_fused`], [`syrk_epilogue`]);
//! - [`walk`]: visiting every index of an n-d shape with several strided
//!   operands at once (broadcasting, transposes, slices).
//!
//! Which function `#[jit]` emits for which fused group:
//! - elementwise group with any number of inputs and outputs: [`map_nm`];
//!   when it has sin/cos, [`map_nm_checked`] (std beyond the fast range;
//!   [`map_sum_nm_checked`] for a fused sum); with several
//!   transcendentals, [`map_nm_blocks`] / [`map_nm_blocks_checked`] (one
//!   short loop per transcendental over blocks that stay in L1) and
//!   [`map_sum_nm_blocks`] / [`map_sum_nm_blocks_checked`] for a sum;
//! - elementwise chain over one/two/three arrays: [`map1`], [`map2`],
//!   [`map1_slice`] / [`map2_slice`] / [`map3_slice`] (into a planned
//!   buffer), [`map1_inplace`] / [`map2_inplace`] (loop-carried update);
//! - reduction of an elementwise producer: [`map_sum`];
//! - `vmap` of a function on short rows (`[n, 3] -> [n, 3]`): [`map_rows`];
//! - `f(dot(x, x.t()))`: [`syrk_epilogue`] / [`syrk_epilogue_into`];
//! - `f(dot(a, b))`, `f(dot(a, b.t()))`: [`gemm_epilogue_into`];
//!   `dot(a.t(), b)` (backward of a dense layer): [`gemm_ex_slice`];
//! - a matmul with bias, extra operands or several results in its
//!   epilogue (`tanh(x·w + b)` and `1 - tanh^2`): [`gemm_fused`];
//! - a hand-written loop body that should vectorise: [`dispatch`].

pub mod cpu;
mod gemm;
mod map;
mod math;
pub(crate) mod par;
pub mod walk;

pub use cpu::{Isa, dispatch, isa};
pub use gemm::{
    GemmFloat, Tile, gemm_epilogue, gemm_epilogue_into, gemm_epilogue_slice, gemm_ex_slice,
    gemm_fused, matmul_strided, syrk_epilogue, syrk_epilogue_into, syrk_epilogue_slice,
};
pub use map::{
    STAGE_BLOCK, STREAM_MIN_BYTES, map_nm, map_nm_blocks, map_nm_blocks_checked, map_nm_checked,
    map_rows, map_sum, map_sum_nm, map_sum_nm_blocks, map_sum_nm_blocks_checked,
    map_sum_nm_checked, map1, map1_inplace, map1_inplace_slice, map1_into, map1_slice, map1_uninit,
    map2, map2_inplace, map2_inplace_slice, map2_into, map2_slice, map3_slice, set_stream_stores,
};
pub(crate) use math::float_unary;
pub use math::{
    FastMath, SIN_COS_F32_MAX, SIN_COS_F32_NEAR_MAX, SIN_COS_F64_MAX, TrigFallback, cos_f32,
    cos_f32_all, cos_f32_near, cos_f64, cos_f64_all, cos_slice, exp_f32, exp_f32_normal, exp_f64,
    exp_f64_normal, exp_slice, expm1_f32, expm1_f64, expm1_slice, ln_1p_f32, ln_1p_f64,
    ln_1p_slice, ln_f32, ln_f64, ln_slice, logistic_f32, logistic_f64, logistic_slice, sin_cos_f32,
    sin_cos_f64, sin_f32, sin_f32_all, sin_f32_near, sin_f64, sin_f64_all, sin_slice, tanh_f32,
    tanh_f32_pos, tanh_f64, tanh_f64_pos, tanh_slice,
};
pub use par::{PAR_MIN_LEN, parallel};

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
