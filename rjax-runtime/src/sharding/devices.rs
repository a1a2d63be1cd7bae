//! Devices: on one process, one device per worker thread; under MPI
//! (feature `mpi`), every rank contributes its local devices to one global
//! list, so a [`crate::sharding::Mesh`] built from [`devices()`] spans ranks.
//!
//! The topology is fixed the first time it is read: by
//! [`crate::sharding::distributed::initialize`], by [`set_num_cpu_devices`], or
//! else from `RJAX_NUM_DEVICES` (default: the number of cores), the way XLA's
//! host device count flag works.

use std::sync::OnceLock;

use crate::error::{Result, RjaxError};

/// One device: a worker thread of some process.
///
/// Devices are numbered globally: process `p` with `n` local devices owns
/// ids `p * n .. (p + 1) * n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Device {
    /// Global id, unique across processes.
    pub id: usize,
    /// The process (MPI rank) that owns this device; 0 on one process.
    pub process_index: usize,
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.process_index == 0 {
            write!(f, "cpu:{}", self.id)
        } else {
            write!(f, "cpu:{} (rank {})", self.id, self.process_index)
        }
    }
}

/// How many processes there are and how many devices each holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Topology {
    pub num_local: usize,
    pub process_index: usize,
    pub process_count: usize,
}

static TOPOLOGY: OnceLock<Topology> = OnceLock::new();

fn default_num_local() -> usize {
    std::env::var("RJAX_NUM_DEVICES")
        .ok()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
}

pub(crate) fn topology() -> Topology {
    *TOPOLOGY.get_or_init(|| Topology {
        num_local: default_num_local(),
        process_index: 0,
        process_count: 1,
    })
}

/// Fixes the topology; fails if it was already fixed differently.
pub(crate) fn set_topology(t: Topology) -> Result<()> {
    let got = *TOPOLOGY.get_or_init(|| t);
    if got == t {
        Ok(())
    } else {
        Err(RjaxError::Invalid {
            op: "devices",
            message: format!(
                "the device topology is already fixed to {} local device(s) on process {} of {}; \
                 set it (set_num_cpu_devices / distributed::initialize) before the first call to devices()",
                got.num_local, got.process_index, got.process_count
            ),
        })
    }
}

/// Sets the number of thread devices of this process, like JAX's
/// `jax_num_cpu_devices`. Must come before the first [`devices`] call;
/// calling it again with the same `n` is fine, with another `n` an error.
pub fn set_num_cpu_devices(n: usize) -> Result<()> {
    if n == 0 {
        return Err(RjaxError::Invalid {
            op: "set_num_cpu_devices",
            message: "need at least one device, got 0".into(),
        });
    }
    let t = TOPOLOGY.get().copied();
    set_topology(Topology {
        num_local: n,
        process_index: t.map_or(0, |t| t.process_index),
        process_count: t.map_or(1, |t| t.process_count),
    })
}

/// Every device of every process, ordered by id.
pub fn devices() -> Vec<Device> {
    let t = topology();
    (0..t.process_count)
        .flat_map(|p| {
            (0..t.num_local).map(move |i| Device {
                id: p * t.num_local + i,
                process_index: p,
            })
        })
        .collect()
}

/// The devices of this process.
pub fn local_devices() -> Vec<Device> {
    let t = topology();
    devices()
        .into_iter()
        .filter(|d| d.process_index == t.process_index)
        .collect()
}

/// Number of devices over all processes.
pub fn device_count() -> usize {
    let t = topology();
    t.num_local * t.process_count
}

/// Number of devices of this process.
pub fn local_device_count() -> usize {
    topology().num_local
}

/// This process's index (its MPI rank; 0 without MPI).
pub fn process_index() -> usize {
    topology().process_index
}

/// Number of processes (MPI world size; 1 without MPI).
pub fn process_count() -> usize {
    topology().process_count
}
