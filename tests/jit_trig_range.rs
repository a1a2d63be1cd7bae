//! `#[jit]` fused loops with sin/cos stay accurate for every argument: the
//! vectorised range reduction is exact only below `SIN_COS_F32_MAX` /
//! `SIN_COS_F64_MAX`, and a block holding a larger (or non-finite) operand
//! is recomputed with std's sin/cos. Compared with the same body run
//! eagerly (`Array` methods, which use std), at lengths around the vector
//! width (8), the fallback block (1024), the parallel threshold (32768) and
//! the pool's chunk boundaries, with huge values placed at the first,
//! last and block-edge positions.
use rjax::prelude::*;

#[path = "support/xorshift.rs"]
mod xorshift;

/// Deterministic values in [-4, 12) (sin/cos see several periods).
fn data(n: usize, seed: u32) -> Vec<f32> {
    xorshift::uniform(n, seed, -4.0, 12.0)
}

/// Arguments the fast reduction cannot take, the boundary itself, and
/// non-finite values.
const HUGE: [f32; 10] = [
    2.6e7,
    2.600_001e7,
    -3.0e7,
    1.0e8,
    -7.7e20,
    3.4e38,
    f32::MAX,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
];

/// `data(n)` with the huge values written at the ends and at block edges.
fn with_huge(n: usize, seed: u32) -> Vec<f32> {
    let mut v = data(n, seed);
    let spots = [
        0,
        n / 2,
        n.saturating_sub(1),
        1023,
        1024,
        2047,
        32_767,
        32_768,
    ];
    for (k, &i) in spots.iter().enumerate() {
        if i < n {
            v[i] = HUGE[(k + seed as usize) % HUGE.len()];
        }
    }
    v
}

const LENGTHS: [usize; 11] = [1, 7, 8, 9, 1023, 1024, 1025, 3000, 32_767, 32_768, 100_003];

fn close(got: f32, want: f32, tol: f32) -> bool {
    (got.is_nan() && want.is_nan()) || got == want || (got - want).abs() <= tol * (1.0 + want.abs())
}

fn assert_close(got: &Array<f32>, want: &Array<f32>, tol: f32, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes");
    for (i, (&g, &w)) in got.as_slice().iter().zip(want.as_slice()).enumerate() {
        assert!(
            close(g, w, tol),
            "{what}: element {i}: jit {g} vs eager {w}"
        );
    }
}

#[jit]
fn chain(x: &Array<f32>) -> Array<f32> {
    (x.sin() * 2.0 + 1.0).exp().tanh()
}

fn chain_eager(x: &Array<f32>) -> Array<f32> {
    (x.sin() * 2.0 + 1.0).exp().tanh()
}

#[test]
fn chain_equals_eager_with_huge_arguments() {
    for n in LENGTHS {
        let x = Array::from_vec(with_huge(n, 1));
        assert_close(&chain(&x), &chain_eager(&x), 1e-5, &format!("chain n={n}"));
        // And without any huge value (the fast path only).
        let x = Array::from_vec(data(n, 2));
        assert_close(
            &chain(&x),
            &chain_eager(&x),
            1e-5,
            &format!("plain chain n={n}"),
        );
    }
}

/// sin and cos of an intermediate value (not an input), two results.
#[jit]
fn waves(x: &Array<f32>, y: &Array<f32>) -> (Array<f32>, Array<f32>) {
    let a = x * y;
    (a.sin() + y, (x * 1.0e7).cos() * 2.0)
}

fn waves_eager(x: &Array<f32>, y: &Array<f32>) -> (Array<f32>, Array<f32>) {
    let a = x * y;
    (a.sin() + y, (x * 1.0e7).cos() * 2.0)
}

#[test]
fn sin_and_cos_of_intermediates_beyond_the_fast_range() {
    for n in LENGTHS {
        let (x, y) = (
            Array::from_vec(with_huge(n, 3)),
            Array::from_vec(data(n, 4)),
        );
        let (a, b) = waves(&x, &y);
        let (ea, eb) = waves_eager(&x, &y);
        // x * 1e7 reaches 4e7: past the fast range for ordinary data too.
        assert_close(&a, &ea, 1e-5, &format!("sin(x y) + y, n={n}"));
        assert_close(&b, &eb, 1e-5, &format!("2 cos(1e7 x), n={n}"));
    }
}

#[jit]
fn sum_of_sines(x: &Array<f64>) -> f64 {
    x.sin().sum()
}

#[test]
fn fused_sum_of_sines_beyond_the_fast_range() {
    for n in LENGTHS {
        let v: Vec<f64> = with_huge(n, 5)
            .iter()
            .zip(data(n, 6))
            // Finite values only (a sum with inf/NaN is NaN either way),
            // spread up to 4e8: beyond SIN_COS_F64_MAX (1.6e6) often.
            .map(|(&h, d)| {
                if h.is_finite() {
                    h as f64
                } else {
                    d as f64 * 1e8
                }
            })
            .collect();
        let want: f64 = v.iter().map(|x| x.sin()).sum();
        let mag: f64 = v.iter().map(|x| x.sin().abs()).sum();
        let got = sum_of_sines(&Array::from_vec(v));
        assert!(
            (got - want).abs() <= 1e-12 * (1.0 + mag),
            "n={n}: jit {got} vs std {want}"
        );
    }
}

/// sin/cos in a matmul's epilogue: the product is computed first and the
/// epilogue runs as a checked loop, since the gemm's tiles have no
/// fallback of their own.
#[jit]
fn wave_layer(
    #[rank(2)] x: &Array<f32>,
    #[rank(2)] w: &Array<f32>,
    b: &Array<f32>,
) -> (Array<f32>, Array<f32>) {
    let z = x.dot(w) + b;
    (z.sin(), z.cos() * 2.0)
}

#[test]
fn sin_and_cos_in_a_matmul_epilogue_beyond_the_fast_range() {
    // Small integers times 2^60: every product and sum is exact in f32,
    // so the reference sees the very argument the kernel does, and all
    // are far beyond SIN_COS_F32_MAX (2.6e7) and the fast reduction's
    // rounding trick (2^52 pi).
    let (m, k, n) = (37, 24, 29);
    let int = |i: usize, p: usize| ((i * p + 7) % 23) as f32 - 11.0;
    let big = 2f32.powi(60);
    let x: Vec<f32> = (0..m * k).map(|i| int(i, 5) * big).collect();
    let w: Vec<f32> = (0..k * n).map(|i| int(i, 3)).collect();
    let b: Vec<f32> = (0..n).map(|j| int(j, 2) * big).collect();
    let (s, c) = wave_layer(
        &Array::from_shape_vec(vec![m, k], x.clone()).unwrap(),
        &Array::from_shape_vec(vec![k, n], w.clone()).unwrap(),
        &Array::from_vec(b.clone()),
    );
    assert_eq!(s.shape(), &[m, n]);
    let mut beyond = 0;
    for i in 0..m {
        for j in 0..n {
            let z: f64 = (0..k)
                .map(|l| x[i * k + l] as f64 * w[l * n + j] as f64)
                .sum::<f64>()
                + b[j] as f64;
            assert_eq!(z, z as f32 as f64, "the test's products must be exact");
            beyond += (z.abs() > rjax::runtime::kernels::SIN_COS_F32_MAX as f64) as usize;
            let (gs, gc) = (s.as_slice()[i * n + j], c.as_slice()[i * n + j]);
            assert!(
                close(gs, z.sin() as f32, 2e-6),
                "sin at ({i}, {j}), z = {z}: {gs} vs {}",
                z.sin()
            );
            assert!(
                close(gc, (2.0 * z.cos()) as f32, 4e-6),
                "cos at ({i}, {j}), z = {z}: {gc}"
            );
        }
    }
    assert!(
        beyond > 100,
        "only {beyond} arguments beyond the fast range"
    );
}
