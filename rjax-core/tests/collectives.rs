//! Collectives on a simulated mesh: every device is a thread evaluating
//! the same jaxpr with the reference interpreter, linked by an `AxisEnv`
//! that really exchanges values. Checked against the definitions (sums,
//! stacks, permutations computed here by loops), the transpose rules by
//! the dot-product identity, and gradients through `psum`/`pmean`/`pmax`
//! against the unsharded gradient and finite differences.

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Condvar, Mutex};

use rjax_core::interp::{Tensor, eval_jaxpr, eval_jaxpr_with_env};
use rjax_core::ir::params::ParamsExt;
use rjax_core::rules::collectives::{AxisEnv, names_param, perm_param, size_of, with_axis_env};
use rjax_core::transforms::{grad, jvp_wrt, transpose, vmap};
use rjax_core::{Atom, Builder, DType, Error, Jaxpr, Params, Prim, Result};

/// The meeting point of one simulated mesh: values posted per round.
struct Board {
    posted: Mutex<HashMap<(usize, usize), Tensor>>,
    cv: Condvar,
}

/// One device of a mesh with named axes (row-major device numbering).
struct SimDevice {
    axes: Vec<(String, usize)>,
    me: usize,
    round: std::cell::Cell<usize>,
    board: Arc<Board>,
}

impl SimDevice {
    fn coords(&self, d: usize) -> Vec<usize> {
        let mut c = vec![0; self.axes.len()];
        let mut r = d;
        for (k, (_, n)) in self.axes.iter().enumerate().rev() {
            c[k] = r % n;
            r /= n;
        }
        c
    }
    fn pos(&self, name: &str) -> Result<usize> {
        self.axes
            .iter()
            .position(|(n, _)| n == name)
            .ok_or_else(|| Error::Eval(format!("no mesh axis `{name}`")))
    }
    /// Index of device `d` along `axes` (major first) and the group size.
    fn index_of(&self, d: usize, axes: &[String]) -> Result<(usize, usize)> {
        let c = self.coords(d);
        let (mut i, mut n) = (0, 1);
        for a in axes {
            let k = self.pos(a)?;
            i = i * self.axes[k].1 + c[k];
            n *= self.axes[k].1;
        }
        Ok((i, n))
    }
    fn devices(&self) -> usize {
        self.axes.iter().map(|(_, n)| n).product()
    }
}

impl AxisEnv for SimDevice {
    fn index(&self, axes: &[String]) -> Result<(usize, usize)> {
        self.index_of(self.me, axes)
    }
    fn exchange(&self, axes: &[String], x: &Tensor) -> Result<Vec<Tensor>> {
        let round = self.round.get();
        self.round.set(round + 1);
        let n_dev = self.devices();
        let mut posted = self.board.posted.lock().unwrap();
        posted.insert((round, self.me), x.clone());
        self.board.cv.notify_all();
        while (0..n_dev).any(|d| !posted.contains_key(&(round, d))) {
            posted = self.board.cv.wait(posted).unwrap();
        }
        // The group: devices agreeing with me on every other axis.
        let mine = self.coords(self.me);
        let mut members: Vec<(usize, Tensor)> = Vec::new();
        for d in 0..n_dev {
            let c = self.coords(d);
            let same_elsewhere = self
                .axes
                .iter()
                .enumerate()
                .all(|(k, (name, _))| axes.contains(name) || c[k] == mine[k]);
            if same_elsewhere {
                members.push((self.index_of(d, axes)?.0, posted[&(round, d)].clone()));
            }
        }
        members.sort_by_key(|(i, _)| *i);
        Ok(members.into_iter().map(|(_, t)| t).collect())
    }
}

/// Runs `f(device)` on one thread per device of the mesh `axes`.
fn on_mesh<R: Send>(axes: &[(&str, usize)], f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    on_mesh_counted(axes, f)
        .into_iter()
        .map(|(r, _)| r)
        .collect()
}

/// `on_mesh`, also returning how many rendezvous each device took part in.
fn on_mesh_counted<R: Send>(
    axes: &[(&str, usize)],
    f: impl Fn(usize) -> R + Sync,
) -> Vec<(R, usize)> {
    let axes: Vec<(String, usize)> = axes.iter().map(|(n, k)| (n.to_string(), *k)).collect();
    let n: usize = axes.iter().map(|(_, k)| k).product();
    let board = Arc::new(Board {
        posted: Mutex::new(HashMap::new()),
        cv: Condvar::new(),
    });
    std::thread::scope(|s| {
        let hs: Vec<_> = (0..n)
            .map(|me| {
                let (axes, board, f) = (axes.clone(), board.clone(), &f);
                s.spawn(move || {
                    let dev = Rc::new(SimDevice {
                        axes,
                        me,
                        round: std::cell::Cell::new(0),
                        board,
                    });
                    let r = with_axis_env(dev.clone(), || f(me));
                    (r, dev.round.get())
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn t(shape: &[usize], data: Vec<f64>) -> Tensor {
    Tensor::new(DType::F64, shape.to_vec(), data).unwrap()
}

/// A deterministic per-device tensor.
fn sample(shape: &[usize], seed: usize) -> Tensor {
    let n: usize = shape.iter().product();
    let data = (0..n)
        .map(|i| (((i * 7 + seed * 13) % 11) as f64 - 5.0) * 0.25 + seed as f64 * 0.1)
        .collect();
    t(shape, data)
}

fn axes_p(names: &[&str]) -> Params {
    Params::from_pairs([("axes", names_param(names))])
}

fn gather_p(axis: &str, dim: usize, tiled: bool, key: &str) -> Params {
    let names = [axis.to_string()];
    Params::from_pairs([
        ("axis_name", names_param(&[axis])),
        (key, rjax_core::Param::int(dim as i64)),
        ("axis_size", rjax_core::Param::Dim(size_of(&names))),
        ("tiled", rjax_core::Param::Bool(tiled)),
    ])
}

/// `gather_p` with a concrete group size, which a tiled scatter of a
/// concrete dimension needs to divide it at compile time.
fn gather_p_n(axis: &str, dim: usize, tiled: bool, key: &str, n: usize) -> Params {
    let mut p = gather_p(axis, dim, tiled, key);
    p.insert("axis_size".into(), rjax_core::Param::int(n as i64));
    p
}

/// `x -> prim[params] x` for an f64 input of `shape`.
fn unary_jaxpr(prim: Prim, params: Params, shape: &[usize]) -> Jaxpr {
    let mut b = Builder::new();
    let x = b.input(DType::F64, shape.to_vec());
    let y = b.eqn1(prim, params, &[x.into()]).unwrap();
    b.build(&[y])
}

fn run1(j: &Jaxpr, args: &[Tensor]) -> Tensor {
    eval_jaxpr(j, args).unwrap().remove(0)
}

/// `run1` with the group size symbol bound, for jaxprs whose input types
/// mention it (transposes of gathers: `f64[2*size_data,3]`).
fn run_sized(j: &Jaxpr, args: &[Tensor], n: usize) -> Tensor {
    let env = HashMap::from([("size_data".to_string(), n as i64)]);
    eval_jaxpr_with_env(j, args, &env).unwrap().remove(0)
}

fn assert_close(a: &Tensor, b: &Tensor, tol: f64, what: &str) {
    assert_eq!(a.shape, b.shape, "{what}: shapes");
    for (i, (x, y)) in a.data.iter().zip(&b.data).enumerate() {
        assert!(
            (x - y).abs() <= tol * (1.0 + y.abs()),
            "{what}: element {i}: {x} vs {y}"
        );
    }
}

fn dot(a: &Tensor, b: &Tensor) -> f64 {
    a.data.iter().zip(&b.data).map(|(x, y)| x * y).sum()
}

const SIZES: [usize; 3] = [1, 2, 4];

#[test]
fn reductions_match_their_definitions() {
    for n in SIZES {
        let xs: Vec<Tensor> = (0..n).map(|d| sample(&[3], d)).collect();
        for (prim, f) in [
            (Prim::Psum, (|a: f64, b: f64| a + b) as fn(f64, f64) -> f64),
            (Prim::Pmax, f64::max),
            (Prim::Pmin, f64::min),
        ] {
            let j = unary_jaxpr(prim, axes_p(&["data"]), &[3]);
            let want = (0..3)
                .map(|i| {
                    xs[1..]
                        .iter()
                        .fold(xs[0].data[i], |acc, x| f(acc, x.data[i]))
                })
                .collect();
            let want = t(&[3], want);
            for got in on_mesh(&[("data", n)], |d| run1(&j, &[xs[d].clone()])) {
                assert_close(&got, &want, 0.0, prim.name());
            }
        }
    }
}

#[test]
fn psum_over_one_axis_of_a_2d_mesh_sums_within_rows() {
    let j = unary_jaxpr(Prim::Psum, axes_p(&["model"]), &[2]);
    let outs = on_mesh(&[("data", 2), ("model", 2)], |d| {
        run1(&j, &[sample(&[2], d)])
    });
    for (d, out) in outs.iter().enumerate() {
        let row = d / 2;
        let want = t(
            &[2],
            (0..2)
                .map(|i| sample(&[2], 2 * row).data[i] + sample(&[2], 2 * row + 1).data[i])
                .collect(),
        );
        assert_close(out, &want, 1e-15, "psum over model");
    }
    let both = unary_jaxpr(Prim::Psum, axes_p(&["data", "model"]), &[2]);
    let outs = on_mesh(&[("data", 2), ("model", 2)], |d| {
        run1(&both, &[sample(&[2], d)])
    });
    let want = t(
        &[2],
        (0..2)
            .map(|i| (0..4).map(|d| sample(&[2], d).data[i]).sum())
            .collect(),
    );
    for o in outs {
        assert_close(&o, &want, 1e-15, "psum over both axes");
    }
}

#[test]
fn gathers_scatters_permutes_and_indices_match_their_definitions() {
    for n in SIZES {
        let xs: Vec<Tensor> = (0..n).map(|d| sample(&[n, 2], d)).collect();
        // all_gather, stacked on a new axis 1: out[i, k, j] = x_k[i, j].
        let g = unary_jaxpr(
            Prim::AllGather,
            gather_p("data", 1, false, "all_gather_dimension"),
            &[n, 2],
        );
        let mut want = vec![0.0; n * n * 2];
        for (k, x) in xs.iter().enumerate() {
            for i in 0..n {
                for j in 0..2 {
                    want[(i * n + k) * 2 + j] = x.data[i * 2 + j];
                }
            }
        }
        let want = t(&[n, n, 2], want);
        for got in on_mesh(&[("data", n)], |d| run1(&g, &[xs[d].clone()])) {
            assert_close(&got, &want, 0.0, "all_gather");
        }
        // Tiled along axis 0: the blocks one after the other.
        let gt = unary_jaxpr(
            Prim::AllGather,
            gather_p("data", 0, true, "all_gather_dimension"),
            &[n, 2],
        );
        let want = t(
            &[n * n, 2],
            xs.iter().flat_map(|x| x.data.clone()).collect(),
        );
        for got in on_mesh(&[("data", n)], |d| run1(&gt, &[xs[d].clone()])) {
            assert_close(&got, &want, 0.0, "all_gather tiled");
        }
        // reduce_scatter (untiled): device d gets row d of the sum.
        let rs = unary_jaxpr(
            Prim::ReduceScatter,
            gather_p("data", 0, false, "scatter_dimension"),
            &[n, 2],
        );
        let outs = on_mesh(&[("data", n)], |d| run1(&rs, &[xs[d].clone()]));
        for (d, got) in outs.iter().enumerate() {
            let want = t(
                &[2],
                (0..2)
                    .map(|j| xs.iter().map(|x| x.data[d * 2 + j]).sum())
                    .collect(),
            );
            assert_close(got, &want, 1e-15, "reduce_scatter");
        }
        // ppermute by a shift: device (d + 1) % n receives device d's value.
        let pairs: Vec<(usize, usize)> = (0..n).map(|d| (d, (d + 1) % n)).collect();
        let pp = unary_jaxpr(
            Prim::Ppermute,
            Params::from_pairs([
                ("axis_name", names_param(&["data"])),
                ("perm", perm_param(&pairs)),
            ]),
            &[n, 2],
        );
        let outs = on_mesh(&[("data", n)], |d| run1(&pp, &[xs[d].clone()]));
        for (d, got) in outs.iter().enumerate() {
            assert_close(got, &xs[(d + n - 1) % n], 0.0, "ppermute");
        }
        // axis_index.
        let mut b = Builder::new();
        let i = b
            .eqn1(
                Prim::AxisIndex,
                Params::from_pairs([("axis_name", names_param(&["data"]))]),
                &[],
            )
            .unwrap();
        let ai = b.build(&[i]);
        let outs = on_mesh(&[("data", n)], |_| run1(&ai, &[]));
        for (d, got) in outs.iter().enumerate() {
            assert_eq!(got.data, vec![d as f64]);
            assert_eq!(got.dtype, DType::I32);
        }
    }
}

#[test]
fn ppermute_leaves_zeros_where_nothing_arrives() {
    let pp = unary_jaxpr(
        Prim::Ppermute,
        Params::from_pairs([
            ("axis_name", names_param(&["data"])),
            ("perm", perm_param(&[(0, 1)])),
        ]),
        &[2],
    );
    let outs = on_mesh(&[("data", 2)], |d| run1(&pp, &[sample(&[2], d)]));
    assert_eq!(outs[0].data, vec![0.0, 0.0]);
    assert_eq!(outs[1].data, sample(&[2], 0).data);
}

#[test]
fn collectives_outside_an_axis_environment_fail_naming_the_op() {
    let j = unary_jaxpr(Prim::Psum, axes_p(&["data"]), &[2]);
    let e = eval_jaxpr(&j, &[sample(&[2], 0)]).unwrap_err().to_string();
    assert!(e.contains("psum") && e.contains("axis environment"), "{e}");
}

/// Whether a linear collective's input / output is replicated (counted
/// once in an inner product) or varying (summed over devices).
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Replicated,
    Varying,
}

/// `<ct, L t> == <L^T ct, t>`, with inner products over the whole mesh.
fn dot_product_test(prim: Prim, params: Params, in_shape: &[usize], kinds: (Kind, Kind), n: usize) {
    let j = unary_jaxpr(prim, params, in_shape);
    let jt = transpose(&j, &[true]).unwrap();
    let out_shape: Vec<usize> = {
        let probe = on_mesh(&[("data", n)], |d| run1(&j, &[sample(in_shape, d)]));
        probe[0].shape.clone()
    };
    let input = |d: usize| {
        sample(
            in_shape,
            if kinds.0 == Kind::Replicated {
                0
            } else {
                d + 1
            },
        )
    };
    let cot = |d: usize| {
        let s = sample(
            &out_shape,
            if kinds.1 == Kind::Replicated {
                50
            } else {
                50 + d
            },
        );
        t(&out_shape, s.data.iter().map(|v| v * 0.5 + 0.3).collect())
    };
    let sides = on_mesh(&[("data", n)], |d| {
        let y = run_sized(&j, &[input(d)], n);
        let x = run_sized(&jt, &[cot(d)], n);
        (dot(&cot(d), &y), dot(&x, &input(d)))
    });
    let count = |k: Kind, v: Vec<f64>| {
        if k == Kind::Replicated {
            v[0]
        } else {
            v.iter().sum()
        }
    };
    let lhs = count(kinds.1, sides.iter().map(|s| s.0).collect());
    let rhs = count(kinds.0, sides.iter().map(|s| s.1).collect());
    assert!(
        (lhs - rhs).abs() < 1e-12 * (1.0 + lhs.abs()),
        "{prim} on {n} devices: <ct, L t> = {lhs}, <L^T ct, t> = {rhs}"
    );
}

#[test]
fn transpose_rules_pass_the_dot_product_test() {
    use Kind::*;
    for n in SIZES {
        dot_product_test(
            Prim::Psum,
            axes_p(&["data"]),
            &[3],
            (Varying, Replicated),
            n,
        );
        dot_product_test(
            Prim::Pvary,
            axes_p(&["data"]),
            &[3],
            (Replicated, Varying),
            n,
        );
        for (dim, tiled) in [(0, false), (1, false), (0, true), (1, true)] {
            dot_product_test(
                Prim::AllGather,
                gather_p("data", dim, tiled, "all_gather_dimension"),
                &[2, 3],
                (Varying, Varying),
                n,
            );
        }
        dot_product_test(
            Prim::ReduceScatter,
            gather_p("data", 1, false, "scatter_dimension"),
            &[2, n],
            (Varying, Varying),
            n,
        );
        dot_product_test(
            Prim::ReduceScatter,
            gather_p_n("data", 0, true, "scatter_dimension", n),
            &[2 * n, 3],
            (Varying, Varying),
            n,
        );
        let pairs: Vec<(usize, usize)> = (0..n).map(|d| (d, (d * 3 + 1) % n)).collect();
        if pairs
            .iter()
            .map(|p| p.1)
            .collect::<std::collections::HashSet<_>>()
            .len()
            == n
        {
            dot_product_test(
                Prim::Ppermute,
                Params::from_pairs([
                    ("axis_name", names_param(&["data"])),
                    ("perm", perm_param(&pairs)),
                ]),
                &[3],
                (Varying, Varying),
                n,
            );
        }
    }
}

/// Data-parallel least squares: `pmean(sum((x w - y)^2)) + lam * sum(w^2)`
/// on each device's batch block (`pmean` is `psum` then divide by the
/// axis size, itself `psum 1.0`, as in JAX). `collective = false` gives
/// the unsharded loss.
fn loss(rows: usize, collective: bool, reducer: Prim) -> Jaxpr {
    let mut b = Builder::new();
    let w = b.input(DType::F64, vec![3usize]);
    let x = b.input(DType::F64, vec![rows, 3]);
    let y = b.input(DType::F64, vec![rows]);
    let lam = b.input(DType::F64, Vec::<usize>::new());
    let p = b
        .dot_general(x.into(), w.into(), (&[1], &[0]), (&[], &[]))
        .unwrap();
    let r = b.sub(p, y.into()).unwrap();
    let sq = b.mul(r, r).unwrap();
    let l = b.reduce_sum(sq, &[0]).unwrap();
    let data = if collective {
        let s = b.eqn1(reducer, axes_p(&["data"]), &[l]).unwrap();
        if reducer == Prim::Psum {
            let one = b.lit(1.0, DType::F64);
            let n = b.eqn1(Prim::Psum, axes_p(&["data"]), &[one]).unwrap();
            b.div(s, n).unwrap()
        } else {
            s
        }
    } else {
        l
    };
    let ww = b.mul(w.into(), w.into()).unwrap();
    let reg = b.reduce_sum(ww, &[0]).unwrap();
    let reg = b.mul(lam.into(), reg).unwrap();
    let out = b.add(data, reg).unwrap();
    b.build(&[out])
}

fn batch(rows: usize) -> (Tensor, Tensor) {
    let x = sample(&[rows, 3], 3);
    let y = t(
        &[rows],
        (0..rows).map(|i| (i as f64 * 0.37).sin()).collect(),
    );
    (x, y)
}

fn block(x: &Tensor, d: usize, n: usize) -> Tensor {
    let rows = x.shape[0] / n;
    let cols: usize = x.shape[1..].iter().product();
    let mut shape = x.shape.clone();
    shape[0] = rows;
    t(
        &shape,
        x.data[d * rows * cols..(d + 1) * rows * cols].to_vec(),
    )
}

#[test]
fn grad_through_pmean_equals_the_unsharded_grad_and_finite_differences() {
    let rows = 8;
    let (x, y) = batch(rows);
    let w = t(&[3], vec![0.3, -0.2, 0.5]);
    let lam = t(&[], vec![0.7]);
    for n in SIZES {
        let per = rows / n;
        let local = loss(per, true, Prim::Psum);
        let g = grad(&local, &[0], false).unwrap();
        // The unsharded loss of the whole batch is the mean of the blocks'.
        let mut whole = loss(rows, false, Prim::Psum);
        let scale = {
            let mut b = Builder::new();
            let ins: Vec<Atom> = whole
                .in_types()
                .into_iter()
                .map(|ty| b.input_typed(ty).into())
                .collect();
            let l = b.inline(&whole, &ins).unwrap()[0];
            // sum over all rows / n blocks + lam sum(w^2) == mean of block losses + penalty.
            let ww = b.mul(ins[0], ins[0]).unwrap();
            let reg = b.reduce_sum(ww, &[0]).unwrap();
            let reg = b.mul(ins[3], reg).unwrap();
            let data = b.sub(l, reg).unwrap();
            let nn = b.lit(n as f64, DType::F64);
            let data = b.div(data, nn).unwrap();
            let out = b.add(data, reg).unwrap();
            b.build(&[out])
        };
        whole = scale;
        let want = run1(
            &grad(&whole, &[0], false).unwrap(),
            &[w.clone(), x.clone(), y.clone(), lam.clone()],
        );
        let got = on_mesh(&[("data", n)], |d| {
            run1(
                &g,
                &[w.clone(), block(&x, d, n), block(&y, d, n), lam.clone()],
            )
        });
        for gd in &got {
            assert_close(gd, &want, 1e-12, &format!("grad on {n} devices"));
        }
        // Finite differences of the mesh-evaluated loss.
        let f = |w: &Tensor| {
            on_mesh(&[("data", n)], |d| {
                run1(
                    &local,
                    &[w.clone(), block(&x, d, n), block(&y, d, n), lam.clone()],
                )
                .data[0]
            })[0]
        };
        for k in 0..3 {
            let h = 1e-6;
            let mut wp = w.clone();
            wp.data[k] += h;
            let mut wm = w.clone();
            wm.data[k] -= h;
            let fd = (f(&wp) - f(&wm)) / (2.0 * h);
            assert!(
                (fd - got[0].data[k]).abs() < 1e-6,
                "fd {fd} vs {} on {n} devices",
                got[0].data[k]
            );
        }
    }
}

#[test]
fn grad_through_pmax_picks_the_device_with_the_largest_loss() {
    let rows = 8;
    let (x, y) = batch(rows);
    let w = t(&[3], vec![0.3, -0.2, 0.5]);
    let lam = t(&[], vec![0.0]);
    for n in SIZES {
        let per = rows / n;
        let local = loss(per, true, Prim::Pmax);
        let g = grad(&local, &[0], false).unwrap();
        let f = |w: &Tensor| {
            on_mesh(&[("data", n)], |d| {
                run1(
                    &local,
                    &[w.clone(), block(&x, d, n), block(&y, d, n), lam.clone()],
                )
                .data[0]
            })[0]
        };
        let got = on_mesh(&[("data", n)], |d| {
            run1(
                &g,
                &[w.clone(), block(&x, d, n), block(&y, d, n), lam.clone()],
            )
        });
        for k in 0..3 {
            let h = 1e-6;
            let (mut wp, mut wm) = (w.clone(), w.clone());
            wp.data[k] += h;
            wm.data[k] -= h;
            let fd = (f(&wp) - f(&wm)) / (2.0 * h);
            for gd in &got {
                assert!(
                    (fd - gd.data[k]).abs() < 1e-6,
                    "pmax grad {} vs fd {fd} on {n}",
                    gd.data[k]
                );
            }
        }
    }
}

#[test]
fn jvp_of_psum_sums_the_tangents() {
    let j = unary_jaxpr(Prim::Psum, axes_p(&["data"]), &[2]);
    let jj = jvp_wrt(&j, &[true]).unwrap();
    let n = 4;
    let outs = on_mesh(&[("data", n)], |d| {
        eval_jaxpr(&jj, &[sample(&[2], d), sample(&[2], d + 10)]).unwrap()
    });
    let want = t(
        &[2],
        (0..2)
            .map(|i| (0..n).map(|d| sample(&[2], d + 10).data[i]).sum())
            .collect(),
    );
    for o in outs {
        assert_close(&o[1], &want, 1e-15, "psum tangent");
    }
}

#[test]
fn vmap_of_collectives_equals_a_loop_over_the_batch() {
    let n = 2;
    for (prim, params) in [
        (Prim::Psum, axes_p(&["data"])),
        (Prim::Pmax, axes_p(&["data"])),
        (
            Prim::AllGather,
            gather_p("data", 0, false, "all_gather_dimension"),
        ),
        (
            Prim::ReduceScatter,
            gather_p("data", 0, false, "scatter_dimension"),
        ),
    ] {
        let j = unary_jaxpr(prim, params, &[2, 3]);
        let vj = vmap(&j, &[Some(0)], &[Some(0)]).unwrap();
        let outs = on_mesh(&[("data", n)], |d| {
            let xb = sample(&[4, 2, 3], d);
            let batched = run1(&vj, std::slice::from_ref(&xb));
            let looped: Vec<Tensor> = (0..4)
                .map(|i| run1(&j, &[block(&xb, i, 4).reshape_first()]))
                .collect();
            (batched, looped)
        });
        for (batched, looped) in outs {
            let per: usize = looped[0].data.len();
            for (i, l) in looped.iter().enumerate() {
                assert_eq!(
                    &batched.data[i * per..(i + 1) * per],
                    &l.data[..],
                    "{prim} example {i}"
                );
            }
        }
    }
}

/// Drops a leading axis of size 1.
trait ReshapeFirst {
    fn reshape_first(self) -> Tensor;
}

impl ReshapeFirst for Tensor {
    fn reshape_first(self) -> Tensor {
        t(&self.shape[1..], self.data)
    }
}

/// A loss whose three replicated parameters all meet device-varying data:
/// `pmean(sum((x·w + c - y)^2) + sum(tanh(x·v)))`, so its gradient has one
/// all-reduce per parameter before `combine_psums`.
fn three_param_loss(rows: usize) -> Jaxpr {
    let mut b = Builder::new();
    let w = b.input(DType::F64, vec![3usize]);
    let c = b.input(DType::F64, Vec::<usize>::new());
    let v = b.input(DType::F64, vec![3usize]);
    let x = b.input(DType::F64, vec![rows, 3]);
    let y = b.input(DType::F64, vec![rows]);
    let p = b
        .dot_general(x.into(), w.into(), (&[1], &[0]), (&[], &[]))
        .unwrap();
    let p = b.add(p, c.into()).unwrap();
    let r = b.sub(p, y.into()).unwrap();
    let sq = b.mul(r, r).unwrap();
    let l = b.reduce_sum(sq, &[0]).unwrap();
    let q = b
        .dot_general(x.into(), v.into(), (&[1], &[0]), (&[], &[]))
        .unwrap();
    let q = b.tanh(q).unwrap();
    let q = b.reduce_sum(q, &[0]).unwrap();
    let l = b.add(l, q).unwrap();
    let s = b.eqn1(Prim::Psum, axes_p(&["data"]), &[l]).unwrap();
    // pmean: divided by the group size, `psum 1.0` as JAX writes it.
    let one = b.lit(1.0, DType::F64);
    let n = b.eqn1(Prim::Psum, axes_p(&["data"]), &[one]).unwrap();
    let m = b.div(s, n).unwrap();
    b.build(&[m])
}

fn count_psums(j: &Jaxpr) -> usize {
    j.eqns.iter().filter(|e| e.prim == Prim::Psum).count()
}

#[test]
fn combined_psums_give_the_same_gradients_in_one_rendezvous() {
    use rjax_core::passes::combine_psums;
    use rjax_core::transforms::value_and_grad;
    let rows = 8;
    let (x, y) = batch(rows);
    let (w, c, v) = (
        t(&[3], vec![0.3, -0.2, 0.5]),
        t(&[], vec![0.1]),
        t(&[3], vec![-0.4, 0.25, 0.6]),
    );
    for n in SIZES {
        let g = value_and_grad(&three_param_loss(rows / n), &[0, 1, 2], false).unwrap();
        let combined = combine_psums(&g);
        combined.verify().unwrap();
        // Value, group size and one per parameter.
        assert!(count_psums(&g) >= 5, "one psum per parameter before:\n{g}");
        assert_eq!(count_psums(&combined), 1, "one psum after:\n{combined}");
        // What is exchanged: the loss and one value per parameter element
        // (w: 3, c: 1, v: 3), each reduced locally before the all-reduce.
        let psum = combined.eqns.iter().find(|e| e.prim == Prim::Psum).unwrap();
        let exchanged = combined.atom_type(&psum.inputs[0]);
        assert_eq!(exchanged.to_string(), "f64[8]", "in:\n{combined}");
        let run = |j: &Jaxpr| {
            on_mesh_counted(&[("data", n)], |d| {
                let args = [
                    w.clone(),
                    c.clone(),
                    v.clone(),
                    block(&x, d, n),
                    block(&y, d, n),
                ];
                eval_jaxpr(j, &args).unwrap()
            })
        };
        let (before, after) = (run(&g), run(&combined));
        for ((b, rounds_b), (a, rounds_a)) in before.iter().zip(&after) {
            // The same sums, some reduced before the all-reduce.
            for (a, b) in a.iter().zip(b) {
                assert_close(
                    a,
                    b,
                    1e-12,
                    &format!("combined vs separate psums on {n} devices"),
                );
            }
            assert_eq!(*rounds_b, count_psums(&g));
            assert_eq!(*rounds_a, 1, "rendezvous per device after combining");
        }
    }
}

#[test]
fn a_psum_read_before_the_next_one_is_not_delayed_past_its_reader() {
    use rjax_core::passes::combine_psums;
    // s1 = psum(x); s2 = psum(s1 * x): s2 depends on s1, so they cannot share one rendezvous.
    let mut b = Builder::new();
    let x = b.input(DType::F64, vec![4usize]);
    let s1 = b.eqn1(Prim::Psum, axes_p(&["data"]), &[x.into()]).unwrap();
    let m = b.mul(s1, x.into()).unwrap();
    let s2 = b.eqn1(Prim::Psum, axes_p(&["data"]), &[m]).unwrap();
    let j = b.build(&[s2]);
    let combined = combine_psums(&j);
    combined.verify().unwrap();
    assert_eq!(count_psums(&combined), 2);
    let run = |j: &Jaxpr| on_mesh(&[("data", 2)], |d| run1(j, &[sample(&[4], d)]));
    assert_eq!(run(&j), run(&combined));
}
