//! Throughput of the samplers on 10^7 f32 (compare with benches/random_jax.py,
//! which times JAX's jitted `jax.random.normal` / `uniform` on the same sizes).
//!
//! `cargo bench --bench random -- --measurement-time 3`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rjax::random;

const N: usize = 10_000_000;

fn samplers(c: &mut Criterion) {
    let mut g = c.benchmark_group("random_1e7_f32");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10);
    g.bench_function("normal", |b| {
        b.iter(|| random::normal::<f32>(random::key(0), &[N]))
    });
    g.bench_function("uniform", |b| {
        b.iter(|| random::uniform::<f32>(random::key(0), &[N], 0.0, 1.0))
    });
    g.bench_function("bits_u32", |b| {
        b.iter(|| random::bits::<u32>(random::key(0), &[N]))
    });
    g.finish();
}

criterion_group!(benches, samplers);
criterion_main!(benches);
