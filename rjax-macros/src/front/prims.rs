//! The names an annotated body may call, as methods or free functions, with
//! their arity and what they lower to. Scalar methods keep Rust's names
//! (`ln`, `powi`, `max`), array methods jax.numpy's.
//!
//! A name that is one primitive applied to the operands (`x.ln()`,
//! `maximum(a, b)`, `a.sum()`) is declared with that primitive in
//! rjax-core's table (`Prim::from_method`, `Prim::from_function`); the
//! lists here hold only the spellings the macros lower themselves:
//! compositions (`mean`, `flatten`), constant arguments (`powi`,
//! `reshape`), constructors and `random::` calls.

use rjax_core::Prim;
use rjax_core::ir::Family;

/// What a call lowers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// An elementwise unary primitive (`sin`, `exp`, ...).
    Unary(Prim),
    /// An elementwise binary primitive (`max`, `pow`, `lt` ...).
    Binary(Prim),
    /// `x.powi(n)`: `integer_pow[y=n]`.
    Powi,
    /// Full reduction (`sum`, `max`/`min` with no argument).
    Reduce(Prim),
    /// `a.mean()`: `reduce_sum` over all axes divided by the element count.
    Mean,
    /// `a.sum_axes(&[k, ..], keepdims)` and its `max_axes`, `min_axes`
    /// siblings: the reduction over `axes` (then `expand_dims` when
    /// `keepdims`).
    Axes(Prim),
    /// `a.mean_axes(&[k, ..], keepdims)`: a `reduce_sum` over `axes`
    /// divided by the count.
    MeanAxes,
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

/// Methods the macros lower themselves: (name, number of arguments
/// besides the receiver, op). One-primitive methods are in rjax-core's
/// table.
pub const METHODS: &[(&str, usize, Op)] = &[
    ("powi", 1, Op::Powi),
    ("sum_axes", 2, Op::Axes(Prim::ReduceSum)),
    ("mean_axes", 2, Op::MeanAxes),
    ("max_axes", 2, Op::Axes(Prim::ReduceMax)),
    ("min_axes", 2, Op::Axes(Prim::ReduceMin)),
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

/// Free functions (jax.numpy names) the macros lower themselves: (name,
/// arity, op). One-primitive functions are in rjax-core's table.
pub const FUNCTIONS: &[(&str, usize, Op)] = &[
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

/// The op of a one-primitive spelling, by the primitive's family.
fn prim_op(p: Prim) -> Op {
    match p.family() {
        Family::Reduction => Op::Reduce(p),
        Family::ElementwiseUnary => Op::Unary(p),
        _ => Op::Binary(p),
    }
}

/// The table's answer and the local list's, merged: an op, or every
/// argument count the name takes.
fn merge(table: Result<Prim, Vec<usize>>, local: Result<Op, Vec<usize>>) -> Result<Op, Vec<usize>> {
    match (table, local) {
        (Ok(p), _) => Ok(prim_op(p)),
        (_, Ok(op)) => Ok(op),
        (Err(mut a), Err(b)) => {
            a.extend(b);
            Err(a)
        }
    }
}

/// Looks a method up by name and arity; `Err` holds the arities it has.
pub fn method(name: &str, arity: usize) -> Result<Op, Vec<usize>> {
    merge(Prim::from_method(name, arity), lookup(METHODS, name, arity))
}

/// Looks a free function up by name and arity.
pub fn function(name: &str, arity: usize) -> Result<Op, Vec<usize>> {
    merge(
        Prim::from_function(name, arity),
        lookup(FUNCTIONS, name, arity),
    )
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
    let table = Prim::method_spellings().map(|(n, _, _)| n);
    table.chain(METHODS.iter().map(|(n, _, _)| *n)).collect()
}

/// Every free-function name, for suggestions.
pub fn function_names() -> Vec<&'static str> {
    let table = Prim::function_spellings().map(|(n, _, _)| n);
    table.chain(FUNCTIONS.iter().map(|(n, _, _)| *n)).collect()
}
