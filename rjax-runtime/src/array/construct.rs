//! Constructors (`zeros ones full arange linspace eye`) and the `array!`
//! literal macro.

use super::Array;
use crate::dtype::{Element, Float, Num};

impl<T: Element> Array<T> {
    /// An array of `shape` with every element `value`.
    ///
    /// # Panics
    /// When the shape's element count overflows `usize` (the message
    /// names the shape).
    #[track_caller]
    pub fn full(shape: &[usize], value: T) -> Self {
        Array::full_named("full", shape, value)
    }

    /// An array of `shape` filled with zeros (`false` for `bool`).
    ///
    /// # Panics
    /// When the shape's element count overflows `usize`.
    #[track_caller]
    pub fn zeros(shape: &[usize]) -> Self {
        Array::full_named("zeros", shape, T::default())
    }

    /// [`Array::full`] whose overflow message names `op`.
    #[track_caller]
    pub(crate) fn full_named(op: &'static str, shape: &[usize], value: T) -> Self {
        Array::from_raw(shape.to_vec(), vec![value; super::size(op, shape)])
    }
}

impl<T: Num> Array<T> {
    /// An array of `shape` filled with ones.
    ///
    /// # Panics
    /// When the shape's element count overflows `usize`.
    #[track_caller]
    pub fn ones(shape: &[usize]) -> Self {
        Array::full_named("ones", shape, T::one())
    }

    /// `start, start + step, ...` up to but excluding `stop` (NumPy's
    /// `arange`; the count is `ceil((stop - start) / step)`).
    ///
    /// # Panics
    /// When `step` is zero.
    #[track_caller]
    pub fn arange(start: T, stop: T, step: T) -> Self {
        let (a, b, s) = (start.to_f64(), stop.to_f64(), step.to_f64());
        assert!(s != 0.0, "arange: step must not be zero");
        let n = ((b - a) / s).ceil().max(0.0) as usize;
        let data = (0..n)
            .map(|i| start.add(T::from_f64(i as f64).mul(step)))
            .collect();
        Array::from_raw(vec![n], data)
    }

    /// The `n×n` identity matrix.
    #[track_caller]
    pub fn eye(n: usize) -> Self {
        let mut data = vec![T::zero(); super::size("eye", &[n, n])];
        for i in 0..n {
            data[i * n + i] = T::one();
        }
        Array::from_raw(vec![n, n], data)
    }
}

impl<T: Float> Array<T> {
    /// `num` evenly spaced values from `start` to `stop`, both included
    /// (NumPy's `linspace` with `endpoint=True`).
    pub fn linspace(start: T, stop: T, num: usize) -> Self {
        let (a, b) = (start.to_f64(), stop.to_f64());
        let data = (0..num)
            .map(|i| {
                if i + 1 == num && num > 1 {
                    stop
                } else {
                    let step = if num > 1 {
                        (b - a) / (num - 1) as f64
                    } else {
                        0.0
                    };
                    T::from_f64(a + step * i as f64)
                }
            })
            .collect();
        Array::from_raw(vec![num], data)
    }
}

/// Builds an [`Array`](crate::Array) from literals, like `jnp.array`:
/// `array![1.0, 2.0, 3.0]` is 1-d, `array![[1, 2], [3, 4]]` is 2-d (rows
/// must have equal lengths).
///
/// ```
/// use rjax_runtime::array;
/// let v = array![1.0f32, 2.0, 3.0];
/// assert_eq!(v.shape(), &[3]);
/// let m = array![[1, 2, 3], [4, 5, 6]];
/// assert_eq!(m.shape(), &[2, 3]);
/// assert_eq!(m.get(&[1, 0]), 4);
/// ```
#[macro_export]
macro_rules! array {
    ($([$($x:expr),* $(,)?]),+ $(,)?) => {{
        let rows: ::std::vec::Vec<::std::vec::Vec<_>> = ::std::vec![$(::std::vec![$($x),*]),+];
        let cols = rows[0].len();
        assert!(
            rows.iter().all(|r| r.len() == cols),
            "array!: rows have different lengths"
        );
        let n = rows.len();
        $crate::Array::from_shape_vec(::std::vec![n, cols], rows.concat())
            .expect("array!: rows checked above")
    }};
    ($($x:expr),* $(,)?) => {
        $crate::Array::from_vec(::std::vec![$($x),*])
    };
}
