//! Convenience methods on `Builder`, one per primitive (params spelled as
//! JAX prints them), plus the helpers lowering needs: NumPy-style
//! broadcasting with static ranks, zeros, indexing `t[i]`.

use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::ir::params::ParamsExt;
use crate::ir::{Atom, DType, DimExpr, Param, Params, Prim, Shape, TensorType};

fn p0() -> Params {
    Params::new()
}

impl Builder {
    /// A unary elementwise primitive.
    pub fn unary(&mut self, prim: Prim, x: Atom) -> Result<Atom> {
        self.eqn1(prim, p0(), &[x])
    }
    /// A binary primitive with no params.
    pub fn binary(&mut self, prim: Prim, x: Atom, y: Atom) -> Result<Atom> {
        self.eqn1(prim, p0(), &[x, y])
    }
    /// `x + y`.
    pub fn add(&mut self, x: Atom, y: Atom) -> Result<Atom> {
        self.binary(Prim::Add, x, y)
    }
    /// `x + y` accumulating cotangents.
    pub fn add_any(&mut self, x: Atom, y: Atom) -> Result<Atom> {
        self.binary(Prim::AddAny, x, y)
    }
    /// `x - y`.
    pub fn sub(&mut self, x: Atom, y: Atom) -> Result<Atom> {
        self.binary(Prim::Sub, x, y)
    }
    /// `x * y`.
    pub fn mul(&mut self, x: Atom, y: Atom) -> Result<Atom> {
        self.binary(Prim::Mul, x, y)
    }
    /// `x / y`.
    pub fn div(&mut self, x: Atom, y: Atom) -> Result<Atom> {
        self.binary(Prim::Div, x, y)
    }
    /// `-x`.
    pub fn neg(&mut self, x: Atom) -> Result<Atom> {
        self.unary(Prim::Neg, x)
    }
    /// `sin x`.
    pub fn sin(&mut self, x: Atom) -> Result<Atom> {
        self.unary(Prim::Sin, x)
    }
    /// `cos x`.
    pub fn cos(&mut self, x: Atom) -> Result<Atom> {
        self.unary(Prim::Cos, x)
    }
    /// `exp x`.
    pub fn exp(&mut self, x: Atom) -> Result<Atom> {
        self.unary(Prim::Exp, x)
    }
    /// `log x`.
    pub fn log(&mut self, x: Atom) -> Result<Atom> {
        self.unary(Prim::Log, x)
    }
    /// `tanh x`.
    pub fn tanh(&mut self, x: Atom) -> Result<Atom> {
        self.unary(Prim::Tanh, x)
    }
    /// `x ^ y` for a constant integer `y`.
    pub fn integer_pow(&mut self, x: Atom, y: i64) -> Result<Atom> {
        self.eqn1(
            Prim::IntegerPow,
            Params::from_pairs([("y", Param::int(y))]),
            &[x],
        )
    }
    /// A comparison (`eq ne lt le gt ge`), giving bools.
    pub fn compare(&mut self, prim: Prim, x: Atom, y: Atom) -> Result<Atom> {
        self.binary(prim, x, y)
    }
    /// `select_n pred cases...` (case 0 where pred is false).
    pub fn select_n(&mut self, pred: Atom, cases: &[Atom]) -> Result<Atom> {
        let mut ins = vec![pred];
        ins.extend_from_slice(cases);
        self.eqn1(Prim::SelectN, p0(), &ins)
    }
    /// Cast to `dtype` (no equation if it already has it).
    pub fn convert(&mut self, x: Atom, dtype: DType) -> Result<Atom> {
        if self.dtype(x) == dtype {
            return Ok(x);
        }
        if let Atom::Lit(l) = x {
            return Ok(self.lit(l.value, dtype));
        }
        self.eqn1(
            Prim::ConvertElementType,
            Params::from_pairs([("new_dtype", Param::dtype(dtype))]),
            &[x],
        )
    }
    /// A reduction (`reduce_sum`, `reduce_max`, `reduce_min`) over `axes`.
    pub fn reduce(&mut self, prim: Prim, x: Atom, axes: &[usize]) -> Result<Atom> {
        self.eqn1(
            prim,
            Params::from_pairs([("axes", Param::usizes(axes))]),
            &[x],
        )
    }
    /// Sum over `axes` (no equation for an empty list).
    pub fn reduce_sum(&mut self, x: Atom, axes: &[usize]) -> Result<Atom> {
        if axes.is_empty() {
            return Ok(x);
        }
        self.reduce(Prim::ReduceSum, x, axes)
    }
    /// `broadcast_in_dim[shape, broadcast_dimensions]`.
    pub fn broadcast_in_dim(
        &mut self,
        x: Atom,
        shape: &[DimExpr],
        bdims: &[usize],
    ) -> Result<Atom> {
        self.eqn1(
            Prim::BroadcastInDim,
            Params::from_pairs([
                ("broadcast_dimensions", Param::usizes(bdims)),
                ("shape", Param::dims(shape)),
            ]),
            &[x],
        )
    }
    /// NumPy-style broadcast of `x` to `shape` (rank may grow on the left,
    /// known-1 dims stretch); no equation if the shape already matches.
    pub fn broadcast_to(&mut self, x: Atom, shape: &[DimExpr]) -> Result<Atom> {
        let t = self.ty(x);
        if t.dims() == shape {
            return Ok(x);
        }
        let (r, n) = (t.rank(), shape.len());
        if r > n {
            return Err(Error::shape(
                "broadcast_to",
                format!("cannot broadcast {t} to shape {}", Shape(shape.to_vec())),
            ));
        }
        let off = n - r;
        let mut keep = Vec::new();
        let mut squeeze = Vec::new();
        for (i, d) in t.dims().iter().enumerate() {
            let target = &shape[off + i];
            if d == target {
                keep.push(off + i);
            } else if d.is(1) {
                squeeze.push(i);
            } else if d.as_const().is_none() || target.as_const().is_none() {
                // A symbol meeting another size is assumed equal to it
                // (the macros then identify the two; the runtime checks).
                keep.push(off + i);
            } else {
                return Err(Error::shape(
                    "broadcast_to",
                    format!("cannot broadcast {t} to shape {}", Shape(shape.to_vec())),
                ));
            }
        }
        let x = if squeeze.is_empty() {
            x
        } else {
            self.squeeze(x, &squeeze)?
        };
        self.broadcast_in_dim(x, shape, &keep)
    }
    /// NumPy broadcasting of two operands with static ranks, as jax.numpy
    /// traces it: rank-0 operands stay rank-0 (elementwise ops accept
    /// them), otherwise both are broadcast to the common shape.
    pub fn broadcast_binary(&mut self, x: Atom, y: Atom) -> Result<(Atom, Atom)> {
        let (tx, ty) = (self.ty(x), self.ty(y));
        if tx.rank() == 0 || ty.rank() == 0 || tx.dims() == ty.dims() {
            return Ok((x, y));
        }
        let n = tx.rank().max(ty.rank());
        let get = |t: &TensorType, i: usize| -> DimExpr {
            let off = n - t.rank();
            if i < off {
                DimExpr::Const(1)
            } else {
                t.dims()[i - off].clone()
            }
        };
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let (a, b) = (get(&tx, i), get(&ty, i));
            let d = if a == b || b.is(1) {
                a
            } else if a.is(1) {
                b
            } else if a.as_const().is_none() || b.as_const().is_none() {
                // Symbols are assumed equal where an op needs them equal
                // (to a constant when they meet one: `array![1., 2., 3.] *
                // x` makes x's length 3); the runtime checks.
                if a.as_const().is_none() { b } else { a }
            } else {
                return Err(Error::shape(
                    "broadcast",
                    format!("shapes {tx} and {ty} are not broadcast-compatible"),
                ));
            };
            out.push(d);
        }
        Ok((self.broadcast_to(x, &out)?, self.broadcast_to(y, &out)?))
    }
    /// A zero of the given type (a literal for scalars).
    pub fn zeros(&mut self, t: &TensorType) -> Result<Atom> {
        self.full(t, 0.0)
    }
    /// A constant-filled value of the given type.
    pub fn full(&mut self, t: &TensorType, v: f64) -> Result<Atom> {
        let l = self.lit(v, t.dtype);
        if t.rank() == 0 {
            return Ok(l);
        }
        self.broadcast_in_dim(l, t.dims(), &[])
    }
    /// `reshape[new_sizes]` (no equation if the shape is unchanged).
    pub fn reshape(&mut self, x: Atom, new_sizes: &[DimExpr]) -> Result<Atom> {
        if self.ty(x).dims() == new_sizes {
            return Ok(x);
        }
        self.eqn1(
            Prim::Reshape,
            Params::from_pairs([("new_sizes", Param::dims(new_sizes))]),
            &[x],
        )
    }
    /// `transpose[permutation]` (no equation for the identity).
    pub fn transpose(&mut self, x: Atom, perm: &[usize]) -> Result<Atom> {
        if perm.iter().enumerate().all(|(i, &p)| i == p) {
            return Ok(x);
        }
        self.eqn1(
            Prim::Transpose,
            Params::from_pairs([("permutation", Param::usizes(perm))]),
            &[x],
        )
    }
    /// `squeeze[dimensions]`.
    pub fn squeeze(&mut self, x: Atom, dims: &[usize]) -> Result<Atom> {
        self.eqn1(
            Prim::Squeeze,
            Params::from_pairs([("dimensions", Param::usizes(dims))]),
            &[x],
        )
    }
    /// `expand_dims[dimensions]`.
    pub fn expand_dims(&mut self, x: Atom, dims: &[usize]) -> Result<Atom> {
        self.eqn1(
            Prim::ExpandDims,
            Params::from_pairs([("dimensions", Param::usizes(dims))]),
            &[x],
        )
    }
    /// `slice[start_indices, limit_indices, strides]` (strides default 1).
    pub fn slice(
        &mut self,
        x: Atom,
        start: &[DimExpr],
        limit: &[DimExpr],
        strides: Option<&[usize]>,
    ) -> Result<Atom> {
        let strides = match strides {
            Some(s) => Param::usizes(s),
            None => Param::Word("None".into()),
        };
        self.eqn1(
            Prim::Slice,
            Params::from_pairs([
                ("limit_indices", Param::dims(limit)),
                ("start_indices", Param::dims(start)),
                ("strides", strides),
            ]),
            &[x],
        )
    }
    /// `t[i]` for a static index along axis 0, lowered like JAX: a unit
    /// slice (strides 1) then squeeze.
    pub fn index(&mut self, x: Atom, i: i64) -> Result<Atom> {
        let t = self.ty(x);
        if t.rank() == 0 {
            return Err(Error::shape("index", format!("cannot index a scalar {t}")));
        }
        let n = t.rank();
        let mut start = vec![DimExpr::Const(0); n];
        let mut limit = t.dims().to_vec();
        start[0] = DimExpr::Const(i);
        limit[0] = DimExpr::Const(i + 1);
        let ones = vec![1usize; n];
        let s = self.slice(x, &start, &limit, Some(&ones))?;
        self.squeeze(s, &[0])
    }
    /// `pad[padding_config] x padding_value`, config entries (lo, hi, interior).
    pub fn pad(
        &mut self,
        x: Atom,
        value: Atom,
        config: &[(DimExpr, DimExpr, DimExpr)],
    ) -> Result<Atom> {
        self.eqn1(
            Prim::Pad,
            crate::ir::PadConfig(config.to_vec()).params(),
            &[x, value],
        )
    }
    /// `concatenate[dimension]`.
    pub fn concatenate(&mut self, xs: &[Atom], dim: usize) -> Result<Atom> {
        self.eqn1(
            Prim::Concatenate,
            Params::from_pairs([("dimension", Param::int(dim as i64))]),
            xs,
        )
    }
    /// `dot_general` with contracting dims `(lc, rc)` and batch dims `(lb, rb)`.
    pub fn dot_general(
        &mut self,
        x: Atom,
        y: Atom,
        contract: (&[usize], &[usize]),
        batch: (&[usize], &[usize]),
    ) -> Result<Atom> {
        self.eqn1(
            Prim::DotGeneral,
            crate::ir::DotGeneralParams::new(contract, batch).params(),
            &[x, y],
        )
    }
    /// `iota[dtype, shape, dimension]`.
    pub fn iota(&mut self, dtype: DType, shape: &[DimExpr], dimension: usize) -> Result<Atom> {
        self.eqn1(
            Prim::Iota,
            Params::from_pairs([
                ("dimension", Param::int(dimension as i64)),
                ("dtype", Param::dtype(dtype)),
                ("shape", Param::dims(shape)),
            ]),
            &[],
        )
    }
    /// A dimension size as an `i32[]`: a literal when the dim is constant,
    /// else `dim_as_value[dim]` (evaluated from the run-time shapes).
    pub fn dim_as_value(&mut self, d: &DimExpr) -> Result<Atom> {
        if let Some(c) = d.as_const() {
            return Ok(self.lit(c as f64, DType::I32));
        }
        self.eqn1(
            Prim::DimAsValue,
            Params::from_pairs([("dim", Param::Dim(d.clone()))]),
            &[],
        )
    }
    /// The number of elements of `x` along `axes`, as a scalar of `dtype`
    /// (the divisor of a mean).
    pub fn count_as(&mut self, x: Atom, axes: &[usize], dtype: DType) -> Result<Atom> {
        let t = self.ty(x);
        let n = DimExpr::product(axes.iter().map(|&k| &t.dims()[k]));
        if let Some(c) = n.as_const() {
            return Ok(self.lit(c as f64, dtype));
        }
        let v = self.dim_as_value(&n)?;
        self.convert(v, dtype)
    }
    /// Sums `x` down to `shape` (the transpose of NumPy-style broadcasting
    /// from `shape`): sums leading extra axes and axes broadcast from 1.
    pub fn sum_to_shape(&mut self, x: Atom, shape: &[DimExpr]) -> Result<Atom> {
        let t = self.ty(x);
        if t.dims() == shape {
            return Ok(x);
        }
        if shape.is_empty() {
            let axes: Vec<usize> = (0..t.rank()).collect();
            return self.reduce_sum(x, &axes);
        }
        let off = t.rank() - shape.len();
        let mut axes: Vec<usize> = (0..off).collect();
        let mut ones = Vec::new();
        for (i, d) in shape.iter().enumerate() {
            if d.is(1) && !t.dims()[off + i].is(1) {
                axes.push(off + i);
                ones.push(i);
            }
        }
        let s = self.reduce_sum(x, &axes)?;
        if ones.is_empty() {
            Ok(s)
        } else {
            self.reshape(s, shape)
        }
    }
}
