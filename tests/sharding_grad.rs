//! Collectives inside annotated functions, run per shard in `shard_map`:
//! `local_loss::grad` through `pmean`/`psum` with batch-sharded data and
//! replicated parameters equals the unsharded `#[grad]` (and finite
//! differences) on meshes of 1, 2 and 4 thread devices; a `#[jit]`
//! function with collectives equals its unsharded counterpart; every
//! device gets the same gradient.

use rjax::prelude::*;
use rjax::runtime::P;
// `#[jit]` bodies below also call `ppermute`, `axis_index` and
// `all_gather`; the macro replaces those bodies with emitted code, so only
// the `#[grad]` primals need the functions in scope.
use rjax::sharding::{
    Mesh, collective_rounds, devices, pmax, pmean, psum, set_num_cpu_devices, shard_map,
};

fn mesh(n: usize) -> Mesh {
    set_num_cpu_devices(4).unwrap();
    Mesh::new(&devices()[..n], &[("data", n)]).unwrap()
}

/// Mean over the shards of each shard's sum of squared residuals, plus a
/// replicated weight penalty `lam |w|^2`.
#[grad]
fn local_loss(w: &Array<f64>, #[rank(2)] x: &Array<f64>, y: &Array<f64>, lam: f64) -> f64 {
    let r = x.dot(w) - y;
    pmean((&r * &r).sum(), "data") + lam * (w * w).sum()
}

/// The same loss on the whole batch: the mean over `n` equal shards of
/// their sums is the total sum over `n`.
#[grad]
fn full_loss(
    w: &Array<f64>,
    #[rank(2)] x: &Array<f64>,
    y: &Array<f64>,
    lam: f64,
    inv_n: f64,
) -> f64 {
    let r = x.dot(w) - y;
    (&r * &r).sum() * inv_n + lam * (w * w).sum()
}

/// Sum over the shards with `psum`: the total sum of squares.
#[grad]
fn local_sum(w: &Array<f64>, #[rank(2)] x: &Array<f64>, y: &Array<f64>) -> f64 {
    let r = x.dot(w) - y;
    psum((&r * &r).sum(), "data")
}

#[grad]
fn full_sum(w: &Array<f64>, #[rank(2)] x: &Array<f64>, y: &Array<f64>) -> f64 {
    let r = x.dot(w) - y;
    (&r * &r).sum()
}

/// The largest shard loss (pmax's JVP follows the arg-max shard).
#[grad]
fn worst_shard(w: &Array<f64>, #[rank(2)] x: &Array<f64>, y: &Array<f64>) -> f64 {
    let r = x.dot(w) - y;
    pmax((&r * &r).sum(), "data")
}

/// A jit'd per-shard computation: each shard's rows scaled by the global
/// maximum norm, gathered back in order.
#[jit]
fn normalise(#[rank(2)] x: &Array<f64>) -> Array<f64> {
    let s = psum((x * x).sum(), "data");
    x / s.sqrt()
}

#[jit]
fn normalise_full(#[rank(2)] x: &Array<f64>) -> Array<f64> {
    x / (x * x).sum().sqrt()
}

/// `axis_index` and `ppermute` inside an annotated function: each shard
/// adds its index to the block received from its left neighbour.
#[jit]
fn shift_and_tag(#[rank(2)] x: &Array<f64>) -> Array<f64> {
    let left = ppermute(x, "data", &[(0, 1), (1, 0)]);
    left + axis_index("data") as f64
}

/// `all_gather` of a scalar: every shard sees all shard sums.
#[jit]
fn shard_sums(#[rank(2)] x: &Array<f64>) -> Array<f64> {
    all_gather(x.sum(), "data")
}

fn data(rows: usize) -> (Array<f64>, Array<f64>, Array<f64>) {
    let x: Vec<f64> = (0..rows * 3)
        .map(|i| ((i * 7 % 11) as f64 - 5.0) * 0.2)
        .collect();
    let x = Array::from_shape_vec(vec![rows, 3], x).unwrap();
    let y = Array::from_vec((0..rows).map(|i| (i as f64 * 0.37).sin()).collect());
    let w = Array::from_vec(vec![0.3, -0.2, 0.5]);
    (w, x, y)
}

fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (i, (u, v)) in a.iter().zip(b).enumerate() {
        assert!(
            (u - v).abs() <= tol * (1.0 + v.abs()),
            "{what}[{i}]: {u} vs {v}"
        );
    }
}

/// Runs `grad` per shard (x and y split by rows, w replicated) and returns
/// every device's gradient, one row each.
fn per_device_grads(
    n: usize,
    w: &Array<f64>,
    x: &Array<f64>,
    y: &Array<f64>,
    grad: impl Fn(&Array<f64>, &Array<f64>, &Array<f64>) -> Array<f64> + Send + Sync + 'static,
) -> Vec<Vec<f64>> {
    let f = move |a: &[Array<f64>]| {
        let g = grad(&a[0], &a[1], &a[2]);
        vec![g.reshape(&[1, 3])]
    };
    let sm = shard_map(
        f,
        &mesh(n),
        &[P![], P!["data", None], P!["data"]],
        &[P!["data", None]],
    );
    let out = sm.call(&[w, x, y]).unwrap()[0].gather();
    out.as_slice().chunks(3).map(|c| c.to_vec()).collect()
}

#[test]
fn grad_through_pmean_equals_the_unsharded_grad() {
    let (w, x, y) = data(8);
    let lam = 0.7;
    for n in [1, 2, 4] {
        let want = full_loss::grad(&w, &x, &y, lam, 1.0 / n as f64);
        let got = per_device_grads(n, &w, &x, &y, move |w, x, y| local_loss::grad(w, x, y, lam));
        assert_eq!(got.len(), n);
        for g in &got {
            assert_close(g, want.as_slice(), 1e-12, &format!("{n} devices"));
        }
    }
}

#[test]
fn grad_through_psum_matches_finite_differences() {
    let (w, x, y) = data(8);
    let h = 1e-6;
    for n in [1, 2, 4] {
        let got = per_device_grads(n, &w, &x, &y, local_sum::grad);
        let want = full_sum::grad(&w, &x, &y);
        for k in 0..3 {
            let at = |d: f64| {
                let mut v = w.to_vec();
                v[k] += d;
                full_sum(&Array::from_vec(v), &x, &y)
            };
            let fd = (at(h) - at(-h)) / (2.0 * h);
            for g in &got {
                assert!(
                    (g[k] - fd).abs() < 1e-6,
                    "{n} devices, w[{k}]: {} vs fd {fd}",
                    g[k]
                );
                assert!((g[k] - want[k]).abs() < 1e-12 * (1.0 + want[k].abs()));
            }
        }
    }
}

#[test]
fn grad_through_pmax_follows_the_largest_shard() {
    let (w, x, y) = data(8);
    let n = 4;
    let got = per_device_grads(n, &w, &x, &y, worst_shard::grad);
    // The shard with the largest loss, found by a loop; its own gradient.
    let rows = |k: usize, a: &Array<f64>, c: usize| {
        Array::from_shape_vec(
            if c == 1 { vec![2] } else { vec![2, c] },
            a.as_slice()[k * 2 * c..(k + 1) * 2 * c].to_vec(),
        )
        .unwrap()
    };
    let worst = (0..n)
        .max_by(|&a, &b| {
            let la = full_sum(&w, &rows(a, &x, 3), &rows(a, &y, 1));
            let lb = full_sum(&w, &rows(b, &x, 3), &rows(b, &y, 1));
            la.partial_cmp(&lb).unwrap()
        })
        .unwrap();
    let want = full_sum::grad(&w, &rows(worst, &x, 3), &rows(worst, &y, 1));
    for g in &got {
        assert_close(g, want.as_slice(), 1e-12, "pmax grad");
    }
}

#[test]
fn jit_functions_run_per_shard() {
    let (_, x, _) = data(8);
    let want = normalise_full(&x);
    for n in [1, 2, 4] {
        let sm = shard_map(
            |a: &[Array<f64>]| vec![normalise(&a[0])],
            &mesh(n),
            &[P!["data", None]],
            &[P!["data", None]],
        );
        let got = sm.call(&[&x]).unwrap()[0].gather();
        assert_close(
            got.as_slice(),
            want.as_slice(),
            1e-14,
            &format!("{n} devices"),
        );
    }
}

#[test]
fn axis_index_ppermute_and_all_gather_in_jit_functions() {
    let (_, x, _) = data(4);
    let sm = shard_map(
        |a: &[Array<f64>]| vec![shift_and_tag(&a[0])],
        &mesh(2),
        &[P!["data", None]],
        &[P!["data", None]],
    );
    let got = sm.call(&[&x]).unwrap()[0].gather();
    let xs = x.as_slice();
    // Shard 0 gets shard 1's rows (+0), shard 1 gets shard 0's rows (+1).
    let want: Vec<f64> = xs[6..12]
        .iter()
        .copied()
        .chain(xs[..6].iter().map(|v| v + 1.0))
        .collect();
    assert_close(got.as_slice(), &want, 0.0, "shift_and_tag");

    let sm = shard_map(
        |a: &[Array<f64>]| vec![shard_sums(&a[0]).reshape(&[1, 2])],
        &mesh(2),
        &[P!["data", None]],
        &[P!["data", None]],
    );
    let got = sm.call(&[&x]).unwrap()[0].gather();
    let s0: f64 = xs[..6].iter().sum();
    let s1: f64 = xs[6..].iter().sum();
    assert_close(got.as_slice(), &[s0, s1, s0, s1], 1e-14, "shard_sums");
}

#[test]
#[should_panic(expected = "inside shard_map")]
fn collectives_outside_shard_map_panic_naming_the_op() {
    let (w, x, y) = data(4);
    local_sum::grad(&w, &x, &y);
}

/// A two-layer model with four replicated parameters: its gradient needs
/// four all-reduces, which the emitted code does in one rendezvous.
#[grad(argnums = (0, 1, 2, 3))]
fn two_layer_loss(
    w: &Array<f64>,
    b: f64,
    v: &Array<f64>,
    c: f64,
    #[rank(2)] x: &Array<f64>,
    y: &Array<f64>,
) -> f64 {
    let h = (x.dot(w) + b).tanh();
    let r = h * v.sum() + c - y;
    pmean((&r * &r).mean(), "data")
}

/// The loss of the whole batch, for the unsharded reference.
#[grad(argnums = (0, 1, 2, 3))]
fn two_layer_full(
    w: &Array<f64>,
    b: f64,
    v: &Array<f64>,
    c: f64,
    #[rank(2)] x: &Array<f64>,
    y: &Array<f64>,
) -> f64 {
    let h = (x.dot(w) + b).tanh();
    let r = h * v.sum() + c - y;
    (&r * &r).mean()
}

#[test]
fn gradients_of_all_parameters_are_all_reduced_in_one_rendezvous() {
    let (w, x, y) = data(8);
    let v = Array::from_vec(vec![0.5, -0.25]);
    let (b, c) = (0.1, -0.3);
    let (want_l, (gw, gb, gv, gc)) = two_layer_full::value_and_grad(&w, b, &v, c, &x, &y);
    for n in [2, 4] {
        let f = move |a: &[Array<f64>]| {
            let before = collective_rounds();
            let (l, (gw, gb, gv, gc)) =
                two_layer_loss::value_and_grad(&a[0], b, &a[1], c, &a[2], &a[3]);
            let rounds = (collective_rounds() - before) as f64;
            let mut row = vec![rounds, l, gb, gc];
            row.extend(gw.to_vec());
            row.extend(gv.to_vec());
            vec![Array::from_shape_vec(vec![1, row.len()], row).unwrap()]
        };
        let sm = shard_map(
            f,
            &mesh(n),
            &[P![], P![], P!["data", None], P!["data"]],
            &[P!["data", None]],
        );
        let out = sm.call(&[&w, &v, &x, &y]).unwrap()[0].gather();
        let mut want = vec![1.0, want_l, gb, gc];
        want.extend(gw.to_vec());
        want.extend(gv.to_vec());
        for row in out.as_slice().chunks(want.len()) {
            assert_eq!(row[0], 1.0, "rendezvous per step on {n} devices");
            assert_close(
                &row[1..],
                &want[1..],
                1e-12,
                &format!("loss and grads on {n} devices"),
            );
        }
    }
}
