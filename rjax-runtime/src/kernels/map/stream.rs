//! Non-temporal ("streaming") stores for the outputs of large fused loops.
//!
//! A normal store to a line that is not in cache first reads the line
//! (read for ownership), so `y = f(x)` over arrays bigger than the last
//! level cache moves three bytes per byte of `x`: read x, read y's old
//! contents, write y. Streaming stores skip the read of y. The fused loops
//! compute a block of results into a small stack buffer (L1-resident; the
//! loop body still vectorises) and copy it out with 16-byte `movntdq`
//! (SSE2, so every x86-64 CPU has it; no alignment needed of the caller).
//!
//! Only outputs of at least [`STREAM_MIN_BYTES`] in total take this path: a
//! smaller result may still be in cache when the next op reads it, which a
//! streaming store would spoil.
//!
//! **Off by default** ([`set_stream_stores`] turns it on): on the machine
//! issue 5 is measured on (a 2-core Zen3 VM) the `y = 2x` bandwidth row of
//! benches/jit.rs ran about 1.5-2x *slower* with streaming stores on one
//! thread and no faster on two, and the elementwise chain no faster
//! (benches/compare.sh prints both). The path stays so that the rows can
//! be rerun where streaming stores pay.

use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicBool, Ordering};

/// Total output size from which fused loops use streaming stores (the L3
/// of the machines we measure on is 32 MiB; a result this big evicts most
/// of its own first part before it is read again).
pub const STREAM_MIN_BYTES: usize = 16 << 20;

/// Results per block (the stack buffer of each output holds this many).
pub(super) const BLOCK: usize = 256;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns streaming stores on or off (the default) for the large outputs of
/// every fused loop of the process: a knob for benchmarks that compare
/// both in one run.
pub fn set_stream_stores(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether a loop writing `n` elements to each of `m` outputs of type `U`
/// should stream its stores.
pub(super) fn should_stream<U>(n: usize, m: usize) -> bool {
    n.saturating_mul(m).saturating_mul(std::mem::size_of::<U>()) >= STREAM_MIN_BYTES
        && ENABLED.load(Ordering::Relaxed)
}

/// A stack buffer of one block of results.
pub(super) fn block_buf<U>() -> [MaybeUninit<U>; BLOCK] {
    [const { MaybeUninit::uninit() }; BLOCK]
}

/// Copies `len` initialised values from `src` to `dst` with streaming
/// stores for the 16-byte-aligned middle part (plain copies for the ends).
///
/// # Safety
/// `src` holds `len` initialised values; `dst` is valid for `len` writes
/// and does not overlap `src`.
#[inline(always)]
pub(super) unsafe fn stream_out<U>(dst: *mut U, src: *const MaybeUninit<U>, len: usize) {
    let (d, s) = (dst as *mut u8, src as *const u8);
    let n = len * std::mem::size_of::<U>();
    #[cfg(target_arch = "x86_64")]
    // SAFETY: every byte touched is in `dst[..n]` / `src[..n]`.
    unsafe {
        use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_stream_si128};
        let head = (d as usize).wrapping_neg() & 15;
        let head = head.min(n);
        std::ptr::copy_nonoverlapping(s, d, head);
        let mut o = head;
        while o + 16 <= n {
            let v = _mm_loadu_si128(s.add(o) as *const __m128i);
            _mm_stream_si128(d.add(o) as *mut __m128i, v);
            o += 16;
        }
        std::ptr::copy_nonoverlapping(s.add(o), d.add(o), n - o);
    }
    #[cfg(not(target_arch = "x86_64"))]
    // SAFETY: as above.
    unsafe {
        std::ptr::copy_nonoverlapping(s, d, n)
    }
}

/// Orders this thread's streaming stores before what follows (they are
/// weakly ordered: without the fence another thread joining this task
/// could read stale data).
#[inline(always)]
pub(super) fn fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: sfence has no preconditions (SSE, baseline on x86-64).
    unsafe {
        std::arch::x86_64::_mm_sfence()
    }
}
