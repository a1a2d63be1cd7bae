//! The streaming-store path of the fused loops (`kernels::set_stream_stores`,
//! off by default) writes exactly what the plain path writes: outputs of
//! at least `kernels::STREAM_MIN_BYTES`, whole and starting at every offset
//! within a 16-byte line (so the plain head and tail copies around the
//! streamed middle are exercised), for `map1`, `map2`, `map3` and `map_nm`
//! with two outputs, on the pool and on one thread.
//!
//! Its own test binary: the switch is process-wide.

use std::sync::Mutex;

use rjax::runtime::kernels;

#[path = "support/xorshift.rs"]
mod xorshift;

/// Held by each test while it flips the process-wide switch.
static SWITCH: Mutex<()> = Mutex::new(());

/// Values in [-4, 12).
fn data(n: usize, seed: u32) -> Vec<f32> {
    xorshift::uniform(n, seed, -4.0, 12.0)
}

#[inline(always)]
fn chain(v: f32) -> f32 {
    kernels::tanh_f32(kernels::exp_f32(kernels::sin_f32(v).mul_add(2.0, 1.0)))
}

/// Every fused entry point over `x[off..]` (and `y`, `z`), into outputs
/// starting `off` elements into their buffers.
fn run_all(x: &[f32], y: &[f32], z: &[f32], off: usize) -> Vec<Vec<f32>> {
    let n = x.len() - off;
    let (x, y, z) = (&x[off..], &y[off..], &z[off..]);
    let mut outs = vec![vec![0.0f32; n + off]; 5];
    kernels::map1_slice(x, &mut outs[0][off..], chain);
    kernels::map2_slice(x, y, &mut outs[1][off..], |a, b| chain(a) * b);
    kernels::map3_slice(x, y, z, &mut outs[2][off..], |a, b, c| a.mul_add(b, c));
    let (o3, o4) = outs.split_at_mut(4);
    kernels::map_nm(
        [x, y],
        [&mut o3[3][off..], &mut o4[0][off..]],
        |[a, b]: [f32; 2]| [chain(a) + b, a * b],
    );
    outs
}

#[test]
fn streaming_stores_write_what_plain_stores_write() {
    // 16 MiB of f32 output per map, plus an odd tail.
    let n = kernels::STREAM_MIN_BYTES / 4 + 37;
    let (x, y, z) = (data(n, 1), data(n, 2), data(n, 3));
    let _g = SWITCH.lock().unwrap();
    for off in [0, 1, 3] {
        kernels::set_stream_stores(false);
        let plain = run_all(&x, &y, &z, off);
        kernels::set_stream_stores(true);
        let streamed = run_all(&x, &y, &z, off);
        kernels::set_stream_stores(false);
        for (k, (p, s)) in plain.iter().zip(&streamed).enumerate() {
            let bad = p
                .iter()
                .zip(s)
                .position(|(a, b)| a.to_bits() != b.to_bits());
            assert!(
                bad.is_none(),
                "offset {off}, map {k}: first difference at {bad:?}"
            );
        }
    }
}

#[test]
fn streaming_stores_on_one_thread() {
    let n = kernels::STREAM_MIN_BYTES / 4 + 5;
    let x = data(n, 4);
    let want: Vec<f32> = x.iter().map(|&v| chain(v)).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut out = vec![0.0f32; n];
    let _g = SWITCH.lock().unwrap();
    kernels::set_stream_stores(true);
    pool.install(|| kernels::map1_slice(&x, &mut out, chain));
    kernels::set_stream_stores(false);
    assert!(
        out.iter()
            .zip(&want)
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
}
