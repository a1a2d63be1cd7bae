//! Lowering of `rjax::random` calls inside annotated bodies: each call
//! becomes one rjax-core random primitive (`random_split`, `random_fold_in`,
//! `random_normal[dtype shape]` ...) on the key's data, a `u32[2]` value.
//!
//! The calls have the eager functions' signatures, so the primal `fn f`
//! stays ordinary Rust and rustc checks there that each key is used once
//! (`Key` is not `Copy`); here keys are plain values. The samplers are
//! opaque primitives whose runtime `lax` functions call the eager samplers,
//! which is what makes draws inside `#[jit]`/`#[grad]`/`#[vmap]` bit for bit
//! equal to eager draws (see rjax-core's `rules/random_samplers.rs`).

use proc_macro2::Span;
use rjax_core::rules::random_keys::split_params;
use rjax_core::rules::random_samplers::sampler_params;
use rjax_core::{Atom, DType, DimExpr, ParamsExt, Prim};

use super::{LResult, Lowerer, Value, err};
use crate::front::ast::{Expr, ExprKind, Scalar};
use crate::front::prims::{Op, RandomFn};

impl Lowerer<'_> {
    /// `random::f::<elem>(args..)`.
    pub fn random_call(
        &mut self,
        f: RandomFn,
        elem: Option<Scalar>,
        args: &[Expr],
        span: Span,
    ) -> LResult<Value> {
        let key = self.key_arg(f, &args[0])?;
        let float = elem.map(super::dtype).unwrap_or(self.default_float);
        let want_float = !matches!(f, RandomFn::Bits | RandomFn::Bernoulli);
        let bad_float = want_float && elem.is_some() && !float.is_float();
        if bad_float || (f == RandomFn::Bits && elem.is_some_and(|e| e != Scalar::U32)) {
            return err(
                span,
                format!("`random::{}` does not draw `{}`", name(f), float),
            );
        }
        let out = match f {
            RandomFn::Split | RandomFn::Split2 => {
                let n = match f {
                    RandomFn::Split2 => 2,
                    _ => match self.expr(&args[1])? {
                        Value::Weak(n, true) if n >= 0.0 => n as usize,
                        _ => {
                            return err(
                                args[1].span,
                                "the number of keys must be a constant: write `random::split(key, 8)`",
                            );
                        }
                    },
                };
                let r = self.b.eqn1(Prim::RandomSplit, split_params(n), &[key]);
                let keys = self.core(r, span)?;
                if f == RandomFn::Split {
                    return Ok(Value::Atom(keys));
                }
                // `[Key; 2]`: destructured with `let [k1, k2] = ..`.
                let mut parts = Vec::new();
                for i in 0..2 {
                    let r = self.b.index(keys, i);
                    parts.push(Value::Atom(self.core(r, span)?));
                }
                return Ok(Value::Tuple(parts));
            }
            RandomFn::FoldIn => {
                let d = self.scalar_arg(f, &args[1], DType::U32)?;
                let r = self
                    .b
                    .eqn(Prim::RandomFoldIn, Default::default(), &[key, d]);
                self.core(r, span)?[0].into()
            }
            RandomFn::Uniform | RandomFn::TruncatedNormal => {
                let (shape_at, lo_at) = if f == RandomFn::Uniform {
                    (1, 2)
                } else {
                    (3, 1)
                };
                let shape = self.shape_arg(&args[shape_at])?;
                let lo = self.scalar_arg(f, &args[lo_at], float)?;
                let hi = self.scalar_arg(f, &args[lo_at + 1], float)?;
                let prim = if f == RandomFn::Uniform {
                    Prim::RandomUniform
                } else {
                    Prim::RandomTruncatedNormal
                };
                let r = self
                    .b
                    .eqn1(prim, sampler_params(Some(float), &shape), &[key, lo, hi]);
                self.core(r, span)?
            }
            RandomFn::Normal | RandomFn::Gumbel | RandomFn::Exponential => {
                let shape = self.shape_arg(&args[1])?;
                let prim = match f {
                    RandomFn::Normal => Prim::RandomNormal,
                    RandomFn::Gumbel => Prim::RandomGumbel,
                    _ => Prim::RandomExponential,
                };
                let r = self
                    .b
                    .eqn1(prim, sampler_params(Some(float), &shape), &[key]);
                self.core(r, span)?
            }
            RandomFn::Bernoulli => {
                // The draw is made in the type of `p`, as the eager function.
                let pv = self.expr(&args[1])?;
                let want = match (&pv, elem) {
                    (Value::Atom(a), _) => self.b.dtype(*a),
                    (_, Some(s)) => super::dtype(s),
                    _ => self.default_float,
                };
                let p = self.atom_as(pv, want, args[1].span)?;
                self.check_scalar(f, &args[1], p, None)?;
                let shape = self.shape_arg(&args[2])?;
                let r = self.b.eqn1(
                    Prim::RandomBernoulli,
                    sampler_params(None, &shape),
                    &[key, p],
                );
                self.core(r, span)?
            }
            RandomFn::Bits => {
                let shape = self.shape_arg(&args[1])?;
                let params = rjax_core::Params::from_pairs([
                    ("bit_width", rjax_core::Param::int(32)),
                    ("shape", rjax_core::Param::dims(&shape)),
                ]);
                let r = self.b.eqn1(Prim::RandomBits, params, &[key]);
                self.core(r, span)?
            }
            RandomFn::Randint => {
                let shape = self.shape_arg(&args[1])?;
                let lo = self.scalar_arg(f, &args[2], DType::I32)?;
                let hi = self.scalar_arg(f, &args[3], DType::I32)?;
                let r = self.b.eqn1(
                    Prim::RandomRandint,
                    sampler_params(None, &shape),
                    &[key, lo, hi],
                );
                self.core(r, span)?
            }
        };
        Ok(Value::Atom(out))
    }

    /// The key argument: key data `u32[2]`.
    fn key_arg(&mut self, f: RandomFn, e: &Expr) -> LResult<Atom> {
        let v = self.expr(e)?;
        let a = self.atom_as(v, DType::U32, e.span)?;
        let t = self.b.ty(a);
        if t.dtype != DType::U32 || t.dims() != [DimExpr::Const(2)] {
            return err(
                e.span,
                format!(
                    "the first argument of `random::{}` must be one `Key` (a `Key` parameter or a key from `random::split2`/`fold_in`), got a value of type `{t}`",
                    name(f)
                ),
            );
        }
        Ok(a)
    }

    /// A scalar operand of dtype `want`.
    fn scalar_arg(&mut self, f: RandomFn, e: &Expr, want: DType) -> LResult<Atom> {
        let v = self.expr(e)?;
        let a = self.atom_as(v, want, e.span)?;
        self.check_scalar(f, e, a, Some(want))?;
        Ok(a)
    }

    fn check_scalar(&self, f: RandomFn, e: &Expr, a: Atom, want: Option<DType>) -> LResult<()> {
        let t = self.b.ty(a);
        let ok = t.rank() == 0 && want.is_none_or(|w| t.dtype == w) && t.dtype != DType::Bool;
        if !ok {
            let want = want.map_or("a float".to_string(), |w| format!("`{w}`"));
            return err(
                e.span,
                format!(
                    "this argument of `random::{}` must be a scalar {want}, got `{t}`",
                    name(f)
                ),
            );
        }
        Ok(())
    }

    /// The shape argument: `&[2, 3]` or `x.shape()`.
    pub(super) fn shape_arg(&mut self, e: &Expr) -> LResult<Vec<DimExpr>> {
        match &e.kind {
            ExprKind::IntList(v) if v.iter().all(|d| *d >= 0) => {
                Ok(v.iter().map(|&d| DimExpr::Const(d)).collect())
            }
            ExprKind::Prim(Op::Shape, _, xs) => {
                let v = self.expr(&xs[0])?;
                let a = self.atom(v, xs[0].span)?;
                Ok(self.b.ty(a).dims().to_vec())
            }
            _ => err(
                e.span,
                "write the shape as constants `&[2, 3]` or as another value's `x.shape()`",
            ),
        }
    }
}

fn name(f: RandomFn) -> &'static str {
    crate::front::prims::RANDOM
        .iter()
        .find(|(_, _, g)| *g == f)
        .map_or("?", |(n, _, _)| n)
}
