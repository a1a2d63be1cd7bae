//! The exchange every collective is built on: each device of a mesh hands
//! in one array and gets back the arrays of all devices, indexed by mesh
//! position. Collectives then combine their group's entries locally, in
//! group order, so every device computes bit-identical results.
//!
//! Devices of this process meet at a mutex + condvar; when the mesh spans
//! MPI ranks, the last local device to arrive swaps the local arrays with
//! the other ranks (`distributed::exchange`). Waiting is bounded by the
//! collective timeout, and a device that panics or returns early wakes the
//! others at once with an error that names it, so nothing hangs.

use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::devices::process_index;
use super::local::{Numeric, zip};
use super::mesh::Mesh;
use super::reduce;
use crate::array::Array;
use crate::dtype::Element;
use crate::error::{Result, RjaxError};

/// Default collective timeout: long enough for real work between
/// collectives, short enough that a lost device is reported.
const DEFAULT_TIMEOUT_MS: u64 = 60_000;

static TIMEOUT_MS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static ROUNDS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many collective rendezvous the calling device thread has joined so
/// far. Each is a wait for every device of the mesh, so this is the number
/// a program wants small: reverse mode through `pmean` all-reduces the
/// gradients of all replicated parameters in one rendezvous (rjax-core's
/// `combine_psums`), not one per parameter.
pub fn collective_rounds() -> u64 {
    ROUNDS.with(|r| r.get())
}

/// How long a device waits in a collective for the others before failing
/// with an error naming the devices (or ranks) that did not arrive.
/// Read from `RJAX_COLLECTIVE_TIMEOUT_SECS` unless set with
/// [`set_collective_timeout`]; 60 s by default.
pub fn collective_timeout() -> Duration {
    let ms = TIMEOUT_MS.load(Ordering::Relaxed);
    if ms != 0 {
        return Duration::from_millis(ms);
    }
    let from_env = std::env::var("RJAX_COLLECTIVE_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .map(|s| (s * 1000.0) as u64);
    Duration::from_millis(from_env.unwrap_or(DEFAULT_TIMEOUT_MS))
}

/// Sets the collective timeout for this process (see [`collective_timeout`]).
pub fn set_collective_timeout(t: Duration) {
    TIMEOUT_MS.store((t.as_millis() as u64).max(1), Ordering::Relaxed);
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// Devices are handing in their arrays.
    Collecting,
    /// The result is published; devices are taking it.
    Reading,
}

/// The first thing that went wrong, reported to every device.
#[derive(Clone, Debug)]
pub(crate) struct Failure {
    /// The text, naming the device that caused it.
    pub message: String,
    /// True for a device's own panic (a root cause), false for a device that
    /// gave up waiting.
    pub root: bool,
}

struct State {
    phase: Phase,
    generation: u64,
    /// The collective the current round is for, to catch diverging programs.
    op: Option<String>,
    deposits: Vec<Option<Box<dyn Any + Send>>>,
    arrived: usize,
    result: Option<Arc<dyn Any + Send + Sync>>,
    readers_left: usize,
    finished: Vec<bool>,
    failure: Option<Failure>,
}

/// The meeting point of the devices of one `shard_map` (or sharded op) call.
pub(crate) struct Comm {
    mesh: Mesh,
    /// Mesh positions of this process's devices; slot `i` is `local[i]`.
    local: Vec<usize>,
    /// True when the mesh has devices of other processes.
    spans_processes: bool,
    timeout: Duration,
    state: Mutex<State>,
    cv: Condvar,
}

impl Comm {
    /// A fresh meeting point for `mesh`; fails if this process owns none of
    /// its devices.
    pub fn new(mesh: &Mesh) -> Result<Comm> {
        let me = process_index();
        let local: Vec<usize> = (0..mesh.size())
            .filter(|&p| mesh.devices()[p].process_index == me)
            .collect();
        if local.is_empty() {
            return Err(RjaxError::Invalid {
                op: "shard_map",
                message: format!("the mesh has no device of this process (rank {me})"),
            });
        }
        let spans_processes = local.len() != mesh.size();
        if spans_processes && !cfg!(feature = "mpi") {
            return Err(RjaxError::Invalid {
                op: "shard_map",
                message: "the mesh spans processes but rjax was built without the `mpi` feature"
                    .into(),
            });
        }
        let n = local.len();
        Ok(Comm {
            mesh: mesh.clone(),
            local,
            spans_processes,
            timeout: collective_timeout(),
            state: Mutex::new(State {
                phase: Phase::Collecting,
                generation: 0,
                op: None,
                deposits: (0..n).map(|_| None).collect(),
                arrived: 0,
                result: None,
                readers_left: 0,
                finished: vec![false; n],
                failure: None,
            }),
            cv: Condvar::new(),
        })
    }

    pub fn mesh(&self) -> &Mesh {
        &self.mesh
    }

    /// Mesh positions of the local devices, by slot.
    pub fn local_positions(&self) -> &[usize] {
        &self.local
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking device never holds the lock while running user code,
        // so a poisoned lock still holds consistent state.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records that the device in `slot` panicked with `message`.
    pub fn fail(&self, slot: usize, message: &str) {
        let mut st = self.lock();
        if st.failure.as_ref().is_none_or(|f| !f.root) {
            st.failure = Some(Failure {
                message: format!(
                    "{} panicked: {message}",
                    self.mesh.describe(self.local[slot])
                ),
                root: true,
            });
        }
        self.cv.notify_all();
    }

    /// Records that the device in `slot` returned from its function.
    pub fn finish(&self, slot: usize) {
        let mut st = self.lock();
        st.finished[slot] = true;
        self.cv.notify_all();
    }

    /// The first failure, if any.
    pub fn failure(&self) -> Option<Failure> {
        self.lock().failure.clone()
    }

    fn aborted(&self, op: &str, slot: usize, f: &Failure) -> RjaxError {
        RjaxError::Invalid {
            op: "collective",
            message: format!(
                "{op} on {} aborted: {}",
                self.mesh.describe(self.local[slot]),
                f.message
            ),
        }
    }

    /// Hands in `x` from the device in `slot` for the collective `op` and
    /// returns every device's array, indexed by mesh position.
    pub fn exchange<T: Element>(
        &self,
        slot: usize,
        op: &str,
        x: Array<T>,
    ) -> Result<Arc<Vec<Array<T>>>> {
        self.rendezvous(slot, op, x, |c, locals, deadline| {
            c.gather_all(op, locals, deadline)
        })
    }

    /// The sum of `x` over the devices of the group along mesh `axes`
    /// (positions into the mesh's axes), for the device in `slot`.
    ///
    /// Within this process the group's local members are added in group
    /// order. Across MPI ranks the per-rank partial sums are all-reduced
    /// with `MPI_Iallreduce` (about 2N bytes per rank for N bytes, instead
    /// of the (P-1)N of sending every array everywhere), unless
    /// `RJAX_DETERMINISTIC_COLLECTIVES=1` asks for the exchange, which adds
    /// in group order on every rank (bit-identical to one process of
    /// threads for any number of ranks; the all-reduce is too for two
    /// ranks, since a + b = b + a in IEEE arithmetic).
    pub fn sum<T: Numeric>(
        &self,
        slot: usize,
        op: &str,
        x: Array<T>,
        axes: &[usize],
    ) -> Result<Array<T>> {
        let sums = self.rendezvous(slot, op, x, |c, locals, deadline| {
            c.sum_groups(op, locals, axes, deadline)
        })?;
        Ok(sums[slot].clone())
    }

    /// Every local device's group sum, by slot (see [`Comm::sum`]).
    fn sum_groups<T: Numeric>(
        &self,
        op: &str,
        locals: Vec<Array<T>>,
        axes: &[usize],
        deadline: Instant,
    ) -> Result<Vec<Array<T>>> {
        let mesh = &self.mesh;
        for (s, x) in locals.iter().enumerate().skip(1) {
            if x.shape() != locals[0].shape() {
                return Err(RjaxError::Invalid {
                    op: "collective",
                    message: format!(
                        "{op}: {} passed shape {:?} but {} passed {:?}",
                        mesh.describe(self.local[s]),
                        x.shape(),
                        mesh.describe(self.local[0]),
                        locals[0].shape()
                    ),
                });
            }
        }
        let key = |pos: usize| mesh.group(pos, axes)[0];
        if self.spans_processes && !reduce::deterministic() {
            #[cfg(feature = "mpi")]
            if let Some(r) = reduce::mpi_group_sums(self, op, &locals, axes, deadline) {
                return r;
            }
        }
        // One process, or the exchange: each group in group order.
        let all = if self.spans_processes {
            self.gather_all(op, locals, deadline)?
        } else {
            // All devices are local: slot order is mesh order.
            locals
        };
        let mut sums: Vec<(usize, Array<T>)> = Vec::new();
        self.local
            .iter()
            .map(|&pos| {
                let k = key(pos);
                if let Some((_, s)) = sums.iter().find(|(g, _)| *g == k) {
                    return Ok(s.clone());
                }
                let members = mesh.group(pos, axes);
                let mut acc = all[members[0]].clone();
                for &m in &members[1..] {
                    acc = zip(op_name(op), &acc, &all[m], |a, b| a + b)?;
                }
                sums.push((k, acc.clone()));
                Ok(acc)
            })
            .collect()
    }

    /// The rendezvous every collective is built on: each local device
    /// hands in `x`; the last to arrive runs `finish` on all of them (in
    /// slot order) and every device gets its result.
    fn rendezvous<T: Element, R: Send + Sync + 'static>(
        &self,
        slot: usize,
        op: &str,
        x: Array<T>,
        finish: impl FnOnce(&Comm, Vec<Array<T>>, Instant) -> Result<R>,
    ) -> Result<Arc<R>> {
        ROUNDS.with(|r| r.set(r.get() + 1));
        let deadline = Instant::now() + self.timeout;
        let mut st = self.lock();
        // Wait until the previous round has been read by everyone.
        while st.phase == Phase::Reading {
            if let Some(f) = &st.failure {
                return Err(self.aborted(op, slot, f));
            }
            st = self.wait(st, slot, op, deadline)?;
        }
        if let Some(f) = &st.failure {
            return Err(self.aborted(op, slot, f));
        }
        match &st.op {
            Some(o) if o != op => {
                let msg = format!(
                    "devices diverged: {} called {op} while another device called {o}",
                    self.mesh.describe(self.local[slot])
                );
                st.failure = Some(Failure {
                    message: msg.clone(),
                    root: false,
                });
                self.cv.notify_all();
                return Err(RjaxError::Invalid {
                    op: "collective",
                    message: msg,
                });
            }
            _ => st.op = Some(op.to_string()),
        }
        st.deposits[slot] = Some(Box::new(x));
        st.arrived += 1;
        let generation = st.generation;
        if st.arrived == self.local.len() {
            let all = match self
                .take_deposits::<T>(&mut st, op)
                .and_then(|locals| finish(self, locals, deadline))
            {
                Ok(all) => all,
                Err(e) => {
                    st.failure = Some(Failure {
                        message: e.to_string(),
                        root: false,
                    });
                    self.cv.notify_all();
                    return Err(e);
                }
            };
            st.result = Some(Arc::new(all));
            st.phase = Phase::Reading;
            st.readers_left = self.local.len();
            st.arrived = 0;
            st.op = None;
            self.cv.notify_all();
        } else {
            while !(st.phase == Phase::Reading && st.generation == generation) {
                if let Some(f) = &st.failure {
                    return Err(self.aborted(op, slot, f));
                }
                let gone: Vec<String> = (0..self.local.len())
                    .filter(|&s| st.finished[s] && st.deposits[s].is_none())
                    .map(|s| self.mesh.describe(self.local[s]))
                    .collect();
                if !gone.is_empty() {
                    let msg = format!(
                        "{op}: {} returned without joining it; every device must call the same collectives in the same order",
                        gone.join(", ")
                    );
                    st.failure = Some(Failure {
                        message: msg.clone(),
                        root: false,
                    });
                    self.cv.notify_all();
                    return Err(RjaxError::Invalid {
                        op: "collective",
                        message: msg,
                    });
                }
                st = self.wait(st, slot, op, deadline)?;
            }
        }
        let result = st.result.clone().expect("published above");
        st.readers_left -= 1;
        if st.readers_left == 0 {
            st.phase = Phase::Collecting;
            st.result = None;
            st.generation += 1;
            self.cv.notify_all();
        }
        drop(st);
        result.downcast::<R>().map_err(|_| RjaxError::Invalid {
            op: "collective",
            message: format!("{op}: devices passed arrays of different element types"),
        })
    }

    /// Waits on the condvar until `deadline`; on timeout records and returns
    /// an error naming the local devices that have not arrived.
    fn wait<'a>(
        &'a self,
        st: MutexGuard<'a, State>,
        slot: usize,
        op: &str,
        deadline: Instant,
    ) -> Result<MutexGuard<'a, State>> {
        let now = Instant::now();
        if now < deadline {
            let (st, _) = self
                .cv
                .wait_timeout(st, deadline - now)
                .unwrap_or_else(|e| e.into_inner());
            return Ok(st);
        }
        let mut st = st;
        let missing: Vec<String> = (0..self.local.len())
            .filter(|&s| st.phase == Phase::Collecting && st.deposits[s].is_none())
            .map(|s| self.mesh.describe(self.local[s]))
            .collect();
        let msg = format!(
            "{op} on {} timed out after {:?} waiting for {}",
            self.mesh.describe(self.local[slot]),
            self.timeout,
            if missing.is_empty() {
                "the other devices to read the previous result".to_string()
            } else {
                missing.join(", ")
            }
        );
        if st.failure.is_none() {
            st.failure = Some(Failure {
                message: msg.clone(),
                root: false,
            });
        }
        self.cv.notify_all();
        Err(RjaxError::Invalid {
            op: "collective",
            message: msg,
        })
    }

    /// The local devices' arrays, by slot, checked to be of one type.
    fn take_deposits<T: Element>(&self, st: &mut State, op: &str) -> Result<Vec<Array<T>>> {
        let mut locals = Vec::with_capacity(self.local.len());
        for (s, d) in st.deposits.iter_mut().enumerate() {
            let b = d.take().expect("every local device deposited");
            let a = b.downcast::<Array<T>>().map_err(|_| RjaxError::Invalid {
                op: "collective",
                message: format!(
                    "{op}: {} passed an array of another element type than the others",
                    self.mesh.describe(self.local[s])
                ),
            })?;
            locals.push(*a);
        }
        Ok(locals)
    }

    /// The array of every mesh device, by position: the local ones,
    /// swapped with the other ranks when the mesh spans processes.
    fn gather_all<T: Element>(
        &self,
        op: &str,
        locals: Vec<Array<T>>,
        deadline: Instant,
    ) -> Result<Vec<Array<T>>> {
        if self.spans_processes {
            #[cfg(feature = "mpi")]
            {
                return super::distributed::exchange(&self.mesh, &self.local, locals, op, deadline);
            }
        }
        let _ = (op, deadline);
        // All devices are local: slot order is mesh order.
        Ok(locals)
    }
}

/// `psum over ["data"]` -> `psum`, for the `op` of an error.
fn op_name(label: &str) -> &'static str {
    match label.split(' ').next() {
        Some("pmean") => "pmean",
        _ => "psum",
    }
}
