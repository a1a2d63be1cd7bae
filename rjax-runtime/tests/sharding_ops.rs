//! Sharded == unsharded: elementwise ops, reductions and matmul under each
//! partition spec, on meshes of 1, 2 and 4 thread devices (and 2x2). The
//! unsharded results come from plain loops written here.

use rjax_runtime::Array;
use rjax_runtime::P;
use rjax_runtime::sharding::{
    Mesh, NamedSharding, PartitionSpec, ShardedArray, device_put, devices, set_num_cpu_devices,
};

fn meshes() -> Vec<Mesh> {
    set_num_cpu_devices(4).unwrap();
    let d = devices();
    vec![
        Mesh::new(&d[..1], &[("data", 1), ("model", 1)]).unwrap(),
        Mesh::new(&d[..2], &[("data", 2), ("model", 1)]).unwrap(),
        Mesh::new(&d[..2], &[("data", 1), ("model", 2)]).unwrap(),
        Mesh::new(&d[..4], &[("data", 4), ("model", 1)]).unwrap(),
        Mesh::new(&d[..4], &[("data", 2), ("model", 2)]).unwrap(),
        Mesh::new(&d[..4], &[("data", 1), ("model", 4)]).unwrap(),
    ]
}

fn specs2() -> Vec<PartitionSpec> {
    vec![
        P![],
        P!["data", None],
        P![None, "data"],
        P!["model", None],
        P![None, "model"],
        P!["data", "model"],
        P!["model", "data"],
        P![("data", "model"), None],
        P![None, ("model", "data")],
    ]
}

/// Deterministic test data with varied magnitudes.
fn arr(shape: &[usize], seed: u64) -> Array<f64> {
    let n: usize = shape.iter().product();
    let data = (0..n)
        .map(|i| {
            let v = (i as u64).wrapping_mul(2654435761).wrapping_add(seed * 97) % 1000;
            v as f64 / 100.0 - 5.0
        })
        .collect();
    Array::from_shape_vec(shape.to_vec(), data).unwrap()
}

fn close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= 1e-9 * (1.0 + y.abs()),
            "element {i}: {x} vs {y}"
        );
    }
}

fn put(x: &Array<f64>, mesh: &Mesh, spec: PartitionSpec) -> ShardedArray<f64> {
    device_put(x, &NamedSharding::new(mesh, spec).unwrap()).unwrap()
}

#[test]
fn device_put_then_gather_is_identity_and_blocks_are_the_right_slices() {
    let x = arr(&[8, 4], 1);
    for mesh in meshes() {
        for spec in specs2() {
            let xs = put(&x, &mesh, spec.clone());
            assert_eq!(
                xs.gather().to_vec(),
                x.to_vec(),
                "{spec} on {:?}",
                mesh.shape()
            );
            assert_eq!(xs.addressable_shards().len(), mesh.size());
            for s in xs.addressable_shards() {
                let (r, c) = (s.index[0].clone(), s.index[1].clone());
                let want: Vec<f64> = r
                    .flat_map(|i| c.clone().map(move |j| (i, j)))
                    .map(|(i, j)| x.as_slice()[i * 4 + j])
                    .collect();
                assert_eq!(s.data.to_vec(), want);
            }
        }
    }
}

#[test]
fn sharding_is_reported_and_uneven_splits_are_refused() {
    let mesh = &meshes()[3];
    let xs = put(&arr(&[8, 4], 1), mesh, P!["data", None]);
    assert_eq!(xs.sharding().spec, P!["data", None]);
    assert_eq!(xs.shape(), &[8, 4]);
    let err = device_put(
        &arr(&[6, 4], 1),
        &NamedSharding::new(mesh, P!["data"]).unwrap(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("does not split evenly"), "{err}");
    let err = NamedSharding::new(mesh, P!["nope"]).unwrap_err();
    assert!(
        err.to_string().contains("no mesh axis named \"nope\""),
        "{err}"
    );
}

#[test]
fn elementwise_ops_match_unsharded() {
    let (x, y) = (arr(&[8, 4], 1), arr(&[8, 4], 2));
    let add: Vec<f64> = x
        .as_slice()
        .iter()
        .zip(y.as_slice())
        .map(|(a, b)| a + b)
        .collect();
    let mul: Vec<f64> = x
        .as_slice()
        .iter()
        .zip(y.as_slice())
        .map(|(a, b)| a * b)
        .collect();
    let tanh: Vec<f64> = x.as_slice().iter().map(|a| a.tanh()).collect();
    for mesh in meshes() {
        for sx in specs2() {
            // y under a different spec exercises resharding.
            for sy in [sx.clone(), P!["data", None]] {
                let (xs, ys) = (put(&x, &mesh, sx.clone()), put(&y, &mesh, sy));
                let s = &xs + &ys;
                assert_eq!(s.sharding().spec, sx);
                close(&s.gather().to_vec(), &add);
                close(&(&xs * &ys).gather().to_vec(), &mul);
                close(&xs.map(f64::tanh).gather().to_vec(), &tanh);
            }
        }
    }
}

#[test]
fn reductions_match_unsharded() {
    let x = arr(&[8, 4], 3);
    let v = x.as_slice();
    let total: f64 = v.iter().sum();
    let max = v.iter().cloned().fold(f64::MIN, f64::max);
    let rows: Vec<f64> = (0..8).map(|i| (0..4).map(|j| v[i * 4 + j]).sum()).collect();
    let cols: Vec<f64> = (0..4).map(|j| (0..8).map(|i| v[i * 4 + j]).sum()).collect();
    let colmax: Vec<f64> = (0..4)
        .map(|j| (0..8).map(|i| v[i * 4 + j]).fold(f64::MIN, f64::max))
        .collect();
    for mesh in meshes() {
        for spec in specs2() {
            let xs = put(&x, &mesh, spec.clone());
            let what = format!("{spec} on {:?}", mesh.shape());
            assert!((xs.sum() - total).abs() < 1e-9, "{what}");
            assert_eq!(xs.max(), max, "{what}");
            let r = xs.try_sum_axis(1).unwrap();
            assert_eq!(r.shape(), &[8]);
            close(&r.gather().to_vec(), &rows);
            close(&xs.try_sum_axis(0).unwrap().gather().to_vec(), &cols);
            assert_eq!(
                xs.try_max_axis(0).unwrap().gather().to_vec(),
                colmax,
                "{what}"
            );
        }
    }
}

#[test]
fn matmul_matches_unsharded_under_every_spec_pair() {
    let (a, b) = (arr(&[8, 4], 4), arr(&[4, 8], 5));
    let (va, vb) = (a.as_slice(), b.as_slice());
    let want: Vec<f64> = (0..8)
        .flat_map(|i| (0..8).map(move |j| (i, j)))
        .map(|(i, j)| (0..4).map(|k| va[i * 4 + k] * vb[k * 8 + j]).sum())
        .collect();
    for mesh in meshes() {
        for sa in specs2() {
            for sb in specs2() {
                let (xa, xb) = (put(&a, &mesh, sa.clone()), put(&b, &mesh, sb.clone()));
                let c = xa.matmul(&xb);
                assert_eq!(c.shape(), &[8, 8]);
                close(&c.gather().to_vec(), &want);
            }
        }
    }
}

#[test]
fn matmul_keeps_batch_and_column_sharding() {
    let mesh = &meshes()[4]; // data 2 x model 2
    let (a, b) = (arr(&[8, 4], 4), arr(&[4, 8], 5));
    let batch = put(&a, mesh, P!["data", None]).matmul(&put(&b, mesh, P![]));
    assert_eq!(batch.sharding().spec, P!["data"]);
    let cols = put(&a, mesh, P!["data", None]).matmul(&put(&b, mesh, P![None, "model"]));
    assert_eq!(cols.sharding().spec, P!["data", "model"]);
    // Contraction sharded: partial products are all-reduced, output replicated over model.
    let red = put(&a, mesh, P![None, "model"]).matmul(&put(&b, mesh, P!["model", None]));
    assert_eq!(red.sharding().spec, P![]);
    assert_eq!(red.addressable_shards()[0].data.shape(), &[8, 8]);
}
