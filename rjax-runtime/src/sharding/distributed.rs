//! Many processes: `initialize()` reads the MPI world (feature `mpi`), so
//! every rank contributes its local devices to [`super::devices()`] and a
//! mesh built from them spans ranks. Collectives then swap arrays between
//! ranks with MPI; the program itself does not change.
//!
//! Without the `mpi` feature, or when started without `mpirun`, this is a
//! single process and `initialize()` only fixes the device count.
//!
//! Every rank must run the same collectives in the same order (SPMD), one
//! `shard_map` at a time: messages are matched by order, not by name.
//!
//! Faults: a collective waits for the other ranks at most the collective
//! timeout, then prints which ranks did not arrive and aborts the MPI job;
//! a panic on any rank prints the rank and aborts the job too, so `mpirun`
//! stops every rank instead of leaving them waiting.

use super::devices::{Topology, set_topology};
use crate::error::Result;

/// The running distributed system; keep it alive until the end of `main`
/// (dropping it finalizes MPI).
pub struct Distributed {
    process_index: usize,
    process_count: usize,
    #[cfg(feature = "mpi")]
    _universe: Option<mpi::environment::Universe>,
}

impl Distributed {
    /// This process's rank.
    pub fn process_index(&self) -> usize {
        self.process_index
    }

    /// Number of processes.
    pub fn process_count(&self) -> usize {
        self.process_count
    }
}

/// Local devices per process: `RJAX_NUM_DEVICES`, else one per rank when
/// there are several ranks (each rank is usually a machine or a core), else
/// the number of cores.
fn local_devices_for(process_count: usize) -> usize {
    match std::env::var("RJAX_NUM_DEVICES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        Some(n) if n > 0 => n,
        _ if process_count > 1 => 1,
        _ => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
    }
}

/// Joins the distributed system: with feature `mpi`, initialises MPI and
/// makes this rank's devices part of a global device list; otherwise a
/// single process. Call it first in `main`, before [`super::devices()`].
pub fn initialize() -> Result<Distributed> {
    #[cfg(feature = "mpi")]
    {
        use mpi::traits::Communicator;
        let (universe, _threading) = mpi::initialize_with_threading(mpi::Threading::Serialized)
            .ok_or_else(|| crate::error::RjaxError::Invalid {
                op: "distributed::initialize",
                message: "MPI was already initialised".into(),
            })?;
        let world = universe.world();
        let (rank, size) = (world.rank() as usize, world.size() as usize);
        set_topology(Topology {
            num_local: local_devices_for(size),
            process_index: rank,
            process_count: size,
        })?;
        if size > 1 {
            install_abort_on_panic(rank);
        }
        Ok(Distributed {
            process_index: rank,
            process_count: size,
            _universe: Some(universe),
        })
    }
    #[cfg(not(feature = "mpi"))]
    {
        set_topology(Topology {
            num_local: local_devices_for(1),
            process_index: 0,
            process_count: 1,
        })?;
        Ok(Distributed {
            process_index: 0,
            process_count: 1,
        })
    }
}

/// A panic on one rank would leave the others waiting in a collective:
/// report the rank and abort the whole job.
#[cfg(feature = "mpi")]
fn install_abort_on_panic(rank: usize) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        previous(info);
        eprintln!("rjax: rank {rank} panicked; aborting all MPI ranks");
        use mpi::traits::Communicator;
        mpi::topology::SimpleCommunicator::world().abort(101);
    }));
}

#[cfg(feature = "mpi")]
pub(crate) use mpi_exchange::{MPI_LOCK, back_off, exchange};

#[cfg(feature = "mpi")]
mod mpi_exchange {
    use std::time::Instant;

    use mpi::topology::SimpleCommunicator;
    use mpi::traits::*;

    use crate::array::Array;
    use crate::dtype::Element;
    use crate::error::{Result, RjaxError};
    use crate::sharding::mesh::Mesh;

    const TAG: mpi::Tag = 7007;

    /// MPI runs at the `Serialized` thread level: two meshes' collectives
    /// (concurrent shard_maps on different user threads) must not call MPI
    /// at the same time.
    pub(crate) static MPI_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// One wait between polls of an MPI request: spin briefly for low
    /// latency, then sleep to leave the cores to the ranks doing work.
    pub(crate) fn back_off(spins: &mut u32) {
        *spins += 1;
        if *spins > 1000 {
            std::thread::sleep(std::time::Duration::from_micros(50));
        } else {
            std::thread::yield_now();
        }
    }

    fn as_bytes<T: Element>(x: &[T]) -> &[u8] {
        // SAFETY: `Element` types are plain old data (floats, ints, bool)
        // with no padding; reading their bytes is always valid.
        unsafe { std::slice::from_raw_parts(x.as_ptr() as *const u8, std::mem::size_of_val(x)) }
    }

    fn push_u64(buf: &mut Vec<u8>, v: usize) {
        buf.extend_from_slice(&(v as u64).to_le_bytes());
    }

    fn read_u64(buf: &[u8], at: &mut usize) -> usize {
        let v = u64::from_le_bytes(buf[*at..*at + 8].try_into().expect("8 bytes"));
        *at += 8;
        v as usize
    }

    /// `[count, (position, ndim, dims.., bytes)..]`.
    fn encode<T: Element>(local: &[usize], xs: &[Array<T>]) -> Vec<u8> {
        let mut buf = Vec::new();
        push_u64(&mut buf, xs.len());
        for (&p, x) in local.iter().zip(xs) {
            push_u64(&mut buf, p);
            push_u64(&mut buf, x.ndim());
            for &d in x.shape() {
                push_u64(&mut buf, d);
            }
            buf.extend_from_slice(as_bytes(x.as_slice()));
        }
        buf
    }

    fn decode<T: Element>(buf: &[u8], out: &mut [Option<Array<T>>]) -> Result<()> {
        let mut at = 0;
        let count = read_u64(buf, &mut at);
        for _ in 0..count {
            let p = read_u64(buf, &mut at);
            let nd = read_u64(buf, &mut at);
            let shape: Vec<usize> = (0..nd).map(|_| read_u64(buf, &mut at)).collect();
            let n: usize = shape.iter().product();
            let nbytes = n * std::mem::size_of::<T>();
            let mut data = vec![T::default(); n];
            // SAFETY: the bytes were written by `encode::<T>` on a rank of
            // the same program from valid values of `T`.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    buf[at..at + nbytes].as_ptr(),
                    data.as_mut_ptr() as *mut u8,
                    nbytes,
                );
            }
            at += nbytes;
            out[p] = Some(Array::from_shape_vec(shape, data)?);
        }
        Ok(())
    }

    /// Sends this rank's arrays to every other rank of the mesh and
    /// receives theirs; returns every device's array by mesh position.
    /// Waiting past `deadline` prints the ranks that never sent and aborts
    /// the job.
    pub(crate) fn exchange<T: Element>(
        mesh: &Mesh,
        local: &[usize],
        xs: Vec<Array<T>>,
        op: &str,
        deadline: Instant,
    ) -> Result<Vec<Array<T>>> {
        let _serial = MPI_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let world = SimpleCommunicator::world();
        let me = world.rank() as usize;
        let mut peers: Vec<usize> = mesh
            .devices()
            .iter()
            .map(|d| d.process_index)
            .filter(|&p| p != me)
            .collect();
        peers.sort_unstable();
        peers.dedup();
        let buf = encode(local, &xs);
        let mut out: Vec<Option<Array<T>>> = vec![None; mesh.size()];
        for (&p, x) in local.iter().zip(xs) {
            out[p] = Some(x);
        }
        let mut received: Vec<Vec<u8>> = Vec::new();
        mpi::request::scope(|scope| {
            let sends: Vec<_> = peers
                .iter()
                .map(|&p| {
                    world
                        .process_at_rank(p as i32)
                        .immediate_send_with_tag(scope, &buf[..], TAG)
                })
                .collect();
            let mut pending = peers.clone();
            let mut spins = 0u32;
            while !pending.is_empty() {
                let before = pending.len();
                pending.retain(|&p| {
                    match world
                        .process_at_rank(p as i32)
                        .immediate_matched_probe_with_tag(TAG)
                    {
                        Some(m) => {
                            let (v, _) = m.matched_receive_vec::<u8>();
                            received.push(v);
                            false
                        }
                        None => true,
                    }
                });
                if pending.len() < before {
                    spins = 0;
                    continue;
                }
                if Instant::now() > deadline {
                    eprintln!(
                        "rjax: {op} on rank {me} timed out waiting for rank(s) {pending:?} \
                         (they died, hang, or run different collectives); aborting all MPI ranks"
                    );
                    world.abort(3);
                }
                back_off(&mut spins);
            }
            for s in sends {
                s.wait();
            }
        });
        for r in &received {
            decode(r, &mut out)?;
        }
        out.into_iter()
            .enumerate()
            .map(|(p, a)| {
                a.ok_or_else(|| RjaxError::Invalid {
                    op: "collective",
                    message: format!("{op}: no array arrived for {}", mesh.describe(p)),
                })
            })
            .collect()
    }
}
