//! `Mesh`: devices laid out on a named n-d grid (JAX's `jax.sharding.Mesh`).

use std::sync::Arc;

use super::devices::Device;
use crate::error::{Result, RjaxError};

/// Devices arranged row-major on a grid whose axes have names.
///
/// ```
/// use rjax_runtime::sharding::{devices, set_num_cpu_devices, Mesh};
/// set_num_cpu_devices(2).unwrap();
/// let mesh = Mesh::new(&devices()[..2], &[("data", 2), ("model", 1)]).unwrap();
/// assert_eq!(mesh.axis_size("data"), Some(2));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mesh {
    inner: Arc<MeshInner>,
}

#[derive(Debug, PartialEq, Eq)]
struct MeshInner {
    devices: Vec<Device>,
    names: Vec<String>,
    sizes: Vec<usize>,
}

impl Mesh {
    /// A mesh over `devices` (row-major: the last axis varies fastest) with
    /// the given `(name, size)` axes; the sizes must multiply to the number
    /// of devices and the names must be distinct.
    pub fn new(devices: &[Device], axes: &[(&str, usize)]) -> Result<Mesh> {
        // An axis of size 0 (or no device at all) leaves shard_map nothing
        // to run on and divides by zero when splitting an array.
        if devices.is_empty() || axes.iter().any(|a| a.1 == 0) {
            return Err(RjaxError::Invalid {
                op: "Mesh::new",
                message: format!(
                    "a mesh needs at least one device and axes of size >= 1, got {} devices and axes {axes:?}",
                    devices.len()
                ),
            });
        }
        let sizes: Vec<usize> = axes.iter().map(|a| a.1).collect();
        let n = crate::array::try_size("Mesh::new", &sizes).map_err(|_| RjaxError::Invalid {
            op: "Mesh::new",
            message: format!(
                "axes {axes:?} need more than usize::MAX devices but {} were given",
                devices.len()
            ),
        })?;
        if n != devices.len() {
            return Err(RjaxError::Invalid {
                op: "Mesh::new",
                message: format!(
                    "axes {axes:?} need {n} devices but {} were given",
                    devices.len()
                ),
            });
        }
        for (i, (name, _)) in axes.iter().enumerate() {
            if axes[..i].iter().any(|(m, _)| m == name) {
                return Err(RjaxError::Invalid {
                    op: "Mesh::new",
                    message: format!("axis name {name:?} appears twice in {axes:?}"),
                });
            }
        }
        for (i, d) in devices.iter().enumerate() {
            if devices[..i].contains(d) {
                return Err(RjaxError::Invalid {
                    op: "Mesh::new",
                    message: format!("device {d} appears twice"),
                });
            }
        }
        Ok(Mesh {
            inner: Arc::new(MeshInner {
                devices: devices.to_vec(),
                names: axes.iter().map(|a| a.0.to_string()).collect(),
                sizes: axes.iter().map(|a| a.1).collect(),
            }),
        })
    }

    /// The devices in row-major grid order.
    pub fn devices(&self) -> &[Device] {
        &self.inner.devices
    }

    /// Number of devices.
    pub fn size(&self) -> usize {
        self.inner.devices.len()
    }

    /// The axis names, in order.
    pub fn axis_names(&self) -> &[String] {
        &self.inner.names
    }

    /// The axis sizes, in order.
    pub fn shape(&self) -> &[usize] {
        &self.inner.sizes
    }

    /// Size of the named axis, `None` when the mesh has no such axis.
    pub fn axis_size(&self, name: &str) -> Option<usize> {
        self.axis_position(name).map(|i| self.inner.sizes[i])
    }

    /// Index of the named axis among the mesh axes.
    pub fn axis_position(&self, name: &str) -> Option<usize> {
        self.inner.names.iter().position(|n| n == name)
    }

    /// Like [`Mesh::axis_position`], as an error naming `op` and the axes.
    pub(crate) fn require_axis(&self, op: &'static str, name: &str) -> Result<usize> {
        self.axis_position(name).ok_or_else(|| RjaxError::Invalid {
            op,
            message: format!(
                "no mesh axis named {name:?}; the mesh has axes {:?}",
                self.inner.names
            ),
        })
    }

    /// Grid coordinates of the device at flat position `pos`.
    pub fn coords(&self, pos: usize) -> Vec<usize> {
        let mut c = vec![0; self.inner.sizes.len()];
        let mut rest = pos;
        for (i, &s) in self.inner.sizes.iter().enumerate().rev() {
            c[i] = rest % s;
            rest /= s;
        }
        c
    }

    /// Flat position of the device at grid coordinates `coords`.
    pub fn position(&self, coords: &[usize]) -> usize {
        coords
            .iter()
            .zip(&self.inner.sizes)
            .fold(0, |acc, (&c, &s)| acc * s + c)
    }

    /// Positions of the devices that differ from `pos` only along `axes`,
    /// ordered by their linear index over `axes` (major first): the group a
    /// collective over `axes` combines.
    pub(crate) fn group(&self, pos: usize, axes: &[usize]) -> Vec<usize> {
        let base = self.coords(pos);
        let count: usize = axes.iter().map(|&a| self.inner.sizes[a]).product();
        (0..count)
            .map(|k| {
                let mut c = base.clone();
                let mut rest = k;
                for &a in axes.iter().rev() {
                    c[a] = rest % self.inner.sizes[a];
                    rest /= self.inner.sizes[a];
                }
                self.position(&c)
            })
            .collect()
    }

    /// Linear index of the device at `pos` over `axes` (major first).
    pub(crate) fn linear_index(&self, pos: usize, axes: &[usize]) -> usize {
        let c = self.coords(pos);
        axes.iter()
            .fold(0, |acc, &a| acc * self.inner.sizes[a] + c[a])
    }

    /// Product of the sizes of `axes`.
    pub(crate) fn axes_size(&self, axes: &[usize]) -> usize {
        axes.iter().map(|&a| self.inner.sizes[a]).product()
    }

    /// A text like `{data: 1, model: 0}` for error messages.
    pub(crate) fn describe(&self, pos: usize) -> String {
        let c = self.coords(pos);
        let parts: Vec<String> = self
            .inner
            .names
            .iter()
            .zip(c)
            .map(|(n, c)| format!("{n}: {c}"))
            .collect();
        format!(
            "device {} at {{{}}}",
            self.inner.devices[pos],
            parts.join(", ")
        )
    }
}
