//! Rules that read like their formulas: `t * (1.0 - y * y)` instead of a
//! fallible builder call per operation.
//!
//! [`Builder::formula`] lends the builder to a closure over [`E`] values
//! (atoms with operators); the first failing operation's error is kept and
//! returned once at the end, the later operations of that formula become
//! no-ops. A float literal next to an `E` takes its dtype.
//!
//! ```
//! use rjax_core::{Builder, DType};
//! let mut b = Builder::new();
//! let (y, t) = (b.input(DType::F32, [3]), b.input(DType::F32, [3]));
//! // d tanh = (1 - y²) dt
//! let d = b.formula([y.into(), t.into()], |[y, t]| t * (1.0 - y * y)).unwrap();
//! let j = b.build(&[d]);
//! assert_eq!(j.eqns.len(), 3);
//! ```

use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::ir::{Atom, Prim};
use std::cell::RefCell;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// The builder lent to a formula, and its first error.
pub struct Cx {
    b: RefCell<Builder>,
    err: RefCell<Option<Error>>,
}

/// A value in a formula: an atom and the builder it lives in.
#[derive(Clone, Copy)]
pub struct E<'c> {
    cx: &'c Cx,
    /// The atom.
    pub atom: Atom,
}

impl Builder {
    /// Builds `f(args)` and returns its atom, or the first error of its
    /// operations.
    pub fn formula<const N: usize>(
        &mut self,
        args: [Atom; N],
        f: impl for<'c> FnOnce([E<'c>; N]) -> E<'c>,
    ) -> Result<Atom> {
        // The builder is moved into the context and back (its vectors move,
        // nothing is copied), so `E` needs no lifetime of `self`.
        let cx = Cx {
            b: RefCell::new(std::mem::take(self)),
            err: RefCell::new(None),
        };
        let out = f(args.map(|atom| E { cx: &cx, atom })).atom;
        *self = cx.b.into_inner();
        match cx.err.into_inner() {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }
}

impl<'c> E<'c> {
    fn wrap(self, r: Result<Atom>) -> E<'c> {
        let atom = match r {
            Ok(a) => a,
            Err(e) => {
                self.cx.err.borrow_mut().get_or_insert(e);
                self.atom
            }
        };
        E { cx: self.cx, atom }
    }
    /// Runs `op` unless an earlier operation failed.
    fn op(self, op: impl FnOnce(&mut Builder) -> Result<Atom>) -> E<'c> {
        if self.cx.err.borrow().is_some() {
            return self;
        }
        let r = op(&mut self.cx.b.borrow_mut());
        self.wrap(r)
    }
    /// A literal of this value's dtype.
    pub fn lit(self, v: f64) -> E<'c> {
        let atom = {
            let b = self.cx.b.borrow();
            b.lit(v, b.dtype(self.atom))
        };
        E { cx: self.cx, atom }
    }
    /// A unary primitive applied to this value.
    pub fn unary(self, prim: Prim) -> E<'c> {
        self.op(|b| b.unary(prim, self.atom))
    }
    /// A binary primitive with no params.
    pub fn binary(self, prim: Prim, y: E<'c>) -> E<'c> {
        self.op(|b| b.binary(prim, self.atom, y.atom))
    }
    /// `e^x`.
    pub fn exp(self) -> E<'c> {
        self.unary(Prim::Exp)
    }
    /// Natural log.
    pub fn ln(self) -> E<'c> {
        self.unary(Prim::Log)
    }
    /// `sin x`.
    pub fn sin(self) -> E<'c> {
        self.unary(Prim::Sin)
    }
    /// `cos x`.
    pub fn cos(self) -> E<'c> {
        self.unary(Prim::Cos)
    }
    /// Square root.
    pub fn sqrt(self) -> E<'c> {
        self.unary(Prim::Sqrt)
    }
    /// `x^n`, `n` a constant integer.
    pub fn powi(self, n: i64) -> E<'c> {
        self.op(|b| b.integer_pow(self.atom, n))
    }
    /// `x^y`.
    pub fn pow(self, y: E<'c>) -> E<'c> {
        self.binary(Prim::Pow, y)
    }
}

macro_rules! ops {
    ($($tr:ident $f:ident $prim:ident;)*) => {$(
        impl<'c> $tr for E<'c> {
            type Output = E<'c>;
            fn $f(self, y: E<'c>) -> E<'c> {
                self.binary(Prim::$prim, y)
            }
        }
        impl<'c> $tr<f64> for E<'c> {
            type Output = E<'c>;
            fn $f(self, y: f64) -> E<'c> {
                self.binary(Prim::$prim, self.lit(y))
            }
        }
        impl<'c> $tr<E<'c>> for f64 {
            type Output = E<'c>;
            fn $f(self, y: E<'c>) -> E<'c> {
                y.lit(self).binary(Prim::$prim, y)
            }
        }
    )*};
}

ops! {
    Add add Add;
    Sub sub Sub;
    Mul mul Mul;
    Div div Div;
}

impl<'c> Neg for E<'c> {
    type Output = E<'c>;
    fn neg(self) -> E<'c> {
        self.unary(Prim::Neg)
    }
}

#[cfg(test)]
mod tests {
    use crate::interp::{Tensor, eval_jaxpr};
    use crate::{Builder, DType};

    #[test]
    fn a_formula_computes_what_it_reads() {
        let mut b = Builder::new();
        let x = b.input(DType::F64, []);
        let r = b
            .formula([x.into()], |[x]| 2.0 * (-(x * x)).exp() / (1.0 + x))
            .unwrap();
        let j = b.build(&[r]);
        let out = eval_jaxpr(&j, &[Tensor::scalar(0.5, DType::F64)]).unwrap();
        let want = 2.0 * (-0.25f64).exp() / 1.5;
        assert!((out[0].item() - want).abs() < 1e-15);
    }

    #[test]
    fn the_first_error_is_returned() {
        let mut b = Builder::new();
        let x = b.input(DType::F32, [3]);
        let y = b.input(DType::F32, [4]);
        let e = b
            .formula([x.into(), y.into()], |[x, y]| (x + y) * x)
            .unwrap_err()
            .to_string();
        assert!(e.contains("add"), "{e}");
    }
}
