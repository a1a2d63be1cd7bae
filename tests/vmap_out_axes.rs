//! `#[vmap(out_axes = ..)]` as in JAX: where the batch axis goes in each
//! output (an integer for all, one per element of a returned tuple, `None`
//! for an output that does not depend on the batch), for the companion
//! `f::vmap` and for `f::vmap(..)` called inside another annotated body.
//! Checked against a loop over the batch and analytic gradients.
use rjax::prelude::*;

/// Features of one row of 3: (2 sin t_i).
#[vmap(out_axes = 1)]
fn feats(t: &Array<f64>) -> Array<f64> {
    t.sin() * 2.0
}

/// An outer product per example, batch axis last: [3, 2, batch].
#[vmap(in_axes = (0, None), out_axes = 2)]
fn outer(x: &Array<f64>, w: &Array<f64>) -> Array<f64> {
    let col = x.reshape(&[3, 1]);
    let row = w.reshape(&[1, 2]);
    col * row
}

/// Per-element axes: the product batched on axis 1, the shared cosine
/// unbatched.
#[vmap(in_axes = (0, None), out_axes = (1, None))]
fn pair(x: &Array<f64>, w: &Array<f64>) -> (Array<f64>, Array<f64>) {
    (x * w, w.cos())
}

#[derive(Tree, Clone, Debug)]
struct Split {
    pos: Array<f64>,
    neg: Array<f64>,
}

/// A struct result: every leaf gets the batch on axis 1.
#[vmap(out_axes = 1)]
fn split(t: &Array<f64>) -> Split {
    Split {
        pos: t.maximum(&(t * 0.0)),
        neg: t.minimum(&(t * 0.0)),
    }
}

/// `feats::vmap` inside a jitted body: [3, batch] from [batch, 3].
#[jit]
fn feats_cols(ts: &Array<f64>) -> Array<f64> {
    feats::vmap(ts)
}

/// A loss that reads the transposed batch by rows: row k of
/// `feats::vmap(ts)` is feature k of every example, so the loss is
/// sum_j 4 sin(t_j0) sin(t_j1) (with the batch first, `index(0)` would be
/// the first example instead).
#[grad]
fn cross(#[rank(2)] ts: &Array<f64>) -> f64 {
    let f = feats::vmap(ts);
    (f.index(0) * f.index(1)).sum()
}

fn batch(rows: usize) -> Array<f64> {
    let v: Vec<f64> = (0..rows * 3)
        .map(|k| (k as f64 * 0.41).sin() * 1.5)
        .collect();
    Array::from_shape_vec(vec![rows, 3], v).unwrap()
}

fn row(ts: &Array<f64>, r: usize) -> Array<f64> {
    Array::from_vec((0..3).map(|i| ts.get(&[r, i])).collect())
}

fn close(x: f64, y: f64) -> bool {
    (x - y).abs() <= 1e-13 * (1.0 + y.abs())
}

#[test]
fn a_single_out_axis_moves_the_batch() {
    for rows in [1usize, 5] {
        let ts = batch(rows);
        let got = feats::vmap(&ts);
        assert_eq!(got.shape(), &[3, rows]);
        for r in 0..rows {
            let want = feats(&row(&ts, r));
            for i in 0..3 {
                assert!(close(got.get(&[i, r]), want[i]));
            }
        }
    }
}

#[test]
fn the_batch_can_go_last_in_a_matrix_output() {
    let ts = batch(4);
    let w = Array::from_vec(vec![0.5, -2.0]);
    let got = outer::vmap(&ts, &w);
    assert_eq!(got.shape(), &[3, 2, 4]);
    for r in 0..4 {
        let want = outer(&row(&ts, r), &w);
        for i in 0..3 {
            for j in 0..2 {
                assert!(close(got.get(&[i, j, r]), want.get(&[i, j])));
            }
        }
    }
}

#[test]
fn per_output_axes_and_an_unbatched_output() {
    let ts = batch(6);
    let w = Array::from_vec(vec![1.0, 2.0, -1.0]);
    let (prod, cosw) = pair::vmap(&ts, &w);
    assert_eq!(prod.shape(), &[3, 6]);
    assert_eq!(cosw.shape(), &[3]);
    for r in 0..6 {
        let (want, wcos) = pair(&row(&ts, r), &w);
        for i in 0..3 {
            assert!(close(prod.get(&[i, r]), want[i]));
            assert!(close(cosw[i], wcos[i]));
        }
    }
}

#[test]
fn every_leaf_of_a_struct_result_moves() {
    let ts = batch(5);
    let s: Split = split::vmap(&ts);
    assert_eq!(s.pos.shape(), &[3, 5]);
    for r in 0..5 {
        let want = split(&row(&ts, r));
        for i in 0..3 {
            assert!(close(s.pos.get(&[i, r]), want.pos[i]));
            assert!(close(s.neg.get(&[i, r]), want.neg[i]));
        }
    }
}

#[test]
fn inside_bodies_the_callee_out_axes_hold() {
    let ts = batch(7);
    let got = feats_cols(&ts);
    assert_eq!(got.shape(), &[3, 7]);
    // `#[jit]` uses the fast vectorised sine: equal to a few ulp.
    for (a, b) in got.to_vec().iter().zip(feats::vmap(&ts).to_vec()) {
        assert!(close(*a, b));
    }
    let g = cross::grad(&ts);
    assert_eq!(g.shape(), &[7, 3]);
    for r in 0..7 {
        for i in 0..3 {
            let (s0, s1) = (ts.get(&[r, 0]).sin(), ts.get(&[r, 1]).sin());
            let (c0, c1) = (ts.get(&[r, 0]).cos(), ts.get(&[r, 1]).cos());
            let want = [4.0 * c0 * s1, 4.0 * s0 * c1, 0.0][i];
            assert!(close(g.get(&[r, i]), want), "row {r} column {i}");
        }
    }
}
