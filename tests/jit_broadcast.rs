//! Broadcasts under `#[jit]` are index arithmetic inside their consumer
//! (rjax-core's map kernels and partial-outer reads, see
//! rjax-core/src/kernel): bias add + relu, per-row and per-column
//! scales, outer-broadcast comparisons, broadcasts along a middle axis,
//! pairwise differences read twice from one array, and gradients whose
//! transposes broadcast cotangents. Each `#[jit]` function is compared
//! with the same body run eagerly (the runtime's materialised
//! broadcasts), at odd sizes including 1s; the eager `broadcast_in_dim`
//! itself is compared with an element-by-element loop.
use rjax::prelude::*;

#[path = "../rjax-runtime/tests/support/xorshift.rs"]
mod xorshift;

fn data(shape: &[usize], seed: u32) -> Array<f32> {
    let n = shape.iter().product();
    Array::from_shape_vec(shape.to_vec(), xorshift::uniform(n, seed, -2.0, 2.0)).unwrap()
}

/// Within a few f32 ulps of the larger magnitude (the jit and eager
/// bodies run the same operations in the same order per element).
fn close(got: &Array<f32>, want: &Array<f32>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes");
    for (k, (a, b)) in got.as_slice().iter().zip(want.as_slice()).enumerate() {
        let tol = 4.0 * f32::EPSILON * a.abs().max(b.abs()).max(1.0);
        assert!(
            (a - b).abs() <= tol,
            "{what}: element {k} of {:?}: jit {a} eager {b}",
            got.shape()
        );
    }
}

/// Sizes with 1s, odd lengths, and one large enough for `jit::grid` to
/// split rows over threads.
const SIZES: &[(usize, usize)] = &[(1, 1), (1, 9), (9, 1), (3, 17), (130, 7), (257, 300)];

#[jit]
fn bias_relu_jit(#[rank(2)] x: &Array<f32>, b: &Array<f32>) -> Array<f32> {
    let h = x + b;
    (h.abs() + h) * 0.5
}

fn bias_relu_eager(x: &Array<f32>, b: &Array<f32>) -> Array<f32> {
    let h = x + b;
    (h.abs() + h) * 0.5
}

/// No broadcast of `j` (optimised and scheduled as `#[jit]` does) is
/// built as an array: each is read by a kernel through index arithmetic.
fn broadcasts_are_not_built(j: rjax::core::Jaxpr, what: &str) {
    let s = rjax::core::kernel::schedule(&rjax::core::optimize(&j), &Default::default());
    let inside: std::collections::HashSet<usize> = s
        .kernels
        .iter()
        .flat_map(|k| k.members.iter().copied())
        .collect();
    for (i, e) in s.jaxpr.eqns.iter().enumerate() {
        assert!(
            e.prim != rjax::core::Prim::BroadcastInDim || inside.contains(&i),
            "{what}: a broadcast is built outside the kernels:\n{s}"
        );
    }
    assert!(!s.kernels.is_empty(), "{what}: no kernel\n{s}");
}

#[test]
fn no_broadcast_is_materialised() {
    broadcasts_are_not_built(bias_relu_jit::jaxpr(), "bias relu");
    broadcasts_are_not_built(column_scale_jit::jaxpr(), "column scale");
    broadcasts_are_not_built(outer_min_jit::jaxpr(), "outer select");
    broadcasts_are_not_built(outer_mask_jit::jaxpr(), "outer mask");
    broadcasts_are_not_built(middle_axis_jit::jaxpr(), "middle axis");
    broadcasts_are_not_built(pair_dist_jit::jaxpr(), "pairwise distances");
}

#[test]
fn bias_add_and_relu() {
    for (k, &(n, m)) in SIZES.iter().enumerate() {
        let (x, b) = (data(&[n, m], k as u32 + 1), data(&[m], k as u32 + 50));
        close(
            &bias_relu_jit(&x, &b),
            &bias_relu_eager(&x, &b),
            "bias relu",
        );
    }
}

#[jit]
fn column_scale_jit(#[rank(2)] x: &Array<f32>, s: &Array<f32>) -> Array<f32> {
    (x * s.expand_dims(1)).exp() - s.expand_dims(1)
}

fn column_scale_eager(x: &Array<f32>, s: &Array<f32>) -> Array<f32> {
    (x * s.expand_dims(1)).exp() - s.expand_dims(1)
}

#[test]
fn column_broadcast_scale() {
    for (k, &(n, m)) in SIZES.iter().enumerate() {
        let (x, s) = (data(&[n, m], k as u32 + 3), data(&[n], k as u32 + 60));
        close(
            &column_scale_jit(&x, &s),
            &column_scale_eager(&x, &s),
            "column scale",
        );
    }
}

#[jit]
fn outer_min_jit(a: &Array<f32>, b: &Array<f32>) -> Array<f32> {
    let (u, v) = (a.expand_dims(1), b.expand_dims(0));
    where_(u.less(&v), &u * 2.0, &v + &u * 0.0)
}

fn outer_min_eager(a: &Array<f32>, b: &Array<f32>) -> Array<f32> {
    let (u, v) = (a.expand_dims(1), b.expand_dims(0));
    where_(u.less(&v), &u * 2.0, &v + &u * 0.0)
}

#[jit]
fn outer_mask_jit(a: &Array<f32>, b: &Array<f32>) -> Array<bool> {
    a.expand_dims(1).greater(&b.expand_dims(0))
}

fn outer_mask_eager(a: &Array<f32>, b: &Array<f32>) -> Array<bool> {
    a.expand_dims(1).greater(&b.expand_dims(0))
}

#[test]
fn outer_broadcast_compare() {
    for (k, &(n, m)) in SIZES.iter().enumerate() {
        let (a, b) = (data(&[n], k as u32 + 5), data(&[m], k as u32 + 70));
        close(
            &outer_min_jit(&a, &b),
            &outer_min_eager(&a, &b),
            "outer select",
        );
        assert_eq!(
            outer_mask_jit(&a, &b).as_slice(),
            outer_mask_eager(&a, &b).as_slice(),
            "outer mask {n}x{m}"
        );
    }
}

#[jit]
fn middle_axis_jit(
    #[rank(3)] x: &Array<f32>,
    c: &Array<f32>,
    #[rank(2)] d: &Array<f32>,
) -> Array<f32> {
    (x * c.expand_dims(1) + d.expand_dims(1)).tanh()
}

fn middle_axis_eager(x: &Array<f32>, c: &Array<f32>, d: &Array<f32>) -> Array<f32> {
    (x * c.expand_dims(1) + d.expand_dims(1)).tanh()
}

#[test]
fn broadcasts_along_a_middle_and_an_outer_axis() {
    for (k, &(n, m, b)) in [(1, 1, 1), (2, 3, 4), (5, 1, 9), (4, 33, 65), (40, 30, 200)]
        .iter()
        .enumerate()
    {
        let x = data(&[n, m, b], k as u32 + 7);
        let (c, d) = (data(&[m], k as u32 + 80), data(&[n, b], k as u32 + 90));
        close(
            &middle_axis_jit(&x, &c, &d),
            &middle_axis_eager(&x, &c, &d),
            "middle axis",
        );
    }
}

#[jit]
fn pair_dist_jit(#[rank(2)] x: &Array<f32>) -> Array<f32> {
    let d = x.expand_dims(0) - x.expand_dims(1);
    (&d * &d).sum_axes(&[2], false).sqrt()
}

fn pair_dist_eager(x: &Array<f32>) -> Array<f32> {
    let d = x.expand_dims(0) - x.expand_dims(1);
    (&d * &d).sum_axes(&[2], false).sqrt()
}

#[test]
fn pairwise_distances_read_one_array_two_ways() {
    for (k, &(n, m)) in [(1, 1), (2, 3), (17, 3), (70, 5)].iter().enumerate() {
        let x = data(&[n, m], k as u32 + 9);
        close(
            &pair_dist_jit(&x),
            &pair_dist_eager(&x),
            "pairwise distances",
        );
    }
}

/// sum(tanh(x w + b) * s[:, None]): its gradient broadcasts cotangents
/// back over rows and columns.
#[grad(argnums = (1, 2))]
fn scaled_layer(
    #[rank(2)] x: &Array<f32>,
    #[rank(2)] w: &Array<f32>,
    b: &Array<f32>,
    s: &Array<f32>,
) -> f32 {
    ((x.matmul(w) + b).tanh() * s.expand_dims(1)).sum()
}

#[jit]
fn scaled_layer_grad(
    #[rank(2)] x: &Array<f32>,
    #[rank(2)] w: &Array<f32>,
    b: &Array<f32>,
    s: &Array<f32>,
) -> (Array<f32>, Array<f32>) {
    scaled_layer::grad(x, w, b, s)
}

#[test]
fn gradients_that_broadcast_cotangents() {
    for (k, &(n, d, h)) in [(1, 1, 1), (3, 4, 5), (33, 8, 70)].iter().enumerate() {
        let x = data(&[n, d], k as u32 + 11);
        let w = data(&[d, h], k as u32 + 12);
        let (b, s) = (data(&[h], k as u32 + 13), data(&[n], k as u32 + 14));
        let (gw, gb) = scaled_layer_grad(&x, &w, &b, &s);
        let (ew, eb) = scaled_layer::grad(&x, &w, &b, &s);
        let tol = |a: &Array<f32>, e: &Array<f32>, what: &str| {
            let scale = e.as_slice().iter().fold(1.0f32, |m, v| m.max(v.abs()));
            for (g, w) in a.as_slice().iter().zip(e.as_slice()) {
                assert!((g - w).abs() <= 1e-5 * scale, "{what}: jit {g} eager {w}");
            }
        };
        tol(&gw, &ew, "d/dw");
        tol(&gb, &eb, "d/db");
    }
}

#[test]
fn eager_broadcast_in_dim_equals_a_loop() {
    use rjax::runtime::lax;
    let x = data(&[3, 1, 4], 21);
    let y = lax::broadcast_in_dim(&x, &[2, 3, 5, 4], &[1, 2, 3]);
    for a in 0..2 {
        for b in 0..3 {
            for c in 0..5 {
                for d in 0..4 {
                    let got = y.as_slice()[((a * 3 + b) * 5 + c) * 4 + d];
                    assert_eq!(got, x.as_slice()[b * 4 + d], "[{a},{b},{c},{d}]");
                }
            }
        }
    }
    let v = data(&[8192], 22);
    let m = lax::broadcast_in_dim(&v, &[8192, 3], &[0]);
    for i in 0..8192 {
        assert_eq!(&m.as_slice()[i * 3..i * 3 + 3], &[v.as_slice()[i]; 3]);
    }
}
