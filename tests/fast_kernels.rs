//! `fast`'s fused loops and matmul-with-epilogue kernels against plain
//! loops: small sizes (single-threaded path) and large ones (rayon path),
//! shapes that are not multiples of the 6x4x16 register tile.

use rjax::runtime::{Array, kernels};

#[path = "fast_support/uniform.rs"]
mod uniform;
use uniform::uniform as values;

/// C = A Bᵀ by a triple loop in f64.
fn naive_abt(a: &[f32], b: &[f32], m: usize, n: usize, k: usize) -> Vec<f64> {
    let mut c = vec![0.0f64; m * n];
    for i in 0..m {
        for j in 0..n {
            c[i * n + j] = (0..k)
                .map(|p| a[i * k + p] as f64 * b[j * k + p] as f64)
                .sum();
        }
    }
    c
}

fn assert_close(got: &[f32], want: &[f64], k: usize, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    // f32 dot products of length k with |terms| <= 1.
    let tol = 1e-5 * (k as f64).max(1.0);
    for (idx, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g as f64 - w).abs() <= tol,
            "{what}: element {idx}: {g} vs {w}"
        );
    }
}

#[test]
fn syrk_matches_naive_with_epilogue() {
    for &(m, k) in &[
        (1, 1),
        (5, 7),
        (7, 16),
        (13, 17),
        (64, 33),
        (100, 256),
        (130, 300),
        (300, 70),
    ] {
        let x = values(m * k, (m * 31 + k) as u64);
        let mut out = vec![f32::NAN; m * m];
        kernels::syrk_epilogue_slice(&x, m, k, &mut out, |v| v * 0.5 + 1.0);
        let want: Vec<f64> = naive_abt(&x, &x, m, m, k)
            .iter()
            .map(|v| v * 0.5 + 1.0)
            .collect();
        assert_close(&out, &want, k, &format!("syrk [{m}, {k}]"));
        // Exactly symmetric: both triangles come from the same sums.
        for i in 0..m {
            for j in 0..m {
                assert_eq!(
                    out[i * m + j].to_bits(),
                    out[j * m + i].to_bits(),
                    "({i},{j})"
                );
            }
        }
    }
}

#[test]
fn syrk_tanh_arrays_and_ping_pong() {
    let n = 70;
    let x0 = Array::from_shape_vec(vec![n, n], values(n * n, 3)).unwrap();
    // Three steps of x = tanh(x xᵀ) with two reused buffers vs the naive loop.
    let mut a = x0.clone();
    let mut b = kernels::syrk_epilogue(&a, kernels::tanh_f32);
    for _ in 0..2 {
        kernels::syrk_epilogue_into(&b, &mut a, kernels::tanh_f32);
        std::mem::swap(&mut a, &mut b);
    }
    let mut want: Vec<f32> = x0.to_vec();
    for _ in 0..3 {
        want = naive_abt(&want, &want, n, n, n)
            .iter()
            .map(|v| v.tanh() as f32)
            .collect();
    }
    let want: Vec<f64> = want.iter().map(|&v| v as f64).collect();
    assert_close(b.as_slice(), &want, n * 10, "tanh(x xᵀ) x3");
    let f64x = Array::from_shape_vec(vec![3, 2], vec![1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let y = kernels::syrk_epilogue(&f64x, |v| v - 1.0);
    assert_eq!(
        y.as_slice(),
        &[4.0, 10.0, 16.0, 10.0, 24.0, 38.0, 16.0, 38.0, 60.0]
    );
}

#[test]
#[should_panic(
    expected = "kernels::syrk_epilogue_into: input shape [4, 3] needs output shape [4, 4]"
)]
fn syrk_names_op_and_shapes() {
    let x = Array::from_shape_vec(vec![4, 3], vec![0.0f32; 12]).unwrap();
    let mut out = Array::from_shape_vec(vec![3, 3], vec![0.0f32; 9]).unwrap();
    kernels::syrk_epilogue_into(&x, &mut out, |v| v);
}

#[test]
fn gemm_epilogue_nt_and_nn() {
    for &(m, k, n) in &[(1, 1, 1), (7, 19, 5), (33, 64, 10), (128, 300, 70)] {
        let a = Array::from_shape_vec(vec![m, k], values(m * k, 5)).unwrap();
        let bt = Array::from_shape_vec(vec![n, k], values(n * k, 6)).unwrap();
        let want: Vec<f64> = naive_abt(a.as_slice(), bt.as_slice(), m, n, k)
            .iter()
            .map(|v| v.max(0.0))
            .collect();
        let nt = kernels::gemm_epilogue(&a, &bt, true, |v: f32| v.max(0.0));
        assert_close(nt.as_slice(), &want, k, &format!("nt [{m},{k}]x[{n},{k}]"));
        // The same product with b stored as [k, n].
        let mut b = vec![0.0f32; k * n];
        for j in 0..n {
            for p in 0..k {
                b[p * n + j] = bt.as_slice()[j * k + p];
            }
        }
        let b = Array::from_shape_vec(vec![k, n], b).unwrap();
        let mut out = Array::from_shape_vec(vec![m, n], vec![0.0f32; m * n]).unwrap();
        kernels::gemm_epilogue_into(&a, &b, false, &mut out, |v: f32| v.max(0.0));
        assert_close(out.as_slice(), &want, k, &format!("nn [{m},{k}]x[{k},{n}]"));
    }
}

#[test]
fn maps_match_loops_small_and_large() {
    for n in [0, 1, 17, 1000, 100_003] {
        let x = values(n, 7);
        let y = values(n, 8);
        let z = values(n, 9);
        let mut out = vec![0.0f32; n];
        kernels::map1_slice(
            &x,
            &mut out,
            #[inline(always)]
            |v| kernels::exp_f32(v) * 2.0,
        );
        for i in 0..n {
            assert!(
                (out[i] - x[i].exp() * 2.0).abs() <= 1e-6 * out[i].abs(),
                "map1 {n} {i}"
            );
        }
        kernels::map2_slice(
            &x,
            &y,
            &mut out,
            #[inline(always)]
            |a, b| a * b + 1.0,
        );
        assert!(
            out.iter().enumerate().all(|(i, &o)| o == x[i] * y[i] + 1.0),
            "map2 {n}"
        );
        kernels::map3_slice(
            &x,
            &y,
            &z,
            &mut out,
            #[inline(always)]
            |a, b, c| if a > 0.0 { b } else { c },
        );
        assert!(
            out.iter()
                .enumerate()
                .all(|(i, &o)| o == if x[i] > 0.0 { y[i] } else { z[i] })
        );
        let mut acc = x.clone();
        kernels::map1_inplace_slice(
            &mut acc,
            #[inline(always)]
            |v| v * 3.0,
        );
        kernels::map2_inplace_slice(
            &mut acc,
            &y,
            #[inline(always)]
            |a, b| a - b,
        );
        assert!(
            acc.iter().enumerate().all(|(i, &o)| o == x[i] * 3.0 - y[i]),
            "inplace {n}"
        );
        let s = kernels::map_sum(
            &x,
            #[inline(always)]
            |v| (v * v) as f64,
        );
        let want: f64 = x.iter().map(|&v| (v * v) as f64).sum();
        assert!(
            (s - want).abs() <= 1e-9 * want.max(1.0),
            "map_sum {n}: {s} vs {want}"
        );
    }
}

#[test]
fn array_maps_keep_shapes() {
    let x = Array::from_shape_vec(vec![2, 3], values(6, 10)).unwrap();
    let y = kernels::map1(
        &x,
        #[inline(always)]
        |v: f32| v > 0.0,
    );
    assert_eq!(y.shape(), &[2, 3]);
    assert!(
        y.as_slice()
            .iter()
            .zip(x.as_slice())
            .all(|(&b, &v)| b == (v > 0.0))
    );
    let s = kernels::map2(
        &x,
        &x,
        #[inline(always)]
        |a: f32, b: f32| a + b,
    );
    assert!(
        s.as_slice()
            .iter()
            .zip(x.as_slice())
            .all(|(&o, &v)| o == 2.0 * v)
    );
    let mut out = x.clone();
    kernels::map1_into(
        &x,
        &mut out,
        #[inline(always)]
        |v: f32| -v,
    );
    assert!(
        out.as_slice()
            .iter()
            .zip(x.as_slice())
            .all(|(&o, &v)| o == -v)
    );
    assert_eq!(
        x.as_slice()[0],
        -out.as_slice()[0],
        "map1_into must not write the input"
    );
}

#[test]
#[should_panic(expected = "kernels::map2: shapes [2, 3] and [3, 2] differ")]
fn map2_names_op_and_shapes() {
    let x = Array::from_shape_vec(vec![2, 3], vec![0.0f32; 6]).unwrap();
    let y = Array::from_shape_vec(vec![3, 2], vec![0.0f32; 6]).unwrap();
    let _ = kernels::map2(&x, &y, |a: f32, b: f32| a + b);
}

#[test]
fn map_rows_matches_row_loop() {
    for rows in [0, 1, 255, 257, 40_000] {
        let x = values(rows * 3, 11);
        let mut out = vec![0.0f32; rows * 2];
        kernels::map_rows(
            &x,
            &mut out,
            #[inline(always)]
            |r: [f32; 3]| [r[0] * r[1], r[2] - r[0]],
        );
        for i in 0..rows {
            assert_eq!(out[2 * i], x[3 * i] * x[3 * i + 1], "row {i} of {rows}");
            assert_eq!(out[2 * i + 1], x[3 * i + 2] - x[3 * i], "row {i} of {rows}");
        }
    }
}

#[test]
fn gemm_ex_transposed_lhs() {
    for &(m, k, n) in &[(1, 1, 1), (7, 5, 17), (13, 128, 70), (784, 128, 256)] {
        // a stored [k, m] holds Aᵀ; b is [k, n].
        let a = values(k * m, 12);
        let b = values(k * n, 13);
        let mut out = vec![0.0f32; m * n];
        kernels::gemm_ex_slice(&a, &b, m, k, n, true, false, &mut out, |v: f32| v - 0.5);
        let mut want = vec![0.0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                want[i * n + j] = (0..k)
                    .map(|p| a[p * m + i] as f64 * b[p * n + j] as f64)
                    .sum::<f64>()
                    - 0.5;
            }
        }
        assert_close(&out, &want, k, &format!("tn [{k},{m}]ᵀ x [{k},{n}]"));
    }
}

/// `kernels::gemm_fused` (bias columns, a same-shape operand, two results)
/// against a triple loop in f64, for every transpose combination, at
/// sizes on both sides of the threading threshold (column and row
/// blocks) and not multiples of any tile.
#[test]
fn gemm_fused_bias_operand_two_results() {
    for &(m, k, n) in &[
        (1, 1, 1),
        (1, 9, 4),
        (7, 5, 17),
        (13, 33, 70),
        (67, 300, 129),
        (300, 67, 129),
    ] {
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            let a = values(m * k, 21);
            let b = values(k * n, 22);
            let bias = values(n, 23);
            let other = values(m * n, 24);
            // op(a)[i, p] and op(b)[p, j] as stored.
            let at = |i: usize, p: usize| if ta { a[p * m + i] } else { a[i * k + p] };
            let bt = |p: usize, j: usize| if tb { b[j * k + p] } else { b[p * n + j] };
            let (mut y, mut d) = (vec![f32::NAN; m * n], vec![f32::NAN; m * n]);
            kernels::gemm_fused(
                &a,
                &b,
                m,
                k,
                n,
                ta,
                tb,
                [&bias[..]],
                [&other[..]],
                [&mut y[..], &mut d[..]],
                #[inline(always)]
                |v: f32, [c]: [f32; 1], [o]: [f32; 1]| [v + c, (v + c) * o],
            );
            let mut want_y = vec![0.0f64; m * n];
            let mut want_d = vec![0.0f64; m * n];
            for i in 0..m {
                for j in 0..n {
                    let v: f64 = (0..k).map(|p| at(i, p) as f64 * bt(p, j) as f64).sum();
                    want_y[i * n + j] = v + bias[j] as f64;
                    want_d[i * n + j] = (v + bias[j] as f64) * other[i * n + j] as f64;
                }
            }
            let what = format!("[{m}, {k}] x [{k}, {n}], trans {ta} {tb}");
            assert_close(&y, &want_y, k, &format!("{what}: bias"));
            assert_close(&d, &want_d, k, &format!("{what}: times operand"));
        }
    }
}

#[test]
#[should_panic(
    expected = "kernels::gemm_fused: column operand 0 has 3 elements, the product has 4 columns"
)]
fn gemm_fused_names_kernel_and_lengths() {
    let (a, b, bias) = ([0.0f32; 6], [0.0f32; 12], [0.0f32; 3]);
    let mut out = [0.0f32; 8];
    kernels::gemm_fused(
        &a,
        &b,
        2,
        3,
        4,
        false,
        false,
        [&bias[..]],
        [],
        [&mut out[..]],
        |v, [c], []| [v + c],
    );
}

/// op(a)(i, p) and op(b)(p, j) of row-major storage, for naive loops.
fn op_at(x: &[f32], rows: usize, cols: usize, trans: bool, r: usize, c: usize) -> f64 {
    // Stored [rows, cols], or [cols, rows] when transposed.
    (if trans {
        x[c * rows + r]
    } else {
        x[r * cols + c]
    }) as f64
}

/// The packed gemm behind `kernels::gemm_fused` (or whichever kernel this CPU
/// gets) against a triple loop in f64: edge shapes (1 x 1, one row or
/// column, k = 1, m not a multiple of 6, n not a multiple of 16), k over
/// one and several contraction passes, sizes that run on one thread and
/// on the pool (split by columns and, for narrow products, by rows), all
/// four transpose combinations, and each epilogue kind: the plain
/// product, a bias column with tanh, and a full-size operand with two
/// results.
#[test]
fn gemm_fused_edges_passes_transposes_and_epilogues() {
    for &(m, k, n) in &[
        (1, 1, 1),
        (1, 5, 1),
        (1, 300, 40),
        (40, 300, 1),
        (6, 1, 16),
        (7, 1, 17),
        (5, 3, 15),
        (12, 700, 33),
        (61, 321, 47),
        (400, 300, 10),
        (400, 300, 20),
        (130, 700, 129),
        (150, 64, 300),
    ] {
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            let seed = (m * 7 + k * 3 + n) as u64;
            let a = values(m * k, seed);
            let b = values(k * n, seed + 1);
            let bias = values(n, seed + 2);
            let other = values(m * n, seed + 3);
            let mut prod = vec![0.0f64; m * n];
            for i in 0..m {
                for j in 0..n {
                    prod[i * n + j] = (0..k)
                        .map(|p| op_at(&a, m, k, ta, i, p) * op_at(&b, k, n, tb, p, j))
                        .sum();
                }
            }
            let what = format!("[{m}, {k}] x [{k}, {n}], trans {ta} {tb}");
            let mut c = vec![f32::NAN; m * n];
            kernels::gemm_fused(
                &a,
                &b,
                m,
                k,
                n,
                ta,
                tb,
                [],
                [],
                [&mut c[..]],
                |v, [], []| [v],
            );
            assert_close(&c, &prod, k, &format!("{what}: product"));
            kernels::gemm_fused(
                &a,
                &b,
                m,
                k,
                n,
                ta,
                tb,
                [&bias[..]],
                [],
                [&mut c[..]],
                #[inline(always)]
                |v, [b], []| [kernels::tanh_f32(v + b)],
            );
            let want: Vec<f64> = prod
                .iter()
                .enumerate()
                .map(|(idx, v)| (v + bias[idx % n] as f64).tanh())
                .collect();
            assert_close(&c, &want, k, &format!("{what}: tanh(v + bias)"));
            let mut d = vec![f32::NAN; m * n];
            kernels::gemm_fused(
                &a,
                &b,
                m,
                k,
                n,
                ta,
                tb,
                [],
                [&other[..]],
                [&mut c[..], &mut d[..]],
                #[inline(always)]
                |v, [], [o]| [v * o, 1.0 - v],
            );
            let want_c: Vec<f64> = prod
                .iter()
                .zip(&other)
                .map(|(v, &o)| v * o as f64)
                .collect();
            let want_d: Vec<f64> = prod.iter().map(|v| 1.0 - v).collect();
            assert_close(&c, &want_c, k, &format!("{what}: v * operand"));
            assert_close(&d, &want_d, k, &format!("{what}: 1 - v"));
        }
    }
}

/// `kernels::syrk_epilogue_slice` against a triple loop and against the
/// general product `x · xᵀ` through `gemm_fused`, at edge shapes, k over
/// several contraction passes and sizes that run on the pool; the result
/// is exactly symmetric.
#[test]
fn syrk_edges_passes_and_general_product() {
    for &(m, k) in &[
        (1, 1),
        (1, 400),
        (2, 1),
        (6, 16),
        (17, 33),
        (100, 1),
        (50, 700),
        (64, 64),
        (130, 333),
        (257, 40),
    ] {
        let x = values(m * k, (m * 13 + k) as u64);
        let mut out = vec![f32::NAN; m * m];
        kernels::syrk_epilogue_slice(&x, m, k, &mut out, kernels::tanh_f32);
        let prod = naive_abt(&x, &x, m, m, k);
        let want: Vec<f64> = prod.iter().map(|v| v.tanh()).collect();
        assert_close(&out, &want, k, &format!("syrk [{m}, {k}]"));
        for i in 0..m {
            for j in 0..i {
                assert_eq!(
                    out[i * m + j].to_bits(),
                    out[j * m + i].to_bits(),
                    "syrk [{m}, {k}]: ({i}, {j}) and ({j}, {i})"
                );
            }
        }
        let mut general = vec![f32::NAN; m * m];
        kernels::gemm_fused(
            &x,
            &x,
            m,
            k,
            m,
            false,
            true,
            [],
            [],
            [&mut general[..]],
            #[inline(always)]
            |v, [], []| [kernels::tanh_f32(v)],
        );
        let general: Vec<f64> = general.iter().map(|&v| v as f64).collect();
        assert_close(&out, &general, k, &format!("syrk [{m}, {k}] vs gemm_fused"));
    }
}

/// Parallel kernels called from several user threads at once (each call
/// shares its tasks between its caller and the pool): every caller gets
/// its own product, and a kernel called from inside a rayon job (as per
/// shard) finishes too.
#[test]
fn parallel_kernels_from_concurrent_callers() {
    use rayon::prelude::*;
    // Above the parallel threshold (2^20 multiply-adds).
    let (m, k, n) = (96, 200, 80);
    let check = |seed: u64| {
        let a = values(m * k, seed);
        let b = values(n * k, seed + 1);
        let want = naive_abt(&a, &b, m, n, k);
        let mut got = vec![f32::NAN; m * n];
        kernels::gemm_fused(
            &a,
            &b,
            m,
            k,
            n,
            false,
            true,
            [],
            [],
            [&mut got[..]],
            #[inline(always)]
            |v: f32, [], []| [v],
        );
        assert_close(&got, &want, k, &format!("gemm, caller {seed}"));
        let x = Array::from_shape_vec(vec![m, k], a.clone()).unwrap();
        let s = kernels::syrk_epilogue(&x, |v| v);
        let want = naive_abt(&a, &a, m, m, k);
        assert_close(s.as_slice(), &want, k, &format!("syrk, caller {seed}"));
    };
    std::thread::scope(|sc| {
        for t in 0..4u64 {
            sc.spawn(move || {
                for r in 0..5 {
                    check(100 + 10 * t + r);
                }
            });
        }
    });
    (0..6u64).into_par_iter().for_each(|t| check(300 + t));
}
