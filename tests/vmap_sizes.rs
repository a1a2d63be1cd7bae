//! Mapped arguments of different batch sizes, as a JAX user passes them
//! by mistake: every batched companion checks all mapped axes on entry and
//! stops with the function, each mapped parameter by the name written in
//! the signature (`p.w` for a struct field, `p.0` for a tuple element),
//! its shape and its mapped axis (JAX: "vmap got inconsistent sizes for
//! array axes to be mapped"). A callee's `h::vmap` in a body ties the
//! caller's parameters the same way. Calls with one batch size still equal
//! the loop over the examples.
use nalgebra::SVector;
use rjax::prelude::*;

#[path = "support/panics.rs"]
mod panics;
use panics::panic_message;

/// sum(x) * sum(y) per example.
#[vmap]
fn two_rows(x: &Array<f64>, y: &Array<f64>) -> f64 {
    x.sum() * y.sum()
}

/// x mapped over its columns, y over its rows, s shared.
#[vmap(in_axes = (1, 0, None))]
fn cols_rows(x: &Array<f64>, y: &Array<f64>, s: f64) -> f64 {
    x.sum() + y.sum() * s
}

/// A scalar parameter mapped: `a` is a vector of per-example values.
#[vmap]
fn scaled(a: f64, x: &Array<f64>) -> Array<f64> {
    x * a
}

/// The same under `#[jit]`: the fused batched code has the same check.
#[jit]
#[vmap]
fn fused(x: &Array<f32>, y: &Array<f32>) -> Array<f32> {
    (x * y).tanh()
}

/// A tuple parameter: every element mapped on axis 0.
#[vmap]
fn tuple_param(p: &(Array<f64>, Array<f64>), x: &Array<f64>) -> f64 {
    (&p.0 * x).sum() + p.1.sum()
}

#[derive(Tree, Clone, Debug)]
struct Layer {
    w: Array<f64>,
    b: Array<f64>,
}

/// A struct parameter: every field mapped on axis 0.
#[vmap]
fn layer(p: &Layer, x: &Array<f64>) -> f64 {
    (&p.w * x + &p.b).tanh().sum()
}

/// A batch of keys and a batch of rows.
#[vmap]
fn noisy(x: &Array<f64>, key: Key) -> Array<f64> {
    x + &random::normal::<f64>(key, x.shape())
}

/// Two slices of nalgebra vectors.
#[vmap]
fn dots(u: &SVector<f64, 2>, v: &SVector<f64, 2>) -> f64 {
    u.dot(v)
}

/// A caller of `two_rows::vmap`: its `xs` and `ys` share the batch axis.
#[grad(argnums = (0, 1))]
fn batch_loss(xs: &Array<f64>, ys: &Array<f64>) -> f64 {
    two_rows::vmap(xs, ys).sum()
}

/// The same under `#[jit]`.
#[jit]
fn batch_total(xs: &Array<f64>, ys: &Array<f64>) -> f64 {
    two_rows::vmap(xs, ys).sum()
}

/// vmap of a body calling `two_rows::vmap`: the inner batch is axis 1.
#[vmap]
fn nested(xs: &Array<f64>, ys: &Array<f64>) -> f64 {
    two_rows::vmap(xs, ys).sum()
}

fn m(rows: usize, cols: usize) -> Array<f64> {
    let v = (0..rows * cols).map(|k| 0.25 * k as f64 - 1.0).collect();
    Array::from_shape_vec(vec![rows, cols], v).unwrap()
}

fn m3(d: [usize; 3]) -> Array<f64> {
    let v = (0..d[0] * d[1] * d[2]).map(|k| 0.1 * k as f64).collect();
    Array::from_shape_vec(d.to_vec(), v).unwrap()
}

fn row(a: &Array<f64>, r: usize) -> Array<f64> {
    let n = a.shape()[1];
    Array::from_vec(a.to_vec()[r * n..(r + 1) * n].to_vec())
}

/// Asserts `msg` says `who` got inconsistent sizes, lists `parts`
/// (`x` has shape [4, 3] and axis 0 is mapped ...) and says what to do.
fn says(msg: &str, who: &str, parts: &[&str]) {
    assert!(
        msg.starts_with(&format!("{who} got inconsistent sizes for the mapped axes")),
        "{msg}"
    );
    for p in parts {
        assert!(msg.contains(p), "`{p}` not in: {msg}");
    }
    assert!(
        msg.contains("All mapped axes must have the same size"),
        "{msg}"
    );
}

#[test]
fn two_arrays_name_both_parameters_shapes_and_axes() {
    let msg = panic_message(|| {
        two_rows::vmap(&m(4, 3), &m(3, 2));
    });
    says(
        &msg,
        "two_rows::vmap",
        &[
            "`x` has shape [4, 3] and axis 0 is mapped (size 4)",
            "`y` has shape [3, 2] and axis 0 is mapped (size 3)",
        ],
    );
    // One batch size: the loop over rows.
    let (x, y) = (m(4, 3), m(4, 2));
    let got = two_rows::vmap(&x, &y);
    for r in 0..4 {
        assert_eq!(got[r], two_rows(&row(&x, r), &row(&y, r)));
    }
}

#[test]
fn in_axes_other_than_zero_and_a_shared_argument() {
    let msg = panic_message(|| {
        cols_rows::vmap(&m(2, 4), &m(5, 2), 1.0);
    });
    says(
        &msg,
        "cols_rows::vmap",
        &[
            "`x` has shape [2, 4] and axis 1 is mapped (size 4)",
            "`y` has shape [5, 2] and axis 0 is mapped (size 5)",
        ],
    );
    // The shared `s` is not a mapped argument.
    assert!(!msg.contains("`s`"), "{msg}");
    let (x, y) = (m(2, 4), m(4, 3));
    let got = cols_rows::vmap(&x, &y, 0.5);
    let xt = x.t();
    for b in 0..4 {
        assert_eq!(got[b], cols_rows(&row(&xt, b), &row(&y, b), 0.5));
    }
}

#[test]
fn an_in_axis_beyond_the_rank_passed_names_the_parameter() {
    // `x` is mapped on axis 1, so it needs rank 2.
    let msg = panic_message(|| {
        cols_rows::vmap(&Array::from_vec(vec![1.0, 2.0]), &m(2, 2), 1.0);
    });
    assert!(
        msg.starts_with("cols_rows::vmap: `x` must have rank 2 (rank 1 in `cols_rows` plus the mapped axis 1), got shape [2]"),
        "{msg}"
    );
}

#[test]
fn a_mapped_scalar_parameter() {
    let msg = panic_message(|| {
        scaled::vmap(&Array::from_vec(vec![1.0, 2.0]), &m(3, 2));
    });
    says(
        &msg,
        "scaled::vmap",
        &[
            "`a` has shape [2] and axis 0 is mapped (size 2)",
            "`x` has shape [3, 2] and axis 0 is mapped (size 3)",
        ],
    );
}

#[test]
fn under_jit() {
    let x = Array::from_shape_vec(vec![4, 2], vec![0.5f32; 8]).unwrap();
    let y = Array::from_shape_vec(vec![3, 2], vec![0.5f32; 6]).unwrap();
    let msg = panic_message(|| {
        fused::vmap(&x, &y);
    });
    says(
        &msg,
        "fused::vmap",
        &[
            "`x` has shape [4, 2] and axis 0 is mapped (size 4)",
            "`y` has shape [3, 2] and axis 0 is mapped (size 3)",
        ],
    );
}

#[test]
fn tuple_elements_are_named_as_read() {
    let msg = panic_message(|| {
        tuple_param::vmap(&(m(4, 2), m(3, 2)), &m(4, 2));
    });
    says(
        &msg,
        "tuple_param::vmap",
        &[
            "`p.0` has shape [4, 2] and axis 0 is mapped (size 4)",
            "`p.1` has shape [3, 2] and axis 0 is mapped (size 3)",
            "`x` has shape [4, 2] and axis 0 is mapped (size 4)",
        ],
    );
}

#[test]
fn struct_fields_are_named_as_read() {
    let msg = panic_message(|| {
        layer::vmap(
            &Layer {
                w: m(4, 2),
                b: m(4, 2),
            },
            &m(5, 2),
        );
    });
    says(
        &msg,
        "layer::vmap",
        &[
            "`p.w` has shape [4, 2] and axis 0 is mapped (size 4)",
            "`p.b` has shape [4, 2] and axis 0 is mapped (size 4)",
            "`x` has shape [5, 2] and axis 0 is mapped (size 5)",
        ],
    );
    let p = Layer {
        w: m(3, 2),
        b: m(3, 2) * 0.5,
    };
    let x = m(3, 2) * -1.0;
    let got = layer::vmap(&p, &x);
    for r in 0..3 {
        let one = Layer {
            w: row(&p.w, r),
            b: row(&p.b, r),
        };
        assert_eq!(got[r], layer(&one, &row(&x, r)));
    }
}

#[test]
fn a_batch_of_keys_counts_its_keys() {
    let msg = panic_message(|| {
        noisy::vmap(&m(4, 2), random::split(random::key(0), 3));
    });
    says(
        &msg,
        "noisy::vmap",
        &[
            "`x` has shape [4, 2] and axis 0 is mapped (size 4)",
            "`key` is a batch of 3 keys",
        ],
    );
}

#[test]
fn slices_of_nalgebra_values_count_their_values() {
    let us = vec![SVector::<f64, 2>::new(1.0, 2.0); 3];
    let vs = vec![SVector::<f64, 2>::new(0.5, -1.0); 2];
    let msg = panic_message(|| {
        dots::vmap(&us, &vs);
    });
    says(
        &msg,
        "dots::vmap",
        &["`u` is a slice of 3 values", "`v` is a slice of 2 values"],
    );
}

#[test]
fn a_callee_vmap_ties_the_callers_parameters() {
    // The primal calls the companion, which names the callee's parameters.
    let msg = panic_message(|| {
        batch_loss(&m(4, 3), &m(3, 3));
    });
    says(
        &msg,
        "two_rows::vmap",
        &["`x` has shape [4, 3]", "`y` has shape [3, 3]"],
    );
    // The caller's companions and its jit name the caller's parameters.
    let tied = "`xs` axis 0 and `ys` axis 0 must have the same size";
    let msg = panic_message(|| {
        batch_loss::grad(&m(4, 3), &m(3, 3));
    });
    assert!(
        msg.starts_with("batch_loss: ") && msg.contains(tied),
        "{msg}"
    );
    let msg = panic_message(|| {
        batch_total(&m(4, 3), &m(3, 3));
    });
    assert!(
        msg.starts_with("batch_total: ") && msg.contains(tied),
        "{msg}"
    );
    // vmap of it: the outer batch on axis 0, the inner one on axis 1.
    let msg = panic_message(|| {
        nested::vmap(&m3([2, 4, 3]), &m3([3, 4, 3]));
    });
    says(
        &msg,
        "nested::vmap",
        &["`xs` has shape [2, 4, 3]", "`ys` has shape [3, 4, 3]"],
    );
    let msg = panic_message(|| {
        nested::vmap(&m3([2, 4, 3]), &m3([2, 3, 3]));
    });
    assert!(
        msg.starts_with("nested::vmap: `xs` axis 1 and `ys` axis 1 must have the same size"),
        "{msg}"
    );
    // Matching sizes: the gradient of sum_r sum(x_r) sum(y_r).
    let (xs, ys) = (m(4, 3), m(4, 2));
    let (gx, gy) = batch_loss::grad(&xs, &ys);
    for r in 0..4 {
        let (sx, sy) = (row(&xs, r).sum(), row(&ys, r).sum());
        assert!(row(&gx, r).to_vec().iter().all(|g| *g == sy));
        assert!(row(&gy, r).to_vec().iter().all(|g| *g == sx));
    }
}
