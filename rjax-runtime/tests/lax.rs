//! The `lax` primitives against hand-computed values, and their error texts.

use rjax_runtime::Array;
use rjax_runtime::lax;

fn a2(shape: &[usize], data: &[f64]) -> Array<f64> {
    Array::from_shape_vec(shape.to_vec(), data.to_vec()).unwrap()
}

fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-12 * (1.0 + y.abs()))
}

/// A `lax` unary op paired with the std function it must agree with.
type UnaryCase = (fn(&Array<f64>) -> Array<f64>, fn(f64) -> f64);

#[test]
fn unary_float_ops_match_std() {
    let x = Array::from_vec(vec![0.5f64, 1.0, 2.0]);
    let cases: [UnaryCase; 11] = [
        (lax::sin, f64::sin),
        (lax::cos, f64::cos),
        (lax::tan, f64::tan),
        (lax::tanh, f64::tanh),
        (lax::exp, f64::exp),
        (lax::log, f64::ln),
        (lax::log1p, f64::ln_1p),
        (lax::expm1, f64::exp_m1),
        (lax::sqrt, f64::sqrt),
        (lax::rsqrt, |v| 1.0 / v.sqrt()),
        (lax::logistic, |v| 1.0 / (1.0 + (-v).exp())),
    ];
    for (f, g) in cases {
        let want: Vec<f64> = x.as_slice().iter().map(|&v| g(v)).collect();
        assert!(close(&f(&x).to_vec(), &want));
    }
    // Hand values.
    assert_eq!(lax::sqrt(&x).to_vec()[2], 2f64.sqrt());
    assert_eq!(lax::logistic(&Array::scalar(0.0f64)).item(), 0.5);
}

#[test]
fn unary_num_ops() {
    let x = Array::from_vec(vec![-2.0f32, 0.0, 3.0]);
    assert_eq!(lax::neg(&x).to_vec(), vec![2.0, -0.0, -3.0]);
    assert_eq!(lax::abs(&x).to_vec(), vec![2.0, 0.0, 3.0]);
    assert_eq!(lax::sign(&x).to_vec(), vec![-1.0, 0.0, 1.0]);
    assert_eq!(lax::square(&x).to_vec(), vec![4.0, 0.0, 9.0]);
    assert_eq!(lax::integer_pow(&x, 3).to_vec(), vec![-8.0, 0.0, 27.0]);
    assert_eq!(lax::integer_pow(&x, -1).to_vec()[2], 1.0 / 3.0);
    assert_eq!(lax::integer_pow(&x, 0).to_vec(), vec![1.0, 1.0, 1.0]);
    let i = Array::from_vec(vec![-2i32, 0, 3]);
    assert_eq!(lax::neg(&i).to_vec(), vec![2, 0, -3]);
    assert_eq!(lax::sign(&i).to_vec(), vec![-1, 0, 1]);
    assert_eq!(lax::integer_pow(&i, 4).to_vec(), vec![16, 0, 81]);
    assert!(lax::sign(&Array::scalar(f64::NAN)).item().is_nan());
}

#[test]
fn binary_ops_equal_shapes_scalars_and_broadcasting() {
    let a = a2(&[2, 3], &[1., 2., 3., 4., 5., 6.]);
    let b = a2(&[2, 3], &[6., 5., 4., 3., 2., 1.]);
    assert_eq!(lax::add(&a, &b).to_vec(), vec![7.0; 6]);
    assert_eq!(lax::add_any(&a, &b).to_vec(), vec![7.0; 6]);
    assert_eq!(lax::sub(&a, &b).to_vec(), vec![-5., -3., -1., 1., 3., 5.]);
    assert_eq!(lax::mul(&a, &b).to_vec(), vec![6., 10., 12., 12., 10., 6.]);
    assert_eq!(
        lax::div(&a, &b).to_vec(),
        vec![1. / 6., 0.4, 0.75, 4. / 3., 2.5, 6.]
    );
    assert_eq!(lax::max(&a, &b).to_vec(), vec![6., 5., 4., 4., 5., 6.]);
    assert_eq!(lax::min(&a, &b).to_vec(), vec![1., 2., 3., 3., 2., 1.]);
    assert_eq!(
        lax::pow(&a, &Array::scalar(2.0)).to_vec(),
        vec![1., 4., 9., 16., 25., 36.]
    );
    // Rank-0 on either side.
    let two = Array::scalar(2.0);
    assert_eq!(
        lax::sub(&two, &a).to_vec(),
        vec![1., 0., -1., -2., -3., -4.]
    );
    assert_eq!(lax::div(&a, &two).to_vec(), vec![0.5, 1., 1.5, 2., 2.5, 3.]);
    // Row [3] and column [2, 1] broadcast to [2, 3].
    let row = Array::from_vec(vec![10., 20., 30.]);
    let col = a2(&[2, 1], &[100., 200.]);
    assert_eq!(
        lax::add(&a, &row).to_vec(),
        vec![11., 22., 33., 14., 25., 36.]
    );
    let outer = lax::add(&col, &row);
    assert_eq!(outer.shape(), &[2, 3]);
    assert_eq!(outer.to_vec(), vec![110., 120., 130., 210., 220., 230.]);
    // [4, 1, 2] with [3, 1] -> [4, 3, 2].
    let p = Array::from_shape_vec(vec![4, 1, 2], (0..8).map(f64::from).collect()).unwrap();
    let q = a2(&[3, 1], &[0., 10., 20.]);
    let r = lax::add(&p, &q);
    assert_eq!(r.shape(), &[4, 3, 2]);
    for i in 0..4 {
        for j in 0..3 {
            for k in 0..2 {
                assert_eq!(r.get(&[i, j, k]), (2 * i + k) as f64 + 10.0 * j as f64);
            }
        }
    }
    // NaN propagates through max/min as in lax.
    let n = Array::from_vec(vec![f64::NAN, 1.0]);
    let m = lax::max(&n, &Array::from_vec(vec![0.0, f64::NAN]));
    assert!(m.as_slice().iter().all(|v| v.is_nan()));
}

#[test]
fn integer_arithmetic_follows_xla() {
    let a = Array::from_vec(vec![7i32, -7, 5, i32::MAX]);
    let b = Array::from_vec(vec![2i32, 2, 0, 1]);
    assert_eq!(lax::div(&a, &b).to_vec(), vec![3, -3, -1, i32::MAX]);
    assert_eq!(lax::add(&a, &b).to_vec()[3], i32::MIN);
    let u = Array::from_vec(vec![1u32, 0]);
    assert_eq!(lax::neg(&u).to_vec(), vec![u32::MAX, 0]);
}

#[test]
fn broadcast_errors_name_op_and_shapes() {
    let a = Array::<f32>::zeros(&[2, 3]);
    let b = Array::<f32>::zeros(&[4]);
    let e = lax::try_add(&a, &b).unwrap_err().to_string();
    assert_eq!(
        e,
        "add: shapes [2, 3] and [4] cannot be broadcast together (3 != 4 at axis -1)"
    );
    let c = Array::<f32>::zeros(&[3, 2]);
    let e = lax::try_mul(&a, &c).unwrap_err().to_string();
    assert_eq!(
        e,
        "mul: shapes [2, 3] and [3, 2] cannot be broadcast together (2 != 3 at axis -2)"
    );
    let d = Array::<f32>::zeros(&[5, 1, 3]);
    assert_eq!(lax::try_sub(&a, &d).unwrap().shape(), &[5, 2, 3]);
    let e = lax::try_lt(&Array::<f32>::zeros(&[2, 1]), &Array::<f32>::zeros(&[3, 4]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "lt: shapes [2, 1] and [3, 4] cannot be broadcast together (2 != 3 at axis -2)"
    );
}

#[test]
#[should_panic(expected = "div: shapes [2] and [3] cannot be broadcast together")]
fn plain_form_panics_with_the_same_text() {
    lax::div(
        &Array::from_vec(vec![1.0, 2.0]),
        &Array::from_vec(vec![1.0, 2.0, 3.0]),
    );
}

#[test]
fn comparisons_return_bool() {
    let a = Array::from_vec(vec![1.0, 2.0, 3.0, f64::NAN]);
    let b = Array::scalar(2.0);
    assert_eq!(lax::eq(&a, &b).to_vec(), vec![false, true, false, false]);
    assert_eq!(lax::ne(&a, &b).to_vec(), vec![true, false, true, true]);
    assert_eq!(lax::lt(&a, &b).to_vec(), vec![true, false, false, false]);
    assert_eq!(lax::le(&a, &b).to_vec(), vec![true, true, false, false]);
    assert_eq!(lax::gt(&a, &b).to_vec(), vec![false, false, true, false]);
    assert_eq!(lax::ge(&a, &b).to_vec(), vec![false, true, true, false]);
    let i = Array::from_vec(vec![1u32, 5]);
    assert_eq!(
        lax::gt(&i, &Array::from_vec(vec![2u32, 2])).to_vec(),
        vec![false, true]
    );
}

#[test]
fn select_n_picks_case0_where_false() {
    let p = Array::from_vec(vec![true, false, true]);
    let f = Array::from_vec(vec![1, 2, 3]);
    let t = Array::from_vec(vec![10, 20, 30]);
    assert_eq!(lax::select_n(&p, &[&f, &t]).to_vec(), vec![10, 2, 30]);
    assert_eq!(
        lax::select_n(&Array::scalar(false), &[&f, &t]).to_vec(),
        vec![1, 2, 3]
    );
    assert_eq!(lax::select_n(&p, &[&f]).to_vec(), vec![1, 2, 3]);
    let e = lax::try_select_n(&p, &[&f, &t, &t])
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "select_n: a boolean predicate selects between 1 or 2 cases, got 3"
    );
    let e = lax::try_select_n(&Array::from_vec(vec![true, false]), &[&f, &t])
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "select_n: shapes [2] and [3] cannot be broadcast together (2 != 3 at axis -1)"
    );
}

#[test]
fn convert_element_type_follows_xla() {
    let x = Array::from_vec(vec![-1.7f32, 2.9, f32::NAN, 1e10]);
    let i: Array<i32> = lax::convert_element_type(&x);
    assert_eq!(i.to_vec(), vec![-1, 2, 0, i32::MAX]);
    let b: Array<bool> = lax::convert_element_type(&Array::from_vec(vec![0.0f64, -0.5]));
    assert_eq!(b.to_vec(), vec![false, true]);
    let f: Array<f64> = lax::convert_element_type(&Array::from_vec(vec![true, false]));
    assert_eq!(f.to_vec(), vec![1.0, 0.0]);
    let u: Array<u32> = lax::convert_element_type(&Array::from_vec(vec![-3i32]));
    assert_eq!(u.to_vec(), vec![0]);
}

#[test]
fn reductions_drop_axes() {
    // x[i, j, k] = 100 i + 10 j + k, shape [2, 3, 4].
    let data: Vec<f64> = (0..24)
        .map(|n| (100 * (n / 12) + 10 * ((n / 4) % 3) + n % 4) as f64)
        .collect();
    let x = a2(&[2, 3, 4], &data);
    let s = lax::reduce_sum(&x, &[1]);
    assert_eq!(s.shape(), &[2, 4]);
    // sum over j of (100 i + 10 j + k) = 300 i + 30 + 3 k
    for i in 0..2 {
        for k in 0..4 {
            assert_eq!(s.get(&[i, k]), (300 * i + 30 + 3 * k) as f64);
        }
    }
    let s = lax::reduce_sum(&x, &[0, 2]);
    assert_eq!(s.to_vec(), vec![412.0, 492.0, 572.0]); // 8*(50+10j)+2*... hand: sum_i sum_k = 4*100 + 8*10j + 2*6
    assert_eq!(
        lax::reduce_sum(&x, &[0, 1, 2]).item(),
        data.iter().sum::<f64>()
    );
    assert_eq!(
        lax::reduce_max(&x, &[2]).to_vec(),
        vec![3., 13., 23., 103., 113., 123.]
    );
    assert_eq!(lax::reduce_min(&x, &[0, 1]).to_vec(), vec![0., 1., 2., 3.]);
    assert_eq!(lax::reduce_sum(&x, &[]).to_vec(), data);
    let e = lax::try_reduce_sum(&x, &[3]).unwrap_err().to_string();
    assert_eq!(e, "reduce_sum: axis 3 is out of bounds for shape [2, 3, 4]");
    let e = lax::try_reduce_max(&x, &[1, 1]).unwrap_err().to_string();
    assert_eq!(
        e,
        "reduce_max: axis 1 is repeated in [1, 1] (shape [2, 3, 4])"
    );
    // Empty axes give the identity.
    let z = Array::<f32>::zeros(&[0, 2]);
    assert_eq!(lax::reduce_sum(&z, &[0]).to_vec(), vec![0.0, 0.0]);
    assert_eq!(
        lax::reduce_max(&z, &[0]).to_vec(),
        vec![f32::NEG_INFINITY; 2]
    );
    // A long contiguous sum (eight accumulators) is exact on integers.
    let n = Array::from_vec((1..=1001).collect::<Vec<i32>>());
    assert_eq!(lax::reduce_sum(&n, &[0]).item(), 1001 * 1002 / 2);
}

#[test]
fn argmax_and_cumsum() {
    let x = a2(&[2, 3], &[1., 5., 5., 7., 2., 9.]);
    assert_eq!(lax::argmax(&x, 1).to_vec(), vec![1, 2]);
    assert_eq!(lax::argmax(&x, 0).to_vec(), vec![1, 0, 1]);
    let n = Array::from_vec(vec![1.0, f64::NAN, 3.0, f64::NAN]);
    assert_eq!(lax::argmax(&n, 0).item(), 1);
    assert_eq!(
        lax::cumsum(&x, 1, false).to_vec(),
        vec![1., 6., 11., 7., 9., 18.]
    );
    assert_eq!(
        lax::cumsum(&x, 1, true).to_vec(),
        vec![11., 10., 5., 18., 11., 9.]
    );
    assert_eq!(
        lax::cumsum(&x, 0, false).to_vec(),
        vec![1., 5., 5., 8., 7., 14.]
    );
    let e = lax::try_argmax(&Array::<f32>::zeros(&[0]), 0)
        .unwrap_err()
        .to_string();
    assert_eq!(e, "argmax: axis 0 of shape [0] is empty");
}

/// Reference contraction by loops: out[b, i, j] = sum_p a[b, i, p] b[b, p, j].
fn naive_bmm(a: &[f64], b: &[f64], nb: usize, m: usize, k: usize, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; nb * m * n];
    for q in 0..nb {
        for i in 0..m {
            for j in 0..n {
                out[q * m * n + i * n + j] = (0..k)
                    .map(|p| a[q * m * k + i * k + p] * b[q * k * n + p * n + j])
                    .sum();
            }
        }
    }
    out
}

#[test]
fn dot_general_matmul_and_transposed_forms() {
    let a = a2(&[2, 3], &[1., 2., 3., 4., 5., 6.]);
    let b = a2(&[3, 2], &[7., 8., 9., 10., 11., 12.]);
    let c = lax::dot_general(&a, &b, (&[1], &[0]), (&[], &[]));
    assert_eq!(c.shape(), &[2, 2]);
    assert_eq!(c.to_vec(), vec![58., 64., 139., 154.]);
    // a · aᵀ without a copy path, and aᵀ · a through the transposing path.
    let g = lax::dot_general(&a, &a, (&[1], &[1]), (&[], &[]));
    assert_eq!(g.to_vec(), vec![14., 32., 32., 77.]);
    let h = lax::dot_general(&a, &a, (&[0], &[0]), (&[], &[]));
    assert_eq!(
        h.to_vec(),
        vec![17., 22., 27., 22., 29., 36., 27., 36., 45.]
    );
    // Vector dot and outer product.
    let v = Array::from_vec(vec![1., 2., 3.]);
    assert_eq!(
        lax::dot_general(&v, &v, (&[0], &[0]), (&[], &[])).item(),
        14.0
    );
    let o = lax::dot_general(&v, &v, (&[], &[]), (&[], &[]));
    assert_eq!(o.shape(), &[3, 3]);
    assert_eq!(o.get(&[1, 2]), 6.0);
    // i32 goes through the loop kernel.
    let ai: Array<i32> = lax::convert_element_type(&a);
    let bi: Array<i32> = lax::convert_element_type(&b);
    assert_eq!(
        lax::dot_general(&ai, &bi, (&[1], &[0]), (&[], &[])).to_vec(),
        vec![58, 64, 139, 154]
    );
}

#[test]
fn dot_general_batched_output_order() {
    // lhs [k=3, b=2, m=2], rhs [b=2, n=4, k=3]; batch (1, 0), contract (0, 2).
    let lhs: Vec<f64> = (0..12).map(|v| v as f64 * 0.5 - 1.0).collect();
    let rhs: Vec<f64> = (0..24).map(|v| (v as f64).sin()).collect();
    let l = a2(&[3, 2, 2], &lhs);
    let r = a2(&[2, 4, 3], &rhs);
    let out = lax::dot_general(&l, &r, (&[0], &[2]), (&[1], &[0]));
    assert_eq!(out.shape(), &[2, 2, 4]);
    // Canonicalise by hand to [b, m, k] and [b, k, n].
    let mut lc = vec![0.0; 12];
    let mut rc = vec![0.0; 24];
    for b in 0..2 {
        for m in 0..2 {
            for k in 0..3 {
                lc[b * 6 + m * 3 + k] = lhs[k * 4 + b * 2 + m];
            }
        }
        for k in 0..3 {
            for n in 0..4 {
                rc[b * 12 + k * 4 + n] = rhs[b * 12 + n * 3 + k];
            }
        }
    }
    assert!(close(&out.to_vec(), &naive_bmm(&lc, &rc, 2, 2, 3, 4)));
    // Large enough for gemm's parallel path, f32.
    let (m, k, n) = (70, 65, 90);
    let x: Vec<f32> = (0..m * k).map(|v| ((v * 7) % 13) as f32 - 6.0).collect();
    let y: Vec<f32> = (0..k * n).map(|v| ((v * 5) % 11) as f32 - 5.0).collect();
    let z = lax::dot_general(
        &Array::from_shape_vec(vec![m, k], x.clone()).unwrap(),
        &Array::from_shape_vec(vec![k, n], y.clone()).unwrap(),
        (&[1], &[0]),
        (&[], &[]),
    );
    let want = naive_bmm(
        &x.iter().map(|&v| v as f64).collect::<Vec<_>>(),
        &y.iter().map(|&v| v as f64).collect::<Vec<_>>(),
        1,
        m,
        k,
        n,
    );
    assert_eq!(
        z.to_vec(),
        want.iter().map(|&v| v as f32).collect::<Vec<_>>()
    );
}

#[test]
fn dot_general_errors() {
    let a = Array::<f32>::zeros(&[3, 4]);
    let b = Array::<f32>::zeros(&[5, 2]);
    let e = lax::try_dot_general(&a, &b, (&[1], &[0]), (&[], &[]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "dot_general: shapes [3, 4] and [5, 2] do not align (4 != 5)"
    );
    let e = lax::try_dot_general(&a, &b, (&[2], &[0]), (&[], &[]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "dot_general: lhs contracting axis 2 is out of bounds for shape [3, 4]"
    );
    let e = lax::try_dot_general(&a, &b, (&[0], &[0]), (&[1], &[1]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "dot_general: shapes [3, 4] and [5, 2] do not align (3 != 5)"
    );
}

#[test]
fn shape_primitives() {
    let x = a2(&[2, 3], &[1., 2., 3., 4., 5., 6.]);
    let t = lax::transpose(&x, &[1, 0]);
    assert_eq!(t.shape(), &[3, 2]);
    assert_eq!(t.to_vec(), vec![1., 4., 2., 5., 3., 6.]);
    let y = Array::from_shape_vec(vec![2, 3, 4], (0..24).collect::<Vec<i32>>()).unwrap();
    let p = lax::transpose(&y, &[2, 0, 1]);
    assert_eq!(p.shape(), &[4, 2, 3]);
    assert_eq!(p.get(&[3, 1, 2]), y.get(&[1, 2, 3]));
    assert_eq!(
        lax::try_transpose(&x, &[0, 0]).unwrap_err().to_string(),
        "transpose: [0, 0] is not a permutation of the axes of shape [2, 3]"
    );
    let r = lax::reshape(&x, &[3, 2]);
    assert_eq!(r.shape(), &[3, 2]);
    assert_eq!(r.to_vec(), x.to_vec());
    assert_eq!(
        lax::try_reshape(&x, &[4, 2]).unwrap_err().to_string(),
        "reshape: shapes [2, 3] and [4, 2] have different sizes (6 != 8)"
    );
    let v = Array::from_vec(vec![1., 2., 3.]);
    let b = lax::broadcast_in_dim(&v, &[2, 3], &[1]);
    assert_eq!(b.to_vec(), vec![1., 2., 3., 1., 2., 3.]);
    let b = lax::broadcast_in_dim(&v, &[3, 2], &[0]);
    assert_eq!(b.to_vec(), vec![1., 1., 2., 2., 3., 3.]);
    let b = lax::broadcast_in_dim(&a2(&[1, 3], &[1., 2., 3.]), &[2, 3], &[0, 1]);
    assert_eq!(b.to_vec(), vec![1., 2., 3., 1., 2., 3.]);
    assert_eq!(
        lax::broadcast_in_dim(&Array::scalar(7.0), &[2], &[]).to_vec(),
        vec![7., 7.]
    );
    assert!(lax::try_broadcast_in_dim(&v, &[2, 4], &[1]).is_err());
    let s = lax::squeeze(&a2(&[1, 3, 1], &[1., 2., 3.]), &[0, 2]);
    assert_eq!(s.shape(), &[3]);
    assert_eq!(
        lax::try_squeeze(&x, &[1]).unwrap_err().to_string(),
        "squeeze: axis 1 of shape [2, 3] has size 3, not 1"
    );
    assert_eq!(lax::expand_dims(&x, &[0, 3]).shape(), &[1, 2, 3, 1]);
    assert_eq!(lax::expand_dims(&x, &[1]).shape(), &[2, 1, 3]);
}

#[test]
fn slicing_primitives() {
    let x = Array::from_shape_vec(vec![3, 4], (0..12).collect::<Vec<i32>>()).unwrap();
    let s = lax::slice(&x, &[1, 0], &[3, 4], &[1, 2]);
    assert_eq!(s.shape(), &[2, 2]);
    assert_eq!(s.to_vec(), vec![4, 6, 8, 10]);
    assert_eq!(lax::slice(&x, &[0, 1], &[1, 3], &[]).to_vec(), vec![1, 2]);
    assert!(lax::try_slice(&x, &[0, 0], &[4, 1], &[]).is_err());
    // dynamic_slice clamps the start so the block fits.
    assert_eq!(
        lax::dynamic_slice(&x, &[2, 3], &[2, 2]).to_vec(),
        vec![6, 7, 10, 11]
    );
    let u = Array::from_shape_vec(vec![1, 2], vec![-1, -2]).unwrap();
    let d = lax::dynamic_update_slice(&x, &u, &[1, 1]);
    assert_eq!(d.to_vec(), vec![0, 1, 2, 3, 4, -1, -2, 7, 8, 9, 10, 11]);
    let d = lax::dynamic_update_slice(&x, &u, &[5, 5]);
    assert_eq!(&d.to_vec()[8..], &[8, 9, -1, -2]);
    assert_eq!(x.get(&[1, 1]), 5, "the operand is unchanged");
    assert!(lax::try_concatenate(&[&x, &u], 0).is_err());
    let c = lax::concatenate(&[&x, &x], 0);
    assert_eq!(c.shape(), &[6, 4]);
    assert_eq!(c.to_vec()[12..], x.to_vec()[..]);
    let y = Array::from_shape_vec(vec![3, 1], vec![100, 200, 300]).unwrap();
    let c = lax::concatenate(&[&x, &y], 1);
    assert_eq!(c.shape(), &[3, 5]);
    assert_eq!(c.to_vec()[..5], [0, 1, 2, 3, 100]);
    assert_eq!(
        lax::try_concatenate(&[&x, &y], 0).unwrap_err().to_string(),
        "concatenate: shapes [3, 4] and [3, 1] differ off axis 0"
    );
    let v = Array::from_vec(vec![1, 2, 3]);
    assert_eq!(
        lax::pad(&v, 0, &[(1, 2, 1)]).to_vec(),
        vec![0, 1, 0, 2, 0, 3, 0, 0]
    );
    assert_eq!(lax::pad(&v, 9, &[(-1, 0, 0)]).to_vec(), vec![2, 3]);
    assert_eq!(lax::pad(&v, 9, &[(-2, -1, 1)]).to_vec(), vec![2, 9]);
    let p = lax::pad(&x, -1, &[(0, 1, 0), (1, -2, 0)]);
    assert_eq!(p.shape(), &[4, 3]);
    assert_eq!(p.to_vec(), vec![-1, 0, 1, -1, 4, 5, -1, 8, 9, -1, -1, -1]);
    assert!(lax::try_pad(&v, 0, &[(-4, 0, 0)]).is_err());
    let i = lax::iota::<i32>(&[2, 3], 1);
    assert_eq!(i.to_vec(), vec![0, 1, 2, 0, 1, 2]);
    let i = lax::iota::<f32>(&[2, 3], 0);
    assert_eq!(i.to_vec(), vec![0., 0., 0., 1., 1., 1.]);
}
