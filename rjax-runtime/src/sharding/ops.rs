//! Operations on sharded arrays, computed where the blocks live: the
//! elementwise ones block by block in parallel, reductions and matmul with
//! the collectives their sharding needs (what GSPMD inserts for the common
//! cases). All of them are `shard_map`s, so they also run across MPI ranks.

use super::array::ShardedArray;
use super::collectives::{try_pmax, try_psum};
use super::exec::run_per_device;
use super::local::{self, Numeric};
use super::named::NamedSharding;
use super::shard_map::shard_map;
use super::spec::{DimSpec, PartitionSpec};
use crate::array::Array;
use crate::dtype::Element;
use crate::error::{Result, RjaxError};

impl<T: Element> ShardedArray<T> {
    /// Applies `f` to every block, in parallel (one thread per device);
    /// `f` must keep the block's shape, so the sharding is unchanged.
    pub fn map_blocks(&self, f: impl Fn(&Array<T>) -> Array<T> + Sync) -> Result<ShardedArray<T>> {
        let blocks = run_per_device(&self.sharding().mesh, |ctx| {
            f(&self.addressable_shards()[ctx.slot].data)
        })?;
        ShardedArray::from_shards(self.shape().to_vec(), self.sharding().clone(), blocks)
    }

    /// `f` applied to every element, block by block in parallel.
    pub fn map(&self, f: impl Fn(T) -> T + Sync) -> ShardedArray<T> {
        self.map_blocks(|b| local::map(b, &f))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `f` applied elementwise to `self` and `other` (equal global shapes);
    /// `other` is resharded to `self`'s layout if it differs.
    pub fn try_zip_with(
        &self,
        other: &ShardedArray<T>,
        op: &'static str,
        f: impl Fn(T, T) -> T + Sync,
    ) -> Result<ShardedArray<T>> {
        if self.shape() != other.shape() {
            return Err(RjaxError::ShapeMismatch {
                op,
                lhs: self.shape().to_vec(),
                rhs: other.shape().to_vec(),
                reason: "differ".into(),
            });
        }
        let other = other.reshard(self.sharding())?;
        let blocks = run_per_device(&self.sharding().mesh, |ctx| {
            local::zip(
                op,
                &self.addressable_shards()[ctx.slot].data,
                &other.addressable_shards()[ctx.slot].data,
                &f,
            )
        })?
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
        ShardedArray::from_shards(self.shape().to_vec(), self.sharding().clone(), blocks)
    }
}

impl<T: Numeric> ShardedArray<T> {
    /// Elementwise sum.
    pub fn try_add(&self, other: &ShardedArray<T>) -> Result<ShardedArray<T>> {
        self.try_zip_with(other, "add", |a, b| a + b)
    }

    /// Elementwise difference.
    pub fn try_sub(&self, other: &ShardedArray<T>) -> Result<ShardedArray<T>> {
        self.try_zip_with(other, "sub", |a, b| a - b)
    }

    /// Elementwise product.
    pub fn try_mul(&self, other: &ShardedArray<T>) -> Result<ShardedArray<T>> {
        self.try_zip_with(other, "mul", |a, b| a * b)
    }

    /// Elementwise quotient.
    pub fn try_div(&self, other: &ShardedArray<T>) -> Result<ShardedArray<T>> {
        self.try_zip_with(other, "div", |a, b| a / b)
    }

    /// Reduces `axis` with `local` on each block, then with the collective
    /// `across` over the mesh axes that split `axis`. The result drops
    /// `axis` and is replicated over those mesh axes.
    fn reduce_axis_with(
        &self,
        op: &'static str,
        axis: usize,
        local: fn(T, T) -> T,
        across: fn(&Array<T>, &[&str]) -> Result<Array<T>>,
    ) -> Result<ShardedArray<T>> {
        if axis >= self.shape().len() {
            return Err(RjaxError::Invalid {
                op,
                message: format!("axis {axis} is out of range for shape {:?}", self.shape()),
            });
        }
        let spec = &self.sharding().spec;
        let split: Vec<String> = spec.dim(axis).0;
        let mut out_dims: Vec<DimSpec> = (0..self.shape().len()).map(|d| spec.dim(d)).collect();
        out_dims.remove(axis);
        let out_spec = PartitionSpec(out_dims).normalized();
        let f = move |xs: &[Array<T>]| -> Vec<Array<T>> {
            let r = local::reduce_axis(op, &xs[0], axis, local).unwrap_or_else(|e| panic!("{e}"));
            if split.is_empty() {
                vec![r]
            } else {
                let names: Vec<&str> = split.iter().map(String::as_str).collect();
                vec![across(&r, &names).unwrap_or_else(|e| panic!("{e}"))]
            }
        };
        let sm = shard_map(
            f,
            &self.sharding().mesh,
            std::slice::from_ref(spec),
            &[out_spec],
        );
        Ok(sm.call_sharded(&[self])?.remove(0))
    }

    /// Sum over `axis` (JAX's `x.sum(axis)`); a sharded `axis` is summed
    /// per block and then all-reduced with `psum`.
    pub fn try_sum_axis(&self, axis: usize) -> Result<ShardedArray<T>> {
        self.reduce_axis_with("sum", axis, |a, b| a + b, |x, ax| try_psum(x, ax))
    }

    /// Maximum over `axis`, with `pmax` across a sharded `axis`.
    pub fn try_max_axis(&self, axis: usize) -> Result<ShardedArray<T>> {
        self.reduce_axis_with(
            "max",
            axis,
            |a, b| if b > a { b } else { a },
            |x, ax| try_pmax(x, ax),
        )
    }

    /// Sum of all elements (reduces every axis; a scalar).
    pub fn try_sum(&self) -> Result<T> {
        let mut x = self.clone();
        while !x.shape().is_empty() {
            x = x.try_sum_axis(x.shape().len() - 1)?;
        }
        Ok(x.addressable_shards()[0].data.as_slice()[0])
    }

    /// Maximum of all elements.
    pub fn try_max(&self) -> Result<T> {
        let mut x = self.clone();
        while !x.shape().is_empty() {
            x = x.try_max_axis(x.shape().len() - 1)?;
        }
        Ok(x.addressable_shards()[0].data.as_slice()[0])
    }

    /// Sum of all elements; panics on failure.
    pub fn sum(&self) -> T {
        self.try_sum().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Maximum of all elements; panics on failure.
    pub fn max(&self) -> T {
        self.try_max().unwrap_or_else(|e| panic!("{e}"))
    }

    /// `self @ other` for 2-d arrays `[m, k] @ [k, n]`, keeping the
    /// sharding of `m` (from `self`) and of `n` (from `other`):
    ///
    /// - batch/row-sharded `self` (`P["data", None]`): per-block matmul, no
    ///   communication;
    /// - column-sharded `other` (`P[None, "model"]`): per-block matmul;
    /// - sharded contraction (`self` `P[None, "model"]`, `other`
    ///   `P["model", None]`): per-block partial products all-reduced with
    ///   `psum` over `"model"`.
    ///
    /// When `other`'s `k` split differs from `self`'s, or `n` would reuse a
    /// mesh axis of `m` or `k`, `other` is resharded first.
    pub fn try_matmul(&self, other: &ShardedArray<T>) -> Result<ShardedArray<T>> {
        let (sa, sb) = (self.shape(), other.shape());
        if sa.len() != 2 || sb.len() != 2 || sa[1] != sb[0] {
            return Err(RjaxError::ShapeMismatch {
                op: "matmul",
                lhs: sa.to_vec(),
                rhs: sb.to_vec(),
                reason: "do not align (need [m, k] and [k, n])".into(),
            });
        }
        let mesh = &self.sharding().mesh;
        let a_spec = &self.sharding().spec;
        let (m_split, k_split) = (a_spec.dim(0), a_spec.dim(1));
        let mut n_split = other.sharding().spec.dim(1);
        if n_split
            .0
            .iter()
            .any(|a| m_split.0.contains(a) || k_split.0.contains(a))
        {
            n_split = DimSpec::replicated();
        }
        let b_spec = PartitionSpec(vec![k_split.clone(), n_split.clone()]);
        let out_spec = PartitionSpec(vec![m_split, n_split]).normalized();
        let b = other.reshard(&NamedSharding::new(mesh, b_spec.clone())?)?;
        let k_axes = k_split.0.clone();
        let f = move |xs: &[Array<T>]| -> Vec<Array<T>> {
            let p = local::matmul(&xs[0], &xs[1]).unwrap_or_else(|e| panic!("{e}"));
            let names: Vec<&str> = k_axes.iter().map(String::as_str).collect();
            if names.is_empty() {
                vec![p]
            } else {
                vec![try_psum(&p, names.as_slice()).unwrap_or_else(|e| panic!("{e}"))]
            }
        };
        let sm = shard_map(f, mesh, &[a_spec.clone(), b_spec], &[out_spec]);
        Ok(sm.call_sharded(&[self, &b])?.remove(0))
    }

    /// `self @ other`; panics on failure.
    pub fn matmul(&self, other: &ShardedArray<T>) -> ShardedArray<T> {
        self.try_matmul(other).unwrap_or_else(|e| panic!("{e}"))
    }
}

macro_rules! binop {
    ($tr:ident, $m:ident, $try:ident) => {
        impl<T: Numeric> std::ops::$tr for &ShardedArray<T> {
            type Output = ShardedArray<T>;
            fn $m(self, rhs: &ShardedArray<T>) -> ShardedArray<T> {
                self.$try(rhs).unwrap_or_else(|e| panic!("{e}"))
            }
        }
    };
}
binop!(Add, add, try_add);
binop!(Sub, sub, try_sub);
binop!(Mul, mul, try_mul);
binop!(Div, div, try_div);
