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
