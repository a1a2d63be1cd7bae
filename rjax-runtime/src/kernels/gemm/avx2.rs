//! A packed f32 gemm, BLIS-style, with the caller's epilogue run on each
//! finished 6x16 register tile while it is in L1: the kernel behind
//! `syrk_epilogue` on AVX2 and AVX-512 CPUs, and behind `gemm_fused` on
//! AVX2 ones. On AVX-512 the tasks run the 6x64 microkernel of
//! `avx512.rs` (four 6x16 tiles at once, contraction blocks of
//! `KC_WIDE`), compiled with the loops below in an AVX-512 frame.
//!
//! Loops, outermost first, per task (a block of rows x columns of C):
//! k in passes of at most [`KC_MAX`] (B's `kc x 16` panel, 16-20 KiB,
//! stays in L1 while the tiles of a row block stream past it); pack the
//! task's columns of B; rows in blocks of [`MC`] (A's `MC x kc` block,
//! ~180 KiB, stays in L2); B panels; 6-row tiles. Row-major `op(A)` is
//! read in place (six broadcast streams), other layouts are packed. Each
//! tile's sums go to the accumulator (the first output) between passes
//! and to the epilogue after the last one, so a product with `k <= KC_MAX`
//! never stores an unfinished value.
//!
//! Threads: tasks are column blocks (each packs only its own B columns,
//! and row-major A is shared unpacked), or row blocks when the product is
//! too narrow; a syrk's tasks are column blocks of its lower triangle,
//! heaviest first. Every task writes a disjoint set of entries. The
//! calling thread runs tasks too (`par::run_tasks`), from the first
//! moment, while a pool thread wakes up to share them.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;
use std::cell::RefCell;

use super::avx512::{self, KC_WIDE, PANELS};
use super::pack::{MR, NR, View, pack_a, pack_b, transpose8};
use crate::kernels::cpu::{Isa, isa};
use crate::kernels::par::run_tasks;

/// Largest contraction block: B's panel is `KC_MAX * 16 * 4` = 20 KiB.
const KC_MAX: usize = 320;
/// Rows per A block (a multiple of [`MR`]).
const MC: usize = 144;
/// Below this many multiply-adds a product runs on the calling thread.
const PAR_MIN_FMAS: usize = 1 << 20;

/// A finished register tile: `v[r * NR + c]` is the full sum of entry
/// `(i0 + r, j0 + c)` for `r < rows`, `c < cols` (other slots are junk).
pub struct Tile<'a, T> {
    /// Row of the product where the tile starts.
    pub i0: usize,
    /// Column of the product where the tile starts.
    pub j0: usize,
    /// Rows of the tile that lie inside the product (at most `MR`).
    pub rows: usize,
    /// Columns of the tile that lie inside the product (at most `NR`).
    pub cols: usize,
    /// The register tile, row-major with row stride `NR`.
    pub v: &'a [T; MR * NR],
}

/// Returns its argument: lets a caller write `#[inline(always)]` on a
/// tile closure (attributes on closures are allowed in argument position
/// only), so the epilogue is inlined into the kernel's AVX2 frame and
/// vectorised there.
#[inline(always)]
pub(super) fn tile_fn<T, F: Fn(&Tile<T>)>(f: F) -> F {
    f
}

/// Rows `r0..r1` and columns `c0..c1` of C computed by one task.
#[derive(Clone, Copy, Debug)]
struct Block {
    r0: usize,
    r1: usize,
    c0: usize,
    c1: usize,
}

/// The accumulator, shared by the tasks (each writes its own entries).
#[derive(Clone, Copy)]
struct Acc(*mut f32);
// SAFETY: tasks write disjoint entries (module docs).
unsafe impl Send for Acc {}
unsafe impl Sync for Acc {}

impl Acc {
    /// The pointer (a method, so closures capture the `Sync` wrapper).
    fn ptr(self) -> *mut f32 {
        self.0
    }
}

thread_local! {
    /// Per-thread packing buffers (B panels, A panels), reused across calls.
    static SCRATCH: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// True when this CPU runs the kernel (AVX2 and FMA), unless the
/// environment variable `RJAX_NO_PACKED` is set (then the gemm crate runs
/// instead: for side-by-side timings in one binary).
pub(super) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        let off = *OFF.get_or_init(|| std::env::var_os("RJAX_NO_PACKED").is_some());
        !off && crate::kernels::cpu::isa().has_avx2_fma()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// True when the tasks run the AVX-512 6x64 microkernel (`avx512.rs`):
/// whenever the CPU has AVX-512 (and `RJAX_ISA` does not cap it).
fn wide() -> bool {
    isa() == Isa::Avx512
}

/// `C = op(A) · op(B)` (`m x k` times `k x n`), calling `finish` once per
/// tile with the final sums; `acc` (row-major `m x n`) holds partial sums
/// between contraction passes and may be the epilogue's first output.
///
/// # Safety
/// [`available`] must be true; the views must hold every element of
/// `op(A)` and `op(B)`; `acc` must hold `m * n` values, overlap neither
/// view, and `finish` must write only the entries of its tile (it runs on
/// several threads at once). `k > 0`.
pub(super) unsafe fn gemm<F: Fn(&Tile<f32>) + Sync>(
    m: usize,
    n: usize,
    k: usize,
    a: View,
    b: View,
    acc: *mut f32,
    finish: &F,
) {
    let acc = Acc(acc);
    let wide = wide();
    let run = |blk: Block| {
        // SAFETY: per the contract; blocks are disjoint; `wide` only with
        // AVX-512.
        unsafe { run_block(k, a, b, acc.ptr(), n, blk, false, wide, finish) }
    };
    let threads = rayon::current_num_threads();
    if m * n * k < PAR_MIN_FMAS || threads < 2 {
        return run(Block {
            r0: 0,
            r1: m,
            c0: 0,
            c1: n,
        });
    }
    // Two tasks per thread: a thread preempted by another process on a
    // shared machine then holds up at most a quarter of the work.
    let tasks = 2 * threads;
    let by_cols = n >= 2 * NR && (a.cs == 1 || n >= m);
    let blocks: Vec<Block> = if by_cols {
        // Whole wide tiles per task where the AVX-512 kernel runs.
        let unit = if wide { PANELS * NR } else { NR };
        let w = n.div_ceil(tasks).next_multiple_of(unit).max(2 * NR);
        (0..n.div_ceil(w))
            .map(|t| Block {
                r0: 0,
                r1: m,
                c0: t * w,
                c1: ((t + 1) * w).min(n),
            })
            .collect()
    } else {
        let h = m.div_ceil(tasks).next_multiple_of(MR);
        (0..m.div_ceil(h))
            .map(|t| Block {
                r0: t * h,
                r1: ((t + 1) * h).min(m),
                c0: 0,
                c1: n,
            })
            .collect()
    };
    run_tasks(blocks.len(), |t| run(blocks[t]));
}

/// The lower triangle (`j <= i`) of `C = x · xᵀ` for row-major `x` of
/// `m x k`; `finish` gets tiles whose entries with `j > i` it must ignore
/// (it writes `(i, j)` and `(j, i)`). `acc` (`m x m`) holds partial sums of
/// lower entries between passes.
///
/// # Safety
/// As [`gemm`]: `x` holds `m * k` values, `acc` `m * m`, not overlapping;
/// `finish` writes only entries `(i, j)` and `(j, i)` of its tile with
/// `j <= i`. `k > 0`.
pub(super) unsafe fn syrk_lower<F: Fn(&Tile<f32>) + Sync>(
    x: *const f32,
    m: usize,
    k: usize,
    acc: *mut f32,
    finish: &F,
) {
    let a = View {
        ptr: x,
        rs: k,
        cs: 1,
    };
    // B(p, j) = x[j, p].
    let b = View {
        ptr: x,
        rs: 1,
        cs: k,
    };
    let acc = Acc(acc);
    let wide = wide();
    let run = |blk: Block| {
        // SAFETY: per the contract; a task writes the lower entries of its
        // columns and their mirrors (rows c0..c1 above the diagonal);
        // `wide` only with AVX-512.
        unsafe { run_block(k, a, b, acc.ptr(), m, blk, true, wide, finish) }
    };
    let threads = rayon::current_num_threads();
    if m * m * k / 2 < PAR_MIN_FMAS || threads < 2 {
        return run(Block {
            r0: 0,
            r1: m,
            c0: 0,
            c1: m,
        });
    }
    // Column blocks of two panels (one wide tile with AVX-512): rows
    // c0..m below the diagonal. Leftmost (heaviest) first so the short
    // ones fill the tail.
    let w = if wide { PANELS * NR } else { 2 * NR };
    run_tasks(m.div_ceil(w), |t| {
        let c0 = t * w;
        run(Block {
            r0: c0,
            r1: m,
            c0,
            c1: (c0 + w).min(m),
        })
    });
}

/// `out = epi(x · xᵀ)` (`m x m`, row-major `x` of `m x k`): each lower
/// tile gets its epilogue once and is written to `(i, j)` and, transposed
/// in registers, to `(j, i)` while in L1.
///
/// # Safety
/// [`available`]; `x` holds `m * k` values, `out` `m * m`, not
/// overlapping; `k > 0`.
pub(super) unsafe fn syrk<E: Fn(f32) -> f32 + Sync>(
    x: *const f32,
    m: usize,
    k: usize,
    out: *mut f32,
    epi: &E,
) {
    let dst = Acc(out);
    let finish = tile_fn(
        #[inline(always)]
        |t: &Tile<f32>| {
            // SAFETY: syrk_lower hands each lower tile to one task; the
            // entries written are its (i, j <= i) and their mirrors.
            unsafe { sym_tile(t, dst.ptr(), m, epi) }
        },
    );
    // SAFETY: forwarded.
    unsafe { syrk_lower(x, m, k, out, &finish) }
}

/// Writes `epi` of a lower tile to `(i, j)` for `j <= i` and `(j, i)` for
/// `j < i`.
///
/// # Safety
/// As [`syrk`]; the tile is inside the `m x m` output.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn sym_tile<E: Fn(f32) -> f32>(t: &Tile<f32>, out: *mut f32, m: usize, epi: &E) {
    let mut e = TileBuf(*t.v);
    for v in e.0.iter_mut() {
        *v = epi(*v);
    }
    let (i0, j0) = (t.i0, t.j0);
    unsafe {
        if t.rows == MR && t.cols == NR && j0 + NR <= i0 {
            // Strictly below the diagonal: rows as they are, and the
            // mirror as 16 rows of 6 (two 8x8 transposes, 4 + 2 lanes).
            let ep = e.0.as_ptr();
            for r in 0..MR {
                let d = out.add((i0 + r) * m + j0);
                _mm256_storeu_ps(d, _mm256_load_ps(ep.add(r * NR)));
                _mm256_storeu_ps(d.add(8), _mm256_load_ps(ep.add(r * NR + 8)));
            }
            for h in 0..2 {
                let rows: [__m256; 8] = std::array::from_fn(|r| {
                    if r < MR {
                        _mm256_load_ps(ep.add(r * NR + 8 * h))
                    } else {
                        _mm256_setzero_ps()
                    }
                });
                let cols = transpose8(rows);
                for (c, v) in cols.iter().enumerate() {
                    let d = out.add((j0 + 8 * h + c) * m + i0);
                    _mm_storeu_ps(d, _mm256_castps256_ps128(*v));
                    let hi = _mm256_extractf128_ps::<1>(*v);
                    _mm_store_sd(d.add(4) as *mut f64, _mm_castps_pd(hi));
                }
            }
            return;
        }
        for r in 0..t.rows {
            let i = i0 + r;
            // Entries j <= i of this row, and the mirrors of j < i.
            let lim = (i + 1).saturating_sub(j0).min(t.cols);
            for c in 0..lim {
                let v = e.0[r * NR + c];
                *out.add(i * m + j0 + c) = v;
                if j0 + c < i {
                    *out.add((j0 + c) * m + i) = v;
                }
            }
        }
    }
}

/// The 6x16 microkernel: `sum_p A(r, p) * B(p, c)` over `kc` steps, where
/// `A(r, p) = a[r][p * ACS]` (ACS = 1: rows read in place; ACS = MR: a
/// packed panel) and `B(p, c) = b[p * NR + c]`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn kernel<const ACS: usize>(
    kc: usize,
    a: [*const f32; MR],
    b: *const f32,
) -> [[__m256; 2]; MR] {
    unsafe {
        let mut c = [[_mm256_setzero_ps(); 2]; MR];
        for p in 0..kc {
            let b0 = _mm256_loadu_ps(b.add(p * NR));
            let b1 = _mm256_loadu_ps(b.add(p * NR + 8));
            for r in 0..MR {
                let av = _mm256_broadcast_ss(&*a[r].add(p * ACS));
                c[r][0] = _mm256_fmadd_ps(av, b0, c[r][0]);
                c[r][1] = _mm256_fmadd_ps(av, b1, c[r][1]);
            }
        }
        c
    }
}

/// A 32-byte aligned tile buffer.
#[repr(C, align(32))]
struct TileBuf([f32; MR * NR]);

/// Runs one task. `lower`: skip entries with `j > i` (syrk). `wide`:
/// the AVX-512 6x64 microkernel (only when the CPU has AVX-512).
///
/// # Safety
/// As [`gemm`]; `ld` is the accumulator's row stride; `wide` only when
/// `isa()` is `Avx512`.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
unsafe fn run_block<F: Fn(&Tile<f32>)>(
    k: usize,
    a: View,
    b: View,
    acc: *mut f32,
    ld: usize,
    blk: Block,
    lower: bool,
    wide: bool,
    finish: &F,
) {
    // SAFETY: `wide` only with AVX-512 (contract); AVX2 and FMA otherwise
    // (`available`); the rest is forwarded.
    unsafe {
        if wide {
            run_block_avx512(k, a, b, acc, ld, blk, lower, finish)
        } else {
            run_block_avx2(k, a, b, acc, ld, blk, lower, finish)
        }
    }
}

/// [`run_block_body`] with the 6x16 kernel, compiled for AVX2 and FMA.
///
/// # Safety
/// As [`run_block`]; the CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn run_block_avx2<F: Fn(&Tile<f32>)>(
    k: usize,
    a: View,
    b: View,
    acc: *mut f32,
    ld: usize,
    blk: Block,
    lower: bool,
    finish: &F,
) {
    // The closure inherits this function's target features (its body,
    // inlined, is compiled for them).
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        // SAFETY: forwarded.
        unsafe { run_block_body::<F, false>(k, a, b, acc, ld, blk, lower, finish, &mut s) }
    })
}

/// [`run_block_body`] with the 6x64 kernel, compiled for AVX-512 (the
/// epilogue in `finish` is inlined here and vectorised 16 lanes wide).
///
/// # Safety
/// As [`run_block`]; the CPU has AVX-512 F/VL/DQ/BW and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn run_block_avx512<F: Fn(&Tile<f32>)>(
    k: usize,
    a: View,
    b: View,
    acc: *mut f32,
    ld: usize,
    blk: Block,
    lower: bool,
    finish: &F,
) {
    // As in `run_block_avx2`.
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        // SAFETY: forwarded.
        unsafe { run_block_body::<F, true>(k, a, b, acc, ld, blk, lower, finish, &mut s) }
    })
}

/// The loops of one task (module docs), inlined into the frame of the
/// instruction set it runs at; `scratch` holds the packing buffers (B
/// panels, A panels). No closure here may hold vector code: a closure is
/// compiled without the caller's target features.
///
/// # Safety
/// As [`run_block`]; the calling frame enables AVX-512 when `WIDE`, AVX2
/// and FMA otherwise.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn run_block_body<F: Fn(&Tile<f32>), const WIDE: bool>(
    k: usize,
    a: View,
    b: View,
    acc: *mut f32,
    ld: usize,
    blk: Block,
    lower: bool,
    finish: &F,
    scratch: &mut (Vec<f32>, Vec<f32>),
) {
    let Block { r0, r1, c0, c1 } = blk;
    if r0 >= r1 || c0 >= c1 {
        return;
    }
    let passes = k.div_ceil(if WIDE { KC_WIDE } else { KC_MAX });
    let kc = k.div_ceil(passes);
    let panels = (c1 - c0).div_ceil(NR);
    // Row-major A is read in place: six broadcast streams, each using
    // whole cache lines. Measured on Zen3 at n = 512 and 1024 (row strides
    // of 2 and 4 KiB) this is as fast as packing, which each column task
    // would repeat.
    let pack_rows = a.cs != 1;
    {
        let (bbuf, abuf) = scratch;
        let bp = aligned(bbuf, panels * kc * NR);
        let ap = if pack_rows {
            aligned(abuf, MC * kc + 8)
        } else {
            std::ptr::null_mut()
        };
        for pass in 0..passes {
            let p0 = pass * kc;
            let pk = kc.min(k - p0);
            let (first, last) = (pass == 0, pass + 1 == passes);
            // SAFETY: columns c0..c1 and rows p0..p0+pk of B exist; bp holds
            // panels * kc * NR values.
            unsafe { pack_b(b, p0, pk, c0, c1, bp) };
            let mut ic = r0;
            while ic < r1 {
                let ie = (ic + MC).min(r1);
                if pack_rows {
                    // SAFETY: rows ic..ie, columns p0..p0+pk of A exist.
                    unsafe { pack_a(a, ic, ie, p0, pk, ap) };
                }
                let mut q = 0;
                while q < panels {
                    let j0 = c0 + q * NR;
                    if lower && j0 >= ie {
                        break;
                    }
                    // Panels side by side in one register tile.
                    let group = if WIDE { PANELS.min(panels - q) } else { 1 };
                    // SAFETY: panel q of the packed B.
                    let bq = unsafe { bp.add(q * pk * NR) };
                    let mut i0 = ic;
                    while i0 < ie {
                        let rows = MR.min(ie - i0);
                        if lower && i0 + rows <= j0 {
                            i0 += MR;
                            continue;
                        }
                        if !first || last {
                            // The partial sums (or the first output) this
                            // tile reads or writes: fetched during the kernel.
                            for r in 0..rows {
                                let d = acc.wrapping_add((i0 + r) * ld + j0) as *const i8;
                                for l in 0..group {
                                    let d = d.wrapping_add(4 * NR * l);
                                    // SAFETY: SSE is baseline x86_64; a
                                    // prefetch of any address is harmless.
                                    unsafe {
                                        _mm_prefetch::<_MM_HINT_T0>(d);
                                        _mm_prefetch::<_MM_HINT_T0>(d.wrapping_add(4 * NR - 4));
                                    }
                                }
                            }
                        }
                        // Rows past `rows` repeat a valid row (unpacked) or
                        // are zero padding (packed); their results are dropped.
                        let arows: [*const f32; MR] = if pack_rows {
                            // SAFETY: the packed panel of rows i0..i0 + 6.
                            let panel = unsafe { ap.add((i0 - ic) * pk) };
                            std::array::from_fn(|r| panel.wrapping_add(r) as *const f32)
                        } else {
                            // SAFETY: rows i0..i0 + rows, column p0 exist.
                            std::array::from_fn(|r| unsafe { a.at(i0 + r.min(rows - 1), p0) })
                        };
                        let acs = if pack_rows { MR } else { 1 };
                        let at = |j0: usize| Block {
                            r0: i0,
                            r1: i0 + rows,
                            c0: j0,
                            c1: j0 + NR.min(c1 - j0),
                        };
                        // SAFETY: the tiles are inside this task's block.
                        unsafe {
                            if WIDE {
                                // Near a syrk's diagonal only the panels
                                // reaching below it are computed.
                                let g = if lower {
                                    group.min((i0 + rows - j0).div_ceil(NR))
                                } else {
                                    group
                                };
                                wide_tiles(
                                    g, acs, pk, arows, bq, j0, at, acc, ld, lower, first, last,
                                    finish,
                                )
                            } else {
                                let t = if pack_rows {
                                    kernel::<MR>(pk, arows, bq)
                                } else {
                                    kernel::<1>(pk, arows, bq)
                                };
                                write_back(t, at(j0), acc, ld, lower, first, last, finish)
                            }
                        };
                        i0 += MR;
                    }
                    q += group;
                }
                ic = ie;
            }
        }
    }
}

/// The `group` (1 to 4) panels at `bq` against six rows of A by the
/// AVX-512 kernel, each panel's 6x16 tile (`at(j0)`) written back as the
/// AVX2 kernel's. `acs`: A's stride along k (1 in place, `MR` packed).
///
/// # Safety
/// As [`run_block_body`] with `WIDE`; the tiles lie inside the task's
/// block and `group` panels of `pk * NR` values are packed at `bq`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn wide_tiles<F: Fn(&Tile<f32>), T: Fn(usize) -> Block>(
    group: usize,
    acs: usize,
    pk: usize,
    a: [*const f32; MR],
    bq: *const f32,
    j0: usize,
    at: T,
    acc: *mut f32,
    ld: usize,
    lower: bool,
    first: bool,
    last: bool,
    finish: &F,
) {
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn run<const ACS: usize, const G: usize, F: Fn(&Tile<f32>), T: Fn(usize) -> Block>(
        pk: usize,
        a: [*const f32; MR],
        bq: *const f32,
        j0: usize,
        at: T,
        acc: *mut f32,
        ld: usize,
        lower: bool,
        first: bool,
        last: bool,
        finish: &F,
    ) {
        // SAFETY: forwarded from `wide_tiles`.
        unsafe {
            let t = avx512::kernel::<ACS, G>(pk, a, bq, pk * NR);
            for s in 0..G {
                let tile = at(j0 + s * NR);
                // A panel wholly above the diagonal of a syrk: nothing of
                // it is kept (and no pass stored partial sums for it).
                if lower && tile.r1 <= tile.c0 {
                    continue;
                }
                write_back(
                    avx512::panel(&t, s),
                    tile,
                    acc,
                    ld,
                    lower,
                    first,
                    last,
                    finish,
                );
            }
        }
    }
    // SAFETY: forwarded.
    unsafe {
        macro_rules! go {
            ($acs:literal) => {
                match group {
                    4 => {
                        run::<$acs, 4, F, _>(pk, a, bq, j0, at, acc, ld, lower, first, last, finish)
                    }
                    3 => {
                        run::<$acs, 3, F, _>(pk, a, bq, j0, at, acc, ld, lower, first, last, finish)
                    }
                    2 => {
                        run::<$acs, 2, F, _>(pk, a, bq, j0, at, acc, ld, lower, first, last, finish)
                    }
                    _ => {
                        run::<$acs, 1, F, _>(pk, a, bq, j0, at, acc, ld, lower, first, last, finish)
                    }
                }
            };
        }
        if acs == 1 { go!(1) } else { go!(6) }
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[allow(clippy::too_many_arguments)]
unsafe fn run_block<F: Fn(&Tile<f32>)>(
    _: usize,
    _: View,
    _: View,
    _: *mut f32,
    _: usize,
    _: Block,
    _: bool,
    _: bool,
    _: &F,
) {
    unreachable!("fast: the AVX2 gemm needs x86_64")
}

/// A 64-byte (cache line) aligned pointer to at least `len` values of
/// `buf`: the panels' vector loads never straddle two lines.
fn aligned(buf: &mut Vec<f32>, len: usize) -> *mut f32 {
    if buf.len() < len + 16 {
        buf.resize(len + 16, 0.0);
    }
    let p = buf.as_mut_ptr();
    // SAFETY: at most 15 values of slack are skipped; len + 16 are there.
    unsafe { p.add(p.align_offset(64)) }
}

/// Stores a tile's sums: into the accumulator before the last pass,
/// through `finish` after it (adding the earlier passes' partial sums).
///
/// # Safety
/// As [`run_block`]; the tile is inside the task's block.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn write_back<F: Fn(&Tile<f32>)>(
    t: [[__m256; 2]; MR],
    tile: Block,
    acc: *mut f32,
    ld: usize,
    lower: bool,
    first: bool,
    last: bool,
    finish: &F,
) {
    let Block {
        r0: i0,
        r1,
        c0: j0,
        c1,
    } = tile;
    let (rows, cols) = (r1 - i0, c1 - j0);
    // Entries of row r with j <= i (the whole row unless `lower`).
    let lim = |r: usize| {
        if lower {
            (i0 + r + 1).saturating_sub(j0).min(cols)
        } else {
            cols
        }
    };
    let whole = rows == MR && cols == NR && !(lower && j0 + NR > i0 + 1);
    unsafe {
        if first && last {
            let mut buf = TileBuf([0.0; MR * NR]);
            store(&t, &mut buf);
            return finish(&Tile {
                i0,
                j0,
                rows,
                cols,
                v: &buf.0,
            });
        }
        if whole {
            if !last {
                for (r, row) in t.iter().enumerate() {
                    let d = acc.add((i0 + r) * ld + j0);
                    for (h, v) in row.iter().enumerate() {
                        let v = if first {
                            *v
                        } else {
                            _mm256_add_ps(*v, _mm256_loadu_ps(d.add(8 * h)))
                        };
                        _mm256_storeu_ps(d.add(8 * h), v);
                    }
                }
                return;
            }
            let mut buf = TileBuf([0.0; MR * NR]);
            for (r, row) in t.iter().enumerate() {
                let d = acc.add((i0 + r) * ld + j0);
                for (h, v) in row.iter().enumerate() {
                    let s = _mm256_add_ps(*v, _mm256_loadu_ps(d.add(8 * h)));
                    _mm256_store_ps(buf.0.as_mut_ptr().add(r * NR + 8 * h), s);
                }
            }
            return finish(&Tile {
                i0,
                j0,
                rows,
                cols,
                v: &buf.0,
            });
        }
        let mut buf = TileBuf([0.0; MR * NR]);
        store(&t, &mut buf);
        for r in 0..rows {
            let d = acc.add((i0 + r) * ld + j0);
            for c in 0..lim(r) {
                let v = &mut buf.0[r * NR + c];
                if !first {
                    *v += *d.add(c);
                }
                if !last {
                    *d.add(c) = *v;
                }
            }
        }
        if last {
            finish(&Tile {
                i0,
                j0,
                rows,
                cols,
                v: &buf.0,
            });
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn store(t: &[[__m256; 2]; MR], buf: &mut TileBuf) {
    for (r, row) in t.iter().enumerate() {
        for (h, v) in row.iter().enumerate() {
            unsafe { _mm256_store_ps(buf.0.as_mut_ptr().add(r * NR + 8 * h), *v) };
        }
    }
}
