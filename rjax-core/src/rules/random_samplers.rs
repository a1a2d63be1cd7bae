//! Sampler primitives, one per `rjax::random` sampler, each opaque: it
//! stands for the whole draw (`random_normal[dtype shape] key` is
//! `jax.random.normal(key, shape, dtype)`), and rjax-runtime's `lax`
//! function for it calls the runtime sampler itself. So a draw inside an
//! annotated function is bit for bit the eager draw, with no chance for
//! the optimiser to reassociate the bit tricks and the fused multiply-adds
//! the JAX-exact recipes depend on.
//!
//! Operands follow `random_keys.rs`: key data `u32[*b, 2]` first, then the
//! sampler's scalars (rank 0 or shape `b`):
//!
//! | primitive | operands | params | output |
//! |---|---|---|---|
//! | random_uniform | key minval maxval | dtype shape | dtype[*b, *shape] |
//! | random_normal random_gumbel random_exponential | key | dtype shape | dtype |
//! | random_truncated_normal | key lower upper | dtype shape | dtype |
//! | random_bernoulli | key p (float) | shape | bool |
//! | random_randint | key minval maxval (i32) | shape | i32 |
//!
//! Derivatives: no tangent flows through a key; `uniform` is differentiable
//! in `minval`/`maxval` (`u = lo + (hi - lo) * unit`, with `unit` the same
//! draw on `[0, 1)`); `bernoulli`/`randint` outputs have no tangent (like a
//! comparison); `truncated_normal` with a tangent on its bounds is an error
//! rather than a silent zero.
//!
//! Reference evaluation is exact for uniform, bernoulli and randint (bit
//! recipes on the threefry words); the samplers built on XLA's special
//! functions (normal, gumbel, exponential, truncated_normal) are not
//! evaluated by the interpreter: their bits are rjax-runtime's.

use super::Table;
use super::combinators::no_tangent;
use super::random::threefry2x32;
use super::random_keys::{batch_keyed, check_per_key, key_batch, keys_of, per_key};
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::interp::Tensor;
use crate::ir::params::ParamsExt;
use crate::ir::{Atom, DType, DimExpr, Param, Params, Prim, TensorType};

/// The samplers and what distinguishes them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Uniform,
    Normal,
    Gumbel,
    Exponential,
    Truncated,
    Bernoulli,
    Randint,
}

const KINDS: [Kind; 7] = [
    Kind::Uniform,
    Kind::Normal,
    Kind::Gumbel,
    Kind::Exponential,
    Kind::Truncated,
    Kind::Bernoulli,
    Kind::Randint,
];

impl Kind {
    fn prim(self) -> Prim {
        match self {
            Kind::Uniform => Prim::RandomUniform,
            Kind::Normal => Prim::RandomNormal,
            Kind::Gumbel => Prim::RandomGumbel,
            Kind::Exponential => Prim::RandomExponential,
            Kind::Truncated => Prim::RandomTruncatedNormal,
            Kind::Bernoulli => Prim::RandomBernoulli,
            Kind::Randint => Prim::RandomRandint,
        }
    }
    /// Names of the operands after the key.
    fn scalars(self) -> &'static [&'static str] {
        match self {
            Kind::Uniform | Kind::Randint => &["minval", "maxval"],
            Kind::Truncated => &["lower", "upper"],
            Kind::Bernoulli => &["p"],
            _ => &[],
        }
    }
    /// True when the float type is the `dtype` param.
    fn has_dtype(self) -> bool {
        !matches!(self, Kind::Bernoulli | Kind::Randint)
    }
}

/// Params of a sampler: `dtype` (float samplers only) and `shape`.
pub fn sampler_params(dtype: Option<DType>, shape: &[DimExpr]) -> Params {
    match dtype {
        Some(d) => Params::from_pairs([("dtype", Param::dtype(d)), ("shape", Param::dims(shape))]),
        None => Params::from_pairs([("shape", Param::dims(shape))]),
    }
}

fn shape_rule(k: Kind, p: &Params, ins: &[TensorType]) -> Result<Vec<TensorType>> {
    let prim = k.prim();
    super::combinators::arity(prim, ins, 1 + k.scalars().len())?;
    let batch = key_batch(prim, &ins[0])?;
    let dtype = if k.has_dtype() {
        let d = p.dtype(prim.name(), "dtype")?;
        if !d.is_float() {
            return Err(Error::shape(
                prim.name(),
                format!("dtype must be a float type, got {d}"),
            ));
        }
        Some(d)
    } else {
        None
    };
    let want = match k {
        Kind::Randint => Some(DType::I32),
        Kind::Bernoulli => None,
        _ => dtype,
    };
    for (name, t) in k.scalars().iter().zip(&ins[1..]) {
        check_per_key(prim, name, t, &batch, want)?;
    }
    let out = match k {
        Kind::Bernoulli => DType::Bool,
        Kind::Randint => DType::I32,
        _ => dtype.expect("float sampler"),
    };
    let mut dims = batch;
    dims.extend(p.dims(prim.name(), "shape")?);
    Ok(vec![TensorType::new(out, dims)])
}

/// The float in `[0, 1)` that `jax.random.uniform` makes of an element's
/// two threefry words, in `dtype` (exact in f64 storage).
fn unit(dtype: DType, b1: u32, b2: u32) -> f64 {
    match dtype {
        DType::F32 => f64::from(f32::from_bits(((b1 ^ b2) >> 9) | 0x3f80_0000) - 1.0),
        _ => {
            let bits = (u64::from(b1) << 32) | u64::from(b2);
            f64::from_bits((bits >> 12) | 0x3ff0_0000_0000_0000) - 1.0
        }
    }
}

/// `max(lo, unit * (hi - lo) + lo)` rounded as JAX/XLA do it in `dtype`
/// (the span rounded first, then one fused multiply-add).
fn scale(dtype: DType, u: f64, lo: f64, hi: f64) -> f64 {
    match dtype {
        DType::F32 => {
            let (u, lo, hi) = (u as f32, lo as f32, hi as f32);
            let x = u.mul_add(hi - lo, lo);
            f64::from(if x > lo { x } else { lo })
        }
        _ => {
            let x = u.mul_add(hi - lo, lo);
            if x > lo { x } else { lo }
        }
    }
}

/// JAX's two-word modulus method for int32 `randint` (see rjax-runtime's
/// `random::randint` for the derivation).
fn randint(key: [u32; 2], n: usize, lo: i32, hi: i32) -> Vec<f64> {
    let sub = |c: u32| threefry2x32(key[0], key[1], 0, c);
    let (k1, k2) = (sub(0), sub(1));
    let word = |k: (u32, u32), i: u64| {
        let (a, b) = threefry2x32(k.0, k.1, (i >> 32) as u32, i as u32);
        a ^ b
    };
    let span: u32 = if hi <= lo {
        1
    } else {
        hi.wrapping_sub(lo) as u32
    };
    let m = (1u32 << 16) % span;
    let mult = m.wrapping_mul(m) % span;
    (0..n as u64)
        .map(|i| {
            let (h, l) = (word(k1, i), word(k2, i));
            let off = (h % span).wrapping_mul(mult).wrapping_add(l % span) % span;
            f64::from(lo.wrapping_add(off as i32))
        })
        .collect()
}

fn eval(k: Kind, p: &Params, ins: &[Tensor], cx: &super::EvalCtx) -> Result<Vec<Tensor>> {
    let prim = k.prim();
    let shape = cx.dims(prim, &p.dims(prim.name(), "shape")?)?;
    let n: usize = shape.iter().product();
    let keys = keys_of(&ins[0]);
    let mut data = Vec::with_capacity(keys.len() * n);
    let out = match k {
        Kind::Bernoulli => DType::Bool,
        Kind::Randint => DType::I32,
        _ => p.dtype(prim.name(), "dtype")?,
    };
    for (i, key) in keys.iter().enumerate() {
        let s: Vec<f64> = ins[1..].iter().map(|t| per_key(t, i)).collect();
        let words = |j: usize| {
            let j = j as u64;
            threefry2x32(key[0], key[1], (j >> 32) as u32, j as u32)
        };
        match k {
            Kind::Uniform => data.extend((0..n).map(|j| {
                let (b1, b2) = words(j);
                scale(out, unit(out, b1, b2), s[0], s[1])
            })),
            Kind::Bernoulli => {
                let d = ins[1].dtype;
                data.extend((0..n).map(|j| {
                    let (b1, b2) = words(j);
                    f64::from(u8::from(scale(d, unit(d, b1, b2), 0.0, 1.0) < s[0]))
                }))
            }
            Kind::Randint => data.extend(randint(*key, n, s[0] as i32, s[1] as i32)),
            _ => {
                return Err(Error::Eval(format!(
                    "{prim} is not evaluated by the reference interpreter (its bits come from XLA's special functions in rjax-runtime)"
                )));
            }
        }
    }
    let mut dims = ins[0].shape[..ins[0].rank() - 1].to_vec();
    dims.extend(shape);
    Ok(vec![Tensor::new(out, dims, data)?])
}

/// `t` (per-key, rank 0 or `b`) broadcast to the output type.
fn to_out(b: &mut Builder, t: Atom, out: &TensorType) -> Result<Atom> {
    let r = b.rank(t);
    b.broadcast_in_dim(t, out.dims(), &(0..r).collect::<Vec<_>>())
}

/// JVP of `uniform` in `minval`/`maxval`: `d lo * (1 - unit) + d hi * unit`,
/// `unit` being the same key's draw on `[0, 1)` (the clamp at `lo` only
/// acts on a measure-zero set).
fn uniform_jvp(
    b: &mut Builder,
    p: &Params,
    xs: &[Atom],
    ts: &[Option<Atom>],
) -> Result<(Vec<Atom>, Vec<Option<Atom>>)> {
    let y = b.eqn1(Prim::RandomUniform, p.clone(), xs)?;
    let out = b.ty(y);
    let (zero, one) = (b.lit(0.0, out.dtype), b.lit(1.0, out.dtype));
    let u = b.eqn1(Prim::RandomUniform, p.clone(), &[xs[0], zero, one])?;
    let mut tan: Option<Atom> = None;
    if let Some(tl) = ts[1] {
        let w = b.sub(one, u)?;
        let tl = to_out(b, tl, &out)?;
        tan = Some(b.mul(tl, w)?);
    }
    if let Some(th) = ts[2] {
        let th = to_out(b, th, &out)?;
        let term = b.mul(th, u)?;
        tan = Some(match tan {
            Some(t) => b.add(t, term)?,
            None => term,
        });
    }
    Ok((vec![y], vec![tan]))
}

/// Registers the samplers.
pub fn register(t: &mut Table) {
    for k in KINDS {
        let prim = k.prim();
        let rules = t.def(
            prim,
            move |p, ins| shape_rule(k, p, ins),
            move |p, ins, cx| eval(k, p, ins, cx),
        );
        match k {
            Kind::Uniform => rules.jvp(uniform_jvp),
            Kind::Truncated => rules.jvp(move |b, p, xs, ts| {
                if ts[1..].iter().any(Option::is_some) {
                    return Err(Error::NotDifferentiable(
                        "random_truncated_normal: no derivative with respect to its bounds; pass them as constants (or stop_gradient)".into(),
                    ));
                }
                no_tangent(b, prim, p, xs)
            }),
            _ => rules.zero_tangent(),
        };
        rules.batch(move |b, p, args, bt, n| batch_keyed(b, prim, p, args, bt, n));
    }
}
