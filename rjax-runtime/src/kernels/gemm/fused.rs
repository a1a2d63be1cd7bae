//! [`gemm_fused`]: a 2-d matmul with its whole elementwise epilogue in one
//! kernel call, the form `#[jit]` emits for a group "matmul + elementwise
//! consumers": per-column operands (a bias `b` broadcast over the rows, as
//! in `x.matmul(w) + b`), full-size operands (`dot(..) * mask`) and any
//! number of results (`tanh(v)` and `1 - tanh(v)^2` for the backward pass)
//! are computed while each block of the product is still in cache.
//!
//! f32 with k, n >= 16 on AVX-512 takes the strip kernels (`epilogue.rs`);
//! f32 on AVX2, and `aᵀ · bᵀ` on AVX-512, the packed kernel (`avx2.rs`)
//! with the epilogue per register tile. Otherwise (f64, short k or
//! narrow n, other CPUs) the
//! product is cut into one block of rows or columns per thread; each
//! thread runs the gemm crate single-threaded on its block (strided views,
//! nothing copied) and then the epilogue on that block. The gemm crate's
//! own threading splits the MLP shapes (128 rows) poorly on two cores.

use super::avx2::{Tile, tile_fn};
use super::float::{GemmFloat, gemm_block};
use super::pack::NR;
use crate::kernels::cpu::dispatch;
use crate::kernels::par::run_tasks;

/// Shortest contraction the packed AVX2 kernel takes.
const PACKED_MIN_K: usize = 16;
/// Narrowest product the packed AVX2 kernel takes (its tile width).
const PACKED_MIN_N: usize = 16;

/// Below this many multiply-adds the product stays on the calling thread.
const PAR_MIN_FMAS: usize = 1 << 20;

/// The operands' pointers, shared by the tasks: each task writes a
/// disjoint block of the outputs.
struct Ptrs<T, const C: usize, const F: usize, const N: usize> {
    a: *const T,
    b: *const T,
    cols: [*const T; C],
    full: [*const T; F],
    outs: [*mut T; N],
}
impl<T, const C: usize, const F: usize, const N: usize> Clone for Ptrs<T, C, F, N> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, const C: usize, const F: usize, const N: usize> Copy for Ptrs<T, C, F, N> {}
// SAFETY: tasks write disjoint blocks (see `blocked`).
unsafe impl<T, const C: usize, const F: usize, const N: usize> Send for Ptrs<T, C, F, N> {}
unsafe impl<T, const C: usize, const F: usize, const N: usize> Sync for Ptrs<T, C, F, N> {}

impl<T, const C: usize, const F: usize, const N: usize> Ptrs<T, C, F, N> {
    fn new(a: &[T], b: &[T], cols: [&[T]; C], full: [&[T]; F], outs: [&mut [T]; N]) -> Self {
        Ptrs {
            a: a.as_ptr(),
            b: b.as_ptr(),
            cols: cols.map(|c| c.as_ptr()),
            full: full.map(|f| f.as_ptr()),
            outs: outs.map(|o| o.as_mut_ptr()),
        }
    }
}

/// The product `op(a) · op(b)` of `[m, k]` by `[k, n]`, with how each
/// operand is stored (row-major; `trans_a`: `a` stored `k x m`; `trans_b`:
/// `b` stored `n x k`). What every path of the kernels here takes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Product {
    pub m: usize,
    pub k: usize,
    pub n: usize,
    pub trans_a: bool,
    pub trans_b: bool,
}

impl Product {
    pub(super) fn new(m: usize, k: usize, n: usize, trans_a: bool, trans_b: bool) -> Self {
        Product {
            m,
            k,
            n,
            trans_a,
            trans_b,
        }
    }

    /// `(row, column)` strides of `op(a)`: `op(a)[i, p] = a[i * rs + p * cs]`.
    fn a_strides(self) -> (usize, usize) {
        if self.trans_a {
            (1, self.m)
        } else {
            (self.k, 1)
        }
    }

    /// `(row, column)` strides of `op(b)`: `op(b)[p, j] = b[p * rs + j * cs]`.
    fn b_strides(self) -> (usize, usize) {
        if self.trans_b {
            (1, self.k)
        } else {
            (self.n, 1)
        }
    }

    /// Panics, naming `op` and the lengths, unless `a` and `b` hold the
    /// operands (`m * k` and `k * n` values) and every output `m * n`.
    pub(super) fn check(self, op: &str, a: usize, b: usize, outs: &[usize]) {
        let Product { m, k, n, .. } = self;
        // Checked products: with wrapping ones, sizes such as m = 2^32,
        // k = 0 would pass with an empty output that the kernels then
        // write m * n elements into.
        assert!(
            Some(a) == m.checked_mul(k) && Some(b) == k.checked_mul(n),
            "{op}: operands of {a} and {b} elements do not fit [{m}, {k}] x [{k}, {n}]"
        );
        let mn = crate::array::size("gemm", &[m, n]);
        for (q, &o) in outs.iter().enumerate() {
            assert!(
                o == mn,
                "{op}: output {q} has {o} elements, the product [{m}, {n}] has {mn}"
            );
        }
    }
}

/// `outs[q][i * n + j] = epi(v, [cols[c][j]], [full[f][i * n + j]])[q]`
/// where `v = sum_p op(a)[i, p] * op(b)[p, j]`, for row-major slices:
/// `op(a)` is `a` (`m x k`) or, when `trans_a`, `aᵀ` with `a` stored
/// `k x m`; `op(b)` is `b` (`k x n`) or, when `trans_b`, `bᵀ` with `b`
/// stored `n x k`. `cols` hold `n` values, `full` and `outs` `m * n`;
/// outputs must not overlap the inputs (they are `&mut`).
///
/// ```
/// use rjax_runtime::kernels;
/// let a = [1.0f32, 2.0]; // 1 x 2
/// let b = [3.0f32, 4.0, 5.0, 6.0]; // 2 x 2
/// let bias = [0.5f32, -0.5];
/// let (mut y, mut d) = ([0.0f32; 2], [0.0f32; 2]);
/// kernels::gemm_fused(&a, &b, 1, 2, 2, false, false, [&bias[..]], [], [&mut y[..], &mut d[..]],
///     |v, [c], []| [v + c, 2.0 * (v + c)]);
/// assert_eq!((y, d), ([13.5, 15.5], [27.0, 31.0]));
/// ```
///
/// # Panics
/// When a slice length does not fit the shapes (names the kernel and the
/// lengths), or `N` is 0.
#[allow(clippy::too_many_arguments)]
pub fn gemm_fused<T, const C: usize, const F: usize, const N: usize, E>(
    a: &[T],
    b: &[T],
    m: usize,
    k: usize,
    n: usize,
    trans_a: bool,
    trans_b: bool,
    cols: [&[T]; C],
    full: [&[T]; F],
    outs: [&mut [T]; N],
    epi: E,
) where
    T: GemmFloat,
    E: Fn(T, [T; C], [T; F]) -> [T; N] + Sync,
{
    assert!(N > 0, "kernels::gemm_fused: needs at least one output");
    let d = Product::new(m, k, n, trans_a, trans_b);
    d.check(
        "kernels::gemm_fused",
        a.len(),
        b.len(),
        &outs.each_ref().map(|o| o.len()),
    );
    for (q, c) in cols.iter().enumerate() {
        assert!(
            c.len() == n,
            "kernels::gemm_fused: column operand {q} has {} elements, the product has {n} columns",
            c.len()
        );
    }
    for (q, f) in full.iter().enumerate() {
        assert!(
            f.len() == m * n,
            "kernels::gemm_fused: operand {q} has {} elements, the product [{m}, {n}] has {}",
            f.len(),
            m * n
        );
    }
    if m == 0 || n == 0 {
        return;
    }
    let p = Ptrs::new(a, b, cols, full, outs);
    // The AVX-512 strip kernels take a one-result epilogue: the product
    // goes there, the full epilogue runs as one pass after it.
    if T::use_strips(k, n) && !(trans_a && trans_b) {
        // SAFETY: outs[0] holds m * n values and is not aliased (`&mut`).
        let o0 = unsafe { std::slice::from_raw_parts_mut(p.outs[0], m * n) };
        if C == 0 && F == 0 && N == 1 {
            let one = |v: T| {
                epi(
                    v,
                    std::array::from_fn(|_| T::zero()),
                    std::array::from_fn(|_| T::zero()),
                )[0]
            };
            return super::epilogue::gemm_ex_slice(a, b, m, k, n, trans_a, trans_b, o0, one);
        }
        super::epilogue::gemm_ex_slice(a, b, m, k, n, trans_a, trans_b, o0, |v| v);
        // SAFETY: the block is the whole (in-bounds) product.
        return unsafe { epilogue(p, n, (0, m), (0, n), &epi) };
    }
    // SAFETY: the lengths were checked above.
    unsafe { packed_or_blocked(p, d, &epi) }
}

/// The packed AVX2 kernel with the epilogue per register tile where the
/// CPU has it, else the gemm crate per thread block ([`blocked`]).
///
/// # Safety
/// As [`blocked`].
unsafe fn packed_or_blocked<T, const C: usize, const F: usize, const N: usize, E>(
    p: Ptrs<T, C, F, N>,
    d: Product,
    epi: &E,
) where
    T: GemmFloat,
    E: Fn(T, [T; C], [T; F]) -> [T; N] + Sync,
{
    // A short contraction is mostly per-tile overhead in the packed
    // kernel (the backward `dlogits · w2ᵀ` has k = 10), and fewer than 16
    // columns waste part of every 16-wide tile (`h · w2` has n = 10):
    // there the gemm crate measured as fast or faster.
    let Product { m, k, n, .. } = d;
    if !T::has_packed_kernel() || k < PACKED_MIN_K || n < PACKED_MIN_N {
        // SAFETY: forwarded.
        return unsafe { blocked(p, d, epi) };
    }
    let ((a_rs, a_cs), (b_rs, b_cs)) = (d.a_strides(), d.b_strides());
    let (a, b) = ((p.a, a_rs, a_cs), (p.b, b_rs, b_cs));
    // Inlined into the kernel's AVX2 frame: the epilogue vectorises there.
    let finish = tile_fn(
        #[inline(always)]
        |t: &Tile<T>| {
            // SAFETY: the tile is inside [m, n] and belongs to the calling task.
            unsafe { tile_epilogue(p, n, t, epi) }
        },
    );
    // SAFETY: has_packed_kernel(); lengths checked by the callers; outs[0]
    // (the accumulator) does not overlap the operands.
    unsafe { T::packed_gemm(m, n, k, a, b, p.outs[0], &finish) }
}

/// The epilogue of one finished tile of the packed kernel.
///
/// # Safety
/// The tile lies inside the `[m, n]` product; no other thread writes it.
#[inline(always)]
unsafe fn tile_epilogue<T, const C: usize, const F: usize, const N: usize, E>(
    p: Ptrs<T, C, F, N>,
    n: usize,
    t: &Tile<T>,
    epi: &E,
) where
    T: GemmFloat,
    E: Fn(T, [T; C], [T; F]) -> [T; N],
{
    #[inline(always)]
    unsafe fn row<T: Copy, const C: usize, const F: usize, const N: usize, E>(
        v: &[T],
        w: usize,
        cols: [*const T; C],
        full: [*const T; F],
        outs: [*mut T; N],
        epi: &E,
    ) where
        E: Fn(T, [T; C], [T; F]) -> [T; N],
    {
        for (j, &x) in v[..w].iter().enumerate() {
            // SAFETY: j < w columns of this row (caller).
            unsafe {
                let y = epi(
                    x,
                    std::array::from_fn(|c| *cols[c].add(j)),
                    std::array::from_fn(|f| *full[f].add(j)),
                );
                for (q, v) in y.into_iter().enumerate() {
                    outs[q].add(j).write(v);
                }
            }
        }
    }
    for r in 0..t.rows {
        let base = (t.i0 + r) * n + t.j0;
        // SAFETY: row i0 + r, columns j0..j0 + cols are in bounds (contract).
        unsafe {
            let outs = p.outs.map(|q| q.add(base));
            let full = p.full.map(|q| q.add(base));
            let cols = p.cols.map(|q| q.add(t.j0));
            let v = &t.v[r * NR..(r + 1) * NR];
            // A constant trip count for whole tiles: one vector loop.
            if t.cols == NR {
                row(v, NR, cols, full, outs, epi)
            } else {
                row(v, t.cols, cols, full, outs, epi)
            }
        }
    }
}

/// The gemm crate per thread block, then the epilogue on the block.
///
/// # Safety
/// The pointers of `p` hold the lengths `gemm_fused` checks; outputs do not
/// overlap inputs.
unsafe fn blocked<T, const C: usize, const F: usize, const N: usize, E>(
    p: Ptrs<T, C, F, N>,
    d: Product,
    epi: &E,
) where
    T: GemmFloat,
    E: Fn(T, [T; C], [T; F]) -> [T; N] + Sync,
{
    let Product { m, k, n, .. } = d;
    let ((a_rs, a_cs), (b_rs, b_cs)) = (d.a_strides(), d.b_strides());
    let run = |(r0, r1): (usize, usize), (c0, c1): (usize, usize)| {
        // SAFETY: the block lies inside [m, n]; blocks are disjoint.
        unsafe {
            gemm_block(
                r1 - r0,
                c1 - c0,
                k,
                p.outs[0].add(r0 * n + c0),
                n,
                p.a.add(r0 * a_rs),
                a_rs,
                a_cs,
                p.b.add(c0 * b_cs),
                b_rs,
                b_cs,
            );
            epilogue(p, n, (r0, r1), (c0, c1), epi);
        }
    };
    let threads = rayon::current_num_threads();
    if m * n * k < PAR_MIN_FMAS || threads < 2 {
        return run((0, m), (0, n));
    }
    // One block per thread, cut along the longer side of the output
    // (columns in multiples of 16: no cache line written by two threads).
    if n >= m {
        let w = n.div_ceil(threads).next_multiple_of(16).min(n);
        run_tasks(n.div_ceil(w), |t| {
            run((0, m), (t * w, ((t + 1) * w).min(n)))
        });
    } else {
        let h = m.div_ceil(threads);
        run_tasks(m.div_ceil(h), |t| {
            run((t * h, ((t + 1) * h).min(m)), (0, n))
        });
    }
}

/// The epilogue over rows `r0..r1`, columns `c0..c1`, reading the product
/// from `outs[0]`.
///
/// # Safety
/// As [`blocked`]; the block is in bounds and written by this task only.
#[inline(always)]
unsafe fn epilogue<T, const C: usize, const F: usize, const N: usize, E>(
    p: Ptrs<T, C, F, N>,
    n: usize,
    (r0, r1): (usize, usize),
    (c0, c1): (usize, usize),
    epi: &E,
) where
    T: GemmFloat,
    E: Fn(T, [T; C], [T; F]) -> [T; N],
{
    let w = c1 - c0;
    dispatch(
        #[inline(always)]
        || {
            for i in r0..r1 {
                let base = i * n + c0;
                // SAFETY: row i, columns c0..c1 are in bounds (contract).
                let (outs, full, cols) = unsafe {
                    (
                        p.outs.map(|q| q.add(base)),
                        p.full.map(|q| q.add(base)),
                        p.cols.map(|q| q.add(c0)),
                    )
                };
                for j in 0..w {
                    // SAFETY: j < w; reads before writes at the same index.
                    unsafe {
                        let y = epi(
                            *outs[0].add(j),
                            std::array::from_fn(|c| *cols[c].add(j)),
                            std::array::from_fn(|f| *full[f].add(j)),
                        );
                        for (q, v) in y.into_iter().enumerate() {
                            outs[q].add(j).write(v);
                        }
                    }
                }
            }
        },
    )
}

/// `out = epi(op(a) · op(b))` without the AVX-512 strip kernels: the
/// fallback of `gemm_epilogue_slice` and `gemm_ex_slice`.
pub(super) fn gemm_fallback<T: GemmFloat, E: Fn(T) -> T + Sync>(
    a: &[T],
    b: &[T],
    d: Product,
    out: &mut [T],
    epi: E,
) {
    d.check("kernels::gemm_fallback", a.len(), b.len(), &[out.len()]);
    let e = |v: T, _: [T; 0], _: [T; 0]| [epi(v)];
    // SAFETY: the lengths were checked; `out` is `&mut`.
    unsafe { packed_or_blocked(Ptrs::new(a, b, [], [], [out]), d, &e) }
}
