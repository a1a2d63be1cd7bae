//! shard_map collectives against their definitions, computed here with
//! loops over the per-device inputs, on meshes of 1, 2 and 4 devices.

use rjax_runtime::Array;
use rjax_runtime::P;
use rjax_runtime::sharding::{
    Mesh, all_gather, all_gather_tiled, axis_index, axis_size, devices, pmax, pmean, pmin,
    ppermute, psum, psum_many, psum_scatter, psum_scatter_tiled, set_num_cpu_devices, shard_map,
    try_psum,
};

fn mesh(n: usize) -> Mesh {
    set_num_cpu_devices(4).unwrap();
    Mesh::new(&devices()[..n], &[("i", n)]).unwrap()
}

/// Device `k`'s block: 2x3 values depending on k.
fn block(k: usize) -> Vec<f64> {
    (0..6)
        .map(|e| ((k * 7 + e * 3) % 11) as f64 - 4.0)
        .collect()
}

/// The global input whose block k (along dim 0) is `block(k)`.
fn global(n: usize) -> Array<f64> {
    Array::from_shape_vec(vec![2 * n, 3], (0..n).flat_map(block).collect()).unwrap()
}

/// Runs `f` per device on its block and returns every device's output
/// (out spec "i" on a new leading axis, so nothing is assumed replicated).
fn per_device(
    n: usize,
    f: impl Fn(&Array<f64>) -> Array<f64> + Send + Sync + 'static,
) -> Vec<Vec<f64>> {
    let sm = shard_map(
        move |xs: &[Array<f64>]| {
            let y = f(&xs[0]);
            let mut shape = vec![1];
            shape.extend_from_slice(y.shape());
            vec![Array::from_shape_vec(shape, y.to_vec()).unwrap()]
        },
        &mesh(n),
        &[P!["i"]],
        &[P!["i"]],
    );
    let out = sm.call(&[&global(n)]).unwrap().remove(0).gather();
    let per = out.len() / n;
    out.to_vec().chunks(per).map(|c| c.to_vec()).collect()
}

fn elementwise(n: usize, f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    (0..6)
        .map(|e| f(&(0..n).map(|k| block(k)[e]).collect::<Vec<_>>()))
        .collect()
}

#[test]
fn psum_pmean_pmax_pmin_match_their_definitions() {
    for n in [1, 2, 4] {
        let sum = elementwise(n, |v| v.iter().sum());
        let max = elementwise(n, |v| v.iter().cloned().fold(f64::MIN, f64::max));
        let min = elementwise(n, |v| v.iter().cloned().fold(f64::MAX, f64::min));
        for got in per_device(n, |x| psum(x, "i")) {
            assert_eq!(got, sum);
        }
        for got in per_device(n, |x| pmean(x, "i")) {
            let want: Vec<f64> = sum.iter().map(|s| s / n as f64).collect();
            assert_eq!(got, want);
        }
        for got in per_device(n, |x| pmax(x, "i")) {
            assert_eq!(got, max);
        }
        for got in per_device(n, |x| pmin(x, "i")) {
            assert_eq!(got, min);
        }
    }
}

#[test]
fn psum_many_equals_psum_of_each_array() {
    for n in [1, 2, 4] {
        let sum = elementwise(n, |v| v.iter().sum());
        for got in per_device(n, move |x| {
            let k = axis_index("i") as f64;
            let extra = Array::from_vec(vec![k, 2.0 * k]);
            let r = psum_many(&[x.clone(), extra], "i");
            assert_eq!(r[0].shape(), &[2, 3]);
            let t = (n * (n - 1) / 2) as f64;
            assert_eq!(r[1].to_vec(), vec![t, 2.0 * t]);
            r[0].clone()
        }) {
            assert_eq!(got, sum);
        }
    }
}

#[test]
fn all_gather_stacks_and_tiles() {
    for n in [1, 2, 4] {
        let stacked: Vec<f64> = (0..n).flat_map(block).collect();
        for got in per_device(n, move |x| {
            let g = all_gather(x, "i");
            assert_eq!(g.shape(), &[n, 2, 3]);
            g
        }) {
            assert_eq!(got, stacked);
        }
        // Tiled along dim 1: row r of the result is row r of every block, side by side.
        let tiled: Vec<f64> = (0..2)
            .flat_map(|r| (0..n).flat_map(move |k| block(k)[r * 3..r * 3 + 3].to_vec()))
            .collect();
        for got in per_device(n, move |x| {
            let g = all_gather_tiled(x, "i", 1);
            assert_eq!(g.shape(), &[2, 3 * n]);
            g
        }) {
            assert_eq!(got, tiled);
        }
    }
}

#[test]
fn psum_scatter_gives_each_device_its_block_of_the_sum() {
    for n in [1, 2, 4] {
        // Each device holds an [n, 3] array: row r = r + device's block row 0.
        let rows = move |k: usize| -> Vec<f64> {
            (0..n)
                .flat_map(|r| {
                    block(k)[..3]
                        .iter()
                        .map(|v| v + r as f64)
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        let got = per_device(n, move |x| {
            let k = axis_index("i");
            let _ = x;
            let a = Array::from_shape_vec(vec![n, 3], rows(k)).unwrap();
            psum_scatter(&a, "i")
        });
        for (k, g) in got.iter().enumerate() {
            let want: Vec<f64> = (0..3)
                .map(|c| (0..n).map(|d| rows(d)[k * 3 + c]).sum())
                .collect();
            assert_eq!(g, &want, "device {k} of {n}");
        }
        // Tiled over dim 1 of a [2, 2n] array.
        let got = per_device(n, move |x| {
            let k = axis_index("i");
            let _ = x;
            let a = Array::from_shape_vec(
                vec![2, 2 * n],
                (0..4 * n).map(|e| (e * (k + 1)) as f64).collect(),
            )
            .unwrap();
            psum_scatter_tiled(&a, "i", 1)
        });
        for (k, g) in got.iter().enumerate() {
            let want: Vec<f64> = (0..2)
                .flat_map(|r| {
                    (2 * k..2 * k + 2)
                        .map(move |c| (0..n).map(|d| ((r * 2 * n + c) * (d + 1)) as f64).sum())
                })
                .collect();
            assert_eq!(g, &want, "device {k} of {n}");
        }
    }
}

#[test]
fn ppermute_shifts_and_axis_index_counts() {
    for n in [1, 2, 4] {
        let shift: Vec<(usize, usize)> = (0..n).map(|k| (k, (k + 1) % n)).collect();
        let got = per_device(n, move |x| ppermute(x, "i", &shift));
        for (k, g) in got.iter().enumerate() {
            assert_eq!(g, &block((k + n - 1) % n));
        }
        // A partial permutation: only device 0 sends (to the last); others get zeros.
        let got = per_device(n, move |x| ppermute(x, "i", &[(0, n - 1)]));
        for (k, g) in got.iter().enumerate() {
            if k == n - 1 {
                assert_eq!(g, &block(0));
            } else {
                assert_eq!(g, &vec![0.0; 6]);
            }
        }
        let got = per_device(n, |_| {
            Array::from_vec(vec![axis_index("i") as f64, axis_size("i") as f64])
        });
        for (k, g) in got.iter().enumerate() {
            assert_eq!(g, &vec![k as f64, n as f64]);
        }
    }
}

#[test]
fn collectives_over_one_axis_of_a_2d_mesh_stay_in_their_group() {
    set_num_cpu_devices(4).unwrap();
    let m = Mesh::new(&devices()[..4], &[("x", 2), ("y", 2)]).unwrap();
    // Device (a, b) holds [10a + b]; psum over y sums b for fixed a.
    let sm = shard_map(
        |_: &[Array<f64>]| {
            let (a, b) = (axis_index("x"), axis_index("y"));
            let v = Array::from_shape_vec(vec![1, 1], vec![(10 * a + b) as f64]).unwrap();
            vec![
                psum(&v, "y"),
                psum(&v, "x"),
                psum(&v, ["x", "y"]),
                Array::from_shape_vec(vec![1, 1], vec![axis_index(["x", "y"]) as f64]).unwrap(),
            ]
        },
        &m,
        &[],
        &[P!["x", "y"], P!["x", "y"], P!["x", "y"], P!["x", "y"]],
    );
    let out = sm.call(&[]).unwrap();
    assert_eq!(out[0].gather().to_vec(), vec![1.0, 1.0, 21.0, 21.0]);
    assert_eq!(out[1].gather().to_vec(), vec![10.0, 12.0, 10.0, 12.0]);
    assert_eq!(out[2].gather().to_vec(), vec![22.0; 4]);
    assert_eq!(out[3].gather().to_vec(), vec![0.0, 1.0, 2.0, 3.0]);
}

#[test]
fn collectives_outside_shard_map_and_unknown_axes_are_clear_errors() {
    let x = Array::from_vec(vec![1.0f64]);
    let e = try_psum(&x, "i").unwrap_err().to_string();
    assert!(e.contains("only work inside shard_map"), "{e}");
    let sm = shard_map(
        |xs: &[Array<f64>]| vec![psum(&xs[0], "j")],
        &mesh(2),
        &[P![]],
        &[P![]],
    );
    let e = sm.call(&[&x]).unwrap_err().to_string();
    assert!(e.contains("no mesh axis named \"j\""), "{e}");
}
