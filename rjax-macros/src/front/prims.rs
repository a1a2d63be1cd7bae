//! The names an annotated body may call, as methods or free functions, with
//! their arity and the rjax-core primitive they lower to. Scalar methods keep
//! Rust's names (`ln`, `powi`, `max`), array methods jax.numpy's.

/// What a call lowers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// An elementwise unary primitive (`sin`, `exp`, ...), by its IR name.
    Unary(&'static str),
    /// An elementwise binary primitive (`max`, `pow`, ...), by its IR name.
    Binary(&'static str),
    /// `x.powi(n)`: `integer_pow[y=n]`.
    Powi,
    /// Full reduction (`sum`, `mean`, `max`/`min` with no argument), by name.
    Reduce(&'static str),
    /// `a.mean()`: `reduce_sum` over all axes divided by the element count.
    Mean,
    /// `a.sum_axes(&[k, ..], keepdims)` and its `mean_axes`, `max_axes`,
    /// `min_axes` siblings: the reduction over `axes` (then `expand_dims`
    /// when `keepdims`). `"mean"` divides a `reduce_sum` by the count.
    Axes(&'static str),
    /// `a.reshape(&[2, -1])`: `reshape[new_sizes]`, one `-1` inferred.
    Reshape,
    /// `a.broadcast_to(&[4, 3])`: NumPy broadcasting to a constant shape.
    BroadcastTo,
    /// `a.flatten()`: reshape to one axis.
    Flatten,
    /// `a.transpose(&[1, 0, 2])`: `transpose[permutation]`.
    Permute,
    /// `a.slice(&[1..3, 0..2])`: a static `slice`, one range per axis.
    Slice,
    /// `a.expand_dims(k)`: insert a size-1 axis at `k`.
    ExpandDims,
    /// `a.squeeze()`: remove every axis known to be 1.
    Squeeze,
    /// `a.squeeze_axes(&[k])`: remove the size-1 axes `k`.
    SqueezeAxes,
    /// `a.argmax()`: the flat index of the largest element.
    Argmax,
    /// `a.argmax_axis(k, keepdims)`: `i32` indices along axis `k`.
    ArgmaxAxis,
    /// `a.item()`: the value of a rank-0 array (`a.dot(&b).item()`).
    Item,
    /// `a.index(i)`: the sub-array at `i` along axis 0 (a row of a matrix),
    /// with a constant or a run-time integer `i`.
    Index,
    /// `concatenate(&[a, b], axis)`: join along an existing axis.
    Concatenate,
    /// `stack(&[a, b], axis)`: join along a new axis.
    Stack,
    /// `a.dot(&b)` / `a.matmul(&b)`: `dot_general`.
    Dot,
    /// `a.t()`: reverse the axes.
    T,
    /// `x.clone()`: the identity.
    Identity,
    /// `where_(c, a, b)`: `select_n c b a`.
    Where,
    /// `x.shape()`: only as the shape argument of a random function or a
    /// constructor.
    Shape,
    /// `Array::zeros(&[2, 3])`, `zeros_like(&x)` and their siblings, with
    /// the element type of a turbofish; lowered by `lower/fill.rs`.
    Fill(Fill, Option<crate::front::ast::Scalar>),
    /// A function of `rjax::random` (`random::normal::<f32>(key, &[3])`),
    /// with the float type of its turbofish; lowered by `lower/random.rs`.
    Random(RandomFn, Option<crate::front::ast::Scalar>),
}

/// The array constructors an annotated body may call (the eager API's
/// `Array::zeros` and jax.numpy's `zeros_like`, same signatures).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    /// `Array::zeros(shape)`
    Zeros,
    /// `Array::ones(shape)`
    Ones,
    /// `Array::full(shape, value)`
    Full,
    /// `zeros_like(&x)`
    ZerosLike,
    /// `ones_like(&x)`
    OnesLike,
    /// `full_like(&x, value)`
    FullLike,
}

/// `Array::zeros(&[2, 3])` / `Array::<f32>::ones(x.shape())` /
/// `Array::full(&[3], v)`: `None` when the path is not one of them.
pub fn constructor_call(path: &syn::Path, arity: usize) -> Option<Result<Op, String>> {
    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let [ty, name] = &segs[..] else {
        return None;
    };
    let (fill, want) = match (ty.as_str(), name.as_str()) {
        ("Array", "zeros") => (Fill::Zeros, 1),
        ("Array", "ones") => (Fill::Ones, 1),
        ("Array", "full") => (Fill::Full, 2),
        _ => return None,
    };
    let elem = match &path.segments[0].arguments {
        syn::PathArguments::AngleBracketed(a) => match a.args.first() {
            Some(syn::GenericArgument::Type(syn::Type::Path(t))) => {
                match t.path.get_ident().and_then(|i| crate::front::ast::Scalar::from_ident(&i.to_string())) {
                    Some(s) if s != crate::front::ast::Scalar::Usize => Some(s),
                    _ => return Some(Err("write the element type as `Array::<f32>::zeros(..)` (f32, f64, i32, u32 or bool)".to_string())),
                }
            }
            _ => {
                return Some(Err(
                    "write the element type as `Array::<f32>::zeros(..)`".to_string()
                ));
            }
        },
        _ => None,
    };
    Some(if arity == want {
        Ok(Op::Fill(fill, elem))
    } else {
        Err(format!(
            "`Array::{name}` takes {want} argument(s), not {arity}"
        ))
    })
}

/// The `rjax::random` functions an annotated body may call (same names and
/// signatures as the eager runtime functions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RandomFn {
    /// `split(key, n) -> Vec<Key>`
    Split,
    /// `split2(key) -> [Key; 2]`
    Split2,
    /// `fold_in(key, data: u32) -> Key`
    FoldIn,
    /// `uniform::<T>(key, shape, minval, maxval)`
    Uniform,
    /// `normal::<T>(key, shape)`
    Normal,
    /// `truncated_normal::<T>(key, lower, upper, shape)`
    TruncatedNormal,
    /// `gumbel::<T>(key, shape)`
    Gumbel,
    /// `exponential::<T>(key, shape)`
    Exponential,
    /// `bernoulli(key, p, shape)`
    Bernoulli,
    /// `randint(key, shape, minval, maxval)`
    Randint,
    /// `bits::<u32>(key, shape)`
    Bits,
}

/// (name, arguments, function) of the accepted `random::` calls.
pub const RANDOM: &[(&str, usize, RandomFn)] = &[
    ("split", 2, RandomFn::Split),
    ("split2", 1, RandomFn::Split2),
    ("fold_in", 2, RandomFn::FoldIn),
    ("uniform", 4, RandomFn::Uniform),
    ("normal", 2, RandomFn::Normal),
    ("truncated_normal", 4, RandomFn::TruncatedNormal),
    ("gumbel", 2, RandomFn::Gumbel),
    ("exponential", 2, RandomFn::Exponential),
    ("bernoulli", 3, RandomFn::Bernoulli),
    ("randint", 4, RandomFn::Randint),
    ("bits", 2, RandomFn::Bits),
];

/// `random::NAME::<T>(..)` (also `rjax::random::NAME`): the function and
/// its turbofish type; `Err` explains a name or arity that is not accepted.
/// `None` when the path is not a `random::` path.
pub fn random_call(path: &syn::Path, arity: usize) -> Option<Result<Op, String>> {
    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let n = segs.len();
    if n < 2
        || segs[n - 2] != "random"
        || !segs[..n - 2].iter().all(|s| s == "rjax" || s == "runtime")
    {
        return None;
    }
    let name = &segs[n - 1];
    let elem = match &path.segments[n - 1].arguments {
        syn::PathArguments::AngleBracketed(a) => match a.args.first() {
            Some(syn::GenericArgument::Type(syn::Type::Path(t)))
                if ["f32", "f64", "u32"].iter().any(|s| t.path.is_ident(s)) =>
            {
                Some(match t.path.get_ident().map(|i| i.to_string()).as_deref() {
                    Some("f32") => crate::front::ast::Scalar::F32,
                    Some("f64") => crate::front::ast::Scalar::F64,
                    _ => crate::front::ast::Scalar::U32,
                })
            }
            _ => {
                return Some(Err(format!(
                    "`random::{name}` takes `::<f32>` or `::<f64>` (`bits`: `::<u32>`)"
                )));
            }
        },
        _ => None,
    };
    let names: Vec<&str> = RANDOM.iter().map(|(n, _, _)| *n).collect();
    Some(match RANDOM.iter().find(|(n, _, _)| n == name) {
        Some((_, a, f)) if *a == arity => Ok(Op::Random(*f, elem)),
        Some((_, a, _)) => Err(format!(
            "`random::{name}` takes {a} argument(s), not {arity}"
        )),
        None => Err(format!(
            "`random::{name}` is not available in a transformed function: use one of {}",
            names.join(", ")
        )),
    })
}

/// (name, number of arguments besides the receiver, op).
pub const METHODS: &[(&str, usize, Op)] = &[
    ("sin", 0, Op::Unary("sin")),
    ("cos", 0, Op::Unary("cos")),
    ("tan", 0, Op::Unary("tan")),
    ("tanh", 0, Op::Unary("tanh")),
    ("exp", 0, Op::Unary("exp")),
    ("ln", 0, Op::Unary("log")),
    ("log", 0, Op::Unary("log")),
    ("ln_1p", 0, Op::Unary("log1p")),
    ("log1p", 0, Op::Unary("log1p")),
    ("exp_m1", 0, Op::Unary("expm1")),
    ("expm1", 0, Op::Unary("expm1")),
    ("sqrt", 0, Op::Unary("sqrt")),
    ("rsqrt", 0, Op::Unary("rsqrt")),
    ("abs", 0, Op::Unary("abs")),
    ("signum", 0, Op::Unary("sign")),
    ("sign", 0, Op::Unary("sign")),
    ("logistic", 0, Op::Unary("logistic")),
    ("sigmoid", 0, Op::Unary("logistic")),
    ("square", 0, Op::Unary("square")),
    ("neg", 0, Op::Unary("neg")),
    ("powi", 1, Op::Powi),
    ("powf", 1, Op::Binary("pow")),
    ("pow", 1, Op::Binary("pow")),
    ("maximum", 1, Op::Binary("max")),
    ("minimum", 1, Op::Binary("min")),
    ("max", 1, Op::Binary("max")),
    ("min", 1, Op::Binary("min")),
    ("max", 0, Op::Reduce("reduce_max")),
    ("min", 0, Op::Reduce("reduce_min")),
    ("sum", 0, Op::Reduce("reduce_sum")),
    ("equal", 1, Op::Binary("eq")),
    ("not_equal", 1, Op::Binary("ne")),
    ("less", 1, Op::Binary("lt")),
    ("less_equal", 1, Op::Binary("le")),
    ("greater", 1, Op::Binary("gt")),
    ("greater_equal", 1, Op::Binary("ge")),
    ("sum_axes", 2, Op::Axes("reduce_sum")),
    ("mean_axes", 2, Op::Axes("mean")),
    ("max_axes", 2, Op::Axes("reduce_max")),
    ("min_axes", 2, Op::Axes("reduce_min")),
    ("mean", 0, Op::Mean),
    ("reshape", 1, Op::Reshape),
    ("broadcast_to", 1, Op::BroadcastTo),
    ("flatten", 0, Op::Flatten),
    ("transpose", 1, Op::Permute),
    // `a.transpose()`: all axes reversed (jnp), nalgebra's transpose.
    ("transpose", 0, Op::T),
    ("slice", 1, Op::Slice),
    ("expand_dims", 1, Op::ExpandDims),
    ("squeeze", 0, Op::Squeeze),
    ("squeeze_axes", 1, Op::SqueezeAxes),
    ("argmax", 0, Op::Argmax),
    ("argmax_axis", 2, Op::ArgmaxAxis),
    ("item", 0, Op::Item),
    ("index", 1, Op::Index),
    ("dot", 1, Op::Dot),
    ("matmul", 1, Op::Dot),
    ("t", 0, Op::T),
    ("clone", 0, Op::Identity),
    ("shape", 0, Op::Shape),
];

/// Free functions (jax.numpy names): (name, arity, op).
pub const FUNCTIONS: &[(&str, usize, Op)] = &[
    ("sin", 1, Op::Unary("sin")),
    ("cos", 1, Op::Unary("cos")),
    ("tan", 1, Op::Unary("tan")),
    ("tanh", 1, Op::Unary("tanh")),
    ("exp", 1, Op::Unary("exp")),
    ("log", 1, Op::Unary("log")),
    ("log1p", 1, Op::Unary("log1p")),
    ("expm1", 1, Op::Unary("expm1")),
    ("sqrt", 1, Op::Unary("sqrt")),
    ("abs", 1, Op::Unary("abs")),
    ("sign", 1, Op::Unary("sign")),
    ("square", 1, Op::Unary("square")),
    ("maximum", 2, Op::Binary("max")),
    ("minimum", 2, Op::Binary("min")),
    ("power", 2, Op::Binary("pow")),
    ("sum", 1, Op::Reduce("reduce_sum")),
    ("mean", 1, Op::Mean),
    ("reshape", 2, Op::Reshape),
    ("broadcast_to", 2, Op::BroadcastTo),
    ("concatenate", 2, Op::Concatenate),
    ("stack", 2, Op::Stack),
    ("dot", 2, Op::Dot),
    ("matmul", 2, Op::Dot),
    ("transpose", 1, Op::T),
    ("where_", 3, Op::Where),
    ("zeros_like", 1, Op::Fill(Fill::ZerosLike, None)),
    ("ones_like", 1, Op::Fill(Fill::OnesLike, None)),
    ("full_like", 2, Op::Fill(Fill::FullLike, None)),
];

/// Looks a method up by name and arity; `Err` holds the arities it has.
pub fn method(name: &str, arity: usize) -> Result<Op, Vec<usize>> {
    lookup(METHODS, name, arity)
}

/// Looks a free function up by name and arity.
pub fn function(name: &str, arity: usize) -> Result<Op, Vec<usize>> {
    lookup(FUNCTIONS, name, arity)
}

fn lookup(table: &[(&str, usize, Op)], name: &str, arity: usize) -> Result<Op, Vec<usize>> {
    let mut arities = Vec::new();
    for (n, a, op) in table {
        if *n == name {
            if *a == arity {
                return Ok(*op);
            }
            arities.push(*a);
        }
    }
    Err(arities)
}

/// Every method name, for suggestions.
pub fn method_names() -> Vec<&'static str> {
    METHODS.iter().map(|(n, _, _)| *n).collect()
}

/// Every free-function name, for suggestions.
pub fn function_names() -> Vec<&'static str> {
    FUNCTIONS.iter().map(|(n, _, _)| *n).collect()
}
