//! `dot_general`: batched tensor contraction, lowered to one strided matrix
//! product per batch element (`gemm` for floats).
//!
//! Each operand is viewed as a 3-d `[batch, free, contract]` (lhs) or
//! `[batch, contract, free]` (rhs) block. When the axes of each group are
//! adjacent and in order in memory the view is just strides, so `a · bᵀ`
//! and friends copy nothing; otherwise the operand is transposed once.

use super::shape::transpose;
use crate::array::Array;
use crate::dtype::Num;
use crate::error::{Result, RjaxError, or_panic};
use crate::kernels::contiguous_strides;

/// Axes of a `dot_general`: `((lhs_contracting, rhs_contracting),
/// (lhs_batch, rhs_batch))`, as JAX's `dimension_numbers`.
pub type DotDims<'a> = ((&'a [usize], &'a [usize]), (&'a [usize], &'a [usize]));

/// Contracts `lhs` and `rhs` over the `contracting` axes, batched over the
/// `batch` axes (paired in order). The result's axes are, as in JAX: batch
/// axes, then lhs free axes, then rhs free axes, each in operand order.
///
/// # Panics
/// With the text of [`try_dot_general`]'s error.
#[track_caller]
pub fn dot_general<T: Num>(
    lhs: &Array<T>,
    rhs: &Array<T>,
    contracting: (&[usize], &[usize]),
    batch: (&[usize], &[usize]),
) -> Array<T> {
    or_panic(try_dot_general(lhs, rhs, contracting, batch))
}

/// [`dot_general`], returning an error when axes are out of bounds,
/// repeated, unpaired, or pair different sizes.
pub fn try_dot_general<T: Num>(
    lhs: &Array<T>,
    rhs: &Array<T>,
    contracting: (&[usize], &[usize]),
    batch: (&[usize], &[usize]),
) -> Result<Array<T>> {
    dot_general_named("dot_general", lhs, rhs, (contracting, batch))
}

/// Which axes of one operand form each group.
struct Groups {
    batch: Vec<usize>,
    free: Vec<usize>,
    contract: Vec<usize>,
}

/// Merges `axes` of a contiguous array of `shape` into one (size, stride)
/// if they are laid out as one run in memory, in this order.
fn merge(shape: &[usize], strides: &[isize], axes: &[usize]) -> Option<(usize, isize)> {
    let live: Vec<usize> = axes.iter().copied().filter(|&a| shape[a] != 1).collect();
    let size = axes.iter().map(|&a| shape[a]).product();
    match live.last() {
        None => Some((size, 0)),
        Some(&last) => {
            for w in live.windows(2) {
                if strides[w[0]] != strides[w[1]] * shape[w[1]] as isize {
                    return None;
                }
            }
            Some((size, strides[last]))
        }
    }
}

/// A 3-d strided view `[g0, g1, g2]` of an operand, transposing a copy when
/// the groups are not runs in memory. Returns (array, sizes, strides).
fn view3<T: Num>(x: &Array<T>, groups: [&[usize]; 3]) -> (Array<T>, [usize; 3], [isize; 3]) {
    let strides = contiguous_strides(x.shape());
    let merged: Option<Vec<(usize, isize)>> = groups
        .iter()
        .map(|g| merge(x.shape(), &strides, g))
        .collect();
    if let Some(m) = merged {
        return (
            x.clone(),
            [m[0].0, m[1].0, m[2].0],
            [m[0].1, m[1].1, m[2].1],
        );
    }
    let perm: Vec<usize> = groups.concat();
    let t = transpose(x, &perm);
    let sizes: [usize; 3] =
        std::array::from_fn(|i| groups[i].iter().map(|&a| x.shape()[a]).product());
    let st = [(sizes[1] * sizes[2]) as isize, sizes[2] as isize, 1];
    (t, sizes, st)
}

fn groups(
    op: &'static str,
    shape: &[usize],
    contract: &[usize],
    batch: &[usize],
    side: &str,
) -> Result<Groups> {
    for (what, axes) in [("contracting", contract), ("batch", batch)] {
        for (i, &a) in axes.iter().enumerate() {
            if a >= shape.len() {
                return Err(RjaxError::invalid(
                    op,
                    format!("{side} {what} axis {a} is out of bounds for shape {shape:?}"),
                ));
            }
            if axes[..i].contains(&a) || (what == "batch" && contract.contains(&a)) {
                return Err(RjaxError::invalid(
                    op,
                    format!("{side} axis {a} is used twice (shape {shape:?})"),
                ));
            }
        }
    }
    let free = (0..shape.len())
        .filter(|a| !contract.contains(a) && !batch.contains(a))
        .collect();
    Ok(Groups {
        batch: batch.to_vec(),
        free,
        contract: contract.to_vec(),
    })
}

/// `dot_general` reporting errors under the name `op` (so `dot` and
/// `matmul` name themselves).
pub(crate) fn dot_general_named<T: Num>(
    op: &'static str,
    lhs: &Array<T>,
    rhs: &Array<T>,
    ((lc, rc), (lb, rb)): DotDims<'_>,
) -> Result<Array<T>> {
    let (ls, rs) = (lhs.shape(), rhs.shape());
    if lc.len() != rc.len() || lb.len() != rb.len() {
        return Err(RjaxError::shapes(
            op,
            ls,
            rs,
            format!(
                "need as many axes on each side, got contracting {lc:?} vs {rc:?} and batch {lb:?} vs {rb:?}"
            ),
        ));
    }
    let gl = groups(op, ls, lc, lb, "lhs")?;
    let gr = groups(op, rs, rc, rb, "rhs")?;
    for (&a, &b) in lc.iter().zip(rc) {
        if ls[a] != rs[b] {
            return Err(RjaxError::shapes(
                op,
                ls,
                rs,
                format!("do not align ({} != {})", ls[a], rs[b]),
            ));
        }
    }
    for (&a, &b) in lb.iter().zip(rb) {
        if ls[a] != rs[b] {
            return Err(RjaxError::shapes(
                op,
                ls,
                rs,
                format!("have different batch sizes ({} != {})", ls[a], rs[b]),
            ));
        }
    }
    let out_shape: Vec<usize> = gl
        .batch
        .iter()
        .map(|&a| ls[a])
        .chain(gl.free.iter().map(|&a| ls[a]))
        .chain(gr.free.iter().map(|&a| rs[a]))
        .collect();
    let (a, [nb, m, k], [a_bs, a_rs, a_cs]) = view3(lhs, [&gl.batch, &gl.free, &gl.contract]);
    let (b, [_, _, n], [b_bs, b_rs, b_cs]) = view3(rhs, [&gr.batch, &gr.contract, &gr.free]);
    // `m * n` of two valid operands can still overflow when `k` is 0.
    let mut out = vec![T::zero(); crate::array::try_size(op, &out_shape)?];
    let (pa, pb, pc) = (
        a.as_slice().as_ptr(),
        b.as_slice().as_ptr(),
        out.as_mut_ptr(),
    );
    for i in 0..nb as isize {
        // SAFETY: the views were built from these arrays' shapes, so every
        // offset is in bounds; `out` is a fresh buffer of nb·m·n elements.
        unsafe {
            crate::kernels::matmul_strided(
                m,
                n,
                k,
                pc.offset(i * (m * n) as isize),
                n as isize,
                1,
                pa.offset(i * a_bs),
                a_rs,
                a_cs,
                pb.offset(i * b_bs),
                b_rs,
                b_cs,
            );
        }
    }
    Ok(Array::from_raw(out_shape, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_recognises_runs_in_memory() {
        // [2, 3, 4] row-major: strides [12, 4, 1].
        let shape = [2, 3, 4];
        let st = [12, 4, 1];
        assert_eq!(merge(&shape, &st, &[1, 2]), Some((12, 1)));
        assert_eq!(merge(&shape, &st, &[0, 1]), Some((6, 4)));
        assert_eq!(merge(&shape, &st, &[2]), Some((4, 1)));
        assert_eq!(merge(&shape, &st, &[]), Some((1, 0)));
        assert_eq!(merge(&shape, &st, &[0, 2]), None, "not adjacent");
        assert_eq!(merge(&shape, &st, &[2, 1]), None, "out of order");
        // Size-1 axes never break a run.
        assert_eq!(merge(&[2, 1, 4], &[4, 4, 1], &[0, 1, 2]), Some((8, 1)));
    }
}
