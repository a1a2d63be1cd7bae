//! The driver of row kernels (rjax-core's `kernel` IR, printed as Rust by
//! `#[jit]`): runs a loop body once per row of a `[outer, reduced,
//! inner]` domain, rows split over rayon's pool when the work is large,
//! each batch of rows compiled for the CPU's widest vectors
//! ([`kernels::dispatch`](crate::kernels::dispatch)).
//!
//! A task is one outer index and, when there are inner axes (a reduction
//! along a non-innermost axis), one tile of at most [`TILE`] inner
//! indices: its loops run over the reduced axis with the tile's lanes
//! innermost, so they read memory contiguously and vectorise across
//! lanes. Each task writes only its own elements of every output, handed
//! to it as [`Block`]s, so tasks never share a written element.

use std::marker::PhantomData;

use crate::kernels::dispatch;

/// Inner lanes per task of a kernel with inner axes.
pub const TILE: usize = 64;

/// Accumulators of a row reduction without inner axes (several partial
/// results, so the adds of one row vectorise).
pub const LANES: usize = 16;

/// Elements of work from which a kernel is split over the pool.
const PAR_MIN_WORK: usize = 1 << 15;

/// The domain of a kernel: `outer` rows, each `reduced` long, with
/// `inner` lanes (1 when the reduction is along the innermost axes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grid {
    /// Product of the kept axes before the reduced ones.
    pub outer: usize,
    /// Product of the reduced axes.
    pub reduced: usize,
    /// Product of the kept axes after the reduced ones.
    pub inner: usize,
}

/// The elements of one output that one task writes: `rows` rows of
/// `width` elements, `stride` apart.
pub struct Block<'a, T> {
    ptr: *mut T,
    rows: usize,
    width: usize,
    stride: usize,
    _out: PhantomData<&'a mut [T]>,
}

impl<T> Block<'_, T> {
    /// Row `r` of the block.
    #[inline(always)]
    pub fn row(&mut self, r: usize) -> &mut [T] {
        assert!(r < self.rows, "jit::Block: row {r} of {}", self.rows);
        // SAFETY: `grid` built the block inside its output slice (rows
        // `r * stride .. r * stride + width` for r < rows are in bounds),
        // and no other task's block holds these elements.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(r * self.stride), self.width) }
    }

    /// The whole block as one slice (its rows must be adjacent).
    #[inline(always)]
    pub fn flat(&mut self) -> &mut [T] {
        assert!(
            self.rows <= 1 || self.width == self.stride,
            "jit::Block: rows are not adjacent"
        );
        let len = self.rows * self.width;
        // SAFETY: as in `row`; the rows are adjacent, so the block is the
        // contiguous range `0 .. rows * width` from `ptr`.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, len) }
    }
}

/// Raw output pointers shared by the tasks.
struct Outs<T, const M: usize>([*mut T; M]);
// Manual impls: derive would demand `T: Copy` (pointers copy anyway).
impl<T, const M: usize> Clone for Outs<T, M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, const M: usize> Copy for Outs<T, M> {}
impl<T, const M: usize> Outs<T, M> {
    /// Output `k` (a method, so that closures capture the whole `Send`
    /// wrapper rather than its pointer field).
    #[inline(always)]
    fn get(self, k: usize) -> *mut T {
        self.0[k]
    }
}
// SAFETY: tasks write disjoint elements (see `grid`).
unsafe impl<T, const M: usize> Send for Outs<T, M> {}
unsafe impl<T, const M: usize> Sync for Outs<T, M> {}

/// Runs `f(state, o, i0, i1, blocks)` for every outer index `o` and tile
/// `i0..i1` of the inner lanes; `state` comes from `init`, once per batch
/// of tasks (row buffers). `outs[k]` is `(buffer, full)`: a full output
/// has `outer * reduced * inner` elements and its block is the task's
/// `reduced` rows of `i1 - i0` lanes; a row output has `outer * inner`
/// and its block is one row of `i1 - i0` lanes. Pass `f` by value,
/// `#[inline(always)]`, so it is compiled inside the vector frame.
///
/// # Panics
/// When an output's length does not match the grid (naming it).
pub fn grid<T, S, const M: usize, I, F>(g: Grid, outs: [(&mut [T], bool); M], init: I, f: F)
where
    T: Send,
    I: Fn() -> S + Sync,
    F: Fn(&mut S, usize, usize, usize, [Block<'_, T>; M]) + Sync,
{
    let Grid {
        outer,
        reduced,
        inner,
    } = g;
    let full: [bool; M] = std::array::from_fn(|k| outs[k].1);
    for (k, (s, is_full)) in outs.iter().enumerate() {
        let want = if *is_full {
            outer * reduced * inner
        } else {
            outer * inner
        };
        assert!(
            s.len() == want,
            "jit::grid: output {k} has {} elements, the kernel's domain [{outer}, {reduced}, {inner}] needs {want}",
            s.len()
        );
    }
    let ptrs = Outs(outs.map(|(s, _)| s.as_mut_ptr()));
    let tiles = if inner <= 1 {
        inner
    } else {
        inner.div_ceil(TILE)
    };
    let tile = if inner <= 1 { 1 } else { TILE };
    let tasks = outer * tiles;
    let batch = |t0: usize, t1: usize| {
        dispatch(
            #[inline(always)]
            || {
                let mut state = init();
                for t in t0..t1 {
                    let o = t / tiles;
                    let i0 = (t % tiles) * tile;
                    let i1 = (i0 + tile).min(inner);
                    let blocks: [Block<'_, T>; M] = std::array::from_fn(|k| {
                        let (off, rows) = if full[k] {
                            (o * reduced * inner + i0, reduced)
                        } else {
                            (o * inner + i0, 1)
                        };
                        Block {
                            // SAFETY: off < the output's length whenever
                            // the block has an element (checked above).
                            ptr: unsafe { ptrs.get(k).add(off) },
                            rows,
                            width: i1 - i0,
                            stride: inner,
                            _out: PhantomData,
                        }
                    });
                    f(&mut state, o, i0, i1, blocks);
                }
            },
        )
    };
    let work = outer * reduced.max(1) * inner;
    let threads = rayon::current_num_threads();
    if work >= PAR_MIN_WORK && threads > 1 && tasks > 1 {
        // Several batches per thread, so a preempted thread holds up
        // little; the calling thread starts on them at once and pool
        // threads join as they wake (`kernels::par`: a mid-sized kernel, as
        // attention's 256 x 256 softmax, would otherwise wait for two
        // wake-ups).
        let per = tasks.div_ceil(threads * 8).max(1);
        crate::kernels::par::run_tasks(tasks.div_ceil(per), |b| {
            batch(b * per, ((b + 1) * per).min(tasks));
        });
    } else {
        batch(0, tasks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_element_is_written_once_by_its_task() {
        for &(outer, reduced, inner) in &[(3, 5, 1), (2, 3, 130), (1, 7, 64), (4, 1, 3), (0, 2, 2)]
        {
            let g = Grid {
                outer,
                reduced,
                inner,
            };
            let mut full = vec![0u32; outer * reduced * inner];
            let mut row = vec![0u32; outer * inner];
            grid(
                g,
                [(&mut full[..], true), (&mut row[..], false)],
                || (),
                |_, o, i0, i1, [mut f, mut r]| {
                    for k in 0..reduced {
                        for (l, x) in f.row(k).iter_mut().enumerate() {
                            *x += ((o * reduced + k) * inner + i0 + l) as u32 + 1;
                        }
                    }
                    for (l, x) in r.flat().iter_mut().enumerate() {
                        assert!(i0 + l < i1);
                        *x += (o * inner + i0 + l) as u32 + 1;
                    }
                },
            );
            let want: Vec<u32> = (1..=full.len() as u32).collect();
            assert_eq!(full, want);
            let want: Vec<u32> = (1..=row.len() as u32).collect();
            assert_eq!(row, want);
        }
    }
}
