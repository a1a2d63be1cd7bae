//! `#[jit]` of batched programs over rows (vmap of a gradient, of a
//! scalar function, of `array![..]` built from elements): the jit emits
//! one pass over the rows for these (jit::rows). Each is compared with
//! the loop over rows of the same function without `#[jit]` and with the
//! analytic values, for rows of 2, 3 and 5, f32 and f64, row counts
//! around the kernel's strips (64 rows), blocks (8192 rows) and the
//! parallel threshold, and rows wider than the columns read (a strided
//! read of each column; results padded with zero columns).
use rjax::prelude::*;

/// Row counts: one row, a few, strip and block edges, the pool.
const ROWS: [usize; 11] = [1, 7, 63, 64, 65, 4_000, 5_462, 8_191, 8_192, 8_193, 20_000];

fn data<T: rjax::Element>(rows: usize, width: usize, seed: f64) -> Array<T> {
    let v = (0..rows * width)
        .map(|i| T::from_f64(((i as f64 + seed) * 0.731).sin() * 2.5))
        .collect();
    Array::from_shape_vec(vec![rows, width], v).unwrap()
}

fn row<T: rjax::Element>(x: &Array<T>, r: usize) -> Array<T> {
    let w = x.shape()[1];
    Array::from_vec(x.as_slice()[r * w..(r + 1) * w].to_vec())
}

/// `got` equals `want` elementwise within `tol` (relative, and absolute
/// near zero), naming the first difference.
fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "{what}: element {k} is {g}, expected {w}"
        );
    }
}

fn f64s<T: rjax::Element>(a: &Array<T>) -> Vec<f64> {
    a.as_slice().iter().map(|v| v.to_f64()).collect()
}

// ---- the seed f(t) = sin(t0) cos(t1) t2, f32 and f64 ----

#[jit]
#[grad]
fn seed32(t: &Array<f32>) -> f32 {
    t[0].sin() * t[1].cos() * t[2]
}

#[jit]
#[vmap]
fn seed32_rows(t: &Array<f32>) -> Array<f32> {
    seed32::grad(t)
}

#[grad]
fn seed64(t: &Array<f64>) -> f64 {
    t[0].sin() * t[1].cos() * t[2]
}

#[jit]
#[vmap]
fn seed64_rows(t: &Array<f64>) -> Array<f64> {
    seed64::grad(t)
}

/// d/dt of sin(t0) cos(t1) t2, zero past column 2.
fn seed_grad(t: &[f64]) -> Vec<f64> {
    let mut g = vec![0.0; t.len()];
    g[0] = t[0].cos() * t[1].cos() * t[2];
    g[1] = -t[0].sin() * t[1].sin() * t[2];
    g[2] = t[0].sin() * t[1].cos();
    g
}

#[test]
fn vmap_grad_of_the_seed_f32_and_f64() {
    // Rows of 3, and of 5 (two trailing columns the gradient leaves zero).
    for width in [3, 5] {
        for rows in ROWS {
            let x32 = data::<f32>(rows, width, 0.0);
            let x64 = data::<f64>(rows, width, 0.0);
            let (g32, g64) = (seed32_rows::vmap(&x32), seed64_rows::vmap(&x64));
            assert_eq!(g32.shape(), &[rows, width]);
            assert_eq!(g64.shape(), &[rows, width]);
            let mut analytic = Vec::new();
            let mut looped32 = Vec::new();
            let mut looped64 = Vec::new();
            for r in 0..rows {
                analytic.extend(seed_grad(&f64s(&row(&x64, r))));
                looped32.extend(f64s(&seed32::grad(&row(&x32, r))));
                looped64.extend(f64s(&seed64::grad(&row(&x64, r))));
            }
            let what = format!("{rows} rows of {width}");
            assert_close(
                &f64s(&g64),
                &looped64,
                1e-12,
                &format!("f64 vs loop, {what}"),
            );
            assert_close(
                &f64s(&g64),
                &analytic,
                1e-12,
                &format!("f64 vs analytic, {what}"),
            );
            assert_close(
                &f64s(&g32),
                &looped32,
                1e-5,
                &format!("f32 vs loop, {what}"),
            );
            assert_close(
                &f64s(&g32),
                &analytic,
                1e-5,
                &format!("f32 vs analytic, {what}"),
            );
        }
    }
}

// ---- rows of 2 and 5, a column read twice, one left out ----

#[grad]
fn pair(t: &Array<f64>) -> f64 {
    t[0].exp() * t[1].tanh() + t[0] * t[0]
}

#[jit]
#[vmap]
fn pair_rows(t: &Array<f64>) -> Array<f64> {
    pair::grad(t)
}

#[grad]
fn five(t: &Array<f32>) -> f32 {
    t[0] * t[1] + t[2].sin() * t[3] - t[4].cos() * t[0]
}

#[jit]
#[vmap]
fn five_rows(t: &Array<f32>) -> Array<f32> {
    five::grad(t)
}

#[grad]
fn skips(t: &Array<f64>) -> f64 {
    (t[0] * t[2]).sin()
}

#[jit]
#[vmap]
fn skips_rows(t: &Array<f64>) -> Array<f64> {
    skips::grad(t)
}

#[test]
fn vmap_grad_over_rows_of_two_and_five() {
    for rows in ROWS {
        let x = data::<f64>(rows, 2, 1.0);
        let g = pair_rows::vmap(&x);
        let (mut looped, mut analytic) = (Vec::new(), Vec::new());
        for r in 0..rows {
            looped.extend(f64s(&pair::grad(&row(&x, r))));
            let t = f64s(&row(&x, r));
            let th = t[1].tanh();
            analytic.extend([t[0].exp() * th + 2.0 * t[0], t[0].exp() * (1.0 - th * th)]);
        }
        assert_close(
            &f64s(&g),
            &looped,
            1e-12,
            &format!("rows of 2 vs loop, {rows}"),
        );
        assert_close(&f64s(&g), &analytic, 1e-12, &format!("rows of 2, {rows}"));

        let x = data::<f32>(rows, 5, 2.0);
        let g = five_rows::vmap(&x);
        assert_eq!(g.shape(), &[rows, 5]);
        let (mut looped, mut analytic) = (Vec::new(), Vec::new());
        for r in 0..rows {
            looped.extend(f64s(&five::grad(&row(&x, r))));
            let t = f64s(&row(&x, r));
            analytic.extend([
                t[1] - t[4].cos(),
                t[0],
                t[2].cos() * t[3],
                t[2].sin(),
                t[4].sin() * t[0],
            ]);
        }
        assert_close(
            &f64s(&g),
            &looped,
            1e-5,
            &format!("rows of 5 vs loop, {rows}"),
        );
        assert_close(&f64s(&g), &analytic, 1e-5, &format!("rows of 5, {rows}"));

        // Column 1 is never read: its gradient is zero.
        let x = data::<f64>(rows, 3, 3.0);
        let g = skips_rows::vmap(&x);
        let mut analytic = Vec::new();
        for r in 0..rows {
            let t = f64s(&row(&x, r));
            let c = (t[0] * t[2]).cos();
            analytic.extend([t[2] * c, 0.0, t[0] * c]);
        }
        assert_close(
            &f64s(&g),
            &analytic,
            1e-12,
            &format!("skipped column, {rows}"),
        );
    }
}

// ---- batched functions: a scalar per row, array![..], two mapped
// arguments, a shared scalar ----

#[jit]
#[vmap]
fn energy(t: &Array<f64>) -> f64 {
    t[0] * t[1].sin() + t[2].exp()
}

#[jit]
#[vmap]
fn pairs(t: &Array<f32>) -> Array<f32> {
    let (a, b) = (t[0], t[1]);
    array![a * b, a + b.cos(), b]
}

#[jit]
#[vmap(in_axes = (0, None))]
fn scaled(t: &Array<f64>, s: f64) -> Array<f64> {
    array![t[0] * s, t[1].tanh() * s]
}

#[jit]
#[vmap]
fn cross(x: &Array<f32>, y: &Array<f32>) -> f32 {
    x[0] * y[1] - x[1] * y[0]
}

#[test]
fn batched_functions_of_row_elements() {
    for rows in ROWS {
        let x = data::<f64>(rows, 4, 4.0);
        let e = energy::vmap(&x);
        assert_eq!(e.shape(), &[rows]);
        let want: Vec<f64> = (0..rows)
            .map(|r| {
                let t = f64s(&row(&x, r));
                t[0] * t[1].sin() + t[2].exp()
            })
            .collect();
        assert_close(&f64s(&e), &want, 1e-12, &format!("energy, {rows}"));

        let x = data::<f32>(rows, 2, 5.0);
        let p = pairs::vmap(&x);
        assert_eq!(p.shape(), &[rows, 3]);
        let mut want = Vec::new();
        for r in 0..rows {
            let t = f64s(&row(&x, r));
            want.extend([t[0] * t[1], t[0] + t[1].cos(), t[1]]);
        }
        assert_close(&f64s(&p), &want, 1e-5, &format!("array! per row, {rows}"));

        let x = data::<f64>(rows, 3, 6.0);
        let s = scaled::vmap(&x, 1.5);
        let mut want = Vec::new();
        for r in 0..rows {
            let t = f64s(&row(&x, r));
            want.extend([t[0] * 1.5, t[1].tanh() * 1.5]);
        }
        assert_close(&f64s(&s), &want, 1e-12, &format!("shared scalar, {rows}"));

        let (a, b) = (data::<f32>(rows, 2, 7.0), data::<f32>(rows, 3, 8.0));
        let c = cross::vmap(&a, &b);
        let want: Vec<f64> = (0..rows)
            .map(|r| {
                let (x, y) = (f64s(&row(&a, r)), f64s(&row(&b, r)));
                x[0] * y[1] - x[1] * y[0]
            })
            .collect();
        assert_close(
            &f64s(&c),
            &want,
            1e-5,
            &format!("two mapped arrays, {rows}"),
        );
    }
}

#[test]
#[should_panic(
    expected = "cross::vmap got inconsistent sizes for the mapped axes: `x` has shape [4, 2] and axis 0 is mapped (size 4); `y` has shape [3, 2]"
)]
fn a_batch_with_fewer_rows_is_refused() {
    let (a, b) = (data::<f32>(4, 2, 0.0), data::<f32>(3, 2, 0.0));
    let _ = cross::vmap(&a, &b);
}

/// `hessian` and `jacobian` batch over a basis of tangents, so under
/// `#[jit]` they run through the same row loop (rows = basis vectors).
#[test]
fn companions_batched_over_a_basis() {
    let t = [0.7f32, -1.3, 2.1];
    let h = seed32::hessian(&Array::from_vec(t.to_vec()));
    let (s0, c0, s1, c1, z) = (t[0].sin(), t[0].cos(), t[1].sin(), t[1].cos(), t[2]);
    let want = [
        [-s0 * c1 * z, -c0 * s1 * z, c0 * c1],
        [-c0 * s1 * z, -s0 * c1 * z, -s0 * s1],
        [c0 * c1, -s0 * s1, 0.0],
    ];
    let want: Vec<f64> = want.iter().flatten().map(|v| *v as f64).collect();
    assert_eq!(h.shape(), &[3, 3]);
    assert_close(&f64s(&h), &want, 1e-5, "hessian of the seed");

    let (a, b) = (0.4f32, 1.9f32);
    let j = pairs::jacobian(&Array::from_vec(vec![a, b]));
    assert_eq!(j.shape(), &[3, 2]);
    let want = [b, a, 1.0, -b.sin(), 0.0, 1.0].map(|v| v as f64);
    assert_close(&f64s(&j), &want, 1e-5, "jacobian of array![..]");
}

/// Sin and cos of values beyond the fast range reduction are computed
/// precisely in the row loop too (the strip holding them is redone).
#[test]
fn huge_arguments_of_sin_and_cos() {
    let rows = 200;
    let mut x = data::<f32>(rows, 3, 9.0).to_vec();
    x[3 * 130] = 1e30;
    x[3 * 131 + 1] = -3e9;
    let x = Array::from_shape_vec(vec![rows, 3], x).unwrap();
    let g = seed32_rows::vmap(&x);
    let mut analytic = Vec::new();
    for r in 0..rows {
        analytic.extend(seed_grad(&f64s(&row(&x, r))));
    }
    assert_close(&f64s(&g), &analytic, 1e-5, "huge arguments");
}
