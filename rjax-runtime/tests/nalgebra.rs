//! Conversions between `Array` (row-major) and nalgebra (column-major):
//! element (i, j) must stay element (i, j), and round trips are exact.

use nalgebra::{DMatrix, DVector, Matrix2x3, SMatrix, SVector, Vector3};
use rjax_runtime::Array;

#[test]
fn dmatrix_round_trip_keeps_indices() {
    // 2x3 with m[(i, j)] = 10 i + j, built column-major by nalgebra.
    let m = DMatrix::from_fn(2, 3, |i, j| (10 * i + j) as f64);
    assert_eq!(
        m.as_slice(),
        &[0.0, 10.0, 1.0, 11.0, 2.0, 12.0],
        "nalgebra is column-major"
    );
    let a = Array::from(&m);
    assert_eq!(a.shape(), &[2, 3]);
    assert_eq!(
        a.to_vec(),
        vec![0.0, 1.0, 2.0, 10.0, 11.0, 12.0],
        "Array is row-major"
    );
    for i in 0..2 {
        for j in 0..3 {
            assert_eq!(a.get(&[i, j]), m[(i, j)]);
        }
    }
    let back = DMatrix::try_from(&a).unwrap();
    assert_eq!(back, m);
    let owned: Array<f64> = m.clone().into();
    assert_eq!(DMatrix::try_from(owned).unwrap(), m);
    assert_eq!(
        DMatrix::try_from(&Array::<f64>::zeros(&[2, 2, 2]))
            .unwrap_err()
            .to_string(),
        "DMatrix::try_from: needs a 2-d array, got shape [2, 2, 2]"
    );
}

#[test]
fn matmul_agrees_with_nalgebra() {
    let a = DMatrix::from_fn(4, 3, |i, j| (i as f32) - 2.0 * j as f32 + 0.5);
    let b = DMatrix::from_fn(3, 5, |i, j| ((i * 5 + j) % 7) as f32 - 3.0);
    let want = &a * &b;
    let got = Array::from(&a).matmul(&Array::from(&b));
    assert_eq!(DMatrix::try_from(&got).unwrap(), want);
}

#[test]
fn dvector_round_trip() {
    let v = DVector::from_vec(vec![1, 2, 3]);
    let a = Array::from(&v);
    assert_eq!(a.shape(), &[3]);
    assert_eq!(a.to_vec(), vec![1, 2, 3]);
    assert_eq!(DVector::try_from(&a).unwrap(), v);
    // An [n, 1] column converts too.
    assert_eq!(DVector::try_from(a.reshape(&[3, 1])).unwrap(), v);
    assert_eq!(
        DVector::try_from(a.reshape(&[1, 3]))
            .unwrap_err()
            .to_string(),
        "DVector::try_from: needs a 1-d array (or an [n, 1] column), got shape [1, 3]"
    );
}

#[test]
fn static_matrix_and_vector_round_trip() {
    let m = Matrix2x3::new(1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0); // row by row
    let a = Array::from(m);
    assert_eq!(a.shape(), &[2, 3]);
    assert_eq!(a.to_vec(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let back: Matrix2x3<f32> = a.try_into().unwrap();
    assert_eq!(back, m);
    assert_eq!(
        SMatrix::<f32, 3, 2>::try_from(Array::from(m))
            .unwrap_err()
            .to_string(),
        "SMatrix::try_from: needs shape [3, 2], got [2, 3]"
    );
    let v = Vector3::new(1.0, 2.0, 3.0);
    let a = Array::from(&v);
    assert_eq!(a.shape(), &[3], "an SVector becomes a 1-d array");
    assert_eq!(SVector::<f64, 3>::try_from(&a).unwrap(), v);
    assert_eq!(SVector::<f64, 3>::try_from(a.reshape(&[3, 1])).unwrap(), v);
    assert!(SVector::<f64, 2>::try_from(&a).is_err());
}
