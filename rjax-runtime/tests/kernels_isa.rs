//! Every instruction-set path of the kernels against the others. This test
//! binary runs itself once per level (`RJAX_ISA=baseline`, `avx2`,
//! `avx512`; each capped by what the CPU has, so on an AVX2 machine the
//! `avx512` run is the AVX2 one again), the child computing the same
//! transcendentals and matrix products and writing their bits to a file
//! (`isa_child_dump`, a no-op unless `RJAX_ISA_TEST_DUMP` names that file).
//!
//! What is stated and checked:
//! - transcendentals (f32 and f64, `exp expm1 ln ln_1p tanh logistic sin
//!   cos`, the slice forms that vectorise inside `kernels::dispatch`, over
//!   a sweep of all bit patterns): 0 ulp between levels. The math uses
//!   `mul_add` throughout (one rounding with or without an FMA
//!   instruction) and otherwise only correctly rounded operations, so the
//!   vector width changes nothing; their accuracy against f64/std is
//!   kernels_ulp.rs, so it holds at every level;
//! - matrix products with fused epilogues (`gemm_fused` plain and with
//!   bias + tanh, all transposes, `syrk_epilogue`, f32 and f64): each
//!   level within the f32 (f64) dot-product bound `k u sum_p |a b|` (u the
//!   unit roundoff) plus 4 ulp of the result of the exact value from f64
//!   loops, so two levels are within twice that of each other (the
//!   kernels sum in different orders: AVX-512 6x64 tiles, AVX2 6x16 ones,
//!   the gemm crate at the baseline level).

use std::path::PathBuf;
use std::process::Command;

use rjax_runtime::kernels;

#[path = "support/uniform.rs"]
mod uniform;
use uniform::uniform;

const DUMP: &str = "RJAX_ISA_TEST_DUMP";
const LEVELS: [&str; 3] = ["baseline", "avx2", "avx512"];

/// The products checked: (m, k, n), chosen to have edge tiles (m not a
/// multiple of 6, n not of 16 or 64), several contraction passes (k above
/// the AVX-512 kernel's 256 and the AVX2 kernel's 320) and sizes that run
/// on the pool.
const SHAPES: [(usize, usize, usize); 4] =
    [(7, 20, 17), (61, 321, 47), (130, 700, 129), (200, 96, 300)];

/// f32 inputs: every 4099th bit pattern (about a million, all exponents,
/// both signs, infinities and NaNs among them).
fn inputs32() -> Vec<f32> {
    (0..u32::MAX / 4099)
        .map(|i| f32::from_bits(i * 4099))
        .collect()
}

/// f64 inputs: hashed bit patterns plus values in [-60, 60).
fn inputs64() -> Vec<f64> {
    (0..300_000u64)
        .map(|i| f64::from_bits(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
        .chain(uniform(300_000, 9).iter().map(|&v| v as f64 * 60.0))
        .collect()
}

type Slice32 = fn(&[f32], &mut [f32]);
type Slice64 = fn(&[f64], &mut [f64]);

fn transcendentals32() -> [(&'static str, Slice32); 8] {
    [
        ("exp", kernels::exp_slice),
        ("expm1", kernels::expm1_slice),
        ("ln", kernels::ln_slice),
        ("ln_1p", kernels::ln_1p_slice),
        ("tanh", kernels::tanh_slice),
        ("logistic", kernels::logistic_slice),
        ("sin", kernels::sin_slice),
        ("cos", kernels::cos_slice),
    ]
}

fn transcendentals64() -> [(&'static str, Slice64); 8] {
    [
        ("exp", kernels::exp_slice),
        ("expm1", kernels::expm1_slice),
        ("ln", kernels::ln_slice),
        ("ln_1p", kernels::ln_1p_slice),
        ("tanh", kernels::tanh_slice),
        ("logistic", kernels::logistic_slice),
        ("sin", kernels::sin_slice),
        ("cos", kernels::cos_slice),
    ]
}

/// The operands of product `s` (row-major, stored transposed when asked).
fn operands(s: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (m, k, n) = SHAPES[s];
    (
        uniform(m * k, 10 + s as u64),
        uniform(k * n, 20 + s as u64),
        uniform(n, 30 + s as u64),
    )
}

/// The element of `op(x)` at `(r, c)` where `op(x)` is `rows x cols`.
fn at(x: &[f32], rows: usize, cols: usize, trans: bool, r: usize, c: usize) -> f64 {
    (if trans {
        x[c * rows + r]
    } else {
        x[r * cols + c]
    }) as f64
}

/// One named result: its values' bits.
type Section = (String, Vec<u64>);

/// What a child computes at its level.
fn compute() -> Vec<Section> {
    let mut out = vec![("isa".to_string(), vec![kernels::isa() as u64])];
    let x32 = inputs32();
    let mut y32 = vec![0.0f32; x32.len()];
    for (name, f) in transcendentals32() {
        f(&x32, &mut y32);
        out.push((
            format!("{name} f32"),
            y32.iter().map(|v| v.to_bits() as u64).collect(),
        ));
    }
    let x64 = inputs64();
    let mut y64 = vec![0.0f64; x64.len()];
    for (name, f) in transcendentals64() {
        f(&x64, &mut y64);
        out.push((
            format!("{name} f64"),
            y64.iter().map(|v| v.to_bits()).collect(),
        ));
    }
    for (s, &(m, k, n)) in SHAPES.iter().enumerate() {
        let (a, b, bias) = operands(s);
        for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
            let mut c = vec![f32::NAN; m * n];
            kernels::gemm_fused(
                &a,
                &b,
                m,
                k,
                n,
                ta,
                tb,
                [],
                [],
                [&mut c[..]],
                |v, [], []| [v],
            );
            out.push((
                format!("gemm f32 {s} {ta} {tb}"),
                c.iter().map(|v| v.to_bits() as u64).collect(),
            ));
            kernels::gemm_fused(
                &a,
                &b,
                m,
                k,
                n,
                ta,
                tb,
                [&bias[..]],
                [],
                [&mut c[..]],
                #[inline(always)]
                |v, [b], []| [kernels::tanh_f32(v + b)],
            );
            out.push((
                format!("gemm tanh f32 {s} {ta} {tb}"),
                c.iter().map(|v| v.to_bits() as u64).collect(),
            ));
        }
        let (a64, b64): (Vec<f64>, Vec<f64>) = (
            a.iter().map(|&v| v as f64).collect(),
            b.iter().map(|&v| v as f64).collect(),
        );
        let mut c64 = vec![f64::NAN; m * n];
        kernels::gemm_fused(
            &a64,
            &b64,
            m,
            k,
            n,
            false,
            false,
            [],
            [],
            [&mut c64[..]],
            |v, [], []| [v],
        );
        out.push((
            format!("gemm f64 {s}"),
            c64.iter().map(|v| v.to_bits()).collect(),
        ));
        // x · xᵀ of the first m rows of a (m x k).
        let mut sy = vec![f32::NAN; m * m];
        kernels::syrk_epilogue_slice(&a, m, k, &mut sy, kernels::tanh_f32);
        out.push((
            format!("syrk tanh f32 {s}"),
            sy.iter().map(|v| v.to_bits() as u64).collect(),
        ));
    }
    out
}

/// The child's side: compute and write the sections (a no-op in a normal
/// test run).
#[test]
fn isa_child_dump() {
    let Some(path) = std::env::var_os(DUMP) else {
        return;
    };
    let mut bytes = Vec::new();
    for (name, values) in compute() {
        bytes.extend((name.len() as u64).to_le_bytes());
        bytes.extend(name.as_bytes());
        bytes.extend((values.len() as u64).to_le_bytes());
        for v in values {
            bytes.extend(v.to_le_bytes());
        }
    }
    std::fs::write(path, bytes).expect("write the dump");
}

/// Runs this binary's `isa_child_dump` at `level` and reads its sections.
fn run_at(level: &str) -> Vec<Section> {
    let path: PathBuf =
        std::env::temp_dir().join(format!("rjax_isa_dump_{}_{level}.bin", std::process::id()));
    let run = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", "isa_child_dump", "--test-threads", "1"])
        .env("RJAX_ISA", level)
        .env(DUMP, &path)
        .output()
        .expect("run the test binary again");
    assert!(
        run.status.success(),
        "the child at RJAX_ISA={level} failed:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let bytes = std::fs::read(&path).expect("read the dump");
    let _ = std::fs::remove_file(&path);
    // Words, then the names' bytes read from the same cursor.
    let mut pos = 0;
    let mut sections = Vec::new();
    let word = |pos: &mut usize| {
        let w = u64::from_le_bytes(bytes[*pos..*pos + 8].try_into().unwrap());
        *pos += 8;
        w
    };
    while pos < bytes.len() {
        let len = word(&mut pos) as usize;
        let name = String::from_utf8(bytes[pos..pos + len].to_vec()).unwrap();
        pos += len;
        let count = word(&mut pos) as usize;
        let values = (0..count).map(|_| word(&mut pos)).collect();
        sections.push((name, values));
    }
    sections
}

/// The best level this CPU has (independently of `kernels::isa`).
fn detected() -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        let avx2 = has!("avx2") && has!("fma") && has!("bmi1") && has!("bmi2");
        let avx512 = has!("avx512f") && has!("avx512vl") && has!("avx512dq") && has!("avx512bw");
        if avx2 && avx512 {
            return 2;
        }
        if avx2 {
            return 1;
        }
    }
    0
}

/// The error bound of an f32 (f64) product entry: `k u sum_p |a b|` plus 4
/// ulp of the exact value, `u` the unit roundoff; with a tanh after it
/// (1-Lipschitz) the same bound holds for tanh of the exact value.
fn bound(k: usize, abs_sum: f64, exact: f64, u: f64) -> f64 {
    1.01 * k as f64 * u * abs_sum + 8.0 * u * exact.abs() + f64::MIN_POSITIVE
}

/// Exact (f64) entries and `sum_p |a b|` of product `s` with transposes.
fn exact(s: usize, ta: bool, tb: bool) -> (Vec<f64>, Vec<f64>) {
    let (m, k, n) = SHAPES[s];
    let (a, b, _) = operands(s);
    let mut v = vec![0.0; m * n];
    let mut abs = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            for p in 0..k {
                let t = at(&a, m, k, ta, i, p) * at(&b, k, n, tb, p, j);
                v[i * n + j] += t;
                abs[i * n + j] += t.abs();
            }
        }
    }
    (v, abs)
}

#[test]
fn every_isa_path_agrees() {
    let runs: Vec<(&str, Vec<Section>)> = LEVELS.iter().map(|&l| (l, run_at(l))).collect();
    let top = detected();
    for (level, (name, sections)) in runs.iter().enumerate() {
        // Each child ran at the level asked for, capped by the CPU.
        let want = level.min(top) as u64;
        assert_eq!(
            sections[0],
            ("isa".to_string(), vec![want]),
            "RJAX_ISA={name}"
        );
    }
    let (base, rest) = runs.split_first().unwrap();
    // Transcendentals: the same bits at every level.
    for (name, sections) in rest {
        // Sections 1..=16: the eight functions in f32, then in f64.
        for ((what, got), (_, want)) in sections.iter().zip(&base.1).skip(1).take(16) {
            let differ = got.iter().zip(want).filter(|(g, w)| g != w).count();
            assert_eq!(
                differ, 0,
                "{what}: {differ} results differ between RJAX_ISA={name} and baseline"
            );
        }
    }
    // Products: every level within the bound of the exact value.
    for (name, sections) in &runs {
        let find = |what: &str| {
            &sections
                .iter()
                .find(|(n, _)| n == what)
                .unwrap_or_else(|| panic!("no section {what}"))
                .1
        };
        for (s, &(m, k, n)) in SHAPES.iter().enumerate() {
            let (_, _, bias) = operands(s);
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                let (v, abs) = exact(s, ta, tb);
                let plain = find(&format!("gemm f32 {s} {ta} {tb}"));
                let tanh = find(&format!("gemm tanh f32 {s} {ta} {tb}"));
                for idx in 0..m * n {
                    let u = f32::EPSILON as f64 / 2.0;
                    let got = f32::from_bits(plain[idx] as u32) as f64;
                    let b = bound(k, abs[idx], v[idx], u);
                    assert!(
                        (got - v[idx]).abs() <= b,
                        "RJAX_ISA={name}: [{m}, {k}] x [{k}, {n}] trans {ta} {tb}, entry {idx}: {got} vs {}",
                        v[idx]
                    );
                    let t = (v[idx] + bias[idx % n] as f64).tanh();
                    let got = f32::from_bits(tanh[idx] as u32) as f64;
                    assert!(
                        (got - t).abs() <= b + 8.0 * u,
                        "RJAX_ISA={name}: tanh of [{m}, {k}] x [{k}, {n}] + bias, trans {ta} {tb}, entry {idx}: {got} vs {t}"
                    );
                }
            }
            let (v, abs) = exact(s, false, false);
            let f64s = find(&format!("gemm f64 {s}"));
            for idx in 0..m * n {
                let got = f64::from_bits(f64s[idx]);
                // The reference is an f64 sum too: twice the f64 bound.
                let b = 2.0 * bound(k, abs[idx], v[idx], f64::EPSILON / 2.0);
                assert!(
                    (got - v[idx]).abs() <= b,
                    "RJAX_ISA={name}: f64 [{m}, {k}] x [{k}, {n}], entry {idx}: {got} vs {}",
                    v[idx]
                );
            }
            // syrk of a (m x k) with itself.
            let (a, _, _) = operands(s);
            let sy = find(&format!("syrk tanh f32 {s}"));
            for i in 0..m {
                for j in 0..m {
                    let (mut e, mut ab) = (0.0f64, 0.0f64);
                    for p in 0..k {
                        let t = a[i * k + p] as f64 * a[j * k + p] as f64;
                        e += t;
                        ab += t.abs();
                    }
                    let u = f32::EPSILON as f64 / 2.0;
                    let got = f32::from_bits(sy[i * m + j] as u32) as f64;
                    assert!(
                        (got - e.tanh()).abs() <= bound(k, ab, e, u) + 8.0 * u,
                        "RJAX_ISA={name}: syrk [{m}, {k}] entry ({i}, {j}): {got} vs {}",
                        e.tanh()
                    );
                }
            }
        }
    }
}
