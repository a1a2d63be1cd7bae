//! rjax-core: the IR (jaxpr), its reference interpreter, and every
//! transformation (jvp, vjp, vmap, passes) as per-primitive rules.
//!
//! Pure Rust: no proc-macro code and no kernels live here.
//!
//! # The IR
//! - [`Jaxpr`] `{ invars, eqns, outvars, types }`: `types[v.0]` is the
//!   [`TensorType`] (dtype + [`Shape`]) of [`Var`] `v`; read it with
//!   `j.ty(v)` / `j.atom_type(&a)`. Outputs are [`Atom`]s (a var or a
//!   scalar [`Literal`]).
//! - [`Eqn`] `{ prim, params, inputs, outputs }`: `prim` is a [`Prim`]
//!   (`prim.name()` is JAX's name), `params` a sorted map of [`Param`]s
//!   read with [`ParamsExt`] (`p.axes("reduce_sum", "axes")`,
//!   `p.dims("broadcast_in_dim", "shape")`, `p.jaxpr("scan", "jaxpr")` ...).
//! - Shapes have static rank; a dim is a [`DimExpr`] (constant, symbol,
//!   `+ - *`). Symbols are bound at run time from input shapes.
//! - `Display` prints JAX's text form; [`Jaxpr::parse`] (or `str::parse`)
//!   reads it back.
//!
//! # Building (lowering)
//! [`Builder`]: `input(dtype, shape)`, `eqn(prim, params, inputs)` (runs
//! the shape rule; errors name the primitive and the operand types), one
//! helper per primitive (`add`, `mul`, `sin`, `slice`, `index`,
//! `broadcast_in_dim`, `dot_general` ...), `broadcast_binary` (NumPy rules
//! with static ranks), `lit(value, dtype)`, `build(outputs)`.
//!
//! ```
//! use rjax_core::{Builder, DType, Jaxpr, transforms, interp::{eval_jaxpr, Tensor}};
//! // f(t) = sin(t0) * cos(t1) * t2, lowered as jax.numpy traces it.
//! let mut b = Builder::new();
//! let t = b.input(DType::F32, [3]);
//! let x = b.index(t.into(), 0).unwrap();
//! let y = b.index(t.into(), 1).unwrap();
//! let z = b.index(t.into(), 2).unwrap();
//! let (s, c) = (b.sin(x).unwrap(), b.cos(y).unwrap());
//! let p = b.mul(s, c).unwrap();
//! let f = b.mul(p, z).unwrap();
//! let f = b.build(&[f]);
//! let g = transforms::grad(&f, &[0], false).unwrap();   // same inputs -> [grad]
//! let h = transforms::hessian(&f, 0).unwrap();          // -> [f32[3,3]]
//! let text = g.to_string();
//! assert_eq!(text.parse::<Jaxpr>().unwrap().to_string(), text);
//! let out = eval_jaxpr(&h, &[Tensor::vector(&[1.0, 2.0, 3.0], DType::F32)]).unwrap();
//! assert_eq!(out[0].shape, vec![3, 3]);
//! ```
//!
//! # Transformations ([`transforms`]), all `&Jaxpr -> Result<..>`
//! - `jvp(j)`: `primals ++ tangents -> outputs ++ output tangents`
//!   (`jvp_wrt(j, mask)` for a subset of inputs).
//! - `linearize(j, wrt)`, `vjp(j, wrt) -> Vjp { forward: inputs -> outputs
//!   ++ residuals, backward: residuals ++ output cotangents -> wrt
//!   cotangents, .. }`.
//! - `grad(j, argnums, has_aux)`: same inputs; outputs `aux.. ++ grads`.
//!   `value_and_grad`: `value ++ aux.. ++ grads`.
//! - `jacrev`, `jacfwd`, `jacobian(j, argnums, Mode)`: one output per
//!   (output, argnum), shaped `out.shape ++ arg.shape`; `hessian(j, argnum)`.
//! - `vmap(j, in_axes, out_axes)`: batch size is a fresh symbol (`b`);
//!   `vmap_sized` takes it explicitly.
//!
//! Derivatives with respect to integer/bool inputs are
//! `Err(Error::NotDifferentiable)`, never silent zeros.
//!
//! # Passes ([`passes`])
//! `dce`, `cse`, `fold_constants`, `simplify`, and [`optimize`] (all to a
//! fixed point); `passes::fusion_plan(&j) -> FusionPlan { groups }` with
//! each [`passes::FusionGroup`] `{ kind: Elementwise | Reduction |
//! DotEpilogue | Opaque, eqns (indices), inputs, outputs, shape }` for the
//! jit emitter. [`specialize()`]`(&j, &[shapes])` binds symbolic dims and
//! re-infers every shape (for `make_jaxpr`).
//!
//! # Evaluating
//! [`interp::eval_jaxpr`] runs any jaxpr on [`interp::Tensor`]s (f64
//! storage, values rounded to their dtype).
#![warn(missing_docs)]

pub mod builder;
mod builder_ops;
pub mod error;
pub mod formula;
pub mod interp;
pub mod ir;
pub mod kernel;
pub mod passes;
pub mod rules;
pub mod specialize;
pub mod transforms;

pub use builder::Builder;
pub use error::{Error, Result};
pub use ir::params::ParamsExt;
pub use ir::{
    Atom, DType, DimExpr, Eqn, Jaxpr, Literal, Param, Params, Prim, Shape, TensorType, Var,
};
pub use passes::optimize;
pub use specialize::specialize;
