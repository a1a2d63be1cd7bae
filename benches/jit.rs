//! The Rust side of `benches/compare.sh`: times the issue-5 workloads and
//! prints one machine-readable line per workload, `name<TAB>seconds`
//! (best of a few runs; seconds per call as defined for each workload).
//!
//! Plain `name` lines are "rjax (hand-fused kernels)": the `kernels::` and
//! runtime kernels called by hand, the code `#[jit]` is meant to emit; they
//! are not macro output. `macro:name` lines time the same program written
//! with `#[jit]`/`#[grad]`/`#[vmap]` (real macro output, fused emission). Run: `cargo bench --bench jit` (optionally with
//! workload names as filters, e.g. `cargo bench --bench jit -- test_fn`).

use std::hint::black_box;
use std::time::Instant;

use rjax::prelude::jit;
use rjax::runtime::{Array, kernels};

#[path = "../tests/fast_support/mlp.rs"]
mod mlp_model;
#[path = "../tests/fast_support/uniform.rs"]
mod uniform;
use mlp_model::Mlp;
use uniform::uniform;

#[path = "suite/rowwise.rs"]
mod rowwise;

/// Best wall time of `runs` calls of `f`, in seconds. The least CPU time
/// the process spent on one call (all threads, rayon's spinning included)
/// is kept for [`take_cpu`]: on a shared machine it moves less with other
/// processes' load than the wall time does.
fn best_of(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut cpu = f64::INFINITY;
    let wall = (0..runs)
        .map(|_| {
            let c = process_cpu_seconds();
            let t = Instant::now();
            f();
            let w = t.elapsed().as_secs_f64();
            cpu = cpu.min(process_cpu_seconds() - c);
            w
        })
        .fold(f64::INFINITY, f64::min);
    BEST_CPU.with(|b| b.set(cpu));
    wall
}

thread_local! {
    static BEST_CPU: std::cell::Cell<f64> = const { std::cell::Cell::new(f64::NAN) };
}

/// The CPU seconds of the last [`best_of`]'s cheapest run.
fn take_cpu() -> f64 {
    BEST_CPU.with(|b| b.replace(f64::NAN))
}

/// CPU time of all this process's threads (Linux schedstat; NaN elsewhere).
fn process_cpu_seconds() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return f64::NAN;
    };
    dir.filter_map(|t| {
        let s = std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok()?;
        s.split_whitespace().next()?.parse::<f64>().ok()
    })
    .sum::<f64>()
        * 1e-9
}

/// Timed runs of test_fn (the same in benches/jax_compare.py): at N=256 a
/// run is ~20 ms, and the best of three spread by half on this shared
/// machine; ten cost 0.2 s.
fn test_fn_runs(n: usize) -> usize {
    if n <= 256 { 10 } else { 3 }
}

/// Seed test_fn: 100 iterations of `x = tanh(dot(x, x.t()))`, x: [n, n]
/// f32 starting at uniform/sqrt(n); two ping-pong buffers, no allocation.
fn test_fn(n: usize) -> f64 {
    let scale = 1.0 / (n as f32).sqrt();
    let x0: Vec<f32> = uniform(n * n, 1).iter().map(|v| v * scale).collect();
    let x0 = Array::from_shape_vec(vec![n, n], x0).unwrap();
    let mut a = x0.clone();
    let mut b = x0.clone();
    b.as_mut_slice(); // unshare once, outside the timed loop
    best_of(test_fn_runs(n), || {
        a.as_mut_slice().copy_from_slice(x0.as_slice());
        for _ in 0..100 {
            kernels::syrk_epilogue_into(&a, &mut b, kernels::tanh_f32);
            std::mem::swap(&mut a, &mut b);
        }
        black_box(&a);
    })
}

/// `exp(sin(x) * 2 + 1).tanh()` over 10^7 f32, one fused pass into a
/// planned output buffer, staged as `#[jit]` emits it: one short loop per
/// transcendental over blocks that stay in L1 (`kernels::map_nm_blocks`),
/// with the forms `#[jit]` picks: sin reduced in f32, exp and tanh without
/// clamps (rjax-core's ranges bound their arguments). Unlike `#[jit]` it
/// does not flag sin arguments beyond 1e5 (the data is in [-1, 1)).
fn elementwise_chain() -> f64 {
    let n = 10_000_000;
    let x = uniform(n, 2);
    let mut out = vec![0.0f32; n];
    best_of(5, || {
        kernels::map_nm_blocks(
            [&x[..]],
            [&mut out[..]],
            #[inline(always)]
            |[x]: [&[f32]; 1], [y]: [&mut [f32]; 1]| {
                let n = x.len();
                let mut t = [0.0f32; kernels::STAGE_BLOCK];
                let t = &mut t[..n];
                for i in 0..n {
                    t[i] = kernels::sin_f32_near(x[i]).mul_add(2.0, 1.0);
                }
                for v in t.iter_mut() {
                    *v = kernels::exp_f32_normal(*v);
                }
                for i in 0..n {
                    y[i] = kernels::tanh_f32_pos(t[i]);
                }
            },
        );
        black_box(&out);
    })
}

/// The machine's streaming bandwidth as this code sees it: `y = 2 x` over
/// 10^7 f32 (40 MB read, 40 MB written, more than the L3) through the same
/// fused loop as the chain, on `threads` threads (0: rayon's whole pool).
/// Reported like the other rows, in seconds; compare.sh prints GB/s.
fn stream_scale(threads: usize) -> f64 {
    let n = 10_000_000;
    let x = uniform(n, 3);
    let mut out = vec![0.0f32; n];
    let mut run = || {
        best_of(10, || {
            kernels::map1_slice(
                &x,
                &mut out,
                #[inline(always)]
                |v: f32| v * 2.0,
            );
            black_box(&out);
        })
    };
    if threads == 0 {
        run()
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a rayon pool");
        pool.install(run)
    }
}

/// The seed f(t) = sin(t0) cos(t1) t2 and its gradient, written by hand as
/// the straight-line scalar code `#[jit] #[grad]` is to emit.
#[inline(always)]
fn grad_f_row(t: [f32; 3]) -> [f32; 3] {
    let (s0, c0) = kernels::sin_cos_f32(t[0]);
    let (s1, c1) = kernels::sin_cos_f32(t[1]);
    [c0 * c1 * t[2], -s0 * s1 * t[2], s0 * c1]
}

#[inline(never)]
fn grad_f(t: &Array<f32>) -> Array<f32> {
    let s = t.as_slice();
    // Straight-line scalar code runs inside `dispatch` too, so that the
    // math's mul_add compiles to FMA instructions, not software fma calls.
    let g = kernels::dispatch(
        #[inline(always)]
        || grad_f_row([s[0], s[1], s[2]]),
    );
    Array::from_vec(g.to_vec())
}

/// jit(grad f) per call on f32[3] (input and output are Arrays).
fn grad_f_call() -> f64 {
    let t = Array::from_vec(vec![1.622_642_2f32, 2.025_264_7, -0.433_594_44]);
    // Many short batches, best one: a batch rarely loses its time slice.
    let calls = 1_000;
    best_of(200, || {
        for _ in 0..calls {
            black_box(grad_f(black_box(&t)));
        }
    }) / calls as f64
}

/// jit(vmap(grad f)) over 10^6 rows of 3 into a planned output buffer.
fn vmap_grad_f() -> f64 {
    let xs: Vec<f32> = uniform(3_000_000, 8).iter().map(|v| v * 3.0).collect();
    let mut out = vec![0.0f32; xs.len()];
    best_of(5, || {
        kernels::map_rows(
            &xs,
            &mut out,
            #[inline(always)]
            |t: [f32; 3]| grad_f_row(t),
        );
        black_box(&out);
    })
}

fn mlp(which: &str) -> f64 {
    let mut m = Mlp::new(uniform);
    let calls = 50;
    best_of(5, || {
        for _ in 0..calls {
            black_box(if which == "loss" { m.loss() } else { m.grad() });
        }
    }) / per_call(calls)
}

/// `calls` as a divisor, also applied to the kept CPU time.
fn per_call(calls: usize) -> f64 {
    BEST_CPU.with(|b| b.set(b.get() / calls as f64));
    calls as f64
}

// The same workloads written for the macros: this is real `#[jit]` /
// `#[grad]` output (the emitter as it stands on main), reported in its own
// column ("macro:" lines).
#[jit]
fn test_fn_macro(x: &Array<f32>) -> Array<f32> {
    let mut x = x.clone();
    for _ in 0..100 {
        x = x.dot(&x.t()).tanh();
    }
    x
}

#[jit]
#[grad]
fn seed_f(t: &Array<f32>) -> f32 {
    let (x, y, z) = (t[0], t[1], t[2]);
    x.sin() * y.cos() * z
}

#[jit]
#[vmap]
fn per_example_macro(t: &Array<f32>) -> Array<f32> {
    seed_f::grad(t)
}

/// The MLP loss as written for the macros (log-softmax shifted by the
/// largest logit; mean over the batch of 128).
#[jit]
#[grad(argnums = (0, 1, 2, 3))]
fn mlp_loss_macro(
    #[rank(2)] w1: &Array<f32>,
    b1: &Array<f32>,
    #[rank(2)] w2: &Array<f32>,
    b2: &Array<f32>,
    #[rank(2)] x: &Array<f32>,
    #[rank(2)] y: &Array<f32>,
) -> f32 {
    let h = (x.matmul(w1) + b1).tanh();
    let logits = h.matmul(w2) + b2;
    let z = logits.clone() - logits.max();
    let lse = z.exp().sum_axes(&[1], true).log();
    -(y * (z - lse)).sum() * (1.0 / 128.0)
}

fn macro_mlp(which: &str) -> f64 {
    let m = Mlp::new(uniform);
    let a = |v: &Vec<f32>, s: &[usize]| Array::from_shape_vec(s.to_vec(), v.clone()).unwrap();
    let (w1, b1) = (a(&m.w1, &[784, 256]), a(&m.b1, &[256]));
    let (w2, b2) = (a(&m.w2, &[256, 10]), a(&m.b2, &[10]));
    let (x, y) = (a(&m.x, &[128, 784]), a(&m.y, &[128, 10]));
    let calls = 50;
    best_of(5, || {
        for _ in 0..calls {
            if which == "loss" {
                black_box(mlp_loss_macro(&w1, &b1, &w2, &b2, &x, &y));
            } else {
                black_box(mlp_loss_macro::grad(&w1, &b1, &w2, &b2, &x, &y));
            }
        }
    }) / per_call(calls)
}

fn macro_vmap_grad_f() -> f64 {
    let xs: Vec<f32> = uniform(3_000_000, 8).iter().map(|v| v * 3.0).collect();
    let xs = Array::from_shape_vec(vec![1_000_000, 3], xs).unwrap();
    best_of(5, || {
        black_box(per_example_macro::vmap(&xs));
    })
}

#[jit]
fn chain_macro(x: &Array<f32>) -> Array<f32> {
    (x.sin() * 2.0 + 1.0).exp().tanh()
}

fn macro_test_fn(n: usize) -> f64 {
    let scale = 1.0 / (n as f32).sqrt();
    let x0: Vec<f32> = uniform(n * n, 1).iter().map(|v| v * scale).collect();
    let x0 = Array::from_shape_vec(vec![n, n], x0).unwrap();
    black_box(test_fn_macro(&x0)); // the first call plans for the shape
    best_of(test_fn_runs(n), || {
        black_box(test_fn_macro(&x0));
    })
}

fn macro_grad_f_call() -> f64 {
    let t = Array::from_vec(vec![1.622_642_2f32, 2.025_264_7, -0.433_594_44]);
    let calls = 1_000;
    best_of(200, || {
        for _ in 0..calls {
            black_box(seed_f::grad(black_box(&t)));
        }
    }) / calls as f64
}

fn macro_chain() -> f64 {
    let x = Array::from_vec(uniform(10_000_000, 2));
    best_of(5, || {
        black_box(chain_macro(&x));
    })
}

/// Square f32 `c = a · b` (n x n) through `kernels::gemm_fused` with no
/// epilogue: the raw speed of the gemm kernel, to set beside numpy's
/// BLAS (`gemm_<n>` rows; GFLOP/s on stderr). With `syrk` the same for
/// `x · xᵀ` through `kernels::syrk_epilogue_slice` (GFLOP/s counted as a
/// full gemm's `2 n^3`, the work it replaces).
fn gemm_square(n: usize, syrk: bool) -> f64 {
    let a = uniform(n * n, 11);
    let b = uniform(n * n, 12);
    let mut c = vec![0.0f32; n * n];
    let reps = (2e9 / (2.0 * (n * n * n) as f64)).ceil() as usize;
    let t = best_of(5, || {
        for _ in 0..reps {
            if syrk {
                kernels::syrk_epilogue_slice(&a, n, n, &mut c, |v| v);
            } else {
                kernels::gemm_fused(
                    &a,
                    &b,
                    n,
                    n,
                    n,
                    false,
                    false,
                    [],
                    [],
                    [&mut c[..]],
                    |v, [], []| [v],
                );
            }
        }
        black_box(&c);
    }) / reps as f64;
    let flops = 2.0 * (n * n * n) as f64;
    eprintln!(
        "{} n={n}: {:.1} GFLOP/s (gemm-equivalent); per CPU-second: {:.1}",
        if syrk { "syrk" } else { "gemm" },
        flops / t / 1e9,
        flops / (take_cpu() / reps as f64) / 1e9,
    );
    t
}

/// Each matmul of the MLP's loss and gradient alone (`mlp_parts`, only
/// when asked for by name): microseconds per call on stderr, to see where
/// the MLP's time goes.
fn mlp_parts() {
    use mlp_model::{B, C, D, H};
    let m = Mlp::new(uniform);
    let (mut h, mut logits) = (vec![0.0f32; B * H], vec![0.0f32; B * C]);
    let (mut gw1, mut gw2, mut dh) = (
        vec![0.0f32; D * H],
        vec![0.0f32; H * C],
        vec![0.0f32; B * H],
    );
    let dl = uniform(B * C, 9);
    let calls = 200;
    let time = |name: &str, f: &mut dyn FnMut()| {
        let t = best_of(5, || {
            for _ in 0..calls {
                f();
            }
        }) / per_call(calls);
        eprintln!("{name}: {:.1} us (cpu {:.1} us)", t * 1e6, take_cpu() * 1e6);
    };
    time("h = tanh(x w1 + b1) [128x784x256]", &mut || {
        kernels::gemm_fused(
            &m.x,
            &m.w1,
            B,
            D,
            H,
            false,
            false,
            [&m.b1[..]],
            [],
            [&mut h[..]],
            #[inline(always)]
            |v, [b], []| [kernels::tanh_f32(v + b)],
        );
    });
    time("logits = h w2 + b2 [128x256x10]", &mut || {
        kernels::gemm_fused(
            &h,
            &m.w2,
            B,
            H,
            C,
            false,
            false,
            [&m.b2[..]],
            [],
            [&mut logits[..]],
            #[inline(always)]
            |v, [b], []| [v + b],
        );
    });
    time("gw2 = hT dl [256x128x10]", &mut || {
        kernels::gemm_ex_slice(&h, &dl, H, B, C, true, false, &mut gw2, |v| v);
    });
    time("dh = dl w2T * (1-h^2) [128x10x256]", &mut || {
        kernels::gemm_fused(
            &dl,
            &m.w2,
            B,
            C,
            H,
            false,
            true,
            [],
            [&h[..]],
            [&mut dh[..]],
            #[inline(always)]
            |d, [], [h]| [d * (1.0 - h * h)],
        );
    });
    time("gw1 = xT dh [784x128x256]", &mut || {
        kernels::gemm_ex_slice(&m.x, &dh, D, B, H, true, false, &mut gw1, |v| v);
    });
}

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let want = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f));
    // stdout: `name<TAB>seconds` (compare.sh); stderr: CPU seconds per
    // call of the cheapest run, all threads (less noisy under load).
    let report = |name: &str, secs: f64| {
        println!("{name}\t{secs:.9}");
        let cpu = take_cpu();
        if cpu.is_finite() {
            eprintln!("{name}\tcpu {cpu:.9}");
        }
    };
    let report_macro = |name: &str, f: &dyn Fn() -> f64| {
        if want(name) {
            println!("macro:{name}\t{:.9}", f());
            eprintln!("macro:{name}\tcpu {:.9}", take_cpu());
        }
    };
    if want("test_fn_256") {
        report("test_fn_256", test_fn(256));
    }
    report_macro("test_fn_256", &|| macro_test_fn(256));
    if want("test_fn_512") {
        report("test_fn_512", test_fn(512));
    }
    report_macro("test_fn_512", &|| macro_test_fn(512));
    if want("grad_f_call") {
        report("grad_f_call", grad_f_call());
    }
    report_macro("grad_f_call", &macro_grad_f_call);
    if want("mlp_loss") {
        report("mlp_loss", mlp("loss"));
    }
    report_macro("mlp_loss", &|| macro_mlp("loss"));
    if want("mlp_grad") {
        report("mlp_grad", mlp("grad"));
    }
    report_macro("mlp_grad", &|| macro_mlp("grad"));
    if want("vmap_grad_f") {
        report("vmap_grad_f", vmap_grad_f());
    }
    report_macro("vmap_grad_f", &macro_vmap_grad_f);
    if want("elementwise_chain") {
        report("elementwise_chain", elementwise_chain());
    }
    report_macro("elementwise_chain", &macro_chain);
    if want("stream_scale") {
        report("stream_scale_1t", stream_scale(1));
        report("stream_scale", stream_scale(0));
    }
    // The same rows with streaming (non-temporal) stores for outputs of at
    // least kernels::STREAM_MIN_BYTES (off by default: slower on the machine
    // issue 5 is measured on).
    if want("stream_stores") {
        kernels::set_stream_stores(true);
        report("stream_stores:stream_scale_1t", stream_scale(1));
        report("stream_stores:stream_scale", stream_scale(0));
        kernels::set_stream_stores(false);
    }
    // Row-wise programs (#[jit] only; no hand-fused twin).
    for name in rowwise::NAMES {
        if want(name)
            && let Some(t) = rowwise::run(name)
        {
            println!("macro:{name}\t{t:.9}");
            eprintln!("macro:{name}\tcpu {:.9}", take_cpu());
        }
    }
    // Kernel rows, only when asked for by name (not part of compare.sh).
    if filters.iter().any(|f| f == "mlp_parts") {
        mlp_parts();
    }
    for n in [256, 512, 1024] {
        for (kind, syrk) in [("gemm", false), ("syrk", true)] {
            let name = format!("{kind}_{n}");
            if filters.iter().any(|f| f == &name) {
                report(&name, gemm_square(n, syrk));
            }
        }
    }
}
