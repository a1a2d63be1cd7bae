//! `shard_map`: run a function once per device on its blocks of the
//! inputs, with collectives over mesh axes inside (JAX's
//! `jax.shard_map`).

use std::marker::PhantomData;
use std::sync::Arc;

use super::array::{ShardedArray, device_put};
use super::exec::run_detached;
use super::mesh::Mesh;
use super::named::NamedSharding;
use super::spec::PartitionSpec;
use crate::array::Array;
use crate::dtype::Element;
use crate::error::{Result, RjaxError};

/// A function mapped over the devices of a mesh; made by [`shard_map`].
pub struct ShardMap<T, F> {
    f: Arc<F>,
    mesh: Mesh,
    in_specs: Vec<PartitionSpec>,
    out_specs: Vec<PartitionSpec>,
    _t: PhantomData<fn(T) -> T>,
}

/// Maps `f` over the devices of `mesh`: input `i` is split by
/// `in_specs[i]`, `f` runs on each device (in parallel, one thread per
/// device) with that device's blocks, and output `j` of the devices is
/// assembled under `out_specs[j]`.
///
/// Inside `f`, [`super::psum`] and the other collectives combine values
/// across named mesh axes. As in JAX, an output whose spec leaves a mesh
/// axis out must be equal along that axis (for instance the result of a
/// `psum` over it); this is the caller's promise and is not checked.
///
/// `f` owns what it uses (write `move |xs| ...` to capture locals), like a
/// function given to `std::thread::spawn`: when a device fails, or one
/// straggles past [`super::set_collective_timeout`] and the others give up
/// waiting for it, `call` returns the error at once instead of waiting for
/// the straggler, which may still be running its copy of `f`.
///
/// ```
/// use rjax_runtime::{Array, P};
/// use rjax_runtime::sharding::{Mesh, devices, psum, set_num_cpu_devices, shard_map};
/// set_num_cpu_devices(2).unwrap();
/// let mesh = Mesh::new(&devices()[..2], &[("data", 2)]).unwrap();
/// let total = shard_map(
///     |xs: &[Array<f64>]| vec![psum(&xs[0], "data")],
///     &mesh,
///     &[P!["data"]],
///     &[P![]],
/// );
/// let x = Array::from_vec(vec![1.0, 2.0, 3.0, 4.0]);
/// let out = total.call(&[&x]).unwrap();
/// assert_eq!(out[0].gather().to_vec(), vec![4.0, 6.0]);
/// ```
pub fn shard_map<T, F>(
    f: F,
    mesh: &Mesh,
    in_specs: &[PartitionSpec],
    out_specs: &[PartitionSpec],
) -> ShardMap<T, F>
where
    T: Element,
    F: Fn(&[Array<T>]) -> Vec<Array<T>> + Send + Sync + 'static,
{
    ShardMap {
        f: Arc::new(f),
        mesh: mesh.clone(),
        in_specs: in_specs.to_vec(),
        out_specs: out_specs.to_vec(),
        _t: PhantomData,
    }
}

impl<T, F> ShardMap<T, F>
where
    T: Element,
    F: Fn(&[Array<T>]) -> Vec<Array<T>> + Send + Sync + 'static,
{
    fn check_arity(&self, n: usize) -> Result<()> {
        if n != self.in_specs.len() {
            return Err(RjaxError::Invalid {
                op: "shard_map",
                message: format!("{} in_specs but {n} arguments", self.in_specs.len()),
            });
        }
        Ok(())
    }

    /// Splits the global `args` by the in_specs, runs, and returns the
    /// outputs as sharded arrays.
    pub fn call(&self, args: &[&Array<T>]) -> Result<Vec<ShardedArray<T>>> {
        self.check_arity(args.len())?;
        let sharded = args
            .iter()
            .zip(&self.in_specs)
            .map(|(a, s)| device_put(a, &NamedSharding::new(&self.mesh, s.clone())?))
            .collect::<Result<Vec<_>>>()?;
        self.run(&sharded)
    }

    /// Like [`ShardMap::call`] for arguments already sharded; an argument
    /// laid out differently from its in_spec is resharded first.
    pub fn call_sharded(&self, args: &[&ShardedArray<T>]) -> Result<Vec<ShardedArray<T>>> {
        self.check_arity(args.len())?;
        let sharded = args
            .iter()
            .zip(&self.in_specs)
            .map(|(a, s)| a.reshard(&NamedSharding::new(&self.mesh, s.clone())?))
            .collect::<Result<Vec<_>>>()?;
        self.run(&sharded)
    }

    fn run(&self, args: &[ShardedArray<T>]) -> Result<Vec<ShardedArray<T>>> {
        // Each device's blocks, owned, since a straggling device may
        // outlive this call (see `shard_map`).
        let n_local = args.first().map_or(0, |a| a.addressable_shards().len());
        let blocks: Arc<Vec<Vec<Array<T>>>> = Arc::new(
            (0..n_local)
                .map(|slot| {
                    args.iter()
                        .map(|a| a.addressable_shards()[slot].data.clone())
                        .collect()
                })
                .collect(),
        );
        let f = self.f.clone();
        let outs = run_detached(&self.mesh, move |ctx| {
            let mine: &[Array<T>] = blocks.get(ctx.slot).map_or(&[], |b| b.as_slice());
            f(mine)
        })?;
        let n_out = self.out_specs.len();
        for (slot, o) in outs.iter().enumerate() {
            if o.len() != n_out {
                return Err(RjaxError::Invalid {
                    op: "shard_map",
                    message: format!(
                        "{} out_specs but the function returned {} arrays on local device {slot}",
                        n_out,
                        o.len()
                    ),
                });
            }
        }
        let mut per_output: Vec<Vec<Array<T>>> = (0..n_out).map(|_| Vec::new()).collect();
        for o in outs {
            for (j, a) in o.into_iter().enumerate() {
                per_output[j].push(a);
            }
        }
        per_output
            .into_iter()
            .zip(&self.out_specs)
            .map(|(blocks, spec)| {
                let sharding = NamedSharding::new(&self.mesh, spec.clone())?;
                let block_shape = blocks[0].shape().to_vec();
                if spec.0.len() > block_shape.len() {
                    return Err(RjaxError::Invalid {
                        op: "shard_map",
                        message: format!("out spec {spec} has more entries than the output's rank (shape {block_shape:?})"),
                    });
                }
                let shape: Vec<usize> = block_shape
                    .iter()
                    .enumerate()
                    .map(|(d, &n)| n * sharding.num_pieces(d))
                    .collect();
                ShardedArray::from_shards(shape, sharding, blocks)
            })
            .collect()
    }
}
