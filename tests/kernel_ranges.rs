//! The value ranges rjax-core's `passes::ranges` proves and the runtime
//! kernels' limits agree: where `#[jit]` calls a range-specialised form
//! (`exp_f32_normal`, `tanh_f32_pos`, ...) because rjax-core proves its
//! argument inside `EXP_F32_NORMAL_ARG` and friends, the form gives the
//! general function's bits, and the sin/cos limits rjax-core assumes are
//! the runtime's. (The kernels' own accuracy is tested in
//! rjax-runtime/tests/kernels_ulp.rs.)

use rjax::runtime::kernels;

/// 4 million f64 spread over all bit patterns (multiplicative hashing)
/// plus a dense run around 1, filtered by `keep`.
fn sweep64(keep: impl Fn(f64) -> bool) -> Vec<f64> {
    (0..4_000_000u64)
        .map(|i| f64::from_bits(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
        .chain((0..200_000u64).map(|i| f64::from_bits(1.0f64.to_bits() - 100_000 + i)))
        .filter(|&x| keep(x))
        .collect()
}

#[test]
fn reduced_exp_and_tanh_equal_the_general_forms_in_their_ranges() {
    // `#[jit]` calls them where rjax-core proves the argument inside these
    // ranges; there they must give the general functions' bits, so the
    // ulp figures above hold for them too. Every 7th bit pattern.
    use rjax::core::passes::ranges::{EXP_F32_NORMAL_ARG, TANH_F32_POS_ARG};
    let xs = (0..u32::MAX / 29).map(|i| f32::from_bits(i * 29));
    let (mut n_exp, mut n_tanh) = (0u64, 0u64);
    for x in xs {
        let v = x as f64;
        if EXP_F32_NORMAL_ARG.0 <= v && v <= EXP_F32_NORMAL_ARG.1 {
            let (got, want) = (kernels::exp_f32_normal(x), kernels::exp_f32(x));
            assert_eq!(got.to_bits(), want.to_bits(), "exp_f32_normal({x:e})");
            n_exp += 1;
        }
        if TANH_F32_POS_ARG.0 < v && v <= TANH_F32_POS_ARG.1 {
            let (got, want) = (kernels::tanh_f32_pos(x), kernels::tanh_f32(x));
            assert_eq!(got.to_bits(), want.to_bits(), "tanh_f32_pos({x:e})");
            n_tanh += 1;
        }
    }
    // The range ends themselves.
    for x in [EXP_F32_NORMAL_ARG.0 as f32, EXP_F32_NORMAL_ARG.1 as f32] {
        assert_eq!(
            kernels::exp_f32_normal(x).to_bits(),
            kernels::exp_f32(x).to_bits()
        );
    }
    let top = TANH_F32_POS_ARG.1 as f32;
    assert_eq!(
        kernels::tanh_f32_pos(top).to_bits(),
        kernels::tanh_f32(top).to_bits()
    );
    assert!(kernels::exp_f32_normal(f32::NAN).is_nan() && kernels::tanh_f32_pos(f32::NAN).is_nan());
    println!("exp_f32_normal: {n_exp} inputs, tanh_f32_pos: {n_tanh} inputs, same bits");
}

#[test]
fn reduced_f64_exp_and_tanh_equal_the_general_forms_in_their_ranges() {
    use rjax::core::passes::ranges::{EXP_F64_NORMAL_ARG, TANH_F64_POS_ARG};
    let (ea, ta) = (EXP_F64_NORMAL_ARG, TANH_F64_POS_ARG);
    let mut xs = sweep64(|x| (ea.0 <= x && x <= ea.1) || (ta.0 < x && x <= ta.1));
    xs.extend([ea.0, ea.1, ta.1, 1.0000001e-300, 20.0, 20.5, 9.5]);
    for x in xs {
        if ea.0 <= x && x <= ea.1 {
            let (got, want) = (kernels::exp_f64_normal(x), kernels::exp_f64(x));
            assert_eq!(got.to_bits(), want.to_bits(), "exp_f64_normal({x:e})");
        }
        if ta.0 < x && x <= ta.1 {
            let (got, want) = (kernels::tanh_f64_pos(x), kernels::tanh_f64(x));
            assert_eq!(got.to_bits(), want.to_bits(), "tanh_f64_pos({x:e})");
        }
    }
}

#[test]
fn the_ranges_rjax_core_assumes_are_the_runtimes() {
    // `#[jit]` drops the range check of a sin/cos whose operand rjax-core
    // proves within these limits; they must be the runtime's.
    use rjax::core::passes::ranges::{SIN_COS_F32_ARG, SIN_COS_F32_NEAR_ARG, SIN_COS_F64_ARG};
    assert_eq!(SIN_COS_F32_ARG as f32, kernels::SIN_COS_F32_MAX);
    assert_eq!(SIN_COS_F32_NEAR_ARG as f32, kernels::SIN_COS_F32_NEAR_MAX);
    assert_eq!(SIN_COS_F64_ARG, kernels::SIN_COS_F64_MAX);
}
