//! A process-wide cache of large freed array buffers, so that the next
//! array of about the same size reuses their memory pages.
//!
//! Why: glibc serves allocations above its mmap threshold (at most 32 MiB,
//! often far less) with fresh `mmap`s and returns them with `munmap` on
//! free. A `#[jit]` function returning a 40 MB array per call then pays a
//! page fault (and the kernel zeroing the page) for every 4 KiB of its
//! output, each call: measured, that doubled the time of a 10^7-element
//! fused elementwise chain. Reusing the pages of the previous call's
//! dropped output removes that cost; it is what XLA's buffer allocator
//! does for JAX.
//!
//! Rules:
//! - Only buffers of at least [`MIN_BYTES`] are cached; smaller ones go
//!   back to the allocator, whose free lists are fast at that size.
//! - The cache holds at most [`limit`] bytes (default [`DEFAULT_LIMIT`],
//!   or `RJAX_BUFFER_CACHE_MB` from the environment, read once; `0`
//!   disables caching) and at most [`MAX_BUFFERS`] buffers; inserting past
//!   either bound frees the oldest buffers first.
//! - A request for `n` elements of type `T` takes a cached buffer of the
//!   same element type whose capacity is between `n` and `n`'s size class
//!   ([`class_len`]: `n` rounded up by at most 1/8), most recently cached
//!   first; new buffers are allocated with their class capacity so that
//!   slightly different sizes share them.
//! - A buffer is in the cache only after its last owner dropped it, so a
//!   reused buffer never aliases a live array. Thread-safe (one mutex,
//!   taken only for buffers of at least `MIN_BYTES`).
//! - Contents: [`with_capacity`] returns an empty `Vec` (nothing stale is
//!   visible); the crate-internal `overwrite` returns stale values of the
//!   same type, for kernels that write every element before anyone reads.

use std::any::TypeId;
use std::mem::{ManuallyDrop, size_of};
use std::sync::{Mutex, MutexGuard};

use crate::dtype::Element;

/// Smallest buffer (in bytes) that is cached when dropped.
pub const MIN_BYTES: usize = 256 << 10;
/// Default bound on the bytes held by the cache (256 MiB).
pub const DEFAULT_LIMIT: usize = 256 << 20;
/// Bound on the number of buffers held.
pub const MAX_BUFFERS: usize = 64;

/// One cached buffer: a `Vec<T>` taken apart, with the function that
/// frees it as a `Vec<T>` again.
struct Entry {
    type_id: TypeId,
    ptr: usize,
    len: usize,
    cap: usize,
    bytes: usize,
    free: unsafe fn(usize, usize, usize),
}

/// # Safety
/// `(ptr, len, cap)` are the raw parts of a `Vec<T>` given up by
/// [`recycle`].
unsafe fn free_vec<T>(ptr: usize, len: usize, cap: usize) {
    // SAFETY: per the contract, these are a Vec<T>'s parts.
    drop(unsafe { Vec::from_raw_parts(ptr as *mut T, len, cap) });
}

impl Drop for Entry {
    fn drop(&mut self) {
        // SAFETY: the parts of the Vec this entry was made from, owned by
        // the entry (`take` forgets the entry after rebuilding the Vec).
        unsafe { (self.free)(self.ptr, self.len, self.cap) }
    }
}

struct Cache {
    /// Oldest first.
    entries: Vec<Entry>,
    held: usize,
    /// None until first read from the environment.
    limit: Option<usize>,
    hits: u64,
    misses: u64,
}

static CACHE: Mutex<Cache> = Mutex::new(Cache {
    entries: Vec::new(),
    held: 0,
    limit: None,
    hits: 0,
    misses: 0,
});

fn lock() -> MutexGuard<'static, Cache> {
    // A panic while holding the lock leaves the cache consistent (every
    // update is a push, a remove, or a counter), so poisoning is ignored.
    let mut c = CACHE.lock().unwrap_or_else(|p| p.into_inner());
    if c.limit.is_none() {
        c.limit = Some(
            std::env::var("RJAX_BUFFER_CACHE_MB")
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .map_or(DEFAULT_LIMIT, |mb| mb << 20),
        );
    }
    c
}

impl Cache {
    fn limit(&self) -> usize {
        self.limit.unwrap_or(DEFAULT_LIMIT)
    }

    /// Frees oldest entries until within bounds; returns them so that the
    /// caller frees them after unlocking (an `munmap` can take a while).
    fn evict(&mut self) -> Vec<Entry> {
        let mut k = 0;
        let mut held = self.held;
        while k < self.entries.len()
            && (held > self.limit() || self.entries.len() - k > MAX_BUFFERS)
        {
            held -= self.entries[k].bytes;
            k += 1;
        }
        self.held = held;
        self.entries.drain(..k).collect()
    }
}

/// The capacity a new buffer of `n` elements is allocated with: `n`
/// rounded up to a multiple of 1/8 of its leading power of two (at most
/// 12.5% more; untouched pages of an mmapped tail cost nothing).
pub fn class_len(n: usize) -> usize {
    if n < 16 {
        return n;
    }
    let step = 1usize << (usize::BITS - 1 - n.leading_zeros() - 3);
    n.next_multiple_of(step)
}

fn cacheable<T>(n: usize) -> bool {
    n.saturating_mul(size_of::<T>()) >= MIN_BYTES
}

/// A cached `Vec<T>` with capacity in `n..=class_len(n)`, if any.
fn take<T: Element>(n: usize) -> Option<Vec<T>> {
    let mut c = lock();
    let hi = class_len(n);
    let id = TypeId::of::<T>();
    let found = c
        .entries
        .iter()
        .rposition(|e| e.type_id == id && e.cap >= n && e.cap <= hi);
    let Some(k) = found else {
        c.misses += 1;
        return None;
    };
    c.hits += 1;
    let e = ManuallyDrop::new(c.entries.remove(k));
    c.held -= e.bytes;
    drop(c);
    // SAFETY: the entry's type id is T's, so these are a Vec<T>'s parts;
    // the entry is forgotten (ManuallyDrop), so the Vec is its only owner.
    Some(unsafe { Vec::from_raw_parts(e.ptr as *mut T, e.len, e.cap) })
}

/// An empty `Vec<T>` with capacity for at least `n` elements: a cached
/// buffer's memory when one fits, else a new allocation of capacity
/// [`class_len`]`(n)` (below [`MIN_BYTES`]: exactly `n`, not cached).
pub fn with_capacity<T: Element>(n: usize) -> Vec<T> {
    if !cacheable::<T>(n) {
        return Vec::with_capacity(n);
    }
    match take::<T>(n) {
        Some(mut v) => {
            v.clear();
            v
        }
        None => Vec::with_capacity(class_len(n)),
    }
}

/// A `Vec<T>` of length `n` whose values are unspecified (stale values of
/// a dropped array of the same type, or zeros): for a kernel that writes
/// every element before anything reads it. New buffers come zeroed from
/// `calloc` (fresh pages, no fill pass).
pub(crate) fn overwrite<T: Element>(n: usize) -> Vec<T> {
    if !cacheable::<T>(n) {
        return vec![T::default(); n];
    }
    match take::<T>(n) {
        Some(mut v) => {
            // Elements past the old length are filled (the Vec must hold
            // initialised values); usually there are none.
            v.resize(n, T::default());
            v
        }
        None => {
            let mut v = vec![T::default(); class_len(n)];
            v.truncate(n);
            v
        }
    }
}

/// Gives a buffer back: cached when large enough and within the bounds,
/// otherwise freed.
pub(crate) fn recycle<T: Element>(v: Vec<T>) {
    let bytes = v.capacity() * size_of::<T>();
    if bytes < MIN_BYTES {
        return;
    }
    let mut c = lock();
    if bytes > c.limit() {
        drop(c);
        return;
    }
    let mut v = ManuallyDrop::new(v);
    c.entries.push(Entry {
        type_id: TypeId::of::<T>(),
        ptr: v.as_mut_ptr() as usize,
        len: v.len(),
        cap: v.capacity(),
        bytes,
        free: free_vec::<T>,
    });
    c.held += bytes;
    let evicted = c.evict();
    drop(c);
    drop(evicted);
}

/// The bound on bytes held.
pub fn limit() -> usize {
    lock().limit()
}

/// Sets the bound on bytes held (0 disables the cache), freeing cached
/// buffers beyond it.
pub fn set_limit(bytes: usize) {
    let mut c = lock();
    c.limit = Some(bytes);
    let evicted = c.evict();
    drop(c);
    drop(evicted);
}

/// Frees every cached buffer.
pub fn clear() {
    let mut c = lock();
    let all = std::mem::take(&mut c.entries);
    c.held = 0;
    drop(c);
    drop(all);
}

/// Counts of the cache: requests served from it (`hits`) or by a new
/// allocation (`misses`), and what it holds now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Large-buffer requests served by a cached buffer.
    pub hits: u64,
    /// Large-buffer requests that allocated.
    pub misses: u64,
    /// Buffers held now.
    pub buffers: usize,
    /// Bytes held now.
    pub bytes: usize,
}

/// The cache's counts now.
pub fn stats() -> Stats {
    let c = lock();
    Stats {
        hits: c.hits,
        misses: c.misses,
        buffers: c.entries.len(),
        bytes: c.held,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_len_rounds_up_by_at_most_an_eighth() {
        for n in [0, 1, 15, 16, 17, 100, 1000, 65_537, 10_000_000] {
            let c = class_len(n);
            assert!(c >= n && c <= n + n / 8 + 1, "{n} -> {c}");
            assert_eq!(class_len(c), c, "a class length is its own class");
        }
    }
}
