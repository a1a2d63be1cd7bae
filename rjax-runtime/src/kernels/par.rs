//! When work is split over threads, and how.
//!
//! - [`PAR_MIN_LEN`] / [`parallel`]: the one threshold from which an
//!   elementwise pass (eager or `#[jit]`), a PRNG draw or a strided row pass
//!   goes to rayon's pool, and [`chunk_len`], the size of its pieces;
//! - [`run_tasks`]: tasks `0..n` shared by the calling thread and pool
//!   threads, each taking the next task when it is free (the gemm kernels).
//!
//! Why `run_tasks` and not rayon's `par_iter`: called from outside the pool
//! (as a user's `#[jit]` function is), it parks the caller until a pool
//! thread has woken, run the job and woken the caller again. On the 2-core
//! machines this targets, those two wake-ups cost tens of microseconds,
//! paid on every call: 100 times per seed `test_fn`, once per MLP loss.
//! Here the caller starts on the tasks at once, `threads - 1` pool threads
//! join as they wake, and the caller then waits only for the tasks already
//! taken (they are running, so it spins briefly). A pool thread that wakes
//! after the last task was taken finds nothing left and returns; nobody
//! waits for it.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Below this many elements a pass runs on the calling thread only (the
/// hand-off to the pool costs more than it saves).
pub const PAR_MIN_LEN: usize = 1 << 15;

/// Whether a pass over `n` elements goes to rayon's pool.
pub fn parallel(n: usize) -> bool {
    n >= PAR_MIN_LEN && rayon::current_num_threads() > 1
}

/// Chunk length for splitting `n` elements over the pool: several chunks
/// per thread (so uneven chunks balance, and a thread preempted by another
/// process holds up little work), a multiple of 64, never tiny.
pub(crate) fn chunk_len(n: usize) -> usize {
    let threads = rayon::current_num_threads().max(1);
    let c = n.div_ceil(threads * 8).next_multiple_of(64);
    c.max(PAR_MIN_LEN / 2)
}

/// The task closure with its lifetime erased, so that a late pool thread
/// can hold the shared state after the caller returned.
struct TaskPtr(*const (dyn Fn(usize) + Sync));
// SAFETY: the closure is `Sync`; the pointer is dereferenced only while the
// caller of `run_tasks` waits (see `take_tasks`).
unsafe impl Send for TaskPtr {}
unsafe impl Sync for TaskPtr {}

struct Shared {
    n: usize,
    next: AtomicUsize,
    done: AtomicUsize,
    /// The first panic's payload, raised again by the caller.
    panic: Mutex<Option<Box<dyn Any + Send>>>,
    task: TaskPtr,
}

/// Runs `task(t)` once for every `t` in `0..n`, on the calling thread and
/// up to `rayon::current_num_threads() - 1` pool threads, tasks taken in
/// order (list the heaviest first). Returns when all have run; a panic in
/// any task is raised again here after the others finished.
pub(crate) fn run_tasks(n: usize, task: impl Fn(usize) + Sync) {
    let threads = rayon::current_num_threads().min(n);
    if threads <= 1 {
        (0..n).for_each(task);
        return;
    }
    let task: &(dyn Fn(usize) + Sync) = &task;
    // SAFETY: only the lifetime changes; `take_tasks` dereferences the
    // pointer for a task index below `n` only, and this function does not
    // return before all `n` tasks are done.
    let task: &'static (dyn Fn(usize) + Sync) = unsafe { std::mem::transmute(task) };
    let shared = Arc::new(Shared {
        n,
        next: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
        panic: Mutex::new(None),
        task: TaskPtr(task),
    });
    for _ in 1..threads {
        let s = Arc::clone(&shared);
        rayon::spawn(move || take_tasks(&s));
    }
    take_tasks(&shared);
    // The tasks the pool threads took are running: wait for them.
    let mut spins = 0u32;
    while shared.done.load(Ordering::Acquire) < n {
        if spins < 1 << 14 {
            std::hint::spin_loop();
            spins += 1;
        } else {
            // Held up (a pool thread preempted by another process).
            std::thread::yield_now();
        }
    }
    let payload = shared.panic.lock().map(|mut p| p.take());
    if let Ok(Some(payload)) = payload {
        resume_unwind(payload);
    }
}

/// Takes and runs tasks until none is left.
fn take_tasks(s: &Shared) {
    loop {
        let t = s.next.fetch_add(1, Ordering::AcqRel);
        if t >= s.n {
            return;
        }
        // SAFETY: t < n, so task t is not done and `run_tasks` is still
        // waiting: the closure is alive.
        let task = unsafe { &*s.task.0 };
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| task(t)))
            && let Ok(mut first) = s.panic.lock()
        {
            first.get_or_insert(payload);
        }
        s.done.fetch_add(1, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_runs_once() {
        for n in [0, 1, 2, 3, 17, 1000] {
            let hits: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
            run_tasks(n, |t| {
                hits[t].fetch_add(1, Ordering::Relaxed);
            });
            assert!(
                hits.iter().all(|h| h.load(Ordering::Relaxed) == 1),
                "n = {n}"
            );
        }
    }

    #[test]
    fn results_are_visible_to_the_caller() {
        // Each task writes its own slot through a shared pointer, as the
        // kernels do, slowly enough that a pool thread surely takes some:
        // the caller must see every write when it returns.
        let mut out = vec![0u64; 16 * 64];
        let p = out.as_mut_ptr() as usize;
        run_tasks(16, |t| {
            std::thread::sleep(std::time::Duration::from_millis(2));
            for i in t * 64..(t + 1) * 64 {
                // SAFETY: tasks write disjoint ranges of `out`.
                unsafe { *(p as *mut u64).add(i) = (i * i) as u64 };
            }
        });
        assert!(out.iter().enumerate().all(|(i, &v)| v == (i * i) as u64));
    }

    #[test]
    fn a_panicking_task_panics_the_caller_after_the_rest_ran() {
        let ran = AtomicUsize::new(0);
        let r = catch_unwind(AssertUnwindSafe(|| {
            run_tasks(50, |t| {
                ran.fetch_add(1, Ordering::Relaxed);
                assert!(t != 7, "task 7 fails");
            })
        }));
        let payload = r.expect_err("the caller panics");
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned());
        assert_eq!(msg.as_deref(), Some("task 7 fails"));
        assert_eq!(ran.load(Ordering::Relaxed), 50);
    }

    #[test]
    fn nested_calls_from_pool_threads_finish() {
        // A kernel called inside a rayon job (e.g. per shard).
        use rayon::prelude::*;
        let total: usize = (0..8usize)
            .into_par_iter()
            .map(|_| {
                let s = AtomicUsize::new(0);
                run_tasks(10, |t| {
                    s.fetch_add(t, Ordering::Relaxed);
                });
                s.load(Ordering::Relaxed)
            })
            .sum();
        assert_eq!(total, 8 * 45);
    }
}
