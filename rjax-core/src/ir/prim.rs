//! The primitive set: names exactly as JAX prints them. The rules of each
//! primitive (shape, evaluation, JVP, transpose, batching) live in
//! `crate::rules`, grouped by family.

use std::fmt;

macro_rules! prims {
    ($($(#[$doc:meta])* $v:ident => $name:literal,)*) => {
        /// A primitive operation.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Prim {
            $($(#[$doc])* $v,)*
        }
        impl Prim {
            /// Every primitive, in declaration order.
            pub const ALL: &'static [Prim] = &[$(Prim::$v,)*];
            /// The name JAX prints.
            pub fn name(self) -> &'static str {
                match self { $(Prim::$v => $name,)* }
            }
            /// Looks a primitive up by its printed name.
            pub fn from_name(s: &str) -> Option<Prim> {
                match s { $($name => Some(Prim::$v),)* _ => None }
            }
        }
    };
}

prims! {
    /// `-x`.
    Neg => "neg",
    /// `sin x`.
    Sin => "sin",
    /// `cos x`.
    Cos => "cos",
    /// `tan x`.
    Tan => "tan",
    /// `tanh x`.
    Tanh => "tanh",
    /// `e^x`.
    Exp => "exp",
    /// Natural log.
    Log => "log",
    /// `log(1 + x)`.
    Log1p => "log1p",
    /// `e^x - 1`.
    Expm1 => "expm1",
    /// Square root.
    Sqrt => "sqrt",
    /// `1 / sqrt x`.
    Rsqrt => "rsqrt",
    /// `|x|`.
    Abs => "abs",
    /// `-1, 0, 1`.
    Sign => "sign",
    /// `1 / (1 + e^-x)`.
    Logistic => "logistic",
    /// `x^y` for an integer param `y`.
    IntegerPow => "integer_pow",
    /// `x*x`.
    Square => "square",
    /// Identity whose derivative is zero.
    StopGradient => "stop_gradient",
    /// Logical/bitwise not.
    Not => "not",
    /// `floor x`.
    Floor => "floor",
    /// `x + y`.
    Add => "add",
    /// `x + y` for accumulating cotangents.
    AddAny => "add_any",
    /// `x - y`.
    Sub => "sub",
    /// `x * y`.
    Mul => "mul",
    /// `x / y`.
    Div => "div",
    /// Elementwise maximum.
    Max => "max",
    /// Elementwise minimum.
    Min => "min",
    /// `x ^ y` (floats).
    Pow => "pow",
    /// Remainder (C semantics, like `lax.rem`).
    Rem => "rem",
    /// Logical/bitwise and.
    And => "and",
    /// Logical/bitwise or.
    Or => "or",
    /// Bitwise xor.
    Xor => "xor",
    /// `==`.
    Eq => "eq",
    /// `!=`.
    Ne => "ne",
    /// `<`.
    Lt => "lt",
    /// `<=`.
    Le => "le",
    /// `>`.
    Gt => "gt",
    /// `>=`.
    Ge => "ge",
    /// `select_n pred case0 case1 ...`: case0 where pred is false/0.
    SelectN => "select_n",
    /// Cast to `new_dtype`.
    ConvertElementType => "convert_element_type",
    /// Sum over `axes`.
    ReduceSum => "reduce_sum",
    /// Max over `axes`.
    ReduceMax => "reduce_max",
    /// Min over `axes`.
    ReduceMin => "reduce_min",
    /// Index of the max along `axes` (one axis), as `index_dtype`.
    Argmax => "argmax",
    /// Index of the min along `axes` (one axis), as `index_dtype`.
    Argmin => "argmin",
    /// Cumulative sum along `axis` (`reverse` for suffix sums).
    Cumsum => "cumsum",
    /// Generalised matrix product.
    DotGeneral => "dot_general",
    /// Axis permutation.
    Transpose => "transpose",
    /// Same data, new dims.
    Reshape => "reshape",
    /// Broadcast to `shape`, operand axis i going to `broadcast_dimensions[i]`.
    BroadcastInDim => "broadcast_in_dim",
    /// Remove size-1 `dimensions`.
    Squeeze => "squeeze",
    /// Insert size-1 `dimensions`.
    ExpandDims => "expand_dims",
    /// Static strided slice.
    Slice => "slice",
    /// Slice of `slice_sizes` at run-time start indices (clamped like XLA).
    DynamicSlice => "dynamic_slice",
    /// Overwrite a window at run-time start indices (clamped like XLA).
    DynamicUpdateSlice => "dynamic_update_slice",
    /// Join along `dimension`.
    Concatenate => "concatenate",
    /// Pad with `padding_config` ((lo, hi, interior), ...) and a value.
    Pad => "pad",
    /// `0, 1, 2, ...` along `dimension` of `shape`.
    Iota => "iota",
    /// A (possibly symbolic) dimension size as an `i32[]` value (`dim`),
    /// as JAX's shape polymorphism writes `n` in `mean` of `f32[n]`.
    DimAsValue => "dim_as_value",
    /// `take` along `axis` with an integer index array (clamped).
    Gather => "gather",
    /// Transpose of `gather`: add `updates` into `operand` at indices.
    ScatterAdd => "scatter_add",
    /// `cond[branches] index operands...`.
    Cond => "cond",
    /// `scan[jaxpr length num_consts num_carry reverse] consts carry xs`.
    Scan => "scan",
    /// `while[cond_jaxpr body_jaxpr cond_nconsts body_nconsts]`.
    While => "while",
    /// The reverse pass of a `while` with a tape of its trips (emitted by
    /// `while`'s transpose rule): `while_reverse[cond_jaxpr step_jaxpr
    /// back_jaxpr cond_nconsts step_nconsts num_state]`.
    WhileReverse => "while_reverse",
    /// A function with a user JVP rule (`call_jaxpr`, `jvp_jaxpr`).
    CustomJvpCall => "custom_jvp_call",
    /// A function with a user VJP rule (`call_jaxpr`, `fwd_jaxpr`, `bwd_jaxpr`).
    CustomVjpCall => "custom_vjp_call",
    /// The linear part of a `custom_vjp_call` after JVP: residuals ++
    /// tangents -> output tangents; transposes through `bwd_jaxpr`.
    CustomLin => "custom_lin",
    /// The threefry2x32 block cipher on u32 words.
    Threefry2x32 => "threefry2x32",
    /// Random bits of `shape`/`bit_width` from key data (u32[2]).
    RandomBits => "random_bits",
    /// Sum over the devices of mesh `axes` (inside `shard_map`); the
    /// result is the same on every device of the group.
    Psum => "psum",
    /// Max over the devices of mesh `axes`.
    Pmax => "pmax",
    /// Min over the devices of mesh `axes`.
    Pmin => "pmin",
    /// Identity marking a replicated value as device-varying over `axes`
    /// (JAX's `pvary`); transposes to `psum`.
    Pvary => "pvary",
    /// The group's values stacked (or, `tiled`, concatenated) along
    /// `all_gather_dimension`.
    AllGather => "all_gather",
    /// Sum over the group, this device keeping its block of
    /// `scatter_dimension` (JAX's `psum_scatter`).
    ReduceScatter => "reduce_scatter",
    /// Send to other devices along `axis_name` by `perm` ((src, dst) pairs).
    Ppermute => "ppermute",
    /// This device's index along `axis_name` (i32).
    AxisIndex => "axis_index",
    /// `n` new keys from each key (`jax.random.split`): `u32[*b, 2] -> u32[*b, n, 2]`.
    RandomSplit => "random_split",
    /// A new key from a key and a u32 (`jax.random.fold_in`).
    RandomFoldIn => "random_fold_in",
    /// Uniform floats in `[minval, maxval)` of `shape`/`dtype` per key.
    RandomUniform => "random_uniform",
    /// Standard normal floats of `shape`/`dtype` per key.
    RandomNormal => "random_normal",
    /// Booleans, true with probability `p`, of `shape` per key.
    RandomBernoulli => "random_bernoulli",
    /// i32 integers in `[minval, maxval)` of `shape` per key.
    RandomRandint => "random_randint",
    /// Standard Gumbel floats of `shape`/`dtype` per key.
    RandomGumbel => "random_gumbel",
    /// Standard exponential floats of `shape`/`dtype` per key.
    RandomExponential => "random_exponential",
    /// Normal floats truncated to `(lower, upper)`, of `shape`/`dtype` per key.
    RandomTruncatedNormal => "random_truncated_normal",
}

impl fmt::Display for Prim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
