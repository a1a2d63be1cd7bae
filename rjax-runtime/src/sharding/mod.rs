//! Devices, meshes, sharded arrays and collectives: JAX's `Mesh` /
//! `NamedSharding` / `shard_map` model in Rust.
//!
//! On one process every device is a worker thread ([`devices()`], count
//! from `RJAX_NUM_DEVICES`); with the `mpi` feature and
//! [`distributed::initialize`], the devices of all ranks form one list and
//! the same [`Mesh`] spans processes. Arrays are laid out with
//! [`NamedSharding`] (a mesh plus a [`PartitionSpec`], written with `P!`),
//! split with [`device_put`] into a [`ShardedArray`], computed on block by
//! block (elementwise in parallel; reductions and matmul with the
//! collectives they need), and put back together with
//! [`ShardedArray::gather`]. [`shard_map`] runs any per-device function
//! with [`psum`], [`pmean`], [`pmax`], [`all_gather`], [`psum_scatter`],
//! [`ppermute`] and [`axis_index`] over named axes.
//!
//! Collectives wait at most [`collective_timeout`]; a device that panics
//! or returns early makes the others fail at once with an error naming it.
//!
//! This module owns no array kernels beyond the few block kernels it needs;
//! `Array` and `lax` live in their own modules.

mod array;
mod collectives;
mod comm;
pub mod devices;
pub mod distributed;
mod exec;
mod layout;
mod local;
mod mesh;
mod named;
mod ops;
mod reduce;
mod shard_map;
mod spec;
mod value;

pub use array::{Shard, ShardedArray, device_put};
pub use collectives::{
    AxisNames, all_gather, all_gather_tiled, axis_index, axis_size, pmax, pmean, pmin, ppermute,
    psum, psum_many, psum_scatter, psum_scatter_tiled, try_all_gather, try_all_gather_tiled,
    try_axis_index, try_pmax, try_pmean, try_pmin, try_ppermute, try_psum, try_psum_many,
    try_psum_scatter, try_psum_scatter_tiled,
};
pub use comm::{collective_rounds, collective_timeout, set_collective_timeout};
pub use devices::{
    Device, device_count, devices, local_device_count, local_devices, process_count, process_index,
    set_num_cpu_devices,
};
pub use local::Numeric;
pub use mesh::Mesh;
pub use named::NamedSharding;
pub use shard_map::{ShardMap, shard_map};
pub use spec::{DimSpec, PartitionSpec};
pub use value::CollectiveValue;
