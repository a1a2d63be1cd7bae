//! The buffer cache behind `Array` storage (large dropped buffers serve
//! the next array of about that size) and the inline storage of tiny
//! arrays: a reused buffer never aliases a live array, copy-on-write
//! holds, stale contents never reach a result, and concurrent use from
//! threads gives the same values as the eager code.

use rjax::prelude::*;
use rjax::runtime::array::buffer_cache;
use rjax::runtime::kernels;

/// 2^20 f32 = 4 MiB: above the cache's minimum and the parallel-map
/// threshold.
const BIG: usize = 1 << 20;

fn ramp(n: usize, a: f32, b: f32) -> Array<f32> {
    Array::from_vec((0..n).map(|i| a + b * (i % 1000) as f32).collect())
}

fn overlaps(a: &[f32], b: &[f32]) -> bool {
    let (a0, a1) = (a.as_ptr() as usize, a.as_ptr() as usize + 4 * a.len());
    let (b0, b1) = (b.as_ptr() as usize, b.as_ptr() as usize + 4 * b.len());
    a0 < b1 && b0 < a1
}

/// Only arithmetic, so the fused loop and the eager ops agree exactly.
#[jit]
fn affine(x: &Array<f32>, y: &Array<f32>) -> Array<f32> {
    x * 2.0 + y - 1.0
}

fn affine_eager(x: &Array<f32>, y: &Array<f32>) -> Array<f32> {
    &(&(x * 2.0) + y) - 1.0
}

#[test]
fn jit_outputs_equal_eager_across_calls_with_different_inputs() {
    // Each call's output is dropped before the next, so later calls write
    // into the pages of earlier outputs: every value must be overwritten.
    for k in 0..6 {
        let x = ramp(BIG + k, k as f32, 0.5);
        let y = ramp(BIG + k, -(k as f32), 0.25);
        let got = affine(&x, &y);
        assert_eq!(got, affine_eager(&x, &y), "call {k}");
    }
}

#[test]
fn a_reused_buffer_never_aliases_a_live_array() {
    let x = ramp(BIG, 1.0, 1.0);
    let y = ramp(BIG, 2.0, 1.0);
    let live: Vec<Array<f32>> = (0..4).map(|_| affine(&x, &y)).collect();
    for (i, a) in live.iter().enumerate() {
        for b in &live[i + 1..] {
            assert!(!overlaps(a.as_slice(), b.as_slice()));
            assert!(!a.shares_storage(b));
        }
        assert!(!overlaps(a.as_slice(), x.as_slice()) && !overlaps(a.as_slice(), y.as_slice()));
    }
    // Values of live arrays survive the reuse of dropped ones.
    let want = affine_eager(&x, &y);
    for _ in 0..3 {
        drop(affine(&y, &x));
    }
    for a in &live {
        assert_eq!(*a, want);
    }
}

#[test]
fn copy_on_write_of_large_and_tiny_arrays() {
    for n in [1, 3, 4, 5, BIG] {
        let a = ramp(n, 3.0, 1.0);
        let keep = a.to_vec();
        let mut b = a.clone();
        // Up to 4 elements live inline in the array: a clone is a copy.
        assert_eq!(b.shares_storage(&a), n > 4, "n = {n}");
        b.as_mut_slice()[0] = -7.0;
        assert!(!b.shares_storage(&a));
        assert_eq!(
            a.to_vec(),
            keep,
            "n = {n}: writing a clone changed the original"
        );
        assert_eq!(b.as_slice()[0], -7.0);
        assert_eq!(&b.as_slice()[1..], &keep[1..]);
        // A copy made after the other one was dropped (its pages may be
        // the dropped copy's) is still a copy of `a`.
        drop(b);
        let mut c = a.clone();
        c.as_mut_slice()[n - 1] += 1.0;
        assert_eq!(&c.as_slice()[..n - 1], &keep[..n - 1]);
        assert_eq!(a.to_vec(), keep);
        assert_eq!(c.into_vec().len(), n);
    }
}

#[test]
fn arrays_of_every_size_and_rank_round_trip() {
    for n in [0, 1, 2, 3, 4, 5, 8, 1000] {
        let v: Vec<f64> = (0..n).map(|i| i as f64 * 0.5 - 1.0).collect();
        let a = Array::from_vec(v.clone());
        assert_eq!(a.shape(), &[n]);
        assert_eq!(a.to_vec(), v);
        assert_eq!(a.clone().into_vec(), v);
    }
    let s = Array::scalar(2.5f32);
    assert_eq!((s.shape(), s.item()), (&[][..], 2.5));
    // Ranks 0 to 7: shapes above rank 4 are stored differently.
    let data: Vec<i32> = (0..64).collect();
    for rank in 0..=6usize {
        let shape: Vec<usize> = if rank == 0 {
            vec![]
        } else {
            let mut s = vec![1; rank];
            s[0] = 64;
            s.rotate_left(rank / 2);
            s
        };
        let n: usize = shape.iter().product();
        let a = Array::from_shape_vec(shape.clone(), data[..n].to_vec()).unwrap();
        assert_eq!(a.shape(), &shape[..]);
        assert_eq!(a.ndim(), rank);
        assert_eq!(a.clone(), a);
        let back = a.reshape(&[n]);
        assert_eq!(back.to_vec(), data[..n].to_vec());
    }
    let a = Array::from_shape_vec(vec![2, 1, 2, 1, 2, 1, 2], data[..16].to_vec()).unwrap();
    assert_eq!(a.get(&[1, 0, 1, 0, 1, 0, 1]), 15);
    assert_ne!(a, a.reshape(&[2, 2, 2, 2]), "same data, different shapes");
}

#[test]
fn element_types_are_not_mixed_up() {
    // A dropped f32 buffer must not come back as a bool or i32 array.
    for k in 0..4 {
        let x = ramp(BIG, -500.0 + k as f32, 1.0);
        let pos = kernels::map1(
            &x,
            #[inline(always)]
            |v: f32| v > 0.0,
        );
        let ints = kernels::map1(
            &x,
            #[inline(always)]
            |v: f32| v as i32,
        );
        drop(x.clone());
        let x2 = ramp(BIG, -500.0 + k as f32, 1.0);
        for (i, &v) in x2.as_slice().iter().enumerate() {
            assert_eq!(pos.as_slice()[i], v > 0.0);
            assert_eq!(ints.as_slice()[i], v as i32);
        }
    }
}

#[test]
fn threads_share_the_cache_without_mixing_values() {
    std::thread::scope(|s| {
        for t in 0..4 {
            s.spawn(move || {
                for k in 0..8 {
                    let x = ramp(BIG / 2 + k, t as f32, 1.0 + k as f32);
                    let y = ramp(BIG / 2 + k, k as f32, -(t as f32));
                    let got = affine(&x, &y);
                    let sq = kernels::map2(
                        &got,
                        &x,
                        #[inline(always)]
                        |a: f32, b: f32| a * b,
                    );
                    let want = affine_eager(&x, &y);
                    assert_eq!(got, want, "thread {t} call {k}");
                    assert_eq!(sq, &want * &x, "thread {t} call {k}");
                }
            });
        }
    });
}

#[test]
fn reuse_and_bounds() {
    // An f64 size no other test here uses, so their buffers do not
    // interfere with the counts.
    const N: usize = 700_001;
    let x = Array::from_vec(vec![1.5f64; N]);
    let first = kernels::map1(
        &x,
        #[inline(always)]
        |v: f64| v * 2.0,
    );
    let ptr = first.as_slice().as_ptr();
    drop(first);
    let before = buffer_cache::stats();
    let second = kernels::map1(
        &x,
        #[inline(always)]
        |v: f64| v + 1.0,
    );
    assert!(
        buffer_cache::stats().hits > before.hits,
        "the dropped buffer is reused"
    );
    assert_eq!(second.as_slice().as_ptr(), ptr, "same pages");
    assert!(second.as_slice().iter().all(|&v| v == 2.5));

    // Bounded: with the limit at 0 nothing is held; a buffer larger than
    // the limit is freed, not cached.
    let limit = buffer_cache::limit();
    buffer_cache::set_limit(0);
    assert_eq!(buffer_cache::stats().bytes, 0);
    drop(second);
    assert_eq!(buffer_cache::stats().bytes, 0);
    buffer_cache::set_limit(limit);
    drop(Array::from_vec(vec![0.0f32; BIG]));
    assert!(buffer_cache::stats().bytes <= limit);
    assert!(buffer_cache::stats().buffers <= buffer_cache::MAX_BUFFERS);
    buffer_cache::clear();
}

#[jit]
#[grad]
fn seed_f(t: &Array<f32>) -> f32 {
    let (x, y, z) = (t[0], t[1], t[2]);
    x.sin() * y.cos() * z
}

#[jit]
#[vmap]
fn per_row_grad(t: &Array<f32>) -> Array<f32> {
    seed_f::grad(t)
}

#[test]
fn batched_gradients_over_reused_buffers_match_the_analytic_form() {
    // 100k rows of 3: the columns and the assembled [rows, 3] gradient
    // are large enough to come from the cache on the second call.
    let rows = 100_000;
    for k in 0..3 {
        let v: Vec<f32> = (0..rows * 3)
            .map(|i| ((i * 7 + k * 13) % 2001) as f32 / 1000.0 - 1.0)
            .collect();
        let xs = Array::from_shape_vec(vec![rows, 3], v.clone()).unwrap();
        let g = per_row_grad::vmap(&xs);
        assert_eq!(g.shape(), &[rows, 3]);
        for r in 0..rows {
            let (x, y, z) = (v[3 * r] as f64, v[3 * r + 1] as f64, v[3 * r + 2] as f64);
            let want = [
                x.cos() * y.cos() * z,
                -x.sin() * y.sin() * z,
                x.sin() * y.cos(),
            ];
            for (c, w) in want.into_iter().enumerate() {
                let got = g.get(&[r, c]) as f64;
                assert!(
                    (got - w).abs() <= 1e-5,
                    "call {k} row {r} col {c}: {got} vs {w}"
                );
            }
        }
    }
}
