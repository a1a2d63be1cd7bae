//! Operator overloading: `+ - * /` between arrays (owned or borrowed, with
//! NumPy broadcasting) and between an array and a scalar on either side,
//! unary `-`, and the compound assignments (`+=` ...).
//!
//! Each operator is the `lax` primitive of the same meaning, so a shape
//! mismatch panics with `add: shapes [2, 3] and [4] cannot be broadcast
//! together ...`; use `a.try_add(&b)` for a `Result`.

use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use super::Array;
use crate::dtype::Num;
use crate::error::Result;
use crate::lax;

macro_rules! binary_op {
    ($($Trait:ident $method:ident $Assign:ident $assign:ident $try_name:ident;)*) => {$(
        impl<T: Num> $Trait<&Array<T>> for &Array<T> {
            type Output = Array<T>;
            #[track_caller]
            fn $method(self, rhs: &Array<T>) -> Array<T> {
                lax::$method(self, rhs)
            }
        }

        impl<T: Num> $Trait<Array<T>> for Array<T> {
            type Output = Array<T>;
            #[track_caller]
            fn $method(self, rhs: Array<T>) -> Array<T> {
                lax::$method(&self, &rhs)
            }
        }

        impl<T: Num> $Trait<&Array<T>> for Array<T> {
            type Output = Array<T>;
            #[track_caller]
            fn $method(self, rhs: &Array<T>) -> Array<T> {
                lax::$method(&self, rhs)
            }
        }

        impl<T: Num> $Trait<Array<T>> for &Array<T> {
            type Output = Array<T>;
            #[track_caller]
            fn $method(self, rhs: Array<T>) -> Array<T> {
                lax::$method(self, &rhs)
            }
        }

        impl<T: Num> $Trait<T> for Array<T> {
            type Output = Array<T>;
            fn $method(self, rhs: T) -> Array<T> {
                lax::$method(&self, &Array::scalar(rhs))
            }
        }

        impl<T: Num> $Trait<T> for &Array<T> {
            type Output = Array<T>;
            fn $method(self, rhs: T) -> Array<T> {
                lax::$method(self, &Array::scalar(rhs))
            }
        }

        impl<T: Num> $Assign<&Array<T>> for Array<T> {
            /// Compound assignment; the result keeps broadcasting's shape.
            #[track_caller]
            fn $assign(&mut self, rhs: &Array<T>) {
                *self = lax::$method(&*self, rhs);
            }
        }

        impl<T: Num> $Assign<Array<T>> for Array<T> {
            #[track_caller]
            fn $assign(&mut self, rhs: Array<T>) {
                *self = lax::$method(&*self, &rhs);
            }
        }

        impl<T: Num> $Assign<T> for Array<T> {
            fn $assign(&mut self, rhs: T) {
                *self = lax::$method(&*self, &Array::scalar(rhs));
            }
        }

        impl<T: Num> Array<T> {
            #[doc = concat!("`self ", stringify!($method), " other` with NumPy broadcasting, or the error the operator would panic with.")]
            pub fn $try_name(&self, other: &Array<T>) -> Result<Array<T>> {
                lax::$try_name(self, other)
            }
        }
    )*};
}

binary_op! {
    Add add AddAssign add_assign try_add;
    Sub sub SubAssign sub_assign try_sub;
    Mul mul MulAssign mul_assign try_mul;
    Div div DivAssign div_assign try_div;
}

/// `scalar op array` for each concrete scalar type (a generic impl on the
/// left-hand side is not allowed by Rust's orphan rules).
macro_rules! scalar_lhs {
    ($($t:ty),*) => {$(
        scalar_lhs!(@one $t, Add add, Sub sub, Mul mul, Div div);
    )*};
    (@one $t:ty, $($Trait:ident $method:ident),*) => {$(
        impl $Trait<Array<$t>> for $t {
            type Output = Array<$t>;
            fn $method(self, rhs: Array<$t>) -> Array<$t> {
                lax::$method(&Array::scalar(self), &rhs)
            }
        }

        impl $Trait<&Array<$t>> for $t {
            type Output = Array<$t>;
            fn $method(self, rhs: &Array<$t>) -> Array<$t> {
                lax::$method(&Array::scalar(self), rhs)
            }
        }
    )*};
}

scalar_lhs!(f32, f64, i32, u32);

impl<T: Num> Neg for Array<T> {
    type Output = Array<T>;
    fn neg(self) -> Array<T> {
        lax::neg(&self)
    }
}

impl<T: Num> Neg for &Array<T> {
    type Output = Array<T>;
    fn neg(self) -> Array<T> {
        lax::neg(self)
    }
}
