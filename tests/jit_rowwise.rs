//! Row-wise programs under `#[jit]` (rjax-core's row kernels, see
//! rjax-core/src/kernel): softmax, logsumexp, layer norm, cross-entropy,
//! along rows, along columns and in 3-d, at odd sizes. Each `#[jit]`
//! function is compared with the same body evaluated eagerly (plain Rust
//! on `Array`, the runtime's own reductions and libm transcendentals)
//! within a few ulp of the result's scale; gradients of a row-wise loss
//! under `#[jit]` are compared with the same function's un-jitted
//! `#[grad]` companion and with central differences.
use rjax::prelude::*;

#[path = "support/xorshift.rs"]
mod xorshift;

/// Asserts `got` and `want` agree elementwise within `ulps` units of
/// f32 precision of the larger magnitude, or of the largest magnitude of
/// `want` for values that are small beside it (softmax probabilities far
/// below 1: their relative error follows the row sum's, whose rounding
/// depends on the order of the adds).
fn close(got: &Array<f32>, want: &Array<f32>, ulps: f32, what: &str) {
    close_to(got, want, ulps, 0.01, what)
}

/// [`close`] with errors measured against `floor` times the largest
/// magnitude at least (1: every element against the array's scale, for
/// values computed by cancellation, as `x - mean` in layer norm).
fn close_to(got: &Array<f32>, want: &Array<f32>, ulps: f32, floor: f32, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes");
    let scale = want.as_slice().iter().fold(0.0f32, |m, v| m.max(v.abs()));
    for (k, (a, b)) in got.as_slice().iter().zip(want.as_slice()).enumerate() {
        let tol = ulps * f32::EPSILON * a.abs().max(b.abs()).max(scale * floor);
        assert!(
            (a - b).abs() <= tol || (a.is_nan() && b.is_nan()),
            "{what}: element {k} of shape {:?}: jit {a} eager {b}",
            got.shape()
        );
    }
}

fn data(shape: &[usize], seed: u32, lo: f64, hi: f64) -> Array<f32> {
    let n = shape.iter().product();
    Array::from_shape_vec(shape.to_vec(), xorshift::uniform(n, seed, lo, hi)).unwrap()
}

/// Odd sizes: one row, one column, long thin, wide short, no multiple of
/// the kernels' chunk (16) or tile (64) widths, and one large enough for
/// the rows to be split over threads (`jit::grid`'s threshold).
const SIZES: &[(usize, usize)] = &[
    (1, 1),
    (1, 7),
    (7, 1),
    (1000, 3),
    (3, 1000),
    (17, 33),
    (65, 130),
    (301, 203),
];

#[jit]
fn softmax_jit(#[rank(2)] x: &Array<f32>) -> Array<f32> {
    let z = x - x.max_axes(&[1], true);
    let e = z.exp();
    e.clone() / e.sum_axes(&[1], true)
}

fn softmax_eager(x: &Array<f32>) -> Array<f32> {
    let z = x - x.max_axes(&[1], true);
    let e = z.exp();
    e.clone() / e.sum_axes(&[1], true)
}

#[test]
fn row_softmax_equals_eager() {
    for (k, &(n, m)) in SIZES.iter().enumerate() {
        let x = data(&[n, m], k as u32 + 1, -8.0, 8.0);
        close(&softmax_jit(&x), &softmax_eager(&x), 8.0, "softmax");
    }
}

#[jit]
fn logsumexp_jit(#[rank(2)] x: &Array<f32>) -> Array<f32> {
    let m = x.max_axes(&[1], true);
    (x - m.clone()).exp().sum_axes(&[1], true).log() + m
}

fn logsumexp_eager(x: &Array<f32>) -> Array<f32> {
    let m = x.max_axes(&[1], true);
    (x - m.clone()).exp().sum_axes(&[1], true).log() + m
}

#[test]
fn logsumexp_equals_eager() {
    for (k, &(n, m)) in SIZES.iter().enumerate() {
        let x = data(&[n, m], k as u32 + 20, -30.0, 30.0);
        let got = logsumexp_jit(&x);
        assert_eq!(got.shape(), [n, 1]);
        close(&got, &logsumexp_eager(&x), 8.0, "logsumexp");
    }
}

#[jit]
fn layer_norm_jit(#[rank(2)] x: &Array<f32>, g: &Array<f32>, b: &Array<f32>) -> Array<f32> {
    let mu = x.mean_axes(&[1], true);
    let d = x - mu;
    let var = (d.clone() * d.clone()).mean_axes(&[1], true);
    d / (var + 1e-5).sqrt() * g + b
}

fn layer_norm_eager(x: &Array<f32>, g: &Array<f32>, b: &Array<f32>) -> Array<f32> {
    let mu = x.mean_axes(&[1], true);
    let d = x - mu;
    let var = (d.clone() * d.clone()).mean_axes(&[1], true);
    d / (var + 1e-5).sqrt() * g + b
}

#[test]
fn layer_norm_equals_eager() {
    for (k, &(n, m)) in SIZES.iter().enumerate() {
        let x = data(&[n, m], k as u32 + 40, 1.0, 5.0);
        let g = data(&[m], k as u32 + 60, 0.5, 1.5);
        let b = data(&[m], k as u32 + 80, -1.0, 1.0);
        close_to(
            &layer_norm_jit(&x, &g, &b),
            &layer_norm_eager(&x, &g, &b),
            8.0,
            1.0,
            "layer norm",
        );
    }
}

/// Per-example softmax cross-entropy against one-hot labels.
#[jit]
fn xent_rows_jit(#[rank(2)] logits: &Array<f32>, #[rank(2)] y: &Array<f32>) -> Array<f32> {
    let z = logits - logits.max_axes(&[1], true);
    let lse = z.exp().sum_axes(&[1], true).log();
    -(y * (z - lse)).sum_axes(&[1], false)
}

fn xent_rows_eager(logits: &Array<f32>, y: &Array<f32>) -> Array<f32> {
    let z = logits - logits.max_axes(&[1], true);
    let lse = z.exp().sum_axes(&[1], true).log();
    -(y * (z - lse)).sum_axes(&[1], false)
}

fn one_hot(n: usize, m: usize, seed: usize) -> Array<f32> {
    let mut y = vec![0.0f32; n * m];
    for r in 0..n {
        y[r * m + (r * 7 + seed) % m] = 1.0;
    }
    Array::from_shape_vec(vec![n, m], y).unwrap()
}

#[test]
fn cross_entropy_equals_eager() {
    for (k, &(n, m)) in SIZES.iter().enumerate() {
        let x = data(&[n, m], k as u32 + 100, -4.0, 4.0);
        let y = one_hot(n, m, k);
        close(
            &xent_rows_jit(&x, &y),
            &xent_rows_eager(&x, &y),
            16.0,
            "cross-entropy",
        );
    }
}

#[jit]
fn column_softmax_jit(#[rank(2)] x: &Array<f32>) -> Array<f32> {
    let e = (x - x.max_axes(&[0], true)).exp();
    e.clone() / e.sum_axes(&[0], true)
}

fn column_softmax_eager(x: &Array<f32>) -> Array<f32> {
    let e = (x - x.max_axes(&[0], true)).exp();
    e.clone() / e.sum_axes(&[0], true)
}

#[test]
fn column_softmax_equals_eager() {
    for (k, &(n, m)) in SIZES.iter().enumerate() {
        let x = data(&[n, m], k as u32 + 120, -8.0, 8.0);
        close(
            &column_softmax_jit(&x),
            &column_softmax_eager(&x),
            8.0,
            "column softmax",
        );
    }
}

/// Softmax along the middle axis of a 3-d array (outer, reduced and
/// inner axes all present), and layer norm along the last.
#[jit]
fn middle_softmax_jit(#[rank(3)] x: &Array<f32>) -> Array<f32> {
    let e = (x - x.max_axes(&[1], true)).exp();
    e.clone() / e.sum_axes(&[1], true)
}

fn middle_softmax_eager(x: &Array<f32>) -> Array<f32> {
    let e = (x - x.max_axes(&[1], true)).exp();
    e.clone() / e.sum_axes(&[1], true)
}

#[jit]
fn last_norm_jit(#[rank(3)] x: &Array<f32>) -> Array<f32> {
    let d = x - x.mean_axes(&[2], true);
    d.clone() / ((d.clone() * d).mean_axes(&[2], true) + 1e-5).sqrt()
}

fn last_norm_eager(x: &Array<f32>) -> Array<f32> {
    let d = x - x.mean_axes(&[2], true);
    d.clone() / ((d.clone() * d).mean_axes(&[2], true) + 1e-5).sqrt()
}

#[test]
fn three_d_equals_eager() {
    for (k, shape) in [[2, 3, 4], [1, 1, 1], [3, 70, 5], [2, 5, 130], [4, 1, 9]]
        .iter()
        .enumerate()
    {
        let x = data(shape, k as u32 + 140, -6.0, 6.0);
        close(
            &middle_softmax_jit(&x),
            &middle_softmax_eager(&x),
            8.0,
            "softmax over axis 1 of 3-d",
        );
        close_to(
            &last_norm_jit(&x),
            &last_norm_eager(&x),
            8.0,
            1.0,
            "layer norm over axis 2 of 3-d",
        );
    }
}

/// A rank-0 input read inside the kernel, a row value returned with and
/// without keepdims, and the softmax returned next to its row sums.
#[jit]
fn several_results_jit(#[rank(2)] x: &Array<f32>, t: f32) -> (Array<f32>, Array<f32>, Array<f32>) {
    let z = x * t - (x * t).max_axes(&[1], true);
    let s = z.exp().sum_axes(&[1], false);
    let p = z.exp() / z.exp().sum_axes(&[1], true);
    (p, s, z.max_axes(&[1], true))
}

fn several_results_eager(x: &Array<f32>, t: f32) -> (Array<f32>, Array<f32>, Array<f32>) {
    let z = x * t - (x * t).max_axes(&[1], true);
    let s = z.exp().sum_axes(&[1], false);
    let p = z.exp() / z.exp().sum_axes(&[1], true);
    (p, s, z.max_axes(&[1], true))
}

#[test]
fn several_results_and_a_scalar_equal_eager() {
    for (k, &(n, m)) in SIZES.iter().enumerate() {
        let x = data(&[n, m], k as u32 + 160, -2.0, 2.0);
        let (a, b, c) = several_results_jit(&x, 1.5);
        let (d, e, f) = several_results_eager(&x, 1.5);
        close(&a, &d, 8.0, "softmax result");
        close(&b, &e, 8.0, "row sums");
        close(&c, &f, 1.0, "row max");
    }
}

/// NaN and infinities go through the row max as through `lax.reduce_max`.
#[test]
fn non_finite_values_match_eager() {
    let x = Array::from_shape_vec(
        vec![3, 4],
        vec![
            1.0,
            f32::NAN,
            2.0,
            3.0,
            f32::NEG_INFINITY,
            0.0,
            1.0,
            2.0,
            f32::INFINITY,
            1.0,
            2.0,
            3.0,
        ],
    )
    .unwrap();
    let (got, want) = (logsumexp_jit(&x), logsumexp_eager(&x));
    for (a, b) in got.as_slice().iter().zip(want.as_slice()) {
        assert!(a == b || (a.is_nan() && b.is_nan()), "{a} vs {b}");
    }
}

/// Mean softmax cross-entropy: jit(grad) against the un-jitted grad.
#[jit]
#[grad]
fn xent_loss_jit(#[rank(2)] logits: &Array<f32>, #[rank(2)] y: &Array<f32>) -> f32 {
    let z = logits - logits.max_axes(&[1], true);
    let lse = z.exp().sum_axes(&[1], true).log();
    -(y * (z - lse)).sum_axes(&[1], false).mean()
}

#[grad]
fn xent_loss_eager(#[rank(2)] logits: &Array<f32>, #[rank(2)] y: &Array<f32>) -> f32 {
    let z = logits - logits.max_axes(&[1], true);
    let lse = z.exp().sum_axes(&[1], true).log();
    -(y * (z - lse)).sum_axes(&[1], false).mean()
}

/// Layer norm's loss, differentiated with respect to x, g and b.
#[jit]
#[grad(argnums = (0, 1, 2))]
fn norm_loss_jit(#[rank(2)] x: &Array<f32>, g: &Array<f32>, b: &Array<f32>) -> f32 {
    let mu = x.mean_axes(&[1], true);
    let d = x - mu;
    let var = (d.clone() * d.clone()).mean_axes(&[1], true);
    let y = d / (var + 1e-5).sqrt() * g + b;
    (y.clone() * y.tanh()).sum()
}

#[grad(argnums = (0, 1, 2))]
fn norm_loss_eager(#[rank(2)] x: &Array<f32>, g: &Array<f32>, b: &Array<f32>) -> f32 {
    let mu = x.mean_axes(&[1], true);
    let d = x - mu;
    let var = (d.clone() * d.clone()).mean_axes(&[1], true);
    let y = d / (var + 1e-5).sqrt() * g + b;
    (y.clone() * y.tanh()).sum()
}

#[test]
fn gradients_of_row_wise_losses_under_jit_equal_eager() {
    for (k, &(n, m)) in SIZES.iter().enumerate() {
        let x = data(&[n, m], k as u32 + 200, -3.0, 3.0);
        let y = one_hot(n, m, k);
        let (lj, le) = (xent_loss_jit(&x, &y), xent_loss_eager(&x, &y));
        assert!((lj - le).abs() <= 1e-5 * le.abs().max(1.0), "{lj} vs {le}");
        close_to(
            &xent_loss_jit::grad(&x, &y),
            &xent_loss_eager::grad(&x, &y),
            8.0,
            1.0,
            "grad of cross-entropy",
        );
        let g = data(&[m], k as u32 + 220, 0.5, 1.5);
        let b = data(&[m], k as u32 + 240, -1.0, 1.0);
        let (gx, gg, gb) = norm_loss_jit::grad(&x, &g, &b);
        let (ex, eg, eb) = norm_loss_eager::grad(&x, &g, &b);
        close_to(&gx, &ex, 16.0, 1.0, "grad of layer norm loss wrt x");
        close_to(&gg, &eg, 16.0, 1.0, "grad wrt g");
        close_to(&gb, &eb, 16.0, 1.0, "grad wrt b");
    }
}

/// The jitted gradient of the cross-entropy against central differences
/// of the eager loss, in f64 (an oracle independent of both gradients).
#[jit]
#[grad]
fn xent64(#[rank(2)] logits: &Array<f64>, #[rank(2)] y: &Array<f64>) -> f64 {
    let z = logits - logits.max_axes(&[1], true);
    let lse = z.exp().sum_axes(&[1], true).log();
    -(y * (z - lse)).sum_axes(&[1], false).mean()
}

#[test]
fn jit_gradient_matches_central_differences() {
    let (n, m) = (5, 9);
    let x: Vec<f64> = xorshift::uniform(n * m, 7, -2.0, 2.0);
    let x = Array::from_shape_vec(vec![n, m], x).unwrap();
    let y = Array::from_shape_vec(
        vec![n, m],
        one_hot(n, m, 3)
            .as_slice()
            .iter()
            .map(|v| *v as f64)
            .collect(),
    )
    .unwrap();
    let g = xent64::grad(&x, &y);
    let h = 1e-6;
    for k in 0..n * m {
        let bump = |d: f64| {
            let mut v = x.to_vec();
            v[k] += d;
            xent64(&Array::from_shape_vec(vec![n, m], v).unwrap(), &y)
        };
        let fd = (bump(h) - bump(-h)) / (2.0 * h);
        assert!(
            (g.as_slice()[k] - fd).abs() < 1e-7,
            "{k}: {} vs {fd}",
            g.as_slice()[k]
        );
    }
}

/// Integer rows: the max and the (wrapping) sum of each row, then a row
/// value broadcast back (kernels are not float-only).
#[jit]
fn int_rows_jit(#[rank(2)] x: &Array<i32>) -> Array<i32> {
    let m = x.max_axes(&[1], true);
    (x - m).sum_axes(&[1], true) + x.min_axes(&[1], true)
}

fn int_rows_eager(x: &Array<i32>) -> Array<i32> {
    let m = x.max_axes(&[1], true);
    (x - m).sum_axes(&[1], true) + x.min_axes(&[1], true)
}

#[test]
fn integer_rows_equal_eager() {
    for &(n, m) in SIZES {
        let v: Vec<i32> = (0..n * m)
            .map(|k| ((k * 7919) % 201) as i32 - 100)
            .collect();
        let x = Array::from_shape_vec(vec![n, m], v).unwrap();
        assert_eq!(int_rows_jit(&x).to_vec(), int_rows_eager(&x).to_vec());
    }
}
