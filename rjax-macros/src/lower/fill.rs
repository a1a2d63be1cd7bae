//! Lowering of array constructors inside annotated bodies:
//! `Array::zeros(&[2, 3])`, `Array::ones(x.shape())`, `Array::full(&[3], v)`
//! and jax.numpy's `zeros_like(&x)`, `ones_like(&x)`, `full_like(&x, v)`.
//!
//! A constant fill is `broadcast_in_dim` of a literal (JAX's `jnp.zeros`
//! under a trace); a traced fill value (`full_like(&x, s)` with `s` a
//! parameter) is broadcast, so gradients flow to it. The element type is
//! the turbofish's (`Array::<f64>::zeros`), else the `_like` argument's,
//! else the body's default float (as for untyped literals), which is what
//! rustc infers in the primal whenever the result meets the function's
//! other values.

use proc_macro2::Span;
use rjax_core::{DType, TensorType};

use super::{LResult, Lowerer, Value, err};
use crate::front::ast::{Expr, Scalar};
use crate::front::prims::Fill;

impl Lowerer<'_> {
    pub fn fill(
        &mut self,
        f: Fill,
        elem: Option<Scalar>,
        args: &[Expr],
        span: Span,
    ) -> LResult<Value> {
        let (ty, value) = match f {
            Fill::Zeros | Fill::Ones | Fill::Full => {
                let dims = self.shape_arg(&args[0])?;
                let dtype = elem.map(super::dtype).unwrap_or(self.default_float);
                (TensorType::new(dtype, dims), args.get(1))
            }
            Fill::ZerosLike | Fill::OnesLike | Fill::FullLike => {
                let v = self.expr(&args[0])?;
                let x = self.atom(v, args[0].span)?;
                (self.b.ty(x), args.get(1))
            }
        };
        let constant = match f {
            Fill::Zeros | Fill::ZerosLike => Some(0.0),
            Fill::Ones | Fill::OnesLike => Some(1.0),
            Fill::Full | Fill::FullLike => None,
        };
        let out = match (constant, value) {
            (Some(c), _) => {
                let r = self.b.full(&ty, c);
                self.core(r, span)?
            }
            (None, Some(e)) => match self.expr(e)? {
                Value::Weak(c, _) => {
                    let r = self.b.full(&ty, c);
                    self.core(r, span)?
                }
                v => {
                    let a = self.atom(v, e.span)?;
                    let t = self.b.ty(a);
                    if t.rank() != 0 {
                        return err(
                            e.span,
                            format!("the fill value must be a scalar, got `{t}`"),
                        );
                    }
                    let a = if t.dtype == ty.dtype {
                        a
                    } else if ty.dtype == DType::Bool || t.dtype == DType::Bool {
                        return err(
                            e.span,
                            format!("a `{}` fill value for an array of `{}`", t.dtype, ty.dtype),
                        );
                    } else {
                        let r = self.b.convert(a, ty.dtype);
                        self.core(r, span)?
                    };
                    let r = self.b.broadcast_to(a, ty.dims());
                    self.core(r, span)?
                }
            },
            (None, None) => unreachable!("`full` has its value argument (arity checked)"),
        };
        Ok(Value::Atom(out))
    }
}
