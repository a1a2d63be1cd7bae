//! Per-call overhead of tiny `#[jit]` functions (issue 5's jit(grad f) of
//! the seed f): a call on an input whose signature was seen before makes
//! no heap allocation (counted by this binary's global allocator; its own
//! test binary since the allocator is per binary), the signature cache's
//! counts stay exact on its lock-free hit path, a new shape is still
//! detected, and calls from several threads agree with the eager code.
use rjax::prelude::*;
use rjax::runtime::jit::CacheStats;

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocs;

/// The seed function of issue 5, under jit and grad.
#[jit]
#[grad]
fn seed_f(t: &Array<f32>) -> f32 {
    let (x, y, z) = (t[0], t[1], t[2]);
    x.sin() * y.cos() * z
}

/// The same body, a separate cache (tests run in parallel, and counts are
/// per function).
#[jit]
#[grad]
fn seed_threads(t: &Array<f32>) -> f32 {
    let (x, y, z) = (t[0], t[1], t[2]);
    x.sin() * y.cos() * z
}

#[jit]
#[grad]
fn seed_shapes(t: &Array<f32>) -> f32 {
    let (x, y, z) = (t[0], t[1], t[2]);
    x.sin() * y.cos() * z
}

/// f64, two parameters: another signature encoding.
#[jit]
fn scaled_sum(x: &Array<f64>, s: f64) -> f64 {
    x.sin().sum() * s
}

/// f(t) and its gradient by hand, in f64.
fn analytic(t: &[f32]) -> (f64, [f64; 3]) {
    let (x, y, z) = (t[0] as f64, t[1] as f64, t[2] as f64);
    (
        x.sin() * y.cos() * z,
        [
            x.cos() * y.cos() * z,
            -x.sin() * y.sin() * z,
            x.sin() * y.cos(),
        ],
    )
}

fn close(a: f32, b: f64) -> bool {
    (a as f64 - b).abs() <= 1e-6 * (1.0 + b.abs())
}

fn check(t: &Array<f32>, v: f32, g: &Array<f32>) {
    let (fv, fg) = analytic(t.as_slice());
    assert!(close(v, fv), "f({:?}) = {v}, want {fv}", t.as_slice());
    assert_eq!(g.shape(), t.shape());
    for k in 0..3 {
        assert!(close(g[k], fg[k]), "grad[{k}] = {}, want {}", g[k], fg[k]);
    }
    // Elements past t[2] do not reach f: zero gradient.
    assert!(g.as_slice()[3..].iter().all(|&x| x == 0.0));
}

#[test]
fn repeated_calls_allocate_nothing() {
    let t = Array::from_vec(vec![1.622_642_2f32, 2.025_264_7, -0.433_594_44]);
    // The first primal call stores the signature (a miss allocates).
    let v0 = seed_f(&t);
    let before = allocs();
    let mut v = 0.0;
    let mut g = seed_f::grad(&t);
    for _ in 0..100 {
        v = seed_f(&t);
        g = seed_f::grad(&t);
        let (v2, g2) = seed_f::value_and_grad(&t);
        assert_eq!((v2, &g2), (v, &g));
    }
    assert_eq!(allocs() - before, 0, "heap allocations in 100 calls");
    assert_eq!(v, v0);
    check(&t, v, &g);
    assert_eq!(
        seed_f::cache_stats(),
        CacheStats {
            hits: 100,
            misses: 1
        }
    );
}

#[test]
fn a_new_shape_is_a_miss_and_each_shape_hits_after() {
    let a = Array::from_vec(vec![0.3f32, -1.2, 2.5]);
    let b = Array::from_vec(vec![1.1f32, 0.4, -0.7, 5.0, 6.0]);
    let mut calls = 0;
    for round in 0..3 {
        // One shape several times (the lock-free path), then the other.
        for t in [&a, &a, &b, &b, &a, &b] {
            let (v, g) = (seed_shapes(t), seed_shapes::grad(t));
            check(t, v, &g);
            calls += 1;
        }
        let s = seed_shapes::cache_stats();
        assert_eq!(s.misses, 2, "round {round}: two shapes, two misses");
        assert_eq!(s.hits + s.misses, calls);
    }
    let (x, y) = (
        Array::from_vec(vec![0.5f64, 1.5]),
        Array::from_vec(vec![0.5f64; 7]),
    );
    for (x, s) in [(&x, 2.0), (&x, -1.0), (&y, 0.5), (&x, 3.0), (&y, 1.0)] {
        let want: f64 = x.as_slice().iter().map(|v: &f64| v.sin()).sum::<f64>() * s;
        assert!((scaled_sum(x, s) - want).abs() < 1e-12);
    }
    assert_eq!(scaled_sum::cache_stats(), CacheStats { hits: 3, misses: 2 });
}

#[test]
fn calls_from_threads_count_exactly_and_agree_with_eager() {
    const THREADS: usize = 4;
    const CALLS: usize = 2_000;
    let inputs: Vec<Array<f32>> = (0..THREADS)
        .map(|k| {
            let n = if k % 2 == 0 { 3 } else { 4 };
            let v: Vec<f32> = (0..n).map(|i| 0.37 * (k * 3 + i) as f32 - 1.1).collect();
            Array::from_vec(v)
        })
        .collect();
    std::thread::scope(|s| {
        for k in 0..THREADS {
            let inputs = &inputs;
            s.spawn(move || {
                for i in 0..CALLS {
                    // Threads alternate between the two shapes, so the
                    // last-signature slot keeps changing under readers.
                    let t = &inputs[(k + i) % THREADS];
                    let v = seed_threads(t);
                    let g = seed_threads::grad(t);
                    check(t, v, &g);
                    // Eager: the plain body on the same values.
                    let e = t[0].sin() * t[1].cos() * t[2];
                    assert!((v - e).abs() <= 1e-6 * (1.0 + e.abs()));
                }
            });
        }
    });
    let s = seed_threads::cache_stats();
    assert_eq!(s.hits + s.misses, (THREADS * CALLS) as u64);
    assert_eq!(s.misses, 2, "two shapes: [3] and [4]");
}
