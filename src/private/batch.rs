//! The batch-size check at the entry of every generated `f::vmap`: all
//! mapped axes must have one size. Without it a mismatch surfaces deep in
//! a kernel ("slice: an array of shape [3, 2] in a batch of 4 rows"),
//! naming an op the user never wrote instead of the arguments.

use std::fmt::Write;

/// How one mapped argument holds its batch.
#[derive(Clone, Copy, Debug)]
pub enum Batch<'a> {
    /// An array (or a mapped scalar's vector) batched on `axis`.
    Axis(&'a [usize], usize),
    /// A `Vec<Key>`: one key per example.
    Keys(usize),
    /// A slice of nalgebra values: one per example.
    Slice(usize),
}

impl Batch<'_> {
    fn size(&self) -> usize {
        match *self {
            Batch::Axis(shape, axis) => shape[axis],
            Batch::Keys(n) | Batch::Slice(n) => n,
        }
    }
}

/// Panics, naming `who` (`f::vmap`) and every mapped parameter, unless all
/// of `args` (parameter name as written, its batch) have the same size.
/// Runs after the rank checks, so every mapped axis exists.
#[inline]
pub fn check_batch_sizes(who: &str, args: &[(&str, Batch)]) {
    let Some((_, first)) = args.first() else {
        return;
    };
    let n = first.size();
    if args.iter().any(|(_, b)| b.size() != n) {
        inconsistent(who, args);
    }
}

#[cold]
#[inline(never)]
fn inconsistent(who: &str, args: &[(&str, Batch)]) -> ! {
    let mut msg = format!("{who} got inconsistent sizes for the mapped axes:");
    for (k, (name, b)) in args.iter().enumerate() {
        let sep = if k == 0 { " " } else { "; " };
        let _ = match *b {
            Batch::Axis(shape, axis) => write!(
                msg,
                "{sep}`{name}` has shape {shape:?} and axis {axis} is mapped (size {})",
                shape[axis]
            ),
            Batch::Keys(n) => write!(msg, "{sep}`{name}` is a batch of {n} keys"),
            Batch::Slice(n) => write!(msg, "{sep}`{name}` is a slice of {n} values"),
        };
    }
    msg.push_str(
        ". All mapped axes must have the same size (the batch size): pass arguments \
         with as many examples each, or share an argument across the batch with \
         `in_axes` None.",
    );
    panic!("{msg}");
}
