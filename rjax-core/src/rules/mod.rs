//! Per-primitive rules, in one table keyed by primitive: shape (abstract
//! eval), reference evaluation, JVP, transpose (linear primitives only) and
//! batching. Families live in their own files and register themselves;
//! `combinators.rs` holds JAX-style helpers (`defunary`, `deflinear`,
//! `defbinary` ...) so most primitives are a few lines.
//!
//! Rule conventions:
//! - JVP: `(primals, tangents)` with `None` for a symbolic zero tangent;
//!   returns the primal outputs and their tangents. Called only when some
//!   tangent is non-zero.
//! - Transpose: each input is either `LinArg::Primal` (a known value) or
//!   `LinArg::Linear` (the undefined linear input, JAX's `UndefPrimal`);
//!   returns a cotangent (or `None` for zero) per input. Called only when
//!   some output cotangent is non-zero.
//! - Batching: operands come batched along axis 0 (`true`) or unbatched;
//!   outputs likewise. Called only when some operand is batched.
//!
//! | primitives | JVP | transpose | batching |
//! |---|---|---|---|
//! | neg | linear | yes | yes |
//! | sin cos tan tanh exp log log1p expm1 sqrt rsqrt abs logistic integer_pow square | yes | - | yes |
//! | sign floor stop_gradient not, eq ne lt le gt ge, and or xor, argmax argmin | zero tangent | - | yes |
//! | add add_any sub | linear | yes (rank-0 operand: summed) | yes |
//! | mul div | yes | yes (in the linear operand) | yes |
//! | max min pow rem | yes | - | yes |
//! | select_n convert_element_type | yes | yes | yes |
//! | reduce_sum cumsum | linear | yes | yes |
//! | reduce_max reduce_min | yes (mean over ties) | - | yes |
//! | dot_general | bilinear | yes | yes |
//! | transpose reshape broadcast_in_dim squeeze expand_dims slice pad concatenate | linear | yes | yes |
//! | dynamic_slice dynamic_update_slice gather scatter_add | linear | yes | yes (batched indices: loop) |
//! | iota dim_as_value | (no operands) | - | (no operands) |
//! | cond scan while | yes (+ partial eval) | yes (while: replay) | yes (cond: select; while with a batched predicate: loop) |
//! | custom_jvp_call | the user's rule | - | yes |
//! | custom_vjp_call / custom_lin | fwd + custom_lin | custom_lin: the user's bwd | loop |
//! | threefry2x32 random_bits | not differentiable | - | yes (random_bits: key arrays) |
//! | psum pvary all_gather reduce_scatter ppermute (collectives.rs) | linear | yes (psum <-> pvary, all_gather <-> reduce_scatter) | yes |
//! | pmax pmin | yes (arg-max device, mean over ties) | - | yes |
//! | axis_index | (no operands) | - | (no operands) |
//! | random_split random_fold_in random_normal random_gumbel random_exponential random_bernoulli random_randint | no tangent (keys, ints, bools) | - | yes (key arrays) |
//! | random_uniform | in minval/maxval | - | yes (key arrays) |
//! | random_truncated_normal | error if the bounds have a tangent | - | yes (key arrays) |

pub mod collectives;
pub mod combinators;
pub mod control_flow;
pub mod custom;
pub mod dim_as_value;
pub mod elementwise;
pub mod linalg;
pub mod random;
pub mod random_keys;
pub mod random_samplers;
pub mod reductions;
pub mod shape_ops;

use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::interp::Tensor;
use crate::ir::{Atom, DimExpr, Params, Prim, TensorType};
use std::collections::HashMap;
use std::sync::OnceLock;

/// An input of a transpose rule.
#[derive(Clone, Debug)]
pub enum LinArg {
    /// A known (non-linear) operand.
    Primal(Atom),
    /// The linear operand, of this type, whose cotangent is wanted.
    Linear(TensorType),
}

impl LinArg {
    /// True for the linear operand.
    pub fn is_linear(&self) -> bool {
        matches!(self, LinArg::Linear(_))
    }
    /// The known value, or an error naming the primitive.
    pub fn primal(&self, prim: Prim) -> Result<Atom> {
        match self {
            LinArg::Primal(a) => Ok(*a),
            LinArg::Linear(_) => Err(Error::NotDifferentiable(format!(
                "{prim}: transpose needs this operand to be known (it is not linear in it)"
            ))),
        }
    }
    /// The operand's type.
    pub fn ty(&self, b: &Builder) -> TensorType {
        match self {
            LinArg::Primal(a) => b.ty(*a),
            LinArg::Linear(t) => t.clone(),
        }
    }
}

/// Symbol bindings and recursion for the reference evaluator.
pub struct EvalCtx<'a> {
    /// Symbolic dims bound from input shapes.
    pub env: &'a HashMap<String, i64>,
}

impl EvalCtx<'_> {
    /// Evaluates a dim expression.
    pub fn dim(&self, prim: Prim, d: &DimExpr) -> Result<usize> {
        self.int(prim, d).map(|v| v.max(0) as usize)
    }
    /// Evaluates a dim expression, binding mesh group sizes (`size_data`)
    /// from the current device when the inputs' shapes do not.
    fn int(&self, prim: Prim, d: &DimExpr) -> Result<i64> {
        if let Some(v) = d.eval(self.env) {
            return Ok(v);
        }
        let env = collectives::with_axis_sizes(prim, d, self.env)?;
        d.eval(&env)
            .ok_or_else(|| Error::Eval(format!("{prim}: unbound symbolic dim in `{d}`")))
    }
    /// Evaluates a list of dims.
    pub fn dims(&self, prim: Prim, ds: &[DimExpr]) -> Result<Vec<usize>> {
        ds.iter().map(|d| self.dim(prim, d)).collect()
    }
    /// Evaluates a list of (possibly negative) integer dims.
    pub fn ints(&self, prim: Prim, ds: &[DimExpr]) -> Result<Vec<i64>> {
        ds.iter().map(|d| self.int(prim, d)).collect()
    }
}

type ShapeFn = Box<dyn Fn(&Params, &[TensorType]) -> Result<Vec<TensorType>> + Send + Sync>;
type EvalFn = Box<dyn Fn(&Params, &[Tensor], &EvalCtx) -> Result<Vec<Tensor>> + Send + Sync>;
/// JVP rule type.
pub type JvpFn = Box<
    dyn Fn(
            &mut Builder,
            &Params,
            &[Atom],
            &[Option<Atom>],
        ) -> Result<(Vec<Atom>, Vec<Option<Atom>>)>
        + Send
        + Sync,
>;
/// Transpose rule type.
pub type TransposeFn = Box<
    dyn Fn(&mut Builder, &Params, &[LinArg], &[Option<Atom>]) -> Result<Vec<Option<Atom>>>
        + Send
        + Sync,
>;
/// Batching rule type.
pub type BatchFn = Box<
    dyn Fn(&mut Builder, &Params, &[Atom], &[bool], &DimExpr) -> Result<(Vec<Atom>, Vec<bool>)>
        + Send
        + Sync,
>;

/// Partial-evaluation rule type (for primitives with sub-jaxprs).
pub type PartialEvalFn = Box<
    dyn Fn(&crate::ir::Eqn, &[bool], &mut crate::transforms::partial_eval::PeCtx) -> Result<()>
        + Send
        + Sync,
>;

/// All rules of one primitive.
pub struct Rules {
    prim: Prim,
    pub(crate) partial_eval: Option<PartialEvalFn>,
    pub(crate) shape: ShapeFn,
    pub(crate) eval: EvalFn,
    pub(crate) jvp: Option<JvpFn>,
    pub(crate) transpose: Option<TransposeFn>,
    pub(crate) batch: Option<BatchFn>,
}

/// The registry the families fill in.
pub struct Table {
    map: HashMap<Prim, Rules>,
}

impl Table {
    /// Registers a primitive with its shape and evaluation rules; returns
    /// the entry so the other rules can be attached.
    pub fn def(
        &mut self,
        prim: Prim,
        shape: impl Fn(&Params, &[TensorType]) -> Result<Vec<TensorType>> + Send + Sync + 'static,
        eval: impl Fn(&Params, &[Tensor], &EvalCtx) -> Result<Vec<Tensor>> + Send + Sync + 'static,
    ) -> &mut Rules {
        self.map.insert(
            prim,
            Rules {
                prim,
                shape: Box::new(shape),
                eval: Box::new(eval),
                jvp: None,
                partial_eval: None,
                transpose: None,
                batch: None,
            },
        );
        self.map.get_mut(&prim).unwrap()
    }
    /// The entry of an already registered primitive.
    pub fn get(&mut self, prim: Prim) -> &mut Rules {
        self.map
            .get_mut(&prim)
            .expect("primitive registered before its rules")
    }
}

impl Rules {
    /// Sets the JVP rule of a primitive whose outputs never have a tangent
    /// (comparisons, integer results, keys, `sign`, `floor`, ...):
    /// JAX's zero-tangent rules, in one place.
    pub fn zero_tangent(&mut self) -> &mut Self {
        let prim = self.prim;
        self.jvp(move |b, p, xs, _| combinators::no_tangent(b, prim, p, xs))
    }
    /// Sets the JVP rule.
    pub fn jvp(
        &mut self,
        f: impl Fn(
            &mut Builder,
            &Params,
            &[Atom],
            &[Option<Atom>],
        ) -> Result<(Vec<Atom>, Vec<Option<Atom>>)>
        + Send
        + Sync
        + 'static,
    ) -> &mut Self {
        self.jvp = Some(Box::new(f));
        self
    }
    /// Sets the transpose rule.
    pub fn transpose(
        &mut self,
        f: impl Fn(&mut Builder, &Params, &[LinArg], &[Option<Atom>]) -> Result<Vec<Option<Atom>>>
        + Send
        + Sync
        + 'static,
    ) -> &mut Self {
        self.transpose = Some(Box::new(f));
        self
    }
    /// Sets the partial-evaluation rule.
    pub fn partial_eval(
        &mut self,
        f: impl Fn(&crate::ir::Eqn, &[bool], &mut crate::transforms::partial_eval::PeCtx) -> Result<()>
        + Send
        + Sync
        + 'static,
    ) -> &mut Self {
        self.partial_eval = Some(Box::new(f));
        self
    }
    /// Sets the batching rule.
    pub fn batch(
        &mut self,
        f: impl Fn(&mut Builder, &Params, &[Atom], &[bool], &DimExpr) -> Result<(Vec<Atom>, Vec<bool>)>
        + Send
        + Sync
        + 'static,
    ) -> &mut Self {
        self.batch = Some(Box::new(f));
        self
    }
}

static TABLE: OnceLock<Table> = OnceLock::new();

fn table() -> &'static Table {
    TABLE.get_or_init(|| {
        let mut t = Table {
            map: HashMap::new(),
        };
        elementwise::register(&mut t);
        reductions::register(&mut t);
        shape_ops::register(&mut t);
        linalg::register(&mut t);
        control_flow::register(&mut t);
        random::register(&mut t);
        random_keys::register(&mut t);
        random_samplers::register(&mut t);
        custom::register(&mut t);
        collectives::register(&mut t);
        dim_as_value::register(&mut t);
        t
    })
}

/// The rules of a primitive.
pub fn rules(prim: Prim) -> Result<&'static Rules> {
    table().map.get(&prim).ok_or_else(|| Error::Unsupported {
        transform: "shape".into(),
        prim: prim.name().into(),
    })
}

/// Which rules a primitive has: (jvp, transpose, batch).
pub fn has_rules(prim: Prim) -> (bool, bool, bool) {
    match table().map.get(&prim) {
        Some(r) => (r.jvp.is_some(), r.transpose.is_some(), r.batch.is_some()),
        None => (false, false, false),
    }
}

/// Runs a primitive's shape rule.
pub fn shape_rule(prim: Prim, params: &Params, ins: &[TensorType]) -> Result<Vec<TensorType>> {
    // The operand count the table declares, checked once for every rule.
    if !prim.arity().accepts(ins.len()) {
        return Err(Error::shape(
            prim.name(),
            format!("expected {} operands, got {}", prim.arity(), ins.len()),
        ));
    }
    (rules(prim)?.shape)(params, ins)
}
