//! nalgebra `SVector` parameters: `f::grad` returns an `SVector`,
//! `f::hessian` an `SMatrix`, both against the analytic derivatives, and
//! `f::grad` makes no heap allocation (a counting global allocator).
use nalgebra::{SMatrix, SVector};
use rjax::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts the allocations of the current thread (tests run in parallel).
struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn allocs() -> usize {
    ALLOCS.with(|c| c.get())
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// f(t) = sin(t0) cos(t1) t2, the seed function, on an `SVector`.
#[grad]
fn f(t: &SVector<f64, 3>) -> f64 {
    t[0].sin() * t[1].cos() * t[2]
}

/// A quadratic with a scale parameter: grad = 2 s v.
#[grad]
fn energy(v: SVector<f64, 2>, s: f64) -> f64 {
    s * (v[0] * v[0] + v[1] * v[1])
}

fn df(t: &SVector<f64, 3>) -> [f64; 3] {
    let (x, y, z) = (t[0], t[1], t[2]);
    [
        x.cos() * y.cos() * z,
        -x.sin() * y.sin() * z,
        x.sin() * y.cos(),
    ]
}

#[test]
fn grad_and_hessian_are_nalgebra_values() {
    let t = SVector::<f64, 3>::new(0.3, -0.7, 1.1);
    let g: SVector<f64, 3> = f::grad(&t);
    for (i, want) in df(&t).iter().enumerate() {
        assert!((g[i] - want).abs() < 1e-14, "grad[{i}]");
    }
    let (v, g2) = f::value_and_grad(&t);
    assert_eq!(v, f(&t));
    assert_eq!(g2, g);
    let h: SMatrix<f64, 3, 3> = f::hessian(&t);
    let (x, y, z) = (t[0], t[1], t[2]);
    let want = [
        [
            -x.sin() * y.cos() * z,
            -x.cos() * y.sin() * z,
            x.cos() * y.cos(),
        ],
        [
            -x.cos() * y.sin() * z,
            -x.sin() * y.cos() * z,
            -x.sin() * y.sin(),
        ],
        [x.cos() * y.cos(), -x.sin() * y.sin(), 0.0],
    ];
    for i in 0..3 {
        for j in 0..3 {
            assert!((h[(i, j)] - want[i][j]).abs() < 1e-14, "hessian[{i}][{j}]");
        }
    }
    assert_eq!(energy(SVector::<f64, 2>::new(1.0, 2.0), 2.0), 10.0);
    let ge = energy::grad(SVector::<f64, 2>::new(1.5, -2.0), 3.0);
    assert_eq!(ge, SVector::<f64, 2>::new(9.0, -12.0));
}

#[test]
fn grad_allocates_nothing() {
    let t = SVector::<f64, 3>::new(0.3, -0.7, 1.1);
    let _ = f::grad(&t); // warm-up (nothing lazily initialised is expected either)
    let before = allocs();
    let mut acc = 0.0;
    for k in 0..100 {
        let g = f::grad(&(t * (1.0 + k as f64 * 1e-3)));
        acc += g[0];
        let (v, _) = f::value_and_grad(&t);
        acc += v;
    }
    let after = allocs();
    assert!(acc.is_finite());
    // the counter does see this thread's allocations
    let boxed = std::hint::black_box(Box::new(1u64));
    assert!(allocs() > after, "the counting allocator missed a Box");
    drop(boxed);
    assert_eq!(
        after - before,
        0,
        "f::grad / value_and_grad on an SVector allocated {} times",
        after - before
    );
}
