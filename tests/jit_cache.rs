//! The `#[jit]` per-signature cache: `f::cache_stats()` counts a miss for
//! each new input signature (shapes and dtypes) and a hit for each call
//! with a signature seen before; with `RJAX_LOG=1` each miss prints
//! `compiling f for [4, 2]:f32` to stderr, once per signature (checked by
//! running this test binary again as a child process with the variable
//! set and reading its stderr).
use rjax::prelude::*;
use rjax::runtime::jit::CacheStats;

#[jit]
fn scaled(x: &Array<f32>) -> Array<f32> {
    x.sin() * 2.0
}

#[jit]
fn square(x: f64) -> f64 {
    x * x
}

#[jit]
fn logged(#[rank(2)] x: &Array<f32>) -> Array<f32> {
    x.exp()
}

#[jit]
fn mixed(x: &Array<f64>, s: f64) -> Array<f64> {
    x.cos() * s
}

#[test]
fn hit_on_the_second_call_and_miss_on_a_new_shape() {
    let (a, b) = (Array::<f32>::zeros(&[6]), Array::<f32>::ones(&[9]));
    assert_eq!(scaled::cache_stats(), CacheStats { hits: 0, misses: 0 });
    scaled(&a);
    assert_eq!(scaled::cache_stats(), CacheStats { hits: 0, misses: 1 });
    let r = scaled(&a);
    assert_eq!(scaled::cache_stats(), CacheStats { hits: 1, misses: 1 });
    assert_eq!(r.as_slice(), &[0.0; 6]);
    let r = scaled(&b);
    assert_eq!(scaled::cache_stats(), CacheStats { hits: 1, misses: 2 });
    assert!((r.as_slice()[8] - 2.0 * 1f32.sin()).abs() < 1e-6);
    scaled(&a);
    scaled(&b);
    assert_eq!(scaled::cache_stats(), CacheStats { hits: 3, misses: 2 });
}

#[test]
fn scalar_functions_have_one_signature() {
    assert_eq!(square(3.0), 9.0);
    assert_eq!(square(-2.0), 4.0);
    assert_eq!(square(0.5), 0.25);
    assert_eq!(square::cache_stats(), CacheStats { hits: 2, misses: 1 });
}

#[test]
#[should_panic(expected = "must have rank 2")]
fn the_first_call_of_a_signature_checks_ranks() {
    logged(&Array::<f32>::zeros(&[3]));
}

#[jit]
fn pairwise(x: &Array<f32>, y: &Array<f32>) -> Array<f32> {
    x * y + 1.0
}

/// The panic text of `f`, which must panic.
fn panic_text(f: impl FnOnce()) -> String {
    let e = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("a panic");
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn a_bad_signature_is_checked_again_on_every_call() {
    // Before, the signature was cached before its checks ran: after one
    // caught panic the same bad call returned a wrong-shaped result.
    for _ in 0..3 {
        let t = panic_text(|| drop(pairwise(&Array::zeros(&[3]), &Array::zeros(&[4]))));
        assert!(
            t.contains("must have the same size") && t.contains("got 3 and 4"),
            "{t}"
        );
    }
    // A good call of the same function still works and is cached.
    let (a, b) = (
        Array::from_vec(vec![1.0f32, 2.0]),
        Array::from_vec(vec![3.0f32, 4.0]),
    );
    assert_eq!(pairwise(&a, &b).to_vec(), vec![4.0, 9.0]);
    assert_eq!(pairwise(&a, &b).to_vec(), vec![4.0, 9.0]);
    let stats = pairwise::cache_stats();
    assert_eq!((stats.misses, stats.hits), (4, 1));
}

#[test]
fn many_signatures_stay_bounded_and_old_ones_stay_fast_to_find() {
    // Each length is a new signature; the cache keeps at most CAPACITY.
    let cap = rjax::runtime::jit::CAPACITY;
    for n in 1..=cap + 50 {
        let x = Array::<f64>::ones(&[n]);
        assert!((mixed(&x, 2.0).as_slice()[n - 1] - 1f64.cos() * 2.0).abs() < 1e-15);
    }
    let before = mixed::cache_stats();
    // The newest are kept (hits); the oldest were forgotten (misses).
    mixed(&Array::<f64>::ones(&[cap + 50]), 1.0);
    mixed(&Array::<f64>::ones(&[1]), 1.0);
    let after = mixed::cache_stats();
    assert_eq!(after.hits - before.hits, 1);
    assert_eq!(after.misses - before.misses, 1);
}

/// Run by `log_lines_once_per_signature` in a child process.
#[test]
#[ignore = "run as a child process by log_lines_once_per_signature"]
fn log_child() {
    let x = Array::<f32>::zeros(&[4, 2]);
    logged(&x);
    logged(&x);
    logged(&Array::<f32>::zeros(&[3, 5]));
    logged(&x);
    mixed(&Array::<f64>::ones(&[2]), 0.5);
    mixed(&Array::<f64>::ones(&[2]), 1.5);
}

#[test]
fn log_lines_once_per_signature() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "log_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RJAX_LOG", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "child failed: {out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("compiling")).collect();
    assert_eq!(
        lines,
        [
            "compiling logged for [4, 2]:f32",
            "compiling logged for [3, 5]:f32",
            "compiling mixed for [2]:f64, []:f64",
        ]
    );
}
