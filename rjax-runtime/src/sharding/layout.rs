//! Copying n-d blocks in and out of row-major buffers: the slicing that
//! `device_put` and `gather` need, kept here so the sharding code depends
//! only on `Array`'s stable basics.

use std::ops::Range;

/// Row-major strides of `shape`.
pub(crate) fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// Calls `f(src_offset, dst_offset, run_len)` for each contiguous run of the
/// block `index` of an array of shape `shape`, with `dst` offsets into the
/// block laid out row-major.
fn for_each_run(shape: &[usize], index: &[Range<usize>], mut f: impl FnMut(usize, usize, usize)) {
    let nd = shape.len();
    if nd == 0 {
        f(0, 0, 1);
        return;
    }
    let st = strides(shape);
    let block: Vec<usize> = index.iter().map(|r| r.len()).collect();
    if block.contains(&0) {
        return;
    }
    let run = block[nd - 1];
    let outer: usize = block[..nd - 1].iter().product();
    let mut ctr = vec![0usize; nd - 1];
    for o in 0..outer {
        let src: usize = (0..nd - 1)
            .map(|d| (index[d].start + ctr[d]) * st[d])
            .sum::<usize>()
            + index[nd - 1].start;
        f(src, o * run, run);
        for d in (0..nd - 1).rev() {
            ctr[d] += 1;
            if ctr[d] < block[d] {
                break;
            }
            ctr[d] = 0;
        }
    }
}

/// The block `index` of `data` (shape `shape`), row-major.
pub(crate) fn extract<T: Copy>(data: &[T], shape: &[usize], index: &[Range<usize>]) -> Vec<T> {
    let n: usize = index.iter().map(|r| r.len()).product();
    let mut out = Vec::with_capacity(n);
    for_each_run(shape, index, |s, _, len| {
        out.extend_from_slice(&data[s..s + len])
    });
    out
}

/// Writes `block` (row-major) into the block `index` of `data`.
pub(crate) fn insert<T: Copy>(
    data: &mut [T],
    shape: &[usize],
    index: &[Range<usize>],
    block: &[T],
) {
    for_each_run(shape, index, |s, b, len| {
        data[s..s + len].copy_from_slice(&block[b..b + len])
    });
}
