//! Turning a key into many values: counters are hashed in groups of lanes,
//! each element's two words go through a per-element function, and large
//! draws are split across threads.
//!
//! Every element depends only on its own counter (the partitionable layout),
//! so any split of the output into chunks gives the same bits as one pass.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::threefry::{LANES, hash_counters};
use crate::kernels::cpu::dispatch;
use crate::kernels::par::{chunk_len, parallel};

/// What one element of a draw is, given its two threefry words.
pub(crate) trait ElementFn: Sync {
    /// The element type produced.
    type Out: Copy + Send + Sync;
    /// Maps the element's words `(b1, b2)` to its value. Implementations
    /// should be `#[inline(always)]` so that they vectorise with the hash.
    fn apply(&self, b1: u32, b2: u32) -> Self::Out;
}

/// The `n` elements of a draw from `key` (elements in row-major order of the
/// draw's shape).
pub(crate) fn generate<F: ElementFn>(key: [u32; 2], n: usize, f: &F) -> Vec<F::Out> {
    // Written once, straight into uninitialised storage: a zero-fill first
    // would cost a whole extra pass over memory on large draws.
    let mut out = Vec::with_capacity(n);
    let slots = &mut out.spare_capacity_mut()[..n];
    if parallel(n) {
        // Any split gives the same bits (see the module docs); whole groups
        // of LANES keep the hash vectorised.
        let chunk = chunk_len(n).next_multiple_of(LANES);
        slots
            .par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(i, c)| fill(key, (i * chunk) as u64, c, f));
    } else {
        fill(key, 0, slots, f);
    }
    // SAFETY: `fill` wrote every one of the first `n` slots.
    unsafe { out.set_len(n) };
    out
}

/// Fills `out` with elements `start, start + 1, ...`, compiled for the
/// widest vector instructions this CPU has.
fn fill<F: ElementFn>(key: [u32; 2], start: u64, out: &mut [MaybeUninit<F::Out>], f: &F) {
    dispatch(
        #[inline(always)]
        || fill_lanes(key, start, out, f),
    )
}

/// The loop, inlined into `dispatch`'s feature-specific frames.
#[inline(always)]
fn fill_lanes<F: ElementFn>(key: [u32; 2], start: u64, out: &mut [MaybeUninit<F::Out>], f: &F) {
    for (g, group) in out.chunks_mut(LANES).enumerate() {
        let (b1, b2) = hash_counters(key, start + (g * LANES) as u64);
        if group.len() == LANES {
            for j in 0..LANES {
                group[j].write(f.apply(b1[j], b2[j]));
            }
        } else {
            for (j, o) in group.iter_mut().enumerate() {
                o.write(f.apply(b1[j], b2[j]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::threefry::hash;

    struct Words;
    impl ElementFn for Words {
        type Out = (u32, u32);
        fn apply(&self, b1: u32, b2: u32) -> (u32, u32) {
            (b1, b2)
        }
    }

    #[test]
    fn parallel_and_serial_draws_agree_with_the_scalar_hash() {
        let key = [3, 4];
        for n in [0, 1, 15, 17, crate::kernels::PAR_MIN_LEN * 2 + 5] {
            let got = generate(key, n, &Words);
            for (i, &(a, b)) in got.iter().enumerate().step_by(97) {
                assert_eq!([a, b], hash(key, [0, i as u32]));
            }
            assert_eq!(got.len(), n);
        }
    }
}
