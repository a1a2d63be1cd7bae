//! [`Float`] for f32 and f64: the trait is declared with the element types
//! (`crate::dtype`); its transcendentals are implemented here, by this
//! module's functions, so that generic eager code (`lax`, `Array`'s
//! methods) computes what `#[jit]` code computes.

// The kernels the `float_unary` list names, by their paths in `math`.
use super::slices::{cos_slice, sin_slice};
use super::*;
use crate::dtype::Float;

/// The methods of [`Float`] generated from the `float_unary` list.
macro_rules! list_methods {
    ([$t:ident] $($m:ident, $jax:ident: $k32:path, $k64:path, $doc:literal;)*) => {$(
        #[inline(always)]
        fn $m(self) -> Self {
            list_methods!(@pick $t, $k32, $k64)(self)
        }
    )*};
    (@pick f32, $k32:path, $k64:path) => { $k32 };
    (@pick f64, $k32:path, $k64:path) => { $k64 };
}

macro_rules! float_impl {
    ($t:ident: $sin:path, $cos:path) => {
        impl Float for $t {
            super::float_unary!(list_methods, $t);
            #[inline(always)]
            fn sin(self) -> Self {
                $sin(self)
            }
            #[inline(always)]
            fn cos(self) -> Self {
                $cos(self)
            }
            fn tan(self) -> Self {
                <$t>::tan(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            fn powf(self, y: Self) -> Self {
                <$t>::powf(self, y)
            }
            fn sin_slice(x: &[Self], out: &mut [Self]) {
                sin_slice(x, out)
            }
            fn cos_slice(x: &[Self], out: &mut [Self]) {
                cos_slice(x, out)
            }
        }
    };
}

float_impl!(f32: trig::sin_f32_all, trig::cos_f32_all);
float_impl!(f64: trig::sin_f64_all, trig::cos_f64_all);
