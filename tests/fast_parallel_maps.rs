//! The fused-loop kernels split work over rayon's pool from
//! `kernels::PAR_MIN_LEN` elements on and stay on the calling thread below
//! it: results must equal a plain single-threaded loop over the same
//! closure for lengths just around the threshold and odd lengths (chunk
//! edges, remainders), including the array forms whose outputs come from
//! the buffer cache.

use rjax::runtime::{Array, kernels};

#[path = "support/xorshift.rs"]
mod xorshift;

/// Values in [-2, 2).
fn values(n: usize, seed: u32) -> Vec<f32> {
    xorshift::uniform(n, seed, -2.0, 2.0)
}

fn lengths() -> Vec<usize> {
    let t = kernels::PAR_MIN_LEN;
    vec![1, 63, t - 1, t, t + 1, 2 * t + 63, 3 * t + 7, 1_000_003]
}

// Plain arithmetic only: the vectorised, threaded loops and the scalar
// reference loop then round identically.
fn f1(a: f32) -> f32 {
    a * a - 0.5 * a + 1.0
}

fn f2(a: f32, b: f32) -> f32 {
    a * b + (a - b)
}

fn f3(a: f32, b: f32, c: f32) -> f32 {
    if a > 0.0 { b * c } else { c - b }
}

#[test]
fn slice_maps_equal_the_plain_loop() {
    for n in lengths() {
        let (x, y, z) = (values(n, 1), values(n, 2), values(n, 3));
        let mut out = vec![f32::NAN; n];
        kernels::map1_slice(&x, &mut out, f1);
        assert!((0..n).all(|i| out[i] == f1(x[i])), "map1 {n}");
        kernels::map2_slice(&x, &y, &mut out, f2);
        assert!((0..n).all(|i| out[i] == f2(x[i], y[i])), "map2 {n}");
        kernels::map3_slice(&x, &y, &z, &mut out, f3);
        assert!((0..n).all(|i| out[i] == f3(x[i], y[i], z[i])), "map3 {n}");
        let mut acc = x.clone();
        kernels::map1_inplace_slice(&mut acc, f1);
        assert!((0..n).all(|i| acc[i] == f1(x[i])), "map1_inplace {n}");
        let mut acc = x.clone();
        kernels::map2_inplace_slice(&mut acc, &y, f2);
        assert!((0..n).all(|i| acc[i] == f2(x[i], y[i])), "map2_inplace {n}");
    }
}

#[test]
fn map_nm_equals_the_plain_loop() {
    for n in lengths() {
        let (x, y) = (values(n, 4), values(n, 5));
        let (mut s, mut p, mut q) = (vec![0.0f32; n], vec![0.0f32; n], vec![0.0f32; n]);
        kernels::map_nm(
            [&x[..], &y[..]],
            [&mut s[..], &mut p[..], &mut q[..]],
            |[a, b]| [a + b, f2(a, b), f1(a)],
        );
        for i in 0..n {
            assert_eq!(
                (s[i], p[i], q[i]),
                (x[i] + y[i], f2(x[i], y[i]), f1(x[i])),
                "map_nm {n} at {i}"
            );
        }
    }
}

#[test]
fn array_maps_equal_the_plain_loop() {
    for n in lengths() {
        let x = Array::from_vec(values(n, 6));
        let y = Array::from_vec(values(n, 7));
        // Twice: the second round's outputs reuse the first round's pages.
        for _ in 0..2 {
            let a = kernels::map1(&x, f1);
            let b = kernels::map2(&x, &y, f2);
            let (xs, ys) = (x.as_slice(), y.as_slice());
            assert!((0..n).all(|i| a.as_slice()[i] == f1(xs[i])), "map1 {n}");
            assert!(
                (0..n).all(|i| b.as_slice()[i] == f2(xs[i], ys[i])),
                "map2 {n}"
            );
        }
    }
}

#[test]
fn sums_are_deterministic_and_close_to_the_plain_sum() {
    for n in lengths() {
        let x = values(n, 8);
        let want: f64 = x.iter().map(|&v| (v * v) as f64).sum();
        let got = kernels::map_sum(&x, |v| (v * v) as f64);
        let again = kernels::map_sum(&x, |v| (v * v) as f64);
        assert_eq!(
            got.to_bits(),
            again.to_bits(),
            "map_sum {n} not deterministic"
        );
        assert!(
            (got - want).abs() <= 1e-12 * want,
            "map_sum {n}: {got} vs {want}"
        );
        let nm = kernels::map_sum_nm([&x[..]], |[v]| (v * v) as f64);
        assert!(
            (nm - want).abs() <= 1e-12 * want,
            "map_sum_nm {n}: {nm} vs {want}"
        );
    }
}

#[test]
fn map_rows_equals_the_row_loop_around_the_threshold() {
    // Rows of 3 -> 2: lengths in elements around the threshold.
    let t = kernels::PAR_MIN_LEN;
    for rows in [1, t / 3 - 1, t / 3 + 1, t / 3 + 257, 100_003] {
        let x = values(rows * 3, 9);
        let mut out = vec![0.0f32; rows * 2];
        kernels::map_rows(&x, &mut out, |[a, b, c]: [f32; 3]| [a * b + c, a - c]);
        for r in 0..rows {
            let (a, b, c) = (x[3 * r], x[3 * r + 1], x[3 * r + 2]);
            assert_eq!(
                [out[2 * r], out[2 * r + 1]],
                [a * b + c, a - c],
                "rows {rows} at {r}"
            );
        }
    }
}
