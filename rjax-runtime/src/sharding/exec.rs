//! Running one function per local device, each on its own worker thread,
//! with the device's context (mesh, position, meeting point) in a
//! thread-local so that collectives such as `psum(&x, "data")` need no
//! extra argument, as in JAX.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use super::comm::Comm;
use super::mesh::Mesh;
use crate::error::{Result, RjaxError};

/// What a device knows while it runs inside `shard_map`.
#[derive(Clone)]
pub(crate) struct DeviceCtx {
    pub comm: Arc<Comm>,
    /// Position of this device in the mesh.
    pub pos: usize,
    /// Index among this process's devices.
    pub slot: usize,
}

thread_local! {
    static CTX: RefCell<Option<DeviceCtx>> = const { RefCell::new(None) };
}

/// The context of the device running on this thread, or an error saying
/// that `op` needs to run inside `shard_map`.
pub(crate) fn current(op: &'static str) -> Result<DeviceCtx> {
    CTX.with(|c| c.borrow().clone())
        .ok_or_else(|| RjaxError::Invalid {
            op,
            message: "collectives need a mesh axis, so they only work inside shard_map".into(),
        })
}

/// Restores the previous context when dropped, also on unwinding.
struct CtxGuard(Option<DeviceCtx>);

impl Drop for CtxGuard {
    fn drop(&mut self) {
        let prev = self.0.take();
        CTX.with(|c| *c.borrow_mut() = prev);
    }
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-text panic payload)".to_string()
    }
}

/// Runs `f(ctx)` once per local device of `mesh`, in parallel (one thread
/// per device; the calling thread when there is only one), and returns the
/// results by slot. A panic on any device becomes an error that names the
/// device and its message; the other devices are woken from their
/// collectives instead of hanging.
pub(crate) fn run_per_device<R, F>(mesh: &Mesh, f: F) -> Result<Vec<R>>
where
    R: Send,
    F: Fn(&DeviceCtx) -> R + Sync,
{
    let comm = Arc::new(Comm::new(mesh)?);
    let n = comm.local_positions().len();
    let run_one = |slot: usize| -> Option<R> {
        let ctx = DeviceCtx {
            comm: comm.clone(),
            pos: comm.local_positions()[slot],
            slot,
        };
        let prev = CTX.with(|c| c.borrow_mut().replace(ctx.clone()));
        let _guard = CtxGuard(prev);
        match catch_unwind(AssertUnwindSafe(|| f(&ctx))) {
            Ok(r) => {
                comm.finish(slot);
                Some(r)
            }
            Err(p) => {
                comm.fail(slot, &panic_text(p.as_ref()));
                None
            }
        }
    };
    // A device is one worker thread: its code runs in a rayon pool of one
    // thread, so the runtime's rayon-parallel kernels stay on that device
    // instead of spreading over every core (and so 2 devices do twice the
    // work of 1, like XLA's host devices). A fresh pool per call keeps
    // concurrent or nested shard_maps from queueing behind each other.
    let run_on_device = |slot: usize| -> Option<R> {
        let device = mesh.devices()[comm.local_positions()[slot]];
        match rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .thread_name(move |_| format!("rjax-{device}"))
            .build()
        {
            Ok(pool) => pool.install(|| run_one(slot)),
            Err(_) => run_one(slot),
        }
    };
    let results: Vec<Option<R>> = if n == 1 {
        vec![run_on_device(0)]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..n)
                .map(|slot| {
                    let device = mesh.devices()[comm.local_positions()[slot]];
                    std::thread::Builder::new()
                        .name(format!("rjax-{device}-host"))
                        .spawn_scoped(s, {
                            let run_on_device = &run_on_device;
                            move || run_on_device(slot)
                        })
                        .expect("spawning a device thread")
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or(None))
                .collect()
        })
    };
    if let Some(fail) = comm.failure() {
        return Err(RjaxError::Invalid {
            op: "shard_map",
            message: fail.message,
        });
    }
    Ok(results
        .into_iter()
        .map(|r| r.expect("no failure recorded, so every device returned"))
        .collect())
}
