//! Support for the code the macros generate. Not part of the public API:
//! names and signatures may change with the macros.

use std::collections::HashMap;
use std::sync::Arc;

use rjax_core::{Jaxpr, Param};
use rjax_runtime::{Array, Element};

#[path = "private/batch.rs"]
mod batch;
pub use batch::{Batch, check_batch_sizes};

/// Bound on the generated `grad` of a function whose output is not a
/// scalar: never satisfied, so calling it is a compile error that says
/// what to use instead.
#[diagnostic::on_unimplemented(
    message = "`grad` needs a function with a scalar f32/f64 output, and this one returns an array or a tuple",
    label = "this function has no `grad`",
    note = "use `jacobian` (the full derivative) or `vjp` (a pullback of an output cotangent) instead"
)]
pub trait ScalarOutput {}

/// Bound on the generated `jvp`/`vjp`/`jacobian` of a function with an
/// integer or bool output: never satisfied, so calling them is a compile
/// error saying why they are missing (an integer output has no tangent).
#[diagnostic::on_unimplemented(
    message = "`jvp`, `vjp` and `jacobian` need every output to be f32/f64, and this function also returns an integer or a bool",
    label = "not generated for this function",
    note = "an integer output has no tangent: return it from a separate function, or convert it to a float (`as f64`)"
)]
pub trait FloatOutputs {}

/// `jaxpr` with its symbolic dims replaced by the given sizes (what
/// `f::make_jaxpr(..)` prints).
pub fn specialize(j: &Jaxpr, dims: &[(&str, usize)]) -> Jaxpr {
    let env: HashMap<String, i64> = dims
        .iter()
        .map(|(s, v)| (s.to_string(), *v as i64))
        .collect();
    specialize_env(j, &env)
}

fn specialize_env(j: &Jaxpr, env: &HashMap<String, i64>) -> Jaxpr {
    let mut j = j.clone();
    for t in &mut j.types {
        t.shape = t.shape.substitute(env);
    }
    for e in &mut j.eqns {
        for p in e.params.values_mut() {
            *p = param(p, env);
        }
    }
    j
}

fn param(p: &Param, env: &HashMap<String, i64>) -> Param {
    match p {
        Param::Dim(d) => Param::Dim(d.substitute(env)),
        Param::Tuple(v) => Param::Tuple(v.iter().map(|x| param(x, env)).collect()),
        Param::List(v) => Param::List(v.iter().map(|x| param(x, env)).collect()),
        Param::Jaxpr(j) => Param::Jaxpr(Arc::new(specialize_env(j, env))),
        other => other.clone(),
    }
}

/// A size computed by emitted code from symbolic dimensions (checked
/// `i64` arithmetic, see `rjax-macros`' `dim_expr`): panics when it
/// overflowed or came out negative instead of passing a bogus length on.
#[track_caller]
#[inline]
pub fn dim_size(v: Option<i64>) -> usize {
    match v.map(usize::try_from) {
        Some(Ok(n)) => n,
        _ => panic!("jit: a size computed from the input shapes is out of range ({v:?})"),
    }
}

/// `x[i]` along axis 0 of an array of rank >= 2 (a scan's per-step input).
pub fn index_axis0<T: Element>(x: &Array<T>, i: usize) -> Array<T> {
    let inner: Vec<usize> = x.shape()[1..].to_vec();
    let n: usize = inner.iter().product();
    let data = x.as_slice()[i * n..(i + 1) * n].to_vec();
    Array::from_shape_vec(inner, data).expect("index_axis0: consistent shape")
}

/// Stacks scalars into a 1-d array (a scan's per-step outputs).
pub fn stack_scalars<T: Element>(xs: Vec<T>) -> Array<T> {
    Array::from_vec(xs)
}

/// Stacks equal-shaped arrays along a new axis 0.
pub fn stack_arrays<T: Element>(xs: Vec<Array<T>>) -> Array<T> {
    let inner: Vec<usize> = xs.first().map(|a| a.shape().to_vec()).unwrap_or_default();
    let mut shape = vec![xs.len()];
    shape.extend(&inner);
    let mut data = Vec::with_capacity(rjax_runtime::array::size("stack", &shape));
    for a in &xs {
        assert_eq!(a.shape(), &inner[..], "scan: per-step outputs change shape");
        data.extend_from_slice(a.as_slice());
    }
    Array::from_shape_vec(shape, data).expect("stack_arrays: consistent shape")
}

/// nalgebra, for the `SMatrix` results of the companions of functions
/// taking nalgebra parameters (Jacobians, Hessians).
pub use nalgebra;

/// Bound on the generated `hessian` of a function differentiated with
/// respect to a `#[derive(Tree)]` struct: never satisfied.
#[diagnostic::on_unimplemented(
    message = "`hessian` with respect to a `#[derive(Tree)]` struct or an `SMatrix` is not generated (its blocks would not fit the argument's type)",
    label = "no `hessian` for this argument",
    note = "differentiate with respect to an `Array` parameter (`#[grad] fn f(w: &Array<f64>, ..)`: the Hessian is an `Array` of shape w.shape() ++ w.shape()) or an `SVector` (an `SMatrix` Hessian)"
)]
pub trait HessianOfStruct {}

/// Bound on the generated `jacobian` of a function whose Jacobian has no
/// type (with respect to a struct with scalar fields when the output is
/// an array, or an `SMatrix` argument): never satisfied.
#[diagnostic::on_unimplemented(
    message = "this `jacobian` is not generated: its blocks would not fit the argument's type",
    label = "no `jacobian` for this argument",
    note = "a Jacobian with respect to a struct needs `Array` fields (each block has shape out ++ field), or a scalar output; one with respect to nalgebra needs an `SVector` argument and a scalar or `SVector` output: use `vjp`/`jvp`, or take the value as an `Array`"
)]
pub trait JacobianOfThis {}
