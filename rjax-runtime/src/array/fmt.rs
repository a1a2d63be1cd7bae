//! `Debug` (every element, compact) and NumPy-like `Display`:
//!
//! ```text
//! Array([[1., 2.],
//!        [3., 4.]], shape=[2, 2], dtype=f32)
//! ```
//!
//! Like NumPy, elements are right-aligned to a common width, floats that are
//! whole print with a trailing `.`, a precision (`{:.3}`) applies to
//! floats, and arrays over [`SUMMARY_THRESHOLD`] elements show the first
//! and last [`EDGE_ITEMS`] entries of each axis around a `...`.

use std::fmt;

use super::Array;
use crate::dtype::{DType, Element};

/// Element count above which `Display` summarises (NumPy's `threshold`).
pub const SUMMARY_THRESHOLD: usize = 1000;
/// Entries shown at each end of a summarised axis (NumPy's `edgeitems`).
pub const EDGE_ITEMS: usize = 3;

const PREFIX: &str = "Array(";

impl<T: Element> fmt::Debug for Array<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Array{{shape: {:?}, dtype: {}, data: {:?}}}",
            self.shape(),
            T::DTYPE,
            self.as_slice()
        )
    }
}

fn format_element<T: Element>(v: T, precision: Option<usize>) -> String {
    let is_float = matches!(T::DTYPE, DType::F32 | DType::F64);
    if !is_float {
        return v.to_string();
    }
    let s = match precision {
        Some(p) => format!("{v:.p$}"),
        None => v.to_string(),
    };
    let whole = s.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    if whole { s + "." } else { s }
}

/// Which indices of an axis of length `n` are shown (`None` = `...`).
fn shown(n: usize, summarise: bool) -> Vec<Option<usize>> {
    if summarise && n > 2 * EDGE_ITEMS {
        (0..EDGE_ITEMS)
            .map(Some)
            .chain(std::iter::once(None))
            .chain((n - EDGE_ITEMS..n).map(Some))
            .collect()
    } else {
        (0..n).map(Some).collect()
    }
}

struct Layout<'a, T> {
    data: &'a [T],
    shape: &'a [usize],
    summarise: bool,
    precision: Option<usize>,
}

impl<T: Element> Layout<'_, T> {
    fn collect(&self, axis: usize, offset: usize, out: &mut Vec<String>) {
        if axis == self.shape.len() {
            out.push(format_element(self.data[offset], self.precision));
            return;
        }
        let inner: usize = self.shape[axis + 1..].iter().product();
        for i in shown(self.shape[axis], self.summarise)
            .into_iter()
            .flatten()
        {
            self.collect(axis + 1, offset + i * inner, out);
        }
    }

    fn render(
        &self,
        axis: usize,
        items: &mut std::slice::Iter<'_, String>,
        width: usize,
        s: &mut String,
    ) {
        let nd = self.shape.len();
        if axis == nd {
            let item = items.next().map(String::as_str).unwrap_or("");
            s.push_str(&format!("{item:>width$}"));
            return;
        }
        s.push('[');
        let sep = if axis + 1 == nd {
            ", ".to_string()
        } else {
            format!(
                ",{}{}",
                "\n".repeat(nd - axis - 1),
                " ".repeat(PREFIX.len() + axis + 1)
            )
        };
        for (j, i) in shown(self.shape[axis], self.summarise)
            .into_iter()
            .enumerate()
        {
            if j > 0 {
                s.push_str(&sep);
            }
            match i {
                Some(_) => self.render(axis + 1, items, width, s),
                None => s.push_str("..."),
            }
        }
        s.push(']');
    }
}

impl<T: Element> fmt::Display for Array<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let layout = Layout {
            data: self.as_slice(),
            shape: self.shape(),
            summarise: self.len() > SUMMARY_THRESHOLD,
            precision: f.precision(),
        };
        let mut items = Vec::new();
        layout.collect(0, 0, &mut items);
        let width = items.iter().map(String::len).max().unwrap_or(0);
        let mut body = String::new();
        layout.render(0, &mut items.iter(), width, &mut body);
        write!(
            f,
            "{PREFIX}{body}, shape={:?}, dtype={})",
            self.shape(),
            T::DTYPE
        )
    }
}
