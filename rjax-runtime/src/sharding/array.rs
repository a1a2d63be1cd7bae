//! `ShardedArray<T>`: a global array stored as blocks on the devices of a
//! mesh, with `device_put` to split an `Array` and `gather` to put it back.

use std::ops::Range;

use super::devices::Device;
use super::exec::run_per_device;
use super::layout::{extract, insert};
use super::named::NamedSharding;
use crate::array::Array;
use crate::dtype::Element;
use crate::error::{Result, RjaxError};

/// The block of a sharded array that one device holds.
#[derive(Clone)]
pub struct Shard<T> {
    /// The device holding it.
    pub device: Device,
    /// Its position in the mesh.
    pub mesh_position: usize,
    /// Which block of the global array it is (one range per dimension).
    pub index: Vec<Range<usize>>,
    /// The block itself.
    pub data: Array<T>,
}

/// A global array of shape [`ShardedArray::shape`] laid out over a mesh as
/// [`ShardedArray::sharding`] says. This process holds the blocks of its
/// own devices ([`ShardedArray::addressable_shards`]).
///
/// ```
/// use rjax_runtime::{Array, P};
/// use rjax_runtime::sharding::{Mesh, NamedSharding, device_put, devices, set_num_cpu_devices};
/// set_num_cpu_devices(2).unwrap();
/// let mesh = Mesh::new(&devices()[..2], &[("data", 2)]).unwrap();
/// let x = Array::from_shape_vec(vec![4, 2], (0..8).map(|v| v as f32).collect()).unwrap();
/// let xs = device_put(&x, &NamedSharding::new(&mesh, P!["data", None]).unwrap()).unwrap();
/// assert_eq!(xs.addressable_shards()[1].data.shape(), &[2, 2]);
/// assert_eq!(xs.gather().to_vec(), x.to_vec());
/// ```
#[derive(Clone)]
pub struct ShardedArray<T> {
    shape: Vec<usize>,
    sharding: NamedSharding,
    shards: Vec<Shard<T>>,
}

impl<T: Element> std::fmt::Debug for Shard<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Shard{{device: {}, index: {:?}, data: {:?}}}",
            self.device, self.index, self.data
        )
    }
}

impl<T: Element> std::fmt::Debug for ShardedArray<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ShardedArray{{shape: {:?}, dtype: {}, spec: {}, mesh: {:?}, shards: {}}}",
            self.shape,
            T::DTYPE,
            self.sharding.spec,
            self.sharding.mesh.shape(),
            self.shards.len()
        )
    }
}

/// Splits `x` into the blocks `sharding` gives this process's devices.
pub fn device_put<T: Element>(x: &Array<T>, sharding: &NamedSharding) -> Result<ShardedArray<T>> {
    let block_shape = sharding.shard_shape("device_put", x.shape())?;
    let me = super::devices::process_index();
    let mesh = &sharding.mesh;
    let shards = (0..mesh.size())
        .filter(|&p| mesh.devices()[p].process_index == me)
        .map(|p| {
            let index = sharding.shard_index(p, x.shape());
            // A replicated block shares the storage instead of copying it.
            let data = if block_shape == x.shape() {
                x.clone()
            } else {
                Array::from_shape_vec(
                    block_shape.clone(),
                    extract(x.as_slice(), x.shape(), &index),
                )?
            };
            Ok(Shard {
                device: mesh.devices()[p],
                mesh_position: p,
                index,
                data,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ShardedArray {
        shape: x.shape().to_vec(),
        sharding: sharding.clone(),
        shards,
    })
}

impl<T: Element> ShardedArray<T> {
    /// Builds a sharded array from this process's blocks, one per local
    /// device of the mesh in mesh order; checks their shapes.
    pub fn from_shards(
        shape: Vec<usize>,
        sharding: NamedSharding,
        blocks: Vec<Array<T>>,
    ) -> Result<Self> {
        let block_shape = sharding.shard_shape("ShardedArray::from_shards", &shape)?;
        let me = super::devices::process_index();
        let mesh = sharding.mesh.clone();
        let local: Vec<usize> = (0..mesh.size())
            .filter(|&p| mesh.devices()[p].process_index == me)
            .collect();
        if local.len() != blocks.len() {
            return Err(RjaxError::Invalid {
                op: "ShardedArray::from_shards",
                message: format!("{} local devices but {} blocks", local.len(), blocks.len()),
            });
        }
        let shards = local
            .into_iter()
            .zip(blocks)
            .map(|(p, data)| {
                if data.shape() != block_shape.as_slice() {
                    return Err(RjaxError::ShapeMismatch {
                        op: "ShardedArray::from_shards",
                        lhs: data.shape().to_vec(),
                        rhs: block_shape.clone(),
                        reason: format!(
                            "differ: a block of the global shape {shape:?} under {}",
                            sharding.spec
                        ),
                    });
                }
                Ok(Shard {
                    device: mesh.devices()[p],
                    mesh_position: p,
                    index: sharding.shard_index(p, &shape),
                    data,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ShardedArray {
            shape,
            sharding,
            shards,
        })
    }

    /// The global shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// How the array is laid out.
    pub fn sharding(&self) -> &NamedSharding {
        &self.sharding
    }

    /// The blocks held by this process's devices, in mesh order.
    pub fn addressable_shards(&self) -> &[Shard<T>] {
        &self.shards
    }

    /// The whole array on this process. Under MPI, when the blocks live on
    /// several ranks, every rank must call it (it is a collective).
    pub fn try_gather(&self) -> Result<Array<T>> {
        let holders = self.sharding.distinct_holders();
        let mut out = vec![T::default(); self.shape.iter().product()];
        if self.every_process_holds_every_block(&holders) {
            for &p in &holders {
                let index = self.sharding.shard_index(p, &self.shape);
                let s = self
                    .shards
                    .iter()
                    .find(|s| s.index == index)
                    .expect("checked: this process holds every block");
                insert(&mut out, &self.shape, &s.index, s.data.as_slice());
            }
        } else {
            // Blocks on other ranks: swap every block with every device.
            let mesh = &self.sharding.mesh;
            let all = run_per_device(mesh, |ctx| {
                ctx.comm
                    .exchange(ctx.slot, "gather", self.shards[ctx.slot].data.clone())
            })?
            .into_iter()
            .next()
            .expect("at least one local device")?;
            for &p in &holders {
                let index = self.sharding.shard_index(p, &self.shape);
                insert(&mut out, &self.shape, &index, all[p].as_slice());
            }
        }
        Array::from_shape_vec(self.shape.clone(), out)
    }

    /// True when each process holds a copy of every distinct block, so
    /// gathering needs no communication. Every process computes the same
    /// answer from the mesh alone, so under MPI they all take the same path.
    fn every_process_holds_every_block(&self, holders: &[usize]) -> bool {
        let mesh = &self.sharding.mesh;
        let mut procs: Vec<usize> = mesh.devices().iter().map(|d| d.process_index).collect();
        procs.sort_unstable();
        procs.dedup();
        procs.iter().all(|&q| {
            holders.iter().all(|&h| {
                let index = self.sharding.shard_index(h, &self.shape);
                (0..mesh.size()).any(|p| {
                    mesh.devices()[p].process_index == q
                        && self.sharding.shard_index(p, &self.shape) == index
                })
            })
        })
    }

    /// The whole array on this process; panics on failure (see
    /// [`ShardedArray::try_gather`]).
    pub fn gather(&self) -> Array<T> {
        self.try_gather().unwrap_or_else(|e| panic!("{e}"))
    }

    /// The same values laid out under `sharding` (gathers, then splits).
    pub fn reshard(&self, sharding: &NamedSharding) -> Result<ShardedArray<T>> {
        if &self.sharding == sharding
            || (self.sharding.mesh == sharding.mesh
                && self.sharding.spec.normalized() == sharding.spec.normalized())
        {
            return Ok(self.clone());
        }
        device_put(&self.try_gather()?, sharding)
    }
}
