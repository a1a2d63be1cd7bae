//! The user-facing `Array` API: constructors, accessors, copy-on-write,
//! elementwise methods, operators, reductions, dot/matmul, shape methods,
//! printing and error texts. Expected values are computed by hand (or by
//! plain loops in the test).

use rjax::Array;
use rjax::runtime::array;

fn m(shape: &[usize], data: &[f64]) -> Array<f64> {
    Array::from_shape_vec(shape.to_vec(), data.to_vec()).unwrap()
}

#[test]
fn constructors_and_accessors() {
    let z = Array::<f32>::zeros(&[2, 3]);
    assert_eq!(z.shape(), &[2, 3]);
    assert_eq!(z.ndim(), 2);
    assert_eq!(z.len(), 6);
    assert_eq!(z.size(), 6);
    assert!(z.as_slice().iter().all(|&v| v == 0.0));
    assert_eq!(Array::<i32>::ones(&[3]).to_vec(), vec![1, 1, 1]);
    assert_eq!(Array::full(&[2], true).to_vec(), vec![true, true]);
    assert_eq!(Array::arange(0, 5, 1).to_vec(), vec![0, 1, 2, 3, 4]);
    assert_eq!(
        Array::arange(1.0, 2.0, 0.25).to_vec(),
        vec![1.0, 1.25, 1.5, 1.75]
    );
    assert_eq!(Array::arange(5, 0, -2).to_vec(), vec![5, 3, 1]);
    assert_eq!(
        Array::linspace(0.0, 1.0, 5).to_vec(),
        vec![0.0, 0.25, 0.5, 0.75, 1.0]
    );
    assert_eq!(Array::<f64>::linspace(2.0, 3.0, 1).to_vec(), vec![2.0]);
    assert_eq!(Array::<i32>::eye(2).to_vec(), vec![1, 0, 0, 1]);
    let s = Array::scalar(2.5f64);
    assert_eq!(s.shape(), &[] as &[usize]);
    assert_eq!(s.item(), 2.5);
    let a = m(&[2, 3], &[1., 2., 3., 4., 5., 6.]);
    assert_eq!(a.get(&[1, 2]), 6.0);
    assert_eq!(
        a.try_get(&[2, 0]).unwrap_err().to_string(),
        "get: index [2, 0] is out of bounds for shape [2, 3]"
    );
    let v = array![1.0, 2.0, 3.0];
    assert_eq!(v[1], 2.0);
    assert_eq!(v.shape(), &[3]);
    let w = array![[1, 2], [3, 4], [5, 6]];
    assert_eq!(w.shape(), &[3, 2]);
    assert_eq!(w.get(&[2, 1]), 6);
    assert_eq!(
        Array::from_shape_vec(vec![2, 2], vec![1, 2, 3])
            .unwrap_err()
            .to_string(),
        "from_shape_vec: shape [2, 2] needs 4 elements but 3 were given"
    );
}

#[test]
#[should_panic(expected = "index: index 3 is out of bounds for shape [3]")]
fn index_out_of_bounds_panics() {
    let v = array![1, 2, 3];
    let _ = v[3];
}

#[test]
fn copy_on_write() {
    let a = array![1.0, 2.0, 3.0, 4.0, 5.0];
    let mut b = a.clone();
    assert!(b.shares_storage(&a), "clone is cheap: one buffer");
    b[0] = 10.0;
    assert!(!b.shares_storage(&a));
    assert_eq!(a.to_vec(), vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(b.to_vec(), vec![10.0, 2.0, 3.0, 4.0, 5.0]);
    let mut c = a.reshape(&[5, 1]);
    assert!(c.shares_storage(&a), "reshape is a view of the same buffer");
    c.set(&[2, 0], -1.0);
    c.as_mut_slice()[1] = -2.0;
    assert_eq!(a.to_vec(), vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(c.to_vec(), vec![1.0, -2.0, -1.0, 4.0, 5.0]);
    // Up to 4 elements are held inline: a clone or a reshape is a copy,
    // with the same copy-on-write behaviour seen from outside.
    let a = array![1.0, 2.0, 3.0];
    let mut b = a.reshape(&[3, 1]);
    assert!(!b.shares_storage(&a));
    b.set(&[0, 0], 9.0);
    assert_eq!(a.to_vec(), vec![1.0, 2.0, 3.0]);
    assert_eq!(b.to_vec(), vec![9.0, 2.0, 3.0]);
    let mut d = a.clone();
    d += 1.0;
    assert_eq!(a.to_vec(), vec![1.0, 2.0, 3.0]);
    assert_eq!(d.to_vec(), vec![2.0, 3.0, 4.0]);
    // An unshared array mutates in place: its buffer is reused.
    let mut e = Array::from_vec(vec![5, 6]);
    let p = e.as_slice().as_ptr();
    e.as_mut_slice()[0] = 7;
    assert_eq!(e.as_slice().as_ptr(), p);
    assert_eq!(e.into_vec(), vec![7, 6]);
}

#[test]
fn elementwise_methods() {
    let x = array![0.25f64, 1.0, 4.0];
    let f = |g: fn(f64) -> f64| x.as_slice().iter().map(|&v| g(v)).collect::<Vec<_>>();
    // The transcendentals are rjax's own (the kernels `#[jit]` code runs
    // too): a few ulp from libm, not bit-equal; tan is std's.
    let near = |a: Array<f64>, g: fn(f64) -> f64, what: &str| {
        assert!(a.allclose(&Array::from_vec(f(g)), 1e-15, 0.0), "{what}");
    };
    near(x.sin(), f64::sin, "sin");
    near(x.cos(), f64::cos, "cos");
    assert_eq!(x.tan().to_vec(), f(f64::tan));
    near(x.tanh(), f64::tanh, "tanh");
    near(x.exp(), f64::exp, "exp");
    near(x.log(), f64::ln, "log");
    near(x.log1p(), f64::ln_1p, "log1p");
    near(x.expm1(), f64::exp_m1, "expm1");
    assert_eq!(x.sqrt().to_vec(), vec![0.5, 1.0, 2.0]);
    assert_eq!(x.rsqrt().to_vec(), vec![2.0, 1.0, 0.5]);
    assert_eq!(x.square().to_vec(), vec![0.0625, 1.0, 16.0]);
    assert_eq!(x.powi(-1).to_vec(), vec![4.0, 1.0, 0.25]);
    assert_eq!(x.powf(0.5).to_vec(), vec![0.5, 1.0, 2.0]);
    assert_eq!(x.pow(&array![2.0]).to_vec(), vec![0.0625, 1.0, 16.0]);
    let logistic: Vec<f64> = f(|v| 1.0 / (1.0 + (-v).exp()));
    assert!(
        x.logistic()
            .allclose(&Array::from_vec(logistic), 1e-15, 0.0)
    );
    let y = array![-1.5f32, 0.0, 2.0];
    assert_eq!(y.abs().to_vec(), vec![1.5, 0.0, 2.0]);
    assert_eq!(y.sign().to_vec(), vec![-1.0, 0.0, 1.0]);
    assert_eq!(y.neg().to_vec(), vec![1.5, -0.0, -2.0]);
    assert_eq!(y.clip(-1.0, 1.0).to_vec(), vec![-1.0, 0.0, 1.0]);
    assert_eq!(y.maximum(&array![0.0]).to_vec(), vec![0.0, 0.0, 2.0]);
    assert_eq!(y.minimum(&array![0.0]).to_vec(), vec![-1.5, 0.0, 0.0]);
    assert_eq!(
        y.try_maximum(&array![1.0, 2.0]).unwrap_err().to_string(),
        "maximum: shapes [3] and [2] cannot be broadcast together (3 != 2 at axis -1)"
    );
    let c = y.greater(&array![0.0]);
    assert_eq!(c.to_vec(), vec![false, false, true]);
    assert_eq!(c.where_(&y, &array![9.0]).to_vec(), vec![9.0, 9.0, 2.0]);
    assert_eq!(
        rjax::runtime::array::where_(&c.not(), &y, &array![9.0]).to_vec(),
        vec![-1.5, 0.0, 9.0]
    );
    assert_eq!(y.equal(&array![0.0]).to_vec(), vec![false, true, false]);
    assert_eq!(y.not_equal(&array![0.0]).to_vec(), vec![true, false, true]);
    assert_eq!(y.less(&array![0.0]).to_vec(), vec![true, false, false]);
    assert_eq!(y.less_equal(&array![0.0]).to_vec(), vec![true, true, false]);
    assert_eq!(
        y.greater_equal(&array![0.0]).to_vec(),
        vec![false, true, true]
    );
    assert!(c.any() && !c.all());
}

#[test]
fn operators_on_owned_borrowed_and_scalars() {
    let a: Array<f64> = array![1.0, 2.0, 3.0];
    let b = array![4.0, 5.0, 6.0];
    assert_eq!((&a + &b).to_vec(), vec![5.0, 7.0, 9.0]);
    assert_eq!((&a - &b).to_vec(), vec![-3.0, -3.0, -3.0]);
    assert_eq!((&a * &b).to_vec(), vec![4.0, 10.0, 18.0]);
    assert_eq!((&b / &a).to_vec(), vec![4.0, 2.5, 2.0]);
    assert_eq!((a.clone() + b.clone()).to_vec(), vec![5.0, 7.0, 9.0]);
    assert_eq!((a.clone() + &b).to_vec(), vec![5.0, 7.0, 9.0]);
    assert_eq!((&a + b.clone()).to_vec(), vec![5.0, 7.0, 9.0]);
    assert_eq!((a.clone() * 2.0).to_vec(), vec![2.0, 4.0, 6.0]);
    assert_eq!((&a - 1.0).to_vec(), vec![0.0, 1.0, 2.0]);
    assert_eq!((2.0 * &a).to_vec(), vec![2.0, 4.0, 6.0]);
    assert_eq!((6.0 / a.clone()).to_vec(), vec![6.0, 3.0, 2.0]);
    assert_eq!((1.0 - &a).to_vec(), vec![0.0, -1.0, -2.0]);
    assert_eq!((-a.clone()).to_vec(), vec![-1.0, -2.0, -3.0]);
    assert_eq!((-&a).to_vec(), vec![-1.0, -2.0, -3.0]);
    let mut c = a.clone();
    c *= &b;
    c -= 1.0;
    c /= array![2.0];
    assert_eq!(c.to_vec(), vec![1.5, 4.5, 8.5]);
    let i: Array<i32> = array![1, 2, 3];
    assert_eq!((10 - &i).to_vec(), vec![9, 8, 7]);
    assert_eq!((&i * 3).to_vec(), vec![3, 6, 9]);
    let u = array![4u32, 9];
    assert_eq!((u / 2).to_vec(), vec![2, 4]);
    let f = array![1.0f32];
    assert_eq!((0.5f32 + f).to_vec(), vec![1.5]);
    assert_eq!(
        a.try_add(&array![1.0, 2.0]).unwrap_err().to_string(),
        "add: shapes [3] and [2] cannot be broadcast together (3 != 2 at axis -1)"
    );
}

/// A row of NumPy's broadcasting table: (lhs, rhs, result or None for an error).
type BroadcastCase<'a> = (&'a [usize], &'a [usize], Option<&'a [usize]>);

/// NumPy's broadcasting table.
#[test]
fn broadcasting_follows_numpy() {
    let cases: &[BroadcastCase] = &[
        (&[256, 256, 3], &[3], Some(&[256, 256, 3])),
        (&[8, 1, 6, 1], &[7, 1, 5], Some(&[8, 7, 6, 5])),
        (&[5, 4], &[1], Some(&[5, 4])),
        (&[5, 4], &[4], Some(&[5, 4])),
        (&[15, 3, 5], &[15, 1, 5], Some(&[15, 3, 5])),
        (&[15, 3, 5], &[3, 5], Some(&[15, 3, 5])),
        (&[15, 3, 5], &[3, 1], Some(&[15, 3, 5])),
        (&[], &[2, 3], Some(&[2, 3])),
        (&[0], &[1], Some(&[0])),
        (&[2, 0], &[2, 1], Some(&[2, 0])),
        (&[3], &[4], None),
        (&[2, 1], &[8, 4, 3], None),
        (&[0], &[2], None),
    ];
    for &(l, r, want) in cases {
        let a = Array::<f32>::ones(l);
        let b = Array::<f32>::ones(r);
        match (a.try_add(&b), want) {
            (Ok(c), Some(w)) => {
                assert_eq!(c.shape(), w, "{l:?} + {r:?}");
                assert!(c.as_slice().iter().all(|&v| v == 2.0));
                assert_eq!(b.try_mul(&a).unwrap().shape(), w, "symmetric");
            }
            (Err(e), None) => {
                let text = e.to_string();
                assert!(
                    text.starts_with(&format!(
                        "add: shapes {l:?} and {r:?} cannot be broadcast together"
                    )),
                    "{text}"
                );
            }
            (got, _) => panic!("{l:?} + {r:?}: unexpected {got:?}"),
        }
    }
    // Values, not only shapes: a column times a row is the outer product.
    let col = m(&[3, 1], &[1., 2., 3.]);
    let row = array![1., 10.];
    let outer = &col * &row;
    for i in 0..3 {
        for j in 0..2 {
            assert_eq!(outer.get(&[i, j]), (i + 1) as f64 * [1., 10.][j]);
        }
    }
    assert_eq!(row.broadcast_to(&[2, 2]).to_vec(), vec![1., 10., 1., 10.]);
    assert_eq!(
        row.try_broadcast_to(&[3]).unwrap_err().to_string(),
        "broadcast_to: shapes [2] and [3] cannot be broadcast together (2 != 3 at axis -1)"
    );
    assert_eq!(
        m(&[2, 1], &[1., 2.])
            .try_broadcast_to(&[2])
            .unwrap_err()
            .to_string(),
        "broadcast_to: shapes [2, 1] and [2] cannot be broadcast together (the result would be larger)"
    );
}

#[test]
fn reductions_with_and_without_keepdims() {
    let a = m(&[2, 3], &[1., 5., 3., 4., 2., 6.]);
    assert_eq!(a.sum(), 21.0);
    assert_eq!(a.prod(), 720.0);
    assert_eq!(a.max(), 6.0);
    assert_eq!(a.min(), 1.0);
    assert_eq!(a.mean(), 3.5);
    assert_eq!(a.argmax(), 5);
    let s = a.sum_axes(&[1], false);
    assert_eq!((s.shape(), s.to_vec()), (&[2usize][..], vec![9., 12.]));
    let s = a.sum_axes(&[1], true);
    assert_eq!(s.shape(), &[2, 1]);
    let s = a.sum_axes(&[0], true);
    assert_eq!(
        (s.shape(), s.to_vec()),
        (&[1usize, 3][..], vec![5., 7., 9.])
    );
    assert_eq!(a.max_axes(&[0], false).to_vec(), vec![4., 5., 6.]);
    assert_eq!(a.min_axes(&[1], false).to_vec(), vec![1., 2.]);
    assert_eq!(a.prod_axes(&[0], false).to_vec(), vec![4., 10., 18.]);
    assert_eq!(a.mean_axes(&[1], false).to_vec(), vec![3., 4.]);
    assert_eq!(a.mean_axes(&[0, 1], true).to_vec(), vec![3.5]);
    assert_eq!(a.argmax_axis(1, false).to_vec(), vec![1, 2]);
    assert_eq!(a.argmax_axis(0, true).shape(), &[1, 3]);
    assert_eq!(a.cumsum(0).to_vec(), vec![1., 5., 3., 5., 7., 9.]);
    // logsumexp by hand: log(e^1 + e^5 + e^3).
    let want = (1f64.exp() + 5f64.exp() + 3f64.exp()).ln();
    let l = a.logsumexp_axes(&[1], false);
    assert!((l.get(&[0]) - want).abs() < 1e-12);
    assert!((a.logsumexp() - a.as_slice().iter().map(|v| v.exp()).sum::<f64>().ln()).abs() < 1e-12);
    // Stable where the naive form overflows, and right for -inf rows.
    let big = array![1000.0, 1000.0];
    assert!((big.logsumexp() - (1000.0 + 2f64.ln())).abs() < 1e-9);
    assert_eq!(array![f64::NEG_INFINITY].logsumexp(), f64::NEG_INFINITY);
    assert_eq!(
        a.try_sum_axes(&[2], false).unwrap_err().to_string(),
        "sum: axis 2 is out of bounds for shape [2, 3]"
    );
    assert_eq!(Array::<i32>::zeros(&[0]).sum(), 0);
}

#[test]
fn dot_and_matmul() {
    let a = m(&[2, 3], &[1., 2., 3., 4., 5., 6.]);
    let b = m(&[3, 2], &[7., 8., 9., 10., 11., 12.]);
    assert_eq!(a.dot(&b).to_vec(), vec![58., 64., 139., 154.]);
    assert_eq!(a.matmul(&b).to_vec(), vec![58., 64., 139., 154.]);
    let v = array![1., 0., -1.];
    assert_eq!(a.dot(&v).to_vec(), vec![-2., -2.]);
    assert_eq!(v.dot(&b).to_vec(), vec![-4., -4.]);
    assert_eq!(v.dot(&v).shape(), &[] as &[usize]);
    assert_eq!(v.dot(&v).item(), 2.0);
    assert_eq!(a.matmul(&v).shape(), &[2]);
    assert_eq!(v.matmul(&b).to_vec(), vec![-4., -4.]);
    assert_eq!(
        a.dot(&Array::scalar(2.0)).to_vec(),
        vec![2., 4., 6., 8., 10., 12.]
    );
    assert_eq!(
        Array::<f64>::zeros(&[3, 4])
            .try_dot(&Array::zeros(&[5, 2]))
            .unwrap_err()
            .to_string(),
        "dot: shapes [3, 4] and [5, 2] do not align (4 != 5)"
    );
    assert_eq!(
        Array::<f64>::zeros(&[3, 4])
            .try_matmul(&Array::zeros(&[5, 2]))
            .unwrap_err()
            .to_string(),
        "matmul: shapes [3, 4] and [5, 2] do not align (4 != 5)"
    );
    // N-d dot: shape a[..-1] ++ b[..-2] ++ b[-1:].
    let t = Array::<f64>::ones(&[2, 3, 4]);
    let u = Array::<f64>::ones(&[5, 4, 6]);
    let d = t.dot(&u);
    assert_eq!(d.shape(), &[2, 3, 5, 6]);
    assert!(d.as_slice().iter().all(|&x| x == 4.0));
    // Batched matmul with broadcast batch axes, checked against loops.
    let x = Array::from_shape_vec(vec![2, 1, 2, 3], (0..12).map(|v| v as f64).collect()).unwrap();
    let y =
        Array::from_shape_vec(vec![4, 3, 2], (0..24).map(|v| (v as f64) * 0.5).collect()).unwrap();
    let z = x.matmul(&y);
    assert_eq!(z.shape(), &[2, 4, 2, 2]);
    for p in 0..2 {
        for q in 0..4 {
            for i in 0..2 {
                for j in 0..2 {
                    let want: f64 = (0..3)
                        .map(|k| x.get(&[p, 0, i, k]) * y.get(&[q, k, j]))
                        .sum();
                    assert_eq!(z.get(&[p, q, i, j]), want);
                }
            }
        }
    }
    assert_eq!(
        Array::<f32>::zeros(&[2, 2, 3])
            .try_matmul(&Array::zeros(&[3, 3, 2]))
            .unwrap_err()
            .to_string(),
        "matmul: shapes [2, 2, 3] and [3, 3, 2] have batch axes that cannot be broadcast together"
    );
    // f32 through gemm at a size that uses the parallel path, vs f64 loops.
    let n = 96;
    let p = Array::from_shape_vec(
        vec![n, n],
        (0..n * n).map(|v| ((v % 17) as f32) - 8.0).collect(),
    )
    .unwrap();
    let q = p.t();
    let r = p.matmul(&q);
    for &(i, j) in &[(0, 0), (3, 7), (95, 1), (50, 50)] {
        let want: f64 = (0..n)
            .map(|k| p.get(&[i, k]) as f64 * p.get(&[j, k]) as f64)
            .sum();
        assert_eq!(r.get(&[i, j]) as f64, want);
    }
}

#[test]
// `a.slice(&[1..2])` is a one-axis slice spec, not a mistaken range-in-vec.
#[allow(clippy::single_range_in_vec_init)]
fn shape_methods() {
    let a = m(&[2, 3], &[1., 2., 3., 4., 5., 6.]);
    assert_eq!(a.t().to_vec(), vec![1., 4., 2., 5., 3., 6.]);
    assert_eq!(a.t().shape(), &[3, 2]);
    let c = Array::from_shape_vec(vec![2, 3, 4], (0..24).collect::<Vec<i32>>()).unwrap();
    let p = c.transpose(&[1, 2, 0]);
    assert_eq!(p.shape(), &[3, 4, 2]);
    assert_eq!(p.get(&[2, 3, 1]), c.get(&[1, 2, 3]));
    assert_eq!(c.t().get(&[3, 2, 1]), c.get(&[1, 2, 3]));
    assert_eq!(a.reshape(&[3, 2]).get(&[2, 0]), 5.0);
    assert_eq!(
        a.try_reshape(&[4]).unwrap_err().to_string(),
        "reshape: shapes [2, 3] and [4] have different sizes (6 != 4)"
    );
    assert_eq!(a.flatten().shape(), &[6]);
    assert_eq!(a.expand_dims(0).shape(), &[1, 2, 3]);
    assert_eq!(a.expand_dims(2).shape(), &[2, 3, 1]);
    assert_eq!(a.expand_dims(0).expand_dims(3).squeeze().shape(), &[2, 3]);
    assert_eq!(a.expand_dims(1).squeeze_axes(&[1]).shape(), &[2, 3]);
    assert_eq!(a.slice(&[0..2, 1..3]).to_vec(), vec![2., 3., 5., 6.]);
    assert_eq!(a.slice(&[1..2]).to_vec(), vec![4., 5., 6.]);
    assert_eq!(
        a.try_slice(&[0..3]).unwrap_err().to_string(),
        "slice: start [0, 0], limit [3, 3], strides [1, 1] do not fit shape [2, 3] at axis 0"
    );
    assert_eq!(a.index(1).to_vec(), vec![4., 5., 6.]);
    assert_eq!(a.index(1).index(2).item(), 6.0);
    assert_eq!(a.index_axis(1, 2).to_vec(), vec![3., 6.]);
    assert_eq!(
        a.try_index(2).unwrap_err().to_string(),
        "index: index 2 on axis 0 is out of bounds for shape [2, 3]"
    );
    let b = m(&[1, 3], &[7., 8., 9.]);
    let c = Array::concatenate(&[&a, &b], 0);
    assert_eq!(c.shape(), &[3, 3]);
    assert_eq!(c.index(2).to_vec(), vec![7., 8., 9.]);
    assert_eq!(
        Array::try_concatenate(&[&a, &b], 1)
            .unwrap_err()
            .to_string(),
        "concatenate: shapes [2, 3] and [1, 3] differ off axis 1"
    );
    let x = array![1, 2];
    let y = array![3, 4];
    assert_eq!(Array::stack(&[&x, &y], 0).to_vec(), vec![1, 2, 3, 4]);
    let s = Array::stack(&[&x, &y], 1);
    assert_eq!(
        (s.shape(), s.to_vec()),
        (&[2usize, 2][..], vec![1, 3, 2, 4])
    );
    assert_eq!(
        Array::try_stack(&[&x, &array![1]], 0)
            .unwrap_err()
            .to_string(),
        "stack: shapes [2] and [1] differ"
    );
    let f: Array<f32> = array![1, -2].astype();
    assert_eq!(f.to_vec(), vec![1.0, -2.0]);
    assert_eq!(array![1.9f64, -1.9].astype::<i32>().to_vec(), vec![1, -1]);
}

#[test]
fn display_is_numpy_like_with_shape() {
    let a = Array::from_shape_vec(vec![2, 2], vec![1.0f32, 2.5, -3.0, 4.0]).unwrap();
    assert_eq!(
        a.to_string(),
        // Right-aligned to the widest entry; whole floats end in '.'.
        "Array([[ 1., 2.5],\n       [-3.,  4.]], shape=[2, 2], dtype=f32)"
    );
    assert_eq!(
        format!("{}", array![1, 20, 300]),
        "Array([  1,  20, 300], shape=[3], dtype=i32)"
    );
    assert_eq!(
        format!("{}", Array::scalar(true)),
        "Array(true, shape=[], dtype=bool)"
    );
    assert_eq!(
        format!("{:.2}", array![0.5f64, 1.0]),
        "Array([0.50, 1.00], shape=[2], dtype=f64)"
    );
    let c = Array::from_shape_vec(vec![2, 1, 2], vec![1, 2, 3, 4]).unwrap();
    assert_eq!(
        c.to_string(),
        "Array([[[1, 2]],\n\n       [[3, 4]]], shape=[2, 1, 2], dtype=i32)"
    );
    let big = Array::<i32>::arange(0, 2000, 1);
    assert_eq!(
        big.to_string(),
        "Array([   0,    1,    2, ..., 1997, 1998, 1999], shape=[2000], dtype=i32)"
    );
    assert_eq!(
        format!("{:?}", array![1u32, 2]),
        "Array{shape: [2], dtype: u32, data: [1, 2]}"
    );
}

#[test]
fn equality_and_allclose() {
    let a = array![1.0, 2.0];
    assert_eq!(a, array![1.0, 2.0]);
    assert_ne!(a, array![1.0, 2.5]);
    assert_ne!(a, a.reshape(&[2, 1]), "same elements, different shape");
    assert_ne!(array![f64::NAN], array![f64::NAN]);
    assert!(a.allclose(&array![1.0 + 1e-9, 2.0], 1e-8, 0.0));
    assert!(!a.allclose(&array![1.0 + 1e-6, 2.0], 1e-8, 1e-8));
    assert!(a.allclose(&array![1.0, 2.0 + 1e-6], 0.0, 1e-5));
    assert!(a.allclose(
        &Array::from_shape_vec(vec![2, 2], vec![1.0, 2.0, 1.0, 2.0]).unwrap(),
        0.0,
        0.0
    ));
    assert!(
        !a.allclose(&array![1.0, 2.0, 3.0], 1.0, 1.0),
        "shapes that do not broadcast"
    );
    assert!(!array![f64::NAN].allclose(&array![f64::NAN], 1.0, 1.0));
    assert!(array![f64::INFINITY].allclose(&array![f64::INFINITY], 0.0, 0.0));
}

#[test]
fn send_sync_and_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Array<f32>>();
    assert_send_sync::<Array<bool>>();
    let a = array![1.0, 2.0];
    let b = a.clone();
    let h = std::thread::spawn(move || b.sum());
    assert_eq!(h.join().unwrap(), 3.0);
    assert_eq!(a.sum(), 3.0);
}

#[test]
fn large_elementwise_ops_run_in_parallel_and_agree() {
    // Above the parallel threshold: compare with a serial loop.
    let n = 300_001;
    let x = Array::from_vec((0..n).map(|i| (i as f32) * 1e-4 - 15.0).collect());
    let t = x.tanh();
    let want: Vec<f32> = x
        .as_slice()
        .iter()
        .map(|&v| (v as f64).tanh() as f32)
        .collect();
    assert!(t.allclose(&Array::from_vec(want), 3e-7, 0.0));
    let y = &x * &x;
    assert!(
        y.as_slice()
            .iter()
            .zip(x.as_slice())
            .all(|(&a, &b)| a == b * b)
    );
}

#[test]
#[should_panic(expected = "dot: shapes [3, 4] and [5, 2] do not align (4 != 5)")]
fn dot_panics_with_the_try_text() {
    Array::<f32>::zeros(&[3, 4]).dot(&Array::zeros(&[5, 2]));
}
