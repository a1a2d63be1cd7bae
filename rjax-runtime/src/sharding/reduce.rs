//! Sums across MPI ranks with MPI's own all-reduce: each rank adds its
//! local devices' arrays per group first, then one `MPI_Iallreduce` over
//! the ranks of the mesh combines the partial sums of every group at once
//! (a group a rank has no device in contributes the sum's identity). A
//! ring or tree all-reduce moves about 2N bytes per rank for N bytes of
//! data, where sending every array to every rank moves (P-1)N.

/// True when `RJAX_DETERMINISTIC_COLLECTIVES=1`: sums across ranks then
/// go through the exchange and add in group order, bit-identical to the
/// same mesh on threads of one process, whatever the number of ranks.
pub(crate) fn deterministic() -> bool {
    std::env::var("RJAX_DETERMINISTIC_COLLECTIVES").is_ok_and(|v| v.trim() == "1")
}

#[cfg(feature = "mpi")]
pub(crate) use with_mpi::mpi_group_sums;

#[cfg(feature = "mpi")]
mod with_mpi {
    use std::any::Any;
    use std::time::Instant;

    use mpi::collective::SystemOperation;
    use mpi::datatype::Equivalence;
    use mpi::topology::SimpleCommunicator;
    use mpi::traits::*;

    use super::super::comm::Comm;
    use super::super::distributed::{MPI_LOCK, back_off};
    use super::super::local::{Numeric, zip};
    use crate::array::Array;
    use crate::error::{Result, RjaxError};

    /// Every local device's group sum by slot, all-reduced across ranks;
    /// `None` where the all-reduce does not apply and the caller should
    /// exchange instead: an element type MPI has no sum for here, or a mesh
    /// that leaves out some rank of the MPI world (the all-reduce runs on
    /// the world communicator, which every rank must join).
    pub(crate) fn mpi_group_sums<T: Numeric>(
        comm: &Comm,
        op: &str,
        locals: &[Array<T>],
        axes: &[usize],
        deadline: Instant,
    ) -> Option<Result<Vec<Array<T>>>> {
        let mesh = comm.mesh();
        let world = SimpleCommunicator::world();
        let mut ranks: Vec<usize> = mesh.devices().iter().map(|d| d.process_index).collect();
        ranks.sort_unstable();
        ranks.dedup();
        if ranks.len() != world.size() as usize {
            return None;
        }
        // Groups in the order of their first member, the same on every rank.
        let mut groups: Vec<usize> = (0..mesh.size()).map(|p| mesh.group(p, axes)[0]).collect();
        groups.sort_unstable();
        groups.dedup();
        let n = locals[0].len();
        let group_of = |slot: usize| {
            let k = mesh.group(comm.local_positions()[slot], axes)[0];
            groups
                .iter()
                .position(|&g| g == k)
                .expect("every group is listed")
        };
        // This rank's partial sum of each group, in group order.
        let mut partial: Vec<Option<Array<T>>> = vec![None; groups.len()];
        let mut order: Vec<usize> = (0..locals.len()).collect();
        order.sort_by_key(|&s| mesh.linear_index(comm.local_positions()[s], axes));
        for s in order {
            let g = group_of(s);
            partial[g] = Some(match partial[g].take() {
                None => locals[s].clone(),
                Some(acc) => match zip("psum", &acc, &locals[s], |a, b| a + b) {
                    Ok(v) => v,
                    Err(e) => return Some(Err(e)),
                },
            });
        }
        let summed = all_reduce_typed(op, &partial, n, deadline)?;
        Some(summed.and_then(|flat| {
            (0..locals.len())
                .map(|s| {
                    let g = group_of(s);
                    Array::from_shape_vec(
                        locals[s].shape().to_vec(),
                        flat[g * n..(g + 1) * n].to_vec(),
                    )
                })
                .collect()
        }))
    }

    /// The element-wise sum over ranks of the partial sums laid end to end
    /// (`n` elements each, the identity where a rank has none), for the
    /// element types MPI adds natively; `None` for the others.
    fn all_reduce_typed<T: Numeric>(
        op: &str,
        partial: &[Option<Array<T>>],
        n: usize,
        deadline: Instant,
    ) -> Option<Result<Vec<T>>> {
        // -0.0 is the identity of IEEE addition (0.0 + -0.0 would be 0.0).
        let flat = |zero: T| -> Vec<T> {
            partial
                .iter()
                .flat_map(|p| match p {
                    Some(a) => a.as_slice().to_vec(),
                    None => vec![zero; n],
                })
                .collect()
        };
        fn run<E: Equivalence + Copy + Default + 'static, T: 'static>(
            op: &str,
            send: Vec<T>,
            deadline: Instant,
        ) -> Option<Result<Vec<T>>> {
            let send: Box<dyn Any> = Box::new(send);
            let send = *send.downcast::<Vec<E>>().ok()?;
            let out: Box<dyn Any> = Box::new(all_reduce_sum(op, &send, deadline));
            out.downcast::<Result<Vec<T>>>().ok().map(|b| *b)
        }
        use crate::dtype::DType;
        match T::DTYPE {
            DType::F32 => run::<f32, T>(op, flat(T::from_f64(-0.0)), deadline),
            DType::F64 => run::<f64, T>(op, flat(T::from_f64(-0.0)), deadline),
            DType::I32 => run::<i32, T>(op, flat(T::default()), deadline),
            DType::I64 => run::<i64, T>(op, flat(T::default()), deadline),
            DType::U32 => run::<u32, T>(op, flat(T::default()), deadline),
            DType::U64 => run::<u64, T>(op, flat(T::default()), deadline),
            DType::Bool => None,
        }
    }

    /// Tag of the arrival notes ranks send rank 0 before each all-reduce.
    const ARRIVAL_TAG: mpi::Tag = 7008;
    /// All-reduces this process has started (the same count on every rank
    /// of an SPMD program).
    static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

    /// `MPI_Iallreduce(SUM)` of `send` over the world. Ranks first agree on
    /// the length (an all-reduce of different lengths is undefined
    /// behaviour in MPI); meanwhile rank 0 collects a note from each rank
    /// saying it arrived, so that when one never does, rank 0 names it
    /// before aborting the job, as the exchange does.
    fn all_reduce_sum<E: Equivalence + Copy + Default>(
        op: &str,
        send: &[E],
        deadline: Instant,
    ) -> Result<Vec<E>> {
        let _serial = MPI_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let world = SimpleCommunicator::world();
        let me = world.rank();
        let generation = GENERATION.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let len = send.len() as i64;
        let mut bounds = [0i64; 2];
        let mut arrived = vec![false; world.size() as usize];
        arrived[me as usize] = true;
        let note = [generation];
        let lens = [len, -len];
        mpi::request::scope(|scope| {
            let sent = (me != 0).then(|| {
                world
                    .process_at_rank(0)
                    .immediate_send_with_tag(scope, &note[..], ARRIVAL_TAG)
            });
            let req = world.immediate_all_reduce_into(
                scope,
                &lens[..],
                &mut bounds[..],
                SystemOperation::max(),
            );
            wait(op, me, deadline, &world, req, &mut |timed_out| {
                if me == 0 {
                    collect_arrivals(&world, generation, &mut arrived);
                    if timed_out {
                        let missing: Vec<usize> =
                            (0..arrived.len()).filter(|&r| !arrived[r]).collect();
                        eprintln!(
                            "rjax: {op} on rank 0 timed out waiting for rank(s) {missing:?} \
                             (they died, hang, or run different collectives); aborting all MPI ranks"
                        );
                        world.abort(3);
                    }
                }
            });
            if me == 0 {
                // The all-reduce completed, so every rank has sent its note.
                while arrived.iter().any(|a| !a) {
                    let (g, status) = world.any_process().receive_with_tag::<u64>(ARRIVAL_TAG);
                    if g == generation {
                        arrived[status.source_rank() as usize] = true;
                    }
                }
            }
            if let Some(s) = sent {
                s.wait();
            }
        });
        if bounds[0] != -bounds[1] {
            return Err(RjaxError::Invalid {
                op: "collective",
                message: format!(
                    "{op}: ranks passed different sizes (from {} to {} elements; rank {me} passed {len}); \
                     every rank must pass arrays of the same shape",
                    -bounds[1], bounds[0]
                ),
            });
        }
        let mut out = vec![E::default(); send.len()];
        mpi::request::scope(|scope| {
            let req =
                world.immediate_all_reduce_into(scope, send, &mut out[..], SystemOperation::sum());
            wait(op, me, deadline, &world, req, &mut |_| {});
        });
        Ok(out)
    }

    /// Receives the arrival notes that are already there (rank 0 only).
    fn collect_arrivals(world: &SimpleCommunicator, generation: u64, arrived: &mut [bool]) {
        while let Some((m, status)) = world
            .any_process()
            .immediate_matched_probe_with_tag(ARRIVAL_TAG)
        {
            let (g, _) = m.matched_receive::<u64>();
            if g == generation {
                arrived[status.source_rank() as usize] = true;
            }
        }
    }

    /// Waits for `req`, calling `tick(timed_out)` while it runs; at the
    /// deadline (after `tick(true)`, which may name the missing ranks) the
    /// MPI job is aborted with a message: a rank that died or hangs never
    /// arrives, and MPI cannot cancel a collective.
    fn wait<'a, D: ?Sized, S: mpi::request::Scope<'a>>(
        op: &str,
        me: i32,
        deadline: Instant,
        world: &SimpleCommunicator,
        mut req: mpi::request::Request<'a, D, S>,
        tick: &mut dyn FnMut(bool),
    ) {
        let mut spins = 0u32;
        loop {
            match req.test() {
                Ok(_) => return,
                Err(r) => req = r,
            }
            let timed_out = Instant::now() > deadline;
            tick(timed_out);
            if timed_out {
                eprintln!(
                    "rjax: {op} on rank {me} timed out waiting for the all-reduce \
                     (a rank died, hangs, or runs different collectives); aborting all MPI ranks"
                );
                world.abort(3);
            }
            back_off(&mut spins);
        }
    }
}
