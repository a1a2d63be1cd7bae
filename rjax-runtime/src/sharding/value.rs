//! What the user-facing collectives accept: an `Array` (by reference or
//! by value) or a plain scalar, so the same `pmean(loss, "data")` is valid
//! in the ordinary Rust of an annotated function's primal, where a
//! reduced loss is an `f32`, and in code that works on arrays.

use crate::array::Array;
use crate::dtype::Element;

/// A value that can take part in a collective.
pub trait CollectiveValue {
    /// Element type.
    type Elem: Element;
    /// What the collective returns: the same kind of value.
    type Output;
    /// The value as an array (scalars as rank 0).
    fn to_array(&self) -> Array<Self::Elem>;
    /// The collective's result back as `Output`.
    fn from_array(a: Array<Self::Elem>) -> Self::Output;
}

impl<T: Element> CollectiveValue for &Array<T> {
    type Elem = T;
    type Output = Array<T>;
    fn to_array(&self) -> Array<T> {
        (*self).clone()
    }
    fn from_array(a: Array<T>) -> Array<T> {
        a
    }
}

impl<T: Element> CollectiveValue for Array<T> {
    type Elem = T;
    type Output = Array<T>;
    fn to_array(&self) -> Array<T> {
        self.clone()
    }
    fn from_array(a: Array<T>) -> Array<T> {
        a
    }
}

macro_rules! scalar_value {
    ($($t:ty),*) => {$(
        impl CollectiveValue for $t {
            type Elem = $t;
            type Output = $t;
            fn to_array(&self) -> Array<$t> {
                Array::scalar(*self)
            }
            fn from_array(a: Array<$t>) -> $t {
                a.as_slice()[0]
            }
        }
    )*};
}

scalar_value!(f32, f64, i32, u32);
