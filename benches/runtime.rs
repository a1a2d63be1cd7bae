//! Runtime kernels: 512×512 matmul (f32, f64) and a 10^6-element `tanh`
//! (f32, f64). Throughput is in elements/s where one "element" is one
//! floating-point operation for matmul (2·n³ per product), so criterion's
//! `Gelem/s` reads as GFLOP/s; for `tanh` it is elements per second.
//!
//! Run: `cargo bench --bench runtime -- --warm-up-time 1 --measurement-time 3`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rjax::Array;
use std::hint::black_box;

fn matrix<T: rjax::runtime::Num>(n: usize) -> Array<T> {
    let data = (0..n * n)
        .map(|i| T::from_f64(((i * 7919) % 1000) as f64 / 1000.0 - 0.5))
        .collect();
    Array::from_shape_vec(vec![n, n], data).unwrap()
}

fn matmul(c: &mut Criterion) {
    let n = 512;
    let mut g = c.benchmark_group("matmul_512");
    g.throughput(Throughput::Elements(2 * (n * n * n) as u64));
    let (a32, b32) = (matrix::<f32>(n), matrix::<f32>(n));
    g.bench_function("f32", |bch| bch.iter(|| black_box(a32.matmul(&b32))));
    let (a64, b64) = (matrix::<f64>(n), matrix::<f64>(n));
    g.bench_function("f64", |bch| bch.iter(|| black_box(a64.matmul(&b64))));
    g.finish();
}

fn tanh(c: &mut Criterion) {
    let n = 1_000_000;
    let mut g = c.benchmark_group("tanh_1e6");
    g.throughput(Throughput::Elements(n as u64));
    let x32 = Array::from_vec((0..n).map(|i| (i as f32) * 1e-5 - 5.0).collect());
    g.bench_function("f32", |bch| bch.iter(|| black_box(x32.tanh())));
    let x64 = Array::from_vec((0..n).map(|i| (i as f64) * 1e-5 - 5.0).collect());
    g.bench_function("f64", |bch| bch.iter(|| black_box(x64.tanh())));
    g.finish();
}

criterion_group!(benches, matmul, tanh);
criterion_main!(benches);
