//! A full data-parallel training step (examples/data_parallel.rs) on meshes
//! of 1, 2 and 4 thread devices equals the unsharded step, and rjax's
//! gradient through `pmean` per block equals the hand-derived gradient of
//! the whole batch, which in turn matches finite differences of the loss;
//! every device gets the same gradient, bit for bit.

#[path = "../examples/data_parallel.rs"]
#[allow(dead_code)]
mod data_parallel;

use data_parallel::mlp;
use rjax::Array;
use rjax::runtime::P;
use rjax::runtime::sharding::{Mesh, devices, set_num_cpu_devices, shard_map};

fn mesh(n: usize) -> Mesh {
    set_num_cpu_devices(4).unwrap();
    Mesh::new(&devices()[..n], &[("data", n)]).unwrap()
}

fn assert_close(a: &[Array<f32>], b: &[Array<f32>], tol: f32) {
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        assert_eq!(x.shape(), y.shape(), "parameter {k}");
        for (i, (u, v)) in x.as_slice().iter().zip(y.as_slice()).enumerate() {
            assert!(
                (u - v).abs() <= tol * (1.0 + v.abs()),
                "parameter {k}[{i}]: {u} vs {v}"
            );
        }
    }
}

#[test]
fn pmean_loss_gradient_equals_unsharded_gradient() {
    let (x, y) = mlp::dataset(64, 5);
    let p = mlp::init(6);
    let (loss, g) = mlp::loss_and_grads(&p, &x, &y, 64);
    for n in [1, 2, 4] {
        let mut out = mlp::grads_sharded(&mesh(n), &p, &x, &y);
        let l = out.pop().unwrap().as_slice()[0];
        assert!(
            (l - loss).abs() < 1e-5 * (1.0 + loss),
            "{n} devices: {l} vs {loss}"
        );
        assert_close(&out, &g, 1e-5);
    }
}

#[test]
fn unsharded_gradient_matches_finite_differences() {
    let (x, y) = mlp::dataset(32, 7);
    let p = mlp::init(8);
    let (_, g) = mlp::loss_and_grads(&p, &x, &y, 32);
    // Central differences in f64 arithmetic on the f32 loss, a few coordinates of each parameter.
    for k in 0..4 {
        for i in [0, p[k].len() / 2, p[k].len() - 1] {
            let h = 1e-2f32;
            let loss_at = |d: f32| {
                let mut q = p.clone();
                q[k].as_mut_slice()[i] += d;
                mlp::loss_and_grads(&q, &x, &y, 32).0 as f64
            };
            let fd = (loss_at(h) - loss_at(-h)) / (2.0 * h as f64);
            let an = g[k].as_slice()[i] as f64;
            assert!(
                (fd - an).abs() < 2e-3 + 2e-2 * an.abs(),
                "param {k}[{i}]: fd {fd} vs {an}"
            );
        }
    }
}

#[test]
fn sharded_training_steps_equal_unsharded_ones() {
    let (x, y) = mlp::dataset(128, 9);
    for n in [1, 2, 4] {
        let m = mesh(n);
        let (mut ps, mut pu) = (mlp::init(10), mlp::init(10));
        for step in 0..3 {
            let (a, la) = mlp::step_sharded(&m, &ps, &x, &y);
            let (b, lb) = mlp::step_unsharded(&pu, &x, &y);
            assert!(
                (la - lb).abs() < 1e-5 * (1.0 + lb),
                "{n} devices, step {step}: {la} vs {lb}"
            );
            assert_close(&a, &b, 1e-5);
            (ps, pu) = (a, b);
        }
    }
}

#[test]
fn every_device_gets_the_bit_identical_all_reduced_gradient() {
    // Each device returns its own gradient (out spec split over "data"),
    // so any difference between devices would show.
    let (x, y) = mlp::dataset(64, 11);
    let p = mlp::init(12);
    for n in [2, 4] {
        let f = |a: &[Array<f32>]| {
            let (_, g) = mlp::block_value_and_grad(a);
            g.iter()
                .map(|g| {
                    let mut shape = vec![1];
                    shape.extend_from_slice(g.shape());
                    g.reshape(&shape)
                })
                .collect()
        };
        let specs = [P![], P![], P![], P![], P!["data", None], P!["data", None]];
        let outs = [
            P!["data", None, None],
            P!["data", None],
            P!["data", None, None],
            P!["data", None],
        ];
        let args: Vec<&Array<f32>> = p.iter().chain([&x, &y]).collect();
        let got = shard_map(f, &mesh(n), &specs, &outs).call(&args).unwrap();
        for (k, g) in got.iter().enumerate() {
            let all = g.gather().to_vec();
            let per = all.len() / n;
            for d in 1..n {
                assert_eq!(
                    &all[d * per..(d + 1) * per],
                    &all[..per],
                    "parameter {k}: device {d} differs from device 0 on {n} devices"
                );
            }
        }
    }
}
