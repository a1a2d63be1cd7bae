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
    /// `a.sum_axes(&[k, ..], keepdims)`: `reduce_sum[axes]` (then
    /// `expand_dims` when `keepdims`).
    SumAxes,
    /// `a.dot(&b)` / `a.matmul(&b)`: `dot_general`.
    Dot,
    /// `a.t()`: reverse the axes.
    T,
    /// `x.clone()`: the identity.
    Identity,
    /// `where_(c, a, b)`: `select_n c b a`.
    Where,
    /// A collective over mesh axes (`psum(x, "data")` ...), with its
    /// constant arguments; see `lower::collective`.
    Collective(crate::lower::collective::Coll),
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
    ("sum_axes", 2, Op::SumAxes),
    ("dot", 1, Op::Dot),
    ("matmul", 1, Op::Dot),
    ("t", 0, Op::T),
    ("clone", 0, Op::Identity),
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
    ("dot", 2, Op::Dot),
    ("matmul", 2, Op::Dot),
    ("transpose", 1, Op::T),
    ("where_", 3, Op::Where),
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
