//! `NamedSharding`: a mesh plus a partition spec, and the arithmetic that
//! says which block of a global array each device holds.

use std::ops::Range;

use super::mesh::Mesh;
use super::spec::PartitionSpec;
use crate::error::{Result, RjaxError};

/// How an array is laid out over a mesh (JAX's `NamedSharding`).
///
/// Dimension `d` is split evenly over the mesh axes `spec.dim(d)`; mesh
/// axes the spec does not name hold copies (replication). Sizes must
/// divide evenly; we do not pad.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedSharding {
    /// The devices.
    pub mesh: Mesh,
    /// Which mesh axes split which dimension.
    pub spec: PartitionSpec,
}

impl NamedSharding {
    /// Checks that every axis of `spec` is in `mesh` and used once.
    pub fn new(mesh: &Mesh, spec: PartitionSpec) -> Result<NamedSharding> {
        let mut seen: Vec<&str> = Vec::new();
        for a in spec.axes() {
            mesh.require_axis("NamedSharding", a)?;
            if seen.contains(&a) {
                return Err(RjaxError::Invalid {
                    op: "NamedSharding",
                    message: format!("mesh axis {a:?} is used twice in {spec}"),
                });
            }
            seen.push(a);
        }
        Ok(NamedSharding {
            mesh: mesh.clone(),
            spec,
        })
    }

    /// Mesh-axis positions splitting dimension `d`.
    pub(crate) fn dim_axes(&self, d: usize) -> Vec<usize> {
        self.spec
            .dim(d)
            .0
            .iter()
            .map(|a| self.mesh.axis_position(a).expect("checked in new"))
            .collect()
    }

    /// How many pieces dimension `d` is split into.
    pub fn num_pieces(&self, d: usize) -> usize {
        self.mesh.axes_size(&self.dim_axes(d))
    }

    /// The shape of every shard of a global array of shape `shape`, or an
    /// error naming the dimension that does not divide.
    pub fn shard_shape(&self, op: &'static str, shape: &[usize]) -> Result<Vec<usize>> {
        if self.spec.0.len() > shape.len() {
            return Err(RjaxError::Invalid {
                op,
                message: format!(
                    "partition spec {} has {} entries but the array has shape {shape:?}",
                    self.spec,
                    self.spec.0.len()
                ),
            });
        }
        shape
            .iter()
            .enumerate()
            .map(|(d, &n)| {
                let k = self.num_pieces(d);
                if n % k != 0 {
                    Err(RjaxError::Invalid {
                        op,
                        message: format!(
                            "dimension {d} of shape {shape:?} (size {n}) does not split evenly into {k} pieces under {}",
                            self.spec
                        ),
                    })
                } else {
                    Ok(n / k)
                }
            })
            .collect()
    }

    /// The block of the global array held by the device at mesh position
    /// `pos`, as one range per dimension.
    pub fn shard_index(&self, pos: usize, shape: &[usize]) -> Vec<Range<usize>> {
        shape
            .iter()
            .enumerate()
            .map(|(d, &n)| {
                let axes = self.dim_axes(d);
                let k = self.mesh.axes_size(&axes);
                let i = self.mesh.linear_index(pos, &axes);
                let len = n / k;
                i * len..(i + 1) * len
            })
            .collect()
    }

    /// Positions of the devices that hold a distinct block: for each block,
    /// the first device (in mesh order) holding it. Used to read each block
    /// once despite replication.
    pub(crate) fn distinct_holders(&self) -> Vec<usize> {
        let used: Vec<usize> = (0..self.spec.0.len())
            .flat_map(|d| self.dim_axes(d))
            .collect();
        (0..self.mesh.size())
            .filter(|&p| {
                let c = self.mesh.coords(p);
                c.iter()
                    .enumerate()
                    .all(|(a, &x)| used.contains(&a) || x == 0)
            })
            .collect()
    }
}
