//! jax.numpy-style free functions: `sin(x)`, `maximum(a, b)`, `dot(a, b)`,
//! `where_(c, a, b)`, `concatenate(&[a, b], 0)` ... They are what an
//! annotated body's free-function calls mean when the primal runs as
//! ordinary Rust, so each takes what the body may pass: a native scalar
//! (`f32`/`f64`), an `&Array<T>` or an owned `Array<T>`.
//!
//! The prelude re-exports the functions; the traits stay here so that
//! `x.sin()` on an `f64` keeps meaning the inherent method.

use std::borrow::Borrow;

use crate::array::Array;
use crate::dtype::{Float, Num};
use crate::lax;

/// An elementwise array op of two operands.
type ArrayOp2<T> = fn(&Array<T>, &Array<T>) -> Array<T>;

/// Elementwise math on a scalar or an array (the receiver of the free
/// functions below).
pub trait Elementwise: Sized {
    /// `T` for a scalar `T`, `Array<T>` for an array.
    type Out;
    /// Applies a unary op: `s` for scalars, `a` for arrays.
    fn unary(
        self,
        s: fn(Self::Scalar) -> Self::Scalar,
        a: fn(&Array<Self::Scalar>) -> Array<Self::Scalar>,
    ) -> Self::Out;
    /// Applies a binary op elementwise (arrays broadcast as NumPy does).
    fn binary(
        self,
        other: Self,
        s: fn(Self::Scalar, Self::Scalar) -> Self::Scalar,
        a: ArrayOp2<Self::Scalar>,
    ) -> Self::Out;
    /// The element type.
    type Scalar: Float;
}

macro_rules! scalar_elementwise {
    ($($t:ty),*) => {$(
        impl Elementwise for $t {
            type Out = $t;
            type Scalar = $t;
            fn unary(self, s: fn($t) -> $t, _a: fn(&Array<$t>) -> Array<$t>) -> $t {
                s(self)
            }
            fn binary(self, o: $t, s: fn($t, $t) -> $t, _a: fn(&Array<$t>, &Array<$t>) -> Array<$t>) -> $t {
                s(self, o)
            }
        }
    )*};
}
scalar_elementwise!(f32, f64);

impl<T: Float> Elementwise for &Array<T> {
    type Out = Array<T>;
    type Scalar = T;
    fn unary(self, _s: fn(T) -> T, a: fn(&Array<T>) -> Array<T>) -> Array<T> {
        a(self)
    }
    fn binary(
        self,
        o: Self,
        _s: fn(T, T) -> T,
        a: fn(&Array<T>, &Array<T>) -> Array<T>,
    ) -> Array<T> {
        a(self, o)
    }
}

impl<T: Float> Elementwise for Array<T> {
    type Out = Array<T>;
    type Scalar = T;
    fn unary(self, s: fn(T) -> T, a: fn(&Array<T>) -> Array<T>) -> Array<T> {
        (&self).unary(s, a)
    }
    fn binary(self, o: Self, s: fn(T, T) -> T, a: ArrayOp2<T>) -> Array<T> {
        (&self).binary(&o, s, a)
    }
}

macro_rules! unary {
    ($($(#[$m:meta])* $name:ident = $s:expr, $a:expr;)*) => {$(
        $(#[$m])*
        pub fn $name<X: Elementwise>(x: X) -> X::Out {
            x.unary($s, $a)
        }
    )*};
}

unary! {
    /// `jnp.sin`.
    sin = |x| x.sin(), lax::sin;
    /// `jnp.cos`.
    cos = |x| x.cos(), lax::cos;
    /// `jnp.tan`.
    tan = |x| x.tan(), lax::tan;
    /// `jnp.sqrt`.
    sqrt = |x| x.sqrt(), lax::sqrt;
    /// `jnp.abs`.
    abs = Num::abs, lax::abs;
    /// `jnp.sign`.
    sign = Num::sign, lax::sign;
    /// `jnp.square`.
    square = |x| Num::mul(x, x), |a| a.square();
}

/// The free functions of the `kernels::float_unary` list (`exp`, `log`,
/// `tanh`, `logistic` ...), by JAX's names. The prelude re-exports the
/// whole module, so a function added to the list is in scope where an
/// annotated body's primal runs.
pub mod float_fns {
    use super::{Elementwise, lax};
    use crate::dtype::Float;

    macro_rules! list_fns {
        ([] $($m:ident, $jax:ident: $k32:path, $k64:path, $doc:literal;)*) => {
            unary! {$(
                #[doc = $doc]
                $jax = |x| Float::$m(x), lax::$jax;
            )*}
        };
    }
    crate::kernels::float_unary!(list_fns);
}
pub use float_fns::*;

/// `jnp.maximum` (NaN wins, as in XLA).
pub fn maximum<X: Elementwise>(x: X, y: X) -> X::Out {
    x.binary(y, Num::max, |a, b| a.maximum(b))
}

/// `jnp.minimum` (NaN wins, as in XLA).
pub fn minimum<X: Elementwise>(x: X, y: X) -> X::Out {
    x.binary(y, Num::min, |a, b| a.minimum(b))
}

/// `jnp.power` for float exponents.
pub fn power<X: Elementwise>(x: X, y: X) -> X::Out {
    x.binary(y, |a, b| a.powf(b), |a, b| a.pow(b))
}

/// A value that reduces to a scalar: a scalar itself or an array.
pub trait Reducible {
    /// The element type.
    type Scalar: Num;
    /// The array view (scalars become rank 0).
    fn as_array(&self) -> Array<Self::Scalar>;
}

impl<T: Num> Reducible for Array<T> {
    type Scalar = T;
    fn as_array(&self) -> Array<T> {
        self.clone()
    }
}
impl<T: Num> Reducible for &Array<T> {
    type Scalar = T;
    fn as_array(&self) -> Array<T> {
        (*self).clone()
    }
}

/// `jnp.sum` of every element.
pub fn sum<X: Reducible>(x: X) -> X::Scalar {
    x.as_array().sum()
}

/// `jnp.mean` of every element.
pub fn mean<X: Reducible>(x: X) -> X::Scalar
where
    X::Scalar: Float,
{
    x.as_array().mean()
}

/// `jnp.dot` (vectors and matrices; see [`Array::dot`]).
pub fn dot<T: Num>(a: impl Borrow<Array<T>>, b: impl Borrow<Array<T>>) -> Array<T> {
    a.borrow().dot(b.borrow())
}

/// `jnp.matmul`.
pub fn matmul<T: Num>(a: impl Borrow<Array<T>>, b: impl Borrow<Array<T>>) -> Array<T> {
    a.borrow().matmul(b.borrow())
}

/// `jnp.transpose`: the axes reversed.
pub fn transpose<T: Num>(a: impl Borrow<Array<T>>) -> Array<T> {
    a.borrow().t()
}

/// `jnp.reshape`.
pub fn reshape<T: Num>(a: impl Borrow<Array<T>>, shape: &[usize]) -> Array<T> {
    a.borrow().reshape(shape)
}

/// `jnp.broadcast_to`.
pub fn broadcast_to<T: Num>(a: impl Borrow<Array<T>>, shape: &[usize]) -> Array<T> {
    a.borrow().broadcast_to(shape)
}

/// `jnp.where`: `a` where `cond`, else `b` (broadcasting).
pub fn where_<T: Num>(
    cond: impl Borrow<Array<bool>>,
    a: impl Borrow<Array<T>>,
    b: impl Borrow<Array<T>>,
) -> Array<T> {
    cond.borrow().where_(a.borrow(), b.borrow())
}

/// `jnp.concatenate` along an existing `axis`.
pub fn concatenate<T: Num, A: Borrow<Array<T>>>(xs: &[A], axis: usize) -> Array<T> {
    let refs: Vec<&Array<T>> = xs.iter().map(|x| x.borrow()).collect();
    Array::concatenate(&refs, axis)
}

/// `jnp.stack` along a new `axis`.
pub fn stack<T: Num, A: Borrow<Array<T>>>(xs: &[A], axis: usize) -> Array<T> {
    let refs: Vec<&Array<T>> = xs.iter().map(|x| x.borrow()).collect();
    Array::stack(&refs, axis)
}

/// `jnp.zeros_like(a)`: zeros of `a`'s shape.
pub fn zeros_like<T: Num>(a: impl Borrow<Array<T>>) -> Array<T> {
    Array::zeros(a.borrow().shape())
}

/// `jnp.ones_like(a)`: ones of `a`'s shape.
pub fn ones_like<T: Num>(a: impl Borrow<Array<T>>) -> Array<T> {
    Array::ones(a.borrow().shape())
}

/// `jnp.full_like(a, v)`: `v` in every element of `a`'s shape.
pub fn full_like<T: Num>(a: impl Borrow<Array<T>>, v: T) -> Array<T> {
    Array::full(a.borrow().shape(), v)
}
