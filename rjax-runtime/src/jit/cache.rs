//! [`SigCache`]: what `#[jit]` keeps per function, like JAX's trace cache
//! keyed by abstract signature: the input signatures (shapes and dtypes)
//! already seen, with hit/miss counts. Shape-dependent checks run only on
//! a miss; with `RJAX_LOG=1` a miss prints `compiling f for [512, 512]:f32`
//! to stderr once per new signature.
//!
//! The kernels themselves are chosen at compile time by the macro, and
//! the instruction set once per process (`fast::isa`), so a hit costs one
//! comparison with the last signature seen on this cache (a short lock).

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// The per-function cache (one `static` per `#[jit]` function).
pub struct SigCache {
    name: &'static str,
    hits: AtomicU64,
    misses: AtomicU64,
    seen: Mutex<Vec<Owned>>,
}

impl SigCache {
    /// An empty cache for the function `name`.
    pub const fn new(name: &'static str) -> Self {
        SigCache {
            name,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            seen: Mutex::new(Vec::new()),
        }
    }

    /// Records a call with this signature; true on a miss (the caller then
    /// runs its shape checks). Logs the miss when `RJAX_LOG=1`.
    pub fn enter(&self, sig: &[ArgSig]) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        // Most recent first: a loop calling with one shape hits at once.
        if let Some(pos) = seen.iter().rposition(|s| same(s, sig)) {
            let last = seen.len() - 1;
            seen.swap(pos, last);
            drop(seen);
            self.hits.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        seen.push(sig.iter().map(|a| (a.shape.to_vec(), a.dtype)).collect());
        drop(seen);
        self.misses.fetch_add(1, Ordering::Relaxed);
        self.log(sig);
        true
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
        // `var_os` of an unset variable allocates nothing.
        if std::env::var_os("RJAX_LOG").is_some_and(|v| v != "0" && !v.is_empty()) {
            eprintln!("{}", self.message(sig));
        }
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
        assert!(!c.enter(&a));
        assert!(c.enter(&b));
        assert!(!c.enter(&a));
        assert_eq!(c.stats(), CacheStats { hits: 2, misses: 2 });
        assert_eq!(c.message(&a), "compiling f for [512, 512]:f32");
        assert_eq!(c.message(&b), "compiling f for [3]:f32, []:f64");
    }
}
