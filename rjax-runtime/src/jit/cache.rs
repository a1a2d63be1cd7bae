//! [`SigCache`]: what `#[jit]` keeps per function, like JAX's trace cache
//! keyed by abstract signature: the input signatures (shapes and dtypes)
//! already seen, with hit/miss counts. Shape-dependent checks run only on
//! a miss, which is logged once per new signature as
//! `compiling f for [512, 512]:f32` (log target `rjax::jit`, or stderr
//! with `RJAX_LOG=1`).
//!
//! The kernels themselves are chosen at compile time by the macro, and
//! the instruction set once per process (`kernels::isa`), so a hit costs one
//! comparison with the last signature seen on this cache. That compare
//! takes no lock: the last signature is also kept encoded in atomic words
//! behind a sequence counter (a seqlock, [`Last`]); a call whose signature
//! is not that one (or does not fit in it) takes the mutex and searches
//! the list. Either way the counts are exact.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering, fence};

/// One input's abstract value: shape and dtype name (borrowed: looking a
/// signature up allocates nothing; only a miss stores a copy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArgSig<'a> {
    /// Shape (empty for scalars).
    pub shape: &'a [usize],
    /// `f32`, `f64`, `i32`, ...
    pub dtype: &'static str,
}

impl<'a> ArgSig<'a> {
    /// The signature of an input with this shape and dtype.
    pub fn new(shape: &'a [usize], dtype: &'static str) -> Self {
        ArgSig { shape, dtype }
    }
}

/// A stored signature.
type Owned = Vec<(Vec<usize>, &'static str)>;

fn same(stored: &Owned, sig: &[ArgSig]) -> bool {
    stored.len() == sig.len()
        && stored
            .iter()
            .zip(sig)
            .all(|((s, d), a)| s.as_slice() == a.shape && *d == a.dtype)
}

impl fmt::Display for ArgSig<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}:{}", self.shape, self.dtype)
    }
}

/// Counts of calls that found their signature cached (`hits`) and that
/// saw a new one (`misses`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Calls whose signature was seen before.
    pub hits: u64,
    /// Calls with a new signature (each one did the shape-dependent work).
    pub misses: u64,
}

/// Words of the encoded last signature (see [`encode`]).
const WORDS: usize = 24;

/// A signature as words: per input its dtype name (up to 8 bytes, packed),
/// its rank and its dims. `None` when that does not fit in [`WORDS`] (or
/// a dtype name is longer): such signatures always take the mutex.
#[inline]
fn encode(sig: &[ArgSig], out: &mut [u64; WORDS]) -> Option<usize> {
    let mut n = 0;
    for a in sig {
        let d = a.dtype.as_bytes();
        if d.len() > 8 || n + 2 + a.shape.len() > WORDS {
            return None;
        }
        let mut b = [0u8; 8];
        b[..d.len()].copy_from_slice(d);
        out[n] = u64::from_le_bytes(b);
        out[n + 1] = a.shape.len() as u64;
        n += 2;
        for &x in a.shape {
            out[n] = x as u64;
            n += 1;
        }
    }
    Some(n)
}

/// The last signature entered, readable without a lock: a sequence
/// counter (odd while a writer is storing) around atomic words. Writers
/// hold the cache's mutex, so there is one at a time.
struct Last {
    seq: AtomicU64,
    /// Number of valid words, plus one (0: nothing stored yet).
    len: AtomicU64,
    words: [AtomicU64; WORDS],
}

impl Last {
    const fn new() -> Self {
        Last {
            seq: AtomicU64::new(0),
            len: AtomicU64::new(0),
            words: [const { AtomicU64::new(0) }; WORDS],
        }
    }

    /// True when `w` is the stored signature (a consistent read of it).
    #[inline]
    fn is(&self, w: &[u64]) -> bool {
        let s1 = self.seq.load(Ordering::Acquire);
        if s1 & 1 == 1 || self.len.load(Ordering::Relaxed) != w.len() as u64 + 1 {
            return false;
        }
        let same = w
            .iter()
            .zip(&self.words)
            .all(|(x, a)| a.load(Ordering::Relaxed) == *x);
        fence(Ordering::Acquire);
        same && self.seq.load(Ordering::Relaxed) == s1
    }

    /// Stores `w` (the caller holds the cache's mutex).
    fn store(&self, w: Option<&[u64]>) {
        let s = self.seq.load(Ordering::Relaxed);
        self.seq.store(s + 1, Ordering::Relaxed);
        fence(Ordering::Release);
        match w {
            Some(w) => {
                for (a, x) in self.words.iter().zip(w) {
                    a.store(*x, Ordering::Relaxed);
                }
                self.len.store(w.len() as u64 + 1, Ordering::Relaxed);
            }
            None => self.len.store(0, Ordering::Relaxed),
        }
        self.seq.store(s + 2, Ordering::Release);
    }
}

/// Signatures kept per function: past this many, the least recently used
/// is forgotten (a later call with it checks its shapes again). JAX's
/// trace cache is bounded the same way; without a bound, a program that
/// calls with ever new shapes grew the list (10 MB at 100,000 shapes).
pub const CAPACITY: usize = 4096;

/// A stored signature and when it was last used.
struct Entry {
    sig: Owned,
    used: u64,
}

/// The signatures whose checks passed, indexed by a hash of the signature
/// (a lookup costs the same at 10 or 4096 signatures).
#[derive(Default)]
struct Seen {
    buckets: HashMap<u64, Vec<Entry>>,
    len: usize,
    clock: u64,
}

fn hash(sig: &[ArgSig]) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    sig.hash(&mut h);
    h.finish()
}

impl Seen {
    /// True (and marks it used) when `sig` is stored.
    fn touch(&mut self, h: u64, sig: &[ArgSig]) -> bool {
        self.clock += 1;
        let now = self.clock;
        match self
            .buckets
            .get_mut(&h)
            .and_then(|b| b.iter_mut().find(|e| same(&e.sig, sig)))
        {
            Some(e) => {
                e.used = now;
                true
            }
            None => false,
        }
    }

    /// Stores `sig` (absent), forgetting the least recently used signature
    /// when full. The scan for it runs only on a miss at capacity, a call
    /// that runs its shape checks anyway.
    fn insert(&mut self, h: u64, sig: &[ArgSig]) {
        if self.len == CAPACITY {
            let oldest = self
                .buckets
                .iter()
                .flat_map(|(k, b)| b.iter().enumerate().map(move |(i, e)| (e.used, *k, i)))
                .min();
            if let Some((_, k, i)) = oldest {
                let b = self
                    .buckets
                    .get_mut(&k)
                    .expect("bucket of the oldest entry");
                b.swap_remove(i);
                if b.is_empty() {
                    self.buckets.remove(&k);
                }
                self.len -= 1;
            }
        }
        self.clock += 1;
        let entry = Entry {
            sig: sig.iter().map(|a| (a.shape.to_vec(), a.dtype)).collect(),
            used: self.clock,
        };
        self.buckets.entry(h).or_default().push(entry);
        self.len += 1;
    }
}

/// The per-function cache (one `static` per `#[jit]` function).
///
/// A call asks [`SigCache::enter`]; on a miss it runs its shape checks and
/// only then [`SigCache::commit`]s the signature. So a signature whose
/// checks failed (a caught panic) is checked again on its next call,
/// never waved through.
pub struct SigCache {
    name: &'static str,
    hits: AtomicU64,
    misses: AtomicU64,
    seen: Mutex<Option<Seen>>,
    last: Last,
}

impl SigCache {
    /// An empty cache for the function `name`.
    pub const fn new(name: &'static str) -> Self {
        SigCache {
            name,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            seen: Mutex::new(None),
            last: Last::new(),
        }
    }

    /// Records a call with this signature; true on a miss: the caller then
    /// runs its shape checks and, when they pass, calls [`SigCache::commit`].
    /// Logs the miss (log target `rjax::jit`, or stderr with `RJAX_LOG=1`).
    #[inline]
    pub fn enter(&self, sig: &[ArgSig]) -> bool {
        let mut buf = [0u64; WORDS];
        let words = encode(sig, &mut buf).map(|n| &buf[..n]);
        // The last signature again (a loop calling with one shape): no lock.
        if let Some(w) = words
            && self.last.is(w)
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        self.enter_locked(sig, words)
    }

    #[inline(never)]
    fn enter_locked(&self, sig: &[ArgSig], words: Option<&[u64]>) -> bool {
        let h = hash(sig);
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let hit = seen.get_or_insert_with(Seen::default).touch(h, sig);
        if hit {
            self.last.store(words);
        }
        drop(seen);
        if hit {
            self.hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.misses.fetch_add(1, Ordering::Relaxed);
            self.log(sig);
        }
        !hit
    }

    /// Stores a signature whose checks have passed: later calls with it
    /// skip them.
    #[inline(never)]
    pub fn commit(&self, sig: &[ArgSig]) {
        let mut buf = [0u64; WORDS];
        let words = encode(sig, &mut buf).map(|n| &buf[..n]);
        let h = hash(sig);
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let seen = seen.get_or_insert_with(Seen::default);
        // Two threads may both have missed on it.
        if !seen.touch(h, sig) {
            seen.insert(h, sig);
        }
        self.last.store(words);
    }

    /// Signatures stored now (at most [`CAPACITY`]).
    pub fn len(&self) -> usize {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.as_ref().map_or(0, |s| s.len)
    }

    /// True when no signature is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// For functions whose inputs are all scalars: the signature is fixed
    /// at compile time, so only the first call is a miss; no lock, and no
    /// allocation (the signature is built only to be logged).
    #[inline]
    pub fn enter_scalar(&self, sig: &[ArgSig]) -> bool {
        if self.misses.load(Ordering::Relaxed) != 0 {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        if self.misses.fetch_add(1, Ordering::Relaxed) == 0 {
            self.log(sig);
            true
        } else {
            // Another thread's first call won the race.
            self.misses.fetch_sub(1, Ordering::Relaxed);
            self.hits.fetch_add(1, Ordering::Relaxed);
            false
        }
    }

    fn log(&self, sig: &[ArgSig]) {
        crate::trace::debug("rjax::jit", || self.message(sig));
    }

    /// The log line for a signature: `compiling f for [3]:f32, []:f64`.
    pub fn message(&self, sig: &[ArgSig]) -> String {
        let parts: Vec<String> = sig.iter().map(|a| a.to_string()).collect();
        format!("compiling {} for {}", self.name, parts.join(", "))
    }

    /// Hits and misses so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_after_miss_and_message() {
        let c = SigCache::new("f");
        let a = [ArgSig::new(&[512, 512], "f32")];
        let b = [ArgSig::new(&[3], "f32"), ArgSig::new(&[], "f64")];
        assert!(c.enter(&a));
        c.commit(&a);
        assert!(!c.enter(&a));
        assert!(c.enter(&b));
        c.commit(&b);
        assert!(!c.enter(&a));
        assert_eq!(c.stats(), CacheStats { hits: 2, misses: 2 });
        assert_eq!(c.message(&a), "compiling f for [512, 512]:f32");
        assert_eq!(c.message(&b), "compiling f for [3]:f32, []:f64");
    }

    #[test]
    fn signatures_too_long_for_the_fast_path_still_hit_and_miss() {
        let c = SigCache::new("g");
        let long = [1usize; 30];
        let a = [ArgSig::new(&long, "f32")];
        let b = [ArgSig::new(&long[..29], "f32")];
        let d = [ArgSig::new(&[2], "a_long_dtype_name")];
        for _ in 0..2 {
            for s in [&a[..], &b[..], &d[..]] {
                if c.enter(s) {
                    c.commit(s);
                }
            }
        }
        assert_eq!(c.stats(), CacheStats { hits: 3, misses: 3 });
    }

    #[test]
    fn the_encoding_tells_dtypes_and_ranks_apart() {
        let c = SigCache::new("h");
        // Same words if the rank were not encoded: [2, 3] vs [2] then [3].
        let s1 = [ArgSig::new(&[2, 3], "f32"), ArgSig::new(&[], "f32")];
        let s2 = [ArgSig::new(&[2], "f32"), ArgSig::new(&[3], "f32")];
        let s3 = [ArgSig::new(&[2, 3], "f64"), ArgSig::new(&[], "f32")];
        for s in [&s1, &s2, &s3, &s1, &s1] {
            if c.enter(s) {
                c.commit(s);
            }
        }
        assert_eq!(c.stats(), CacheStats { hits: 2, misses: 3 });
    }

    #[test]
    fn a_signature_is_stored_only_once_committed() {
        let c = SigCache::new("k");
        let a = [ArgSig::new(&[2, 3, 4], "f32")];
        // Its checks failed (no commit): the next call checks again.
        assert!(c.enter(&a));
        assert!(c.enter(&a));
        assert_eq!(c.len(), 0);
        c.commit(&a);
        assert!(!c.enter(&a));
        assert_eq!(c.stats(), CacheStats { hits: 1, misses: 2 });
    }

    #[test]
    fn the_cache_is_bounded_and_forgets_the_least_recently_used() {
        let c = SigCache::new("lru");
        let shapes: Vec<[usize; 1]> = (0..CAPACITY + 10).map(|i| [i]).collect();
        let sig = |i: usize| [ArgSig::new(&shapes[i], "f32")];
        for i in 0..CAPACITY {
            assert!(c.enter(&sig(i)));
            c.commit(&sig(i));
        }
        // Signature 0 used again: 1 is now the least recently used.
        assert!(!c.enter(&sig(0)));
        assert!(c.enter(&sig(CAPACITY)));
        c.commit(&sig(CAPACITY));
        assert_eq!(c.len(), CAPACITY);
        assert!(!c.enter(&sig(0)), "recently used, kept");
        assert!(c.enter(&sig(1)), "least recently used, forgotten");
        assert!(!c.enter(&sig(2)), "others kept");
    }
}
