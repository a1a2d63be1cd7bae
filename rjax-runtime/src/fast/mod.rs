//! Fast kernels for `#[jit]`-emitted code: vectorisable transcendentals,
//! fused elementwise loops, and matmuls with a fused elementwise epilogue
//! (including a symmetric `x xᵀ` kernel that computes one triangle).
//!
//! Everything here is plain data-parallel computation on slices and
//! [`Array`](crate::Array)s; it holds no transformation logic. The math
//! functions are `#[inline(always)]` branch-free scalar code: called inside
//! [`map1`] and friends (which run their loop compiled for AVX-512 or
//! AVX2+FMA when the CPU has it) they vectorise with no libm calls.
//!
//! Which function to call for which fused group is listed in
//! `docs`-style form on each function; the summary for the emitter:
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

mod activation;
mod avx2_gemm;
mod checked;
mod dispatch;
mod exp;
mod float;
mod gemm_epilogue;
mod gemm_fused;
mod log;
mod map;
pub(crate) use map::parallel;
mod mapn;
mod math;
mod nn_kernel;
mod nt_kernel;
mod pack;
pub(crate) mod par;
mod slices;
mod staged;
mod stream;
mod syrk;
mod trig;

pub use activation::{logistic_f32, logistic_f64, tanh_f32, tanh_f32_pos, tanh_f64, tanh_f64_pos};
pub use avx2_gemm::Tile;
pub use checked::{map_nm_checked, map_sum_nm_checked};
pub use dispatch::{Isa, dispatch, isa};
pub use exp::{exp_f32, exp_f32_normal, exp_f64, exp_f64_normal, expm1_f32, expm1_f64};
pub use float::GemmFloat;
pub use gemm_epilogue::{gemm_epilogue, gemm_epilogue_into, gemm_epilogue_slice, gemm_ex_slice};
pub use gemm_fused::gemm_fused;
pub use log::{ln_1p_f32, ln_1p_f64, ln_f32, ln_f64};
pub use map::{
    PAR_MIN_LEN, map_rows, map_sum, map1, map1_inplace, map1_inplace_slice, map1_into, map1_slice,
    map1_uninit, map2, map2_inplace, map2_inplace_slice, map2_into, map2_slice, map3_slice,
};
pub use mapn::{map_nm, map_sum_nm};
pub use math::FastMath;
pub use slices::{
    TrigFallback, cos_slice, exp_slice, expm1_slice, ln_1p_slice, ln_slice, logistic_slice,
    sin_slice, tanh_slice,
};
pub use staged::{
    STAGE_BLOCK, map_nm_blocks, map_nm_blocks_checked, map_sum_nm_blocks, map_sum_nm_blocks_checked,
};
pub use stream::{STREAM_MIN_BYTES, set_stream_stores};
pub use syrk::{syrk_epilogue, syrk_epilogue_into, syrk_epilogue_slice};
pub use trig::{
    SIN_COS_F32_MAX, SIN_COS_F32_NEAR_MAX, SIN_COS_F64_MAX, cos_f32, cos_f32_near, cos_f64,
    sin_cos_f32, sin_cos_f64, sin_f32, sin_f32_near, sin_f64,
};
