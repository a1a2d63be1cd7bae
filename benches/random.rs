//! Throughput of the samplers on 10^7 f32 (compare with benches/random_jax.py,
//! which times JAX's jitted `jax.random.normal` / `uniform` on the same sizes).
//!
//! `cargo bench --bench random -- --measurement-time 3`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rjax::prelude::*;
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
    // The same draw inside `#[jit]` (one opaque primitive calling the
    // eager sampler): should cost the same as `normal`.
    g.bench_function("normal_in_jit", |b| b.iter(|| jit_normal(random::key(0))));
    // Eight keys of N/8 each through `vmap`.
    g.bench_function("normal_vmap_8_keys", |b| {
        b.iter(|| jit_normal_rows::vmap(random::split(random::key(0), 8)))
    });
    g.finish();
}

#[jit]
fn jit_normal(key: Key) -> Array<f32> {
    random::normal::<f32>(key, &[10_000_000])
}

#[vmap]
fn jit_normal_rows(key: Key) -> Array<f32> {
    random::normal::<f32>(key, &[1_250_000])
}

criterion_group!(benches, samplers);
criterion_main!(benches);
