//! Shared test helpers: evaluation shortcuts, central finite differences,
//! closeness checks.
#![allow(dead_code)]

use rjax_core::interp::{Tensor, eval_jaxpr};
use rjax_core::{DType, Jaxpr};

/// Evaluates and unwraps.
pub fn run(j: &Jaxpr, args: &[Tensor]) -> Vec<Tensor> {
    j.verify().unwrap_or_else(|e| panic!("{e}\n{j}"));
    eval_jaxpr(j, args).unwrap_or_else(|e| panic!("{e}\n{j}"))
}

/// Sum of all elements of output `k`.
pub fn sum_out(j: &Jaxpr, args: &[Tensor], k: usize) -> f64 {
    run(j, args)[k].data.iter().sum()
}

/// Central finite-difference gradient of `sum(output k)` w.r.t. input `a`.
pub fn fd_grad(j: &Jaxpr, args: &[Tensor], a: usize, k: usize, eps: f64) -> Vec<f64> {
    let n = args[a].data.len();
    (0..n)
        .map(|i| {
            let mut p = args.to_vec();
            let mut m = args.to_vec();
            p[a].data[i] += eps;
            m[a].data[i] -= eps;
            (sum_out(j, &p, k) - sum_out(j, &m, k)) / (2.0 * eps)
        })
        .collect()
}

/// Asserts elementwise closeness with relative + absolute tolerance.
pub fn close(got: &[f64], want: &[f64], rtol: f64, atol: f64) {
    assert_eq!(got.len(), want.len(), "lengths differ: {got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g.is_nan() && w.is_nan()) || g == w || (g - w).abs() <= atol + rtol * w.abs(),
            "got {got:?}\nwant {want:?}"
        );
    }
}

/// A deterministic pseudo-random f64 tensor in [-1, 1).
pub fn rand_tensor(shape: &[usize], seed: u64) -> Tensor {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let n: usize = shape.iter().product();
    let data = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect();
    Tensor::new(DType::F64, shape.to_vec(), data).unwrap()
}

/// A small deterministic generator for test-case choices.
pub struct Rng(pub u64);

impl Rng {
    /// Next raw value.
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 17
    }
    /// Uniform in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// A random shape of rank `r` with dims in 0..=3 (mostly >= 1).
    pub fn shape(&mut self, r: usize) -> Vec<usize> {
        (0..r)
            .map(|_| {
                if self.below(8) == 0 {
                    0
                } else {
                    1 + self.below(3)
                }
            })
            .collect()
    }
    /// A random f64 tensor.
    pub fn tensor(&mut self, shape: &[usize]) -> Tensor {
        let s = self.next();
        rand_tensor(shape, s)
    }
}

/// Slice `i` of axis `axis`.
pub fn take(t: &Tensor, axis: usize, i: usize) -> Tensor {
    use rjax_core::interp::tensor::{ravel, unravel};
    let mut shape = t.shape.clone();
    shape.remove(axis);
    let n: usize = shape.iter().product();
    let data = (0..n)
        .map(|f| {
            let mut idx = unravel(f, &shape);
            idx.insert(axis, i);
            t.data[ravel(&idx, &t.shape)]
        })
        .collect();
    Tensor {
        dtype: t.dtype,
        shape,
        data,
    }
}

/// Stacks equal-shape tensors along a new axis 0.
pub fn stack0(ts: &[Tensor], dtype: DType, inner: &[usize]) -> Tensor {
    let mut shape = vec![ts.len()];
    shape.extend_from_slice(inner);
    Tensor {
        dtype,
        shape,
        data: ts.iter().flat_map(|t| t.data.iter().copied()).collect(),
    }
}

/// Inner product of two equal-length vectors.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
