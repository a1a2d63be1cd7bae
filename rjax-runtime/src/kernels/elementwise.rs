//! Contiguous elementwise maps and zips. Above [`PAR_THRESHOLD`] elements
//! the work is split over rayon's pool; below it the thread hand-off costs
//! more than it saves.

use rayon::prelude::*;

/// Element count from which elementwise kernels run in parallel.
pub const PAR_THRESHOLD: usize = 1 << 16;

/// Elements per parallel task: large enough to amortise scheduling, small
/// enough to balance two to a few dozen cores.
const CHUNK: usize = 1 << 14;

/// `out[i] = f(x[i])`.
pub fn map<T: Copy + Send + Sync, U: Copy + Send + Sync + Default>(
    x: &[T],
    f: impl Fn(T) -> U + Sync + Send,
) -> Vec<U> {
    if x.len() >= PAR_THRESHOLD {
        let mut out = vec![U::default(); x.len()];
        out.par_chunks_mut(CHUNK)
            .zip(x.par_chunks(CHUNK))
            .for_each(|(o, x)| o.iter_mut().zip(x).for_each(|(o, &x)| *o = f(x)));
        out
    } else {
        x.iter().map(|&x| f(x)).collect()
    }
}

/// `x[i] = f(x[i])` in place.
pub fn map_inplace<T: Copy + Send + Sync>(x: &mut [T], f: impl Fn(T) -> T + Sync + Send) {
    if x.len() >= PAR_THRESHOLD {
        x.par_chunks_mut(CHUNK)
            .for_each(|c| c.iter_mut().for_each(|v| *v = f(*v)));
    } else {
        x.iter_mut().for_each(|v| *v = f(*v));
    }
}

/// `out[i] = f(a[i], b[i])` for equal-length slices.
pub fn zip<T: Copy + Send + Sync, U: Copy + Send + Sync + Default>(
    a: &[T],
    b: &[T],
    f: impl Fn(T, T) -> U + Sync + Send,
) -> Vec<U> {
    debug_assert_eq!(a.len(), b.len());
    if a.len() >= PAR_THRESHOLD {
        let mut out = vec![U::default(); a.len()];
        out.par_chunks_mut(CHUNK)
            .zip(a.par_chunks(CHUNK).zip(b.par_chunks(CHUNK)))
            .for_each(|(o, (a, b))| {
                o.iter_mut()
                    .zip(a.iter().zip(b))
                    .for_each(|(o, (&a, &b))| *o = f(a, b))
            });
        out
    } else {
        a.iter().zip(b).map(|(&a, &b)| f(a, b)).collect()
    }
}

/// `kernel(x_chunk, out_chunk)` over a whole slice, in parallel chunks above
/// the threshold: for kernels that work on slices (SIMD transcendental
/// functions).
pub fn map_slices<T: Copy + Send + Sync + Default>(
    x: &[T],
    kernel: impl Fn(&[T], &mut [T]) + Sync + Send,
) -> Vec<T> {
    let mut out = vec![T::default(); x.len()];
    if x.len() >= PAR_THRESHOLD {
        out.par_chunks_mut(CHUNK)
            .zip(x.par_chunks(CHUNK))
            .for_each(|(o, x)| kernel(x, o));
    } else {
        kernel(x, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_and_serial_paths_agree() {
        for n in [
            0,
            5,
            PAR_THRESHOLD - 1,
            PAR_THRESHOLD,
            3 * PAR_THRESHOLD + 7,
        ] {
            let x: Vec<i64> = (0..n as i64).collect();
            let y: Vec<i64> = x.iter().map(|v| v * 3).collect();
            assert_eq!(
                map(&x, |v| v * 2 + 1),
                x.iter().map(|v| v * 2 + 1).collect::<Vec<_>>()
            );
            assert_eq!(
                zip(&x, &y, |a, b| b - a),
                x.iter().map(|v| v * 2).collect::<Vec<_>>()
            );
            let mut z = x.clone();
            map_inplace(&mut z, |v| -v);
            assert_eq!(z, x.iter().map(|v| -v).collect::<Vec<_>>());
            let s = map_slices(&x, |a, o| o.iter_mut().zip(a).for_each(|(o, a)| *o = a + 1));
            assert_eq!(s, x.iter().map(|v| v + 1).collect::<Vec<_>>());
        }
    }
}
