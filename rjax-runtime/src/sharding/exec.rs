//! Running one function per local device, each on its own worker thread,
//! with the device's context (mesh, position, meeting point) in a
//! thread-local so that collectives such as `psum(&x, "data")` need no
//! extra argument, as in JAX.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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
            message: format!(
                "collectives need a mesh axis, so they only work inside shard_map: call `{op}` in the function given to shard_map"
            ),
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

// A device is one worker thread: its code runs in a rayon pool of one
// thread, so the runtime's rayon-parallel kernels stay on that device
// instead of spreading over every core (2 devices then do twice the work
// of 1, like XLA's host devices). Workers are kept between calls; each
// call checks out its own, so concurrent or nested shard_maps never queue
// behind each other.
static IDLE: Mutex<Vec<rayon::ThreadPool>> = Mutex::new(Vec::new());
static NEXT_WORKER: AtomicUsize = AtomicUsize::new(0);
/// Idle workers kept for reuse; more are dropped (their threads exit).
const MAX_IDLE: usize = 64;

fn checkout(n: usize) -> Vec<rayon::ThreadPool> {
    let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
    let keep = idle.len().saturating_sub(n);
    let mut got: Vec<rayon::ThreadPool> = idle.drain(keep..).collect();
    drop(idle);
    while got.len() < n {
        let k = NEXT_WORKER.fetch_add(1, Ordering::Relaxed);
        got.push(
            rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .thread_name(move |_| format!("rjax-device-worker-{k}"))
                .build()
                .expect("starting a device worker thread"),
        );
    }
    got
}

fn checkin(workers: Vec<rayon::ThreadPool>) {
    let mut idle = IDLE.lock().unwrap_or_else(|e| e.into_inner());
    for w in workers {
        if idle.len() < MAX_IDLE {
            idle.push(w);
        }
    }
}

/// Starts `job(slot)` on worker `slot` for every slot from `slot` on and
/// returns when all have finished. Each `in_place_scope` waits for its job
/// at its end, after the inner ones were started, so all run at once.
fn run_nested(workers: &[rayon::ThreadPool], slot: usize, job: &(dyn Fn(usize) + Sync)) {
    if slot == workers.len() {
        return;
    }
    workers[slot].in_place_scope(|s| {
        s.spawn(move |_| job(slot));
        run_nested(workers, slot + 1, job);
    });
}

/// Runs `f(ctx)` once per local device of `mesh`, in parallel (one worker
/// thread per device), and returns the
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
    let results: Vec<Mutex<Option<R>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let job = |slot: usize| {
        let r = run_one(slot);
        *results[slot].lock().unwrap_or_else(|e| e.into_inner()) = r;
    };
    let workers = checkout(n);
    run_nested(&workers, 0, &job);
    checkin(workers);
    let results: Vec<Option<R>> = results
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect();
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
