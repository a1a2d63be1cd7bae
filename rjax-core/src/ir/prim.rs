//! The primitive table: every primitive declared once, with its name as
//! JAX prints it and the facts the rest of rjax reads from here instead of
//! keeping its own list:
//! - its [`Family`] (what the fusion planner, the symbol unifier and the
//!   emitter ask: elementwise? a reduction? control flow?);
//! - its [`Arity`] (checked by `Builder::eqn` before the shape rule);
//! - whether it is *transcendental* (tens of instructions per element:
//!   the loop stager cuts fused loops after these);
//! - its runtime [`Kernel`]: the `rjax_runtime::Float` method computing one
//!   element (emitted scalar code calls it; `lax::<name>` is the array
//!   function, by convention the primitive's name);
//! - its body spellings: the method and free-function names an annotated
//!   body writes for it (`x.ln()`, `log(x)`), which rjax-macros looks up
//!   here.
//!
//! The rules of each primitive (shape, evaluation, JVP, transpose,
//! batching) live in `crate::rules`, grouped by family; params with
//! structure are read and written by `super::typed` (`DotGeneralParams`,
//! `PadConfig`). "How to add a primitive" in docs/ARCHITECTURE.md lists the
//! steps.

use std::fmt;

/// What kind of operation a primitive is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// Elementwise with one operand (`neg`, `sin`, `integer_pow[y]` ...).
    ElementwiseUnary,
    /// Elementwise with two operands of one dtype (equal shapes, or one
    /// rank-0 operand broadcasting): `add mul max pow and ...`.
    ElementwiseBinary,
    /// Elementwise comparison of two operands, giving bools.
    Comparison,
    /// `select_n pred case0 case1 ...`.
    Select,
    /// `convert_element_type[new_dtype]`.
    Cast,
    /// A reduction over `axes` (`reduce_sum`, `argmax` ...).
    Reduction,
    /// A running reduction along one axis (`cumsum`).
    Cumulative,
    /// Contractions (`dot_general`).
    Linalg,
    /// Moves, copies or re-indexes data (`transpose`, `slice`, `pad`,
    /// `gather` ...).
    Structural,
    /// No operands: a value made from params (`iota`, `dim_as_value`).
    Nullary,
    /// Holds sub-jaxprs it runs (`cond`, `scan`, `while`).
    ControlFlow,
    /// A function with user differentiation rules.
    Custom,
    /// PRNG keys and samplers.
    Random,
    /// Communication over mesh axes inside `shard_map`.
    Collective,
}

impl Family {
    /// True for the families computed element by element (one loop over
    /// the data can fuse a chain of them).
    pub fn is_elementwise(self) -> bool {
        matches!(
            self,
            Family::ElementwiseUnary
                | Family::ElementwiseBinary
                | Family::Comparison
                | Family::Select
                | Family::Cast
        )
    }
}

/// How many operands a primitive takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arity {
    /// Exactly this many.
    Exactly(usize),
    /// This many or more (`select_n`, `concatenate`, control flow ...).
    AtLeast(usize),
}

impl Arity {
    /// True when `n` operands are accepted.
    pub fn accepts(self, n: usize) -> bool {
        match self {
            Arity::Exactly(k) => n == k,
            Arity::AtLeast(k) => n >= k,
        }
    }
}

impl fmt::Display for Arity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arity::Exactly(k) => write!(f, "{k}"),
            Arity::AtLeast(k) => write!(f, "at least {k}"),
        }
    }
}

/// The runtime function computing one element of a float primitive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// None: the emitter writes an operator or a composite form.
    None,
    /// `rjax_runtime::Float::<f>`, rjax's own branch-free math
    /// (`kernels::math`): it vectorises inside a dispatched loop, so a
    /// scalar body calling it is worth compiling per instruction set.
    Rjax(&'static str),
    /// `rjax_runtime::Float::<f>`, forwarding to std.
    Std(&'static str),
}

impl Kernel {
    /// The `Float` method's name.
    pub fn float_fn(self) -> Option<&'static str> {
        match self {
            Kernel::None => None,
            Kernel::Rjax(f) | Kernel::Std(f) => Some(f),
        }
    }
}

/// The declared facts of one primitive (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct PrimInfo {
    /// The name JAX prints.
    pub name: &'static str,
    /// Its family.
    pub family: Family,
    /// Its operand count.
    pub arity: Arity,
    /// Tens of instructions per element (a range reduction and a
    /// polynomial, or a libm call).
    pub transcendental: bool,
    /// The runtime's scalar function.
    pub kernel: Kernel,
    /// Method names in annotated bodies (`x.ln()`); the receiver is the
    /// first operand, the others are the arguments (a reduction's method
    /// takes none: it reduces every axis).
    pub methods: &'static [&'static str],
    /// Free-function names in annotated bodies (`log(x)`), taking every
    /// operand.
    pub functions: &'static [&'static str],
}

impl PrimInfo {
    const fn new(name: &'static str, family: Family, arity: Arity) -> Self {
        PrimInfo {
            name,
            family,
            arity,
            transcendental: false,
            kernel: Kernel::None,
            methods: &[],
            functions: &[],
        }
    }
    /// Marks it transcendental.
    const fn heavy(mut self) -> Self {
        self.transcendental = true;
        self
    }
    /// Computed by rjax's own `Float::<f>`.
    const fn rjax(mut self, f: &'static str) -> Self {
        self.kernel = Kernel::Rjax(f);
        self
    }
    /// Computed by `Float::<f>`, which is std's.
    const fn std(mut self, f: &'static str) -> Self {
        self.kernel = Kernel::Std(f);
        self
    }
    /// Its body spellings.
    const fn spelled(
        mut self,
        methods: &'static [&'static str],
        functions: &'static [&'static str],
    ) -> Self {
        self.methods = methods;
        self.functions = functions;
        self
    }
    /// The number of arguments its method spelling takes besides the
    /// receiver.
    pub fn method_args(&self) -> usize {
        match (self.family, self.arity) {
            (Family::Reduction, _) => 0,
            (_, Arity::Exactly(n) | Arity::AtLeast(n)) => n.saturating_sub(1),
        }
    }
    /// The number of arguments its free-function spelling takes.
    pub fn function_args(&self) -> usize {
        match self.arity {
            Arity::Exactly(n) | Arity::AtLeast(n) => n,
        }
    }
}

use Arity::{AtLeast, Exactly};
use Family::*;

const fn unary(name: &'static str) -> PrimInfo {
    PrimInfo::new(name, ElementwiseUnary, Exactly(1))
}
const fn binary(name: &'static str) -> PrimInfo {
    PrimInfo::new(name, ElementwiseBinary, Exactly(2))
}
const fn compare(name: &'static str) -> PrimInfo {
    PrimInfo::new(name, Comparison, Exactly(2))
}
const fn op(name: &'static str, family: Family, arity: Arity) -> PrimInfo {
    PrimInfo::new(name, family, arity)
}

macro_rules! prims {
    ($($(#[$doc:meta])* $v:ident => $info:expr,)*) => {
        /// A primitive operation.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Prim {
            $($(#[$doc])* $v,)*
        }
        /// The table, in declaration order (indexed by `Prim as usize`).
        static TABLE: &[PrimInfo] = &[$($info,)*];
        impl Prim {
            /// Every primitive, in declaration order.
            pub const ALL: &'static [Prim] = &[$(Prim::$v,)*];
        }
    };
}

impl Prim {
    /// Its declared facts.
    pub fn info(self) -> &'static PrimInfo {
        &TABLE[self as usize]
    }
    /// The name JAX prints.
    pub fn name(self) -> &'static str {
        self.info().name
    }
    /// Its family.
    pub fn family(self) -> Family {
        self.info().family
    }
    /// Its operand count.
    pub fn arity(self) -> Arity {
        self.info().arity
    }
    /// True for elementwise primitives (fusable into one loop).
    pub fn is_elementwise(self) -> bool {
        self.family().is_elementwise()
    }
    /// True for the elementwise primitives costing tens of instructions
    /// per element.
    pub fn is_transcendental(self) -> bool {
        self.info().transcendental
    }
    /// The runtime's scalar function.
    pub fn kernel(self) -> Kernel {
        self.info().kernel
    }
    /// Looks a primitive up by its printed name.
    pub fn from_name(s: &str) -> Option<Prim> {
        Prim::ALL.iter().copied().find(|p| p.name() == s)
    }
    /// The primitive a body's method call `x.name(args..)` with `args`
    /// arguments spells; `Err` lists the argument counts `name` takes.
    pub fn from_method(name: &str, args: usize) -> Result<Prim, Vec<usize>> {
        lookup(name, args, |i| i.methods, PrimInfo::method_args)
    }
    /// The primitive a body's free-function call `name(args..)` spells.
    pub fn from_function(name: &str, args: usize) -> Result<Prim, Vec<usize>> {
        lookup(name, args, |i| i.functions, PrimInfo::function_args)
    }
    /// Every method spelling with its argument count.
    pub fn method_spellings() -> impl Iterator<Item = (&'static str, usize, Prim)> {
        spellings(|i| i.methods, PrimInfo::method_args)
    }
    /// Every free-function spelling with its argument count.
    pub fn function_spellings() -> impl Iterator<Item = (&'static str, usize, Prim)> {
        spellings(|i| i.functions, PrimInfo::function_args)
    }
}

fn spellings(
    names: fn(&PrimInfo) -> &'static [&'static str],
    args: fn(&PrimInfo) -> usize,
) -> impl Iterator<Item = (&'static str, usize, Prim)> {
    Prim::ALL.iter().flat_map(move |&p| {
        let i = p.info();
        names(i).iter().map(move |&n| (n, args(i), p))
    })
}

fn lookup(
    name: &str,
    n: usize,
    names: fn(&PrimInfo) -> &'static [&'static str],
    args: fn(&PrimInfo) -> usize,
) -> Result<Prim, Vec<usize>> {
    let mut arities = Vec::new();
    for (s, a, p) in spellings(names, args) {
        if s == name {
            if a == n {
                return Ok(p);
            }
            arities.push(a);
        }
    }
    Err(arities)
}

prims! {
    /// `-x`.
    Neg => unary("neg").spelled(&["neg"], &[]),
    /// `sin x`.
    Sin => unary("sin").heavy().rjax("sin").spelled(&["sin"], &["sin"]),
    /// `cos x`.
    Cos => unary("cos").heavy().rjax("cos").spelled(&["cos"], &["cos"]),
    /// `tan x`.
    Tan => unary("tan").heavy().std("tan").spelled(&["tan"], &["tan"]),
    /// `tanh x`.
    Tanh => unary("tanh").heavy().rjax("tanh").spelled(&["tanh"], &["tanh"]),
    /// `e^x`.
    Exp => unary("exp").heavy().rjax("exp").spelled(&["exp"], &["exp"]),
    /// Natural log.
    Log => unary("log").heavy().rjax("ln").spelled(&["ln", "log"], &["log"]),
    /// `log(1 + x)`.
    Log1p => unary("log1p").heavy().rjax("ln_1p").spelled(&["ln_1p", "log1p"], &["log1p"]),
    /// `e^x - 1`.
    Expm1 => unary("expm1").heavy().rjax("exp_m1").spelled(&["exp_m1", "expm1"], &["expm1"]),
    /// Square root.
    Sqrt => unary("sqrt").std("sqrt").spelled(&["sqrt"], &["sqrt"]),
    /// `1 / sqrt x`.
    Rsqrt => unary("rsqrt").spelled(&["rsqrt"], &[]),
    /// `|x|`.
    Abs => unary("abs").spelled(&["abs"], &["abs"]),
    /// `-1, 0, 1`.
    Sign => unary("sign").spelled(&["signum", "sign"], &["sign"]),
    /// `1 / (1 + e^-x)`.
    Logistic => unary("logistic").heavy().rjax("logistic").spelled(&["logistic", "sigmoid"], &[]),
    /// `x^y` for an integer param `y` (spelled `x.powi(n)`, lowered by
    /// the macros: the exponent is a param).
    IntegerPow => unary("integer_pow"),
    /// `x*x`.
    Square => unary("square").spelled(&["square"], &["square"]),
    /// Identity whose derivative is zero.
    StopGradient => unary("stop_gradient"),
    /// Logical/bitwise not.
    Not => unary("not"),
    /// `floor x`.
    Floor => unary("floor"),
    /// `x + y`.
    Add => binary("add"),
    /// `x + y` for accumulating cotangents.
    AddAny => binary("add_any"),
    /// `x - y`.
    Sub => binary("sub"),
    /// `x * y`.
    Mul => binary("mul"),
    /// `x / y`.
    Div => binary("div"),
    /// Elementwise maximum.
    Max => binary("max").spelled(&["maximum", "max"], &["maximum"]),
    /// Elementwise minimum.
    Min => binary("min").spelled(&["minimum", "min"], &["minimum"]),
    /// `x ^ y` (floats).
    Pow => binary("pow").heavy().std("powf").spelled(&["powf", "pow"], &["power"]),
    /// Remainder (C semantics, like `lax.rem`).
    Rem => binary("rem"),
    /// Logical/bitwise and.
    And => binary("and"),
    /// Logical/bitwise or.
    Or => binary("or"),
    /// Bitwise xor.
    Xor => binary("xor"),
    /// `==`.
    Eq => compare("eq").spelled(&["equal"], &[]),
    /// `!=`.
    Ne => compare("ne").spelled(&["not_equal"], &[]),
    /// `<`.
    Lt => compare("lt").spelled(&["less"], &[]),
    /// `<=`.
    Le => compare("le").spelled(&["less_equal"], &[]),
    /// `>`.
    Gt => compare("gt").spelled(&["greater"], &[]),
    /// `>=`.
    Ge => compare("ge").spelled(&["greater_equal"], &[]),
    /// `select_n pred case0 case1 ...`: case0 where pred is false/0.
    SelectN => op("select_n", Select, AtLeast(2)),
    /// Cast to `new_dtype`.
    ConvertElementType => op("convert_element_type", Cast, Exactly(1)),
    /// Sum over `axes`.
    ReduceSum => op("reduce_sum", Reduction, Exactly(1)).spelled(&["sum"], &["sum"]),
    /// Max over `axes`.
    ReduceMax => op("reduce_max", Reduction, Exactly(1)).spelled(&["max"], &[]),
    /// Min over `axes`.
    ReduceMin => op("reduce_min", Reduction, Exactly(1)).spelled(&["min"], &[]),
    /// Index of the max along `axes` (one axis), as `index_dtype`.
    Argmax => op("argmax", Reduction, Exactly(1)),
    /// Index of the min along `axes` (one axis), as `index_dtype`.
    Argmin => op("argmin", Reduction, Exactly(1)),
    /// Cumulative sum along `axis` (`reverse` for suffix sums).
    Cumsum => op("cumsum", Cumulative, Exactly(1)),
    /// Generalised matrix product.
    DotGeneral => op("dot_general", Linalg, Exactly(2)),
    /// Axis permutation.
    Transpose => op("transpose", Structural, Exactly(1)),
    /// Same data, new dims.
    Reshape => op("reshape", Structural, Exactly(1)),
    /// Broadcast to `shape`, operand axis i going to `broadcast_dimensions[i]`.
    BroadcastInDim => op("broadcast_in_dim", Structural, Exactly(1)),
    /// Remove size-1 `dimensions`.
    Squeeze => op("squeeze", Structural, Exactly(1)),
    /// Insert size-1 `dimensions`.
    ExpandDims => op("expand_dims", Structural, Exactly(1)),
    /// Static strided slice.
    Slice => op("slice", Structural, Exactly(1)),
    /// Slice of `slice_sizes` at run-time start indices (clamped like XLA).
    DynamicSlice => op("dynamic_slice", Structural, AtLeast(1)),
    /// Overwrite a window at run-time start indices (clamped like XLA).
    DynamicUpdateSlice => op("dynamic_update_slice", Structural, AtLeast(2)),
    /// Join along `dimension`.
    Concatenate => op("concatenate", Structural, AtLeast(1)),
    /// Pad with `padding_config` ((lo, hi, interior), ...) and a value.
    Pad => op("pad", Structural, Exactly(2)),
    /// `0, 1, 2, ...` along `dimension` of `shape`.
    Iota => op("iota", Nullary, Exactly(0)),
    /// A (possibly symbolic) dimension size as an `i32[]` value (`dim`),
    /// as JAX's shape polymorphism writes `n` in `mean` of `f32[n]`.
    DimAsValue => op("dim_as_value", Nullary, Exactly(0)),
    /// `take` along `axis` with an integer index array (clamped).
    Gather => op("gather", Structural, Exactly(2)),
    /// Transpose of `gather`: add `updates` into `operand` at indices.
    ScatterAdd => op("scatter_add", Structural, Exactly(3)),
    /// `cond[branches] index operands...`.
    Cond => op("cond", ControlFlow, AtLeast(1)),
    /// `scan[jaxpr length num_consts num_carry reverse] consts carry xs`.
    Scan => op("scan", ControlFlow, AtLeast(0)),
    /// `while[cond_jaxpr body_jaxpr cond_nconsts body_nconsts]`.
    While => op("while", ControlFlow, AtLeast(0)),
    /// The reverse pass of a `while` with a tape of its trips (emitted by
    /// `while`'s transpose rule): `while_reverse[cond_jaxpr step_jaxpr
    /// back_jaxpr cond_nconsts step_nconsts num_state]`.
    WhileReverse => op("while_reverse", ControlFlow, AtLeast(0)),
    /// A function with a user JVP rule (`call_jaxpr`, `jvp_jaxpr`).
    CustomJvpCall => op("custom_jvp_call", Custom, AtLeast(0)),
    /// A function with a user VJP rule (`call_jaxpr`, `fwd_jaxpr`, `bwd_jaxpr`).
    CustomVjpCall => op("custom_vjp_call", Custom, AtLeast(0)),
    /// The linear part of a `custom_vjp_call` after JVP: residuals ++
    /// tangents -> output tangents; transposes through `bwd_jaxpr`.
    CustomLin => op("custom_lin", Custom, AtLeast(0)),
    /// The threefry2x32 block cipher on u32 words.
    Threefry2x32 => op("threefry2x32", Random, Exactly(4)),
    /// Random bits of `shape`/`bit_width` from key data (`u32[2]`).
    RandomBits => op("random_bits", Random, Exactly(1)),
    /// Sum over the devices of mesh `axes` (inside `shard_map`); the
    /// result is the same on every device of the group.
    Psum => op("psum", Collective, Exactly(1)),
    /// Max over the devices of mesh `axes`.
    Pmax => op("pmax", Collective, Exactly(1)),
    /// Min over the devices of mesh `axes`.
    Pmin => op("pmin", Collective, Exactly(1)),
    /// Identity marking a replicated value as device-varying over `axes`
    /// (JAX's `pvary`); transposes to `psum`.
    Pvary => op("pvary", Collective, Exactly(1)),
    /// The group's values stacked (or, `tiled`, concatenated) along
    /// `all_gather_dimension`.
    AllGather => op("all_gather", Collective, Exactly(1)),
    /// Sum over the group, this device keeping its block of
    /// `scatter_dimension` (JAX's `psum_scatter`).
    ReduceScatter => op("reduce_scatter", Collective, Exactly(1)),
    /// Send to other devices along `axis_name` by `perm` ((src, dst) pairs).
    Ppermute => op("ppermute", Collective, Exactly(1)),
    /// This device's index along `axis_name` (i32).
    AxisIndex => op("axis_index", Collective, Exactly(0)),
    /// `n` new keys from each key (`jax.random.split`): `u32[*b, 2] -> u32[*b, n, 2]`.
    RandomSplit => op("random_split", Random, Exactly(1)),
    /// A new key from a key and a u32 (`jax.random.fold_in`).
    RandomFoldIn => op("random_fold_in", Random, Exactly(2)),
    /// Uniform floats in `[minval, maxval)` of `shape`/`dtype` per key.
    RandomUniform => op("random_uniform", Random, AtLeast(1)),
    /// Standard normal floats of `shape`/`dtype` per key.
    RandomNormal => op("random_normal", Random, AtLeast(1)),
    /// Booleans, true with probability `p`, of `shape` per key.
    RandomBernoulli => op("random_bernoulli", Random, AtLeast(1)),
    /// i32 integers in `[minval, maxval)` of `shape` per key.
    RandomRandint => op("random_randint", Random, AtLeast(1)),
    /// Standard Gumbel floats of `shape`/`dtype` per key.
    RandomGumbel => op("random_gumbel", Random, AtLeast(1)),
    /// Standard exponential floats of `shape`/`dtype` per key.
    RandomExponential => op("random_exponential", Random, AtLeast(1)),
    /// Normal floats truncated to `(lower, upper)`, of `shape`/`dtype` per key.
    RandomTruncatedNormal => op("random_truncated_normal", Random, AtLeast(1)),
}

impl fmt::Display for Prim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        for &p in Prim::ALL {
            assert_eq!(Prim::from_name(p.name()), Some(p), "{p:?}");
        }
    }

    #[test]
    fn spellings_are_unambiguous() {
        // One primitive per (name, argument count), so a body's call has
        // one meaning.
        let mut seen = std::collections::HashMap::new();
        for (n, a, p) in Prim::method_spellings() {
            assert_eq!(*seen.entry((n, a)).or_insert(p), p, "method {n}/{a}");
        }
        let mut seen = std::collections::HashMap::new();
        for (n, a, p) in Prim::function_spellings() {
            assert_eq!(*seen.entry((n, a)).or_insert(p), p, "function {n}/{a}");
        }
        assert_eq!(Prim::from_method("ln", 0), Ok(Prim::Log));
        assert_eq!(Prim::from_method("max", 1), Ok(Prim::Max));
        assert_eq!(Prim::from_method("max", 0), Ok(Prim::ReduceMax));
        assert_eq!(Prim::from_function("maximum", 2), Ok(Prim::Max));
        assert_eq!(Prim::from_method("sin", 1), Err(vec![0]));
    }

    #[test]
    fn kernels_belong_to_float_elementwise_primitives() {
        for &p in Prim::ALL {
            if p.kernel() != Kernel::None || p.is_transcendental() {
                assert!(p.is_elementwise(), "{p:?}");
            }
        }
    }
}
