//! The data-parallel training step of examples/data_parallel.rs (MLP
//! 32-128-1, batch 1024, gradient of the pmean loss from rjax, all-reduced by its transpose) on 1 and on 2
//! thread devices, and the fixed cost of a shard_map call with one psum.
//!
//! `cargo bench --bench sharding -- --measurement-time 3`
//! On a shared machine the figures mislead both ways: the 2-device case
//! needs both cores at once, while the 1-device case shares its core's
//! neighbour (cache, memory bandwidth) with whatever else runs; compare
//! with the interleaved timing the example prints.

#[path = "../examples/data_parallel.rs"]
#[allow(dead_code)]
mod data_parallel;

use criterion::{Criterion, criterion_group, criterion_main};
use data_parallel::mlp;
use rjax::Array;
use rjax::runtime::P;
use rjax::runtime::sharding::{Mesh, devices, psum, set_num_cpu_devices, shard_map};

fn training_step(c: &mut Criterion) {
    set_num_cpu_devices(2).unwrap();
    let (x, y) = mlp::dataset(1024, 3);
    let p = mlp::init(2);
    let mut g = c.benchmark_group("dp_training_step_b1024");
    g.sample_size(20);
    for n in [1, 2] {
        let mesh = Mesh::new(&devices()[..n], &[("data", n)]).unwrap();
        g.bench_function(format!("{n}_devices"), |b| {
            b.iter(|| mlp::step_sharded(&mesh, &p, &x, &y))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("shard_map_psum_overhead");
    g.sample_size(20);
    let v = Array::from_vec(vec![1.0f32; 2]);
    for n in [1, 2] {
        let mesh = Mesh::new(&devices()[..n], &[("data", n)]).unwrap();
        let sm = shard_map(
            |a: &[Array<f32>]| vec![psum(&a[0], "data")],
            &mesh,
            &[P![]],
            &[P![]],
        );
        g.bench_function(format!("{n}_devices"), |b| {
            b.iter(|| sm.call(&[&v]).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, training_step);
criterion_main!(benches);
