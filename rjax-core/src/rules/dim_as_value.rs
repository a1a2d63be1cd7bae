//! `dim_as_value[dim]`: a dimension size as an `i32[]` value. Shapes are
//! symbolic at compile time, so `x.mean()` of an `f32[n]` divides by a
//! value known only at run time; this primitive names it (JAX's shape
//! polymorphism has the same primitive). It has no operands, so it is
//! never batched or differentiated: its value does not depend on any input
//! value, only on input shapes.

use super::Table;
use super::combinators::arity;
use crate::error::{Error, Result};
use crate::interp::Tensor;
use crate::ir::{DType, DimExpr, Params, Prim, Shape, TensorType};

/// The `dim` param.
pub fn dim_param(p: &Params) -> Result<DimExpr> {
    p.get("dim")
        .and_then(|d| d.as_dim())
        .ok_or_else(|| Error::shape("dim_as_value", "needs a `dim` param".to_string()))
}

/// Registers the primitive.
pub fn register(t: &mut Table) {
    t.def(
        Prim::DimAsValue,
        |p, ins| {
            arity(Prim::DimAsValue, ins, 0)?;
            dim_param(p)?;
            Ok(vec![TensorType::new(DType::I32, Shape(vec![]))])
        },
        |p, _ins, cx| {
            let n = cx.dim(Prim::DimAsValue, &dim_param(p)?)?;
            Ok(vec![Tensor::scalar(n as f64, DType::I32)])
        },
    );
}
