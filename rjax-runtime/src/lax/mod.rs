//! `lax`: one function per primitive of docs/ARCHITECTURE.md, named like the
//! primitive, taking `&Array<T>` operands and the primitive's params as
//! plain Rust values. This is what rjax-macros emits calls to, and what
//! `Array`'s jax.numpy-style methods are built on.
//!
//! Every function that can fail on shapes has a `try_` twin returning
//! [`crate::Result`]; the plain form panics with exactly that error's text,
//! which names the primitive and the shapes (`add: shapes [2, 3] and [4]
//! cannot be broadcast together (3 != 4 at axis -1)`).
//!
//! Element bounds: [`Element`](crate::Element) = any of `f32 f64 i32 u32
//! bool`; [`Num`](crate::dtype::Num) = `f32 f64 i32 u32`;
//! [`Float`](crate::dtype::Float) = `f32 f64`.
//!
//! # Signatures
//!
//! ```text
//! // elementwise unary (unary.rs)
//! neg abs sign square            <T: Num>(x: &Array<T>) -> Array<T>
//! sin cos tan tanh exp log log1p expm1 sqrt rsqrt logistic
//!                                <T: Float>(x: &Array<T>) -> Array<T>
//! integer_pow                    <T: Num>(x: &Array<T>, y: i32) -> Array<T>
//! stop_gradient                  <T: Element>(x: &Array<T>) -> Array<T>
//!
//! // elementwise binary, NumPy broadcasting (binary.rs; all have try_)
//! add add_any sub mul div max min <T: Num>(x: &Array<T>, y: &Array<T>) -> Array<T>
//! pow                            <T: Float>(x: &Array<T>, y: &Array<T>) -> Array<T>
//! eq ne lt le gt ge              <T: Element>(x: &Array<T>, y: &Array<T>) -> Array<bool>
//!
//! // selection and casts (select.rs)
//! select_n                       <T: Element>(pred: &Array<bool>, cases: &[&Array<T>]) -> Array<T>
//! convert_element_type           <T: Element, U: Element>(x: &Array<T>) -> Array<U>
//!
//! // reductions, JAX semantics: reduced axes disappear (reduce.rs; all have try_)
//! reduce_sum reduce_prod reduce_max reduce_min <T: Num>(x: &Array<T>, axes: &[usize]) -> Array<T>
//! argmax                         <T: Num>(x: &Array<T>, axis: usize) -> Array<i32>
//! cumsum                         <T: Num>(x: &Array<T>, axis: usize, reverse: bool) -> Array<T>
//!
//! // linear algebra (dot.rs; has try_)
//! dot_general <T: Num>(lhs: &Array<T>, rhs: &Array<T>,
//!                      contracting: (&[usize], &[usize]), batch: (&[usize], &[usize])) -> Array<T>
//!     // output axes: batch, lhs free, rhs free (as JAX)
//!
//! // shape (shape.rs, slicing.rs; all but iota have try_)
//! transpose            <T: Element>(x: &Array<T>, perm: &[usize]) -> Array<T>
//! reshape              <T: Element>(x: &Array<T>, new_sizes: &[usize]) -> Array<T>
//! broadcast_in_dim     <T: Element>(x: &Array<T>, shape: &[usize], broadcast_dimensions: &[usize]) -> Array<T>
//! squeeze              <T: Element>(x: &Array<T>, dimensions: &[usize]) -> Array<T>
//! expand_dims          <T: Element>(x: &Array<T>, dimensions: &[usize]) -> Array<T>
//! slice                <T: Element>(x: &Array<T>, start: &[usize], limit: &[usize], strides: &[usize]) -> Array<T>
//!                      // strides = &[] means all 1
//! dynamic_slice        <T: Element>(x: &Array<T>, start: &[usize], sizes: &[usize]) -> Array<T>
//!                      // starts clamped so the block fits, as JAX
//! dynamic_update_slice <T: Element>(x: &Array<T>, update: &Array<T>, start: &[usize]) -> Array<T>
//! concatenate          <T: Element>(xs: &[&Array<T>], dimension: usize) -> Array<T>
//! pad                  <T: Element>(x: &Array<T>, value: T, config: &[(i64, i64, usize)]) -> Array<T>
//!                      // (lo, hi, interior) per axis; negative lo/hi crop
//! iota                 <T: Num>(shape: &[usize], dimension: usize) -> Array<T>
//!
//! // collectives, inside shard_map only (collective.rs)
//! psum pmax pmin                 <T: Numeric>(x: &Array<T>, axes: &[&str]) -> Array<T>
//! pvary                          <T: Element>(x: &Array<T>, axes: &[&str]) -> Array<T>  // identity
//! all_gather <T: Element>(x: &Array<T>, axis_name: &[&str], dim: usize, tiled: bool) -> Array<T>
//! reduce_scatter <T: Numeric>(x: &Array<T>, axis_name: &[&str], dim: usize, tiled: bool) -> Array<T>
//! ppermute <T: Element>(x: &Array<T>, axis_name: &[&str], perm: &[(usize, usize)]) -> Array<T>
//! axis_index(axis_name: &[&str]) -> Array<i32>   axis_size(axis_name: &[&str]) -> usize
//! // random (random.rs): key data u32[*b, 2], per-key operands rank 0 or b,
//! // result b ++ shape; each row is the eager `random::*` draw of its key
//! random_split(key_data, n) random_fold_in(key_data, data) random_bits(key_data, shape)
//! random_uniform random_truncated_normal <T: RandomFloat>(key_data, lo, hi, shape)
//! random_normal random_gumbel random_exponential <T: RandomFloat>(key_data, shape)
//! random_bernoulli <T: RandomFloat>(key_data, p, shape) -> Array<bool>
//! random_randint(key_data, lo: &Array<i32>, hi: &Array<i32>, shape) -> Array<i32>
//!
//! // helpers for fused/extra elementwise code
//! map        <T: Element, U: Element>(x: &Array<T>, f: impl Fn(T) -> U + Sync + Send) -> Array<U>
//! zip_with   <T: Element, U: Element>(op: &'static str, x: &Array<T>, y: &Array<T>, f) -> Result<Array<U>>
//! broadcast_shapes(op: &'static str, a: &[usize], b: &[usize]) -> Result<Vec<usize>>
//! ```
//!
//! ```
//! use rjax_runtime::{Array, lax};
//! let a = Array::from_shape_vec(vec![2, 3], vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
//! let s = lax::reduce_sum(&lax::mul(&a, &Array::scalar(2.0)), &[1]);
//! assert_eq!(s.to_vec(), vec![12.0, 30.0]);
//! let p = lax::dot_general(&a, &a, (&[1], &[1]), (&[], &[]));
//! assert_eq!(p.shape(), &[2, 2]);
//! ```

mod binary;
mod broadcast;
mod collective;
mod dot;
mod random;
mod reduce;
mod select;
mod shape;
mod slicing;
mod unary;

pub use binary::*;
pub use broadcast::{broadcast_shapes, broadcast_strides, zip_with, zip3_with};
pub use collective::{
    all_gather, axis_index, axis_size, pmax, pmin, ppermute, psum, pvary, reduce_scatter,
};
pub(crate) use dot::dot_general_named;
pub use dot::{DotDims, dot_general, try_dot_general};
pub use random::{
    random_bernoulli, random_bits, random_exponential, random_fold_in, random_gumbel,
    random_normal, random_randint, random_split, random_truncated_normal, random_uniform,
};
pub use reduce::{
    argmax, cumsum, reduce_max, reduce_min, reduce_prod, reduce_sum, try_argmax, try_cumsum,
    try_reduce_max, try_reduce_min, try_reduce_prod, try_reduce_sum,
};
pub(crate) use reduce::{check_axes, keepdims_shape};
pub use select::{convert_element_type, select_n, try_select_n};
pub use shape::*;
pub(crate) use slicing::concatenate_named;
pub use slicing::{
    concatenate, dynamic_slice, dynamic_update_slice, iota, pad, slice, try_concatenate,
    try_dynamic_slice, try_dynamic_update_slice, try_pad, try_slice,
};
pub use unary::*;
