//! Running one function per local device, each on its own worker thread,
//! with the device's context (mesh, position, meeting point) in a
//! thread-local so that collectives such as `psum(&x, "data")` need no
//! extra argument, as in JAX.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

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

/// Runs `f` as the device in `slot`: installs its context for the
/// collectives, catches a panic and records it in `comm` (which wakes the
/// other devices), and returns the result if there was no panic.
fn run_device<R>(comm: &Arc<Comm>, slot: usize, f: &(dyn Fn(&DeviceCtx) -> R + Sync)) -> Option<R> {
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
}

/// The results by slot, or the recorded failure as `shard_map`'s error.
fn collect<R>(comm: &Comm, results: Vec<Option<R>>) -> Result<Vec<R>> {
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

/// Runs `f(ctx)` once per local device of `mesh`, in parallel (one worker
/// thread per device), and returns the results by slot once every device
/// has returned. A panic on any device becomes an error that names the
/// device and its message; the other devices are woken from their
/// collectives instead of hanging. `f` may borrow, so this waits for every
/// device, also a slow one: functions that users write, which may
/// straggle past the collective timeout, go through [`run_detached`].
pub(crate) fn run_per_device<R, F>(mesh: &Mesh, f: F) -> Result<Vec<R>>
where
    R: Send,
    F: Fn(&DeviceCtx) -> R + Sync,
{
    let comm = Arc::new(Comm::new(mesh)?);
    let n = comm.local_positions().len();
    let results: Vec<Mutex<Option<R>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let job = |slot: usize| {
        let r = run_device(&comm, slot, &f);
        *results[slot].lock().unwrap_or_else(|e| e.into_inner()) = r;
    };
    let workers = checkout(n);
    run_nested(&workers, 0, &job);
    checkin(workers);
    let results = results
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect();
    collect(&comm, results)
}

/// How often the caller looks for a recorded failure while devices run.
const POLL: Duration = Duration::from_millis(10);

/// Like [`run_per_device`], but `f` owns what it uses, so the call need
/// not outlive a device: as soon as any device has failed (a panic, or a
/// collective that timed out waiting for a straggler) the error is
/// returned, without waiting for devices still running. A straggler keeps
/// its worker thread until its function returns (its next collective fails
/// at once, since the meeting point records the failure); that worker is
/// not reused.
pub(crate) fn run_detached<R, F>(mesh: &Mesh, f: F) -> Result<Vec<R>>
where
    R: Send + 'static,
    F: Fn(&DeviceCtx) -> R + Send + Sync + 'static,
{
    let comm = Arc::new(Comm::new(mesh)?);
    let n = comm.local_positions().len();
    let f = Arc::new(f);
    let (tx, rx) = mpsc::channel::<(usize, Option<R>)>();
    let workers = checkout(n);
    for (slot, w) in workers.iter().enumerate() {
        let (comm, f, tx) = (comm.clone(), f.clone(), tx.clone());
        w.spawn(move || {
            let r = run_device(&comm, slot, &*f);
            // The caller may have returned already (another device failed);
            // then nobody wants this result.
            let _ = tx.send((slot, r));
        });
    }
    drop(tx);
    let mut results: Vec<Option<R>> = (0..n).map(|_| None).collect();
    let mut returned = vec![false; n];
    let mut left = n;
    while left > 0 {
        match rx.recv_timeout(POLL) {
            Ok((slot, r)) => {
                results[slot] = r;
                returned[slot] = true;
                left -= 1;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // Every sender is gone, so every job has ended (a job cannot
            // end without sending unless its thread died).
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if left > 0 && comm.failure().is_some() {
            break;
        }
    }
    // Workers whose device returned are idle again; the others still run
    // a straggler and are dropped (their thread exits when it is done).
    let idle = workers
        .into_iter()
        .zip(&returned)
        .filter_map(|(w, &done)| done.then_some(w))
        .collect();
    checkin(idle);
    if left > 0 && comm.failure().is_none() {
        return Err(RjaxError::Invalid {
            op: "shard_map",
            message: format!("{left} device worker(s) stopped without a result"),
        });
    }
    collect(&comm, results)
}
