//! Index spaces of row kernels, and how a loop body reads an array.
//!
//! A kernel iterates over a domain `D` (the shape of the values its
//! reductions reduce) whose axes fall in three consecutive groups:
//! `outer` (kept, before the reduced axes), `reduced`, `inner` (kept,
//! after). Softmax over axis 1 of `[n, m]` is outer `[n]`, reduced `[m]`,
//! inner `[]`; over axis 0 it is outer `[]`, reduced `[n]`, inner `[m]`.
//! Values live in the *full* space (one per domain element, indexed
//! `[o, r, i]`) or the *row* space (one per kept element, `[o, i]`: the
//! result of a reduction).
//!
//! Every array the kernel reads is addressed by index arithmetic: an
//! [`Access`] says which groups its axes span, so `x[o, r, i]`, a row
//! value `m[o, i]` broadcast along the reduced axes, a scale vector
//! `g[r]`, or a per-row label `y[o]` are all reads of one buffer; a
//! `broadcast_in_dim`, `expand_dims`, `squeeze` or size-1 `reshape` in
//! between is never materialised.

use std::fmt;
use std::ops::Range;

use crate::ir::DimExpr;

/// One of the three axis groups of a domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    /// Kept axes before the reduced ones (`o`).
    Outer,
    /// The reduced axes (`r`).
    Reduced,
    /// Kept axes after the reduced ones (`i`).
    Inner,
}

impl Group {
    /// The three groups in memory order.
    pub const ALL: [Group; 3] = [Group::Outer, Group::Reduced, Group::Inner];
    /// The index letter the printer uses.
    pub fn letter(self) -> char {
        match self {
            Group::Outer => 'o',
            Group::Reduced => 'r',
            Group::Inner => 'i',
        }
    }
}

/// The domain of a kernel and its split into groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexSpace {
    /// The domain's dims.
    pub dims: Vec<DimExpr>,
    /// The reduced axes (consecutive, non-empty).
    pub reduced: Range<usize>,
}

impl IndexSpace {
    /// The axes of group `g`.
    pub fn axes(&self, g: Group) -> Range<usize> {
        match g {
            Group::Outer => 0..self.reduced.start,
            Group::Reduced => self.reduced.clone(),
            Group::Inner => self.reduced.end..self.dims.len(),
        }
    }
    /// The group of domain axis `a`.
    pub fn group_of(&self, a: usize) -> Group {
        if a < self.reduced.start {
            Group::Outer
        } else if a < self.reduced.end {
            Group::Reduced
        } else {
            Group::Inner
        }
    }
    /// The number of elements of group `g` (a product of dims).
    pub fn size(&self, g: Group) -> DimExpr {
        DimExpr::product(&self.dims[self.axes(g)])
    }
    /// Whether group `g` has no axis other than constant 1s.
    pub fn is_trivial(&self, g: Group) -> bool {
        self.dims[self.axes(g)].iter().all(|d| d.is(1))
    }
    /// The kept axes (outer then inner): the axes of a row value.
    pub fn kept(&self) -> Vec<usize> {
        self.axes(Group::Outer)
            .chain(self.axes(Group::Inner))
            .collect()
    }
    /// The shape of a row value without the reduced axes (what a
    /// reduction gives).
    pub fn row_shape(&self) -> Vec<DimExpr> {
        self.kept()
            .into_iter()
            .map(|a| self.dims[a].clone())
            .collect()
    }
    /// The shape of a row value with the reduced axes kept as 1
    /// (`keepdims`).
    pub fn row_shape_keepdims(&self) -> Vec<DimExpr> {
        (0..self.dims.len())
            .map(|a| {
                if self.reduced.contains(&a) {
                    DimExpr::Const(1)
                } else {
                    self.dims[a].clone()
                }
            })
            .collect()
    }
    /// How a value of shape `shape` is placed when it is a row value:
    /// for each of its axes, the domain axis it indexes (None: a size-1
    /// axis). None when the shape is neither row form.
    pub fn row_placement(&self, shape: &[DimExpr]) -> Option<Placement> {
        if shape == self.row_shape().as_slice() {
            return Some(self.kept().into_iter().map(Some).collect());
        }
        if shape == self.row_shape_keepdims().as_slice() {
            return Some(
                (0..shape.len())
                    .map(|a| (!self.reduced.contains(&a)).then_some(a))
                    .collect(),
            );
        }
        None
    }
    /// The placement of a full-space value (the identity).
    pub fn full_placement(&self) -> Placement {
        (0..self.dims.len()).map(Some).collect()
    }
    /// The access of an array of shape `shape` placed by `p` (its axis `k`
    /// indexes domain axis `p[k]`, or is a size-1 axis when None), if it
    /// can be read by index arithmetic: the axes it spans must be in
    /// order and cover the reduced and inner groups wholly or not at all
    /// (axes of constant size 1 do not count); of the outer axes it may
    /// span any subset (a broadcast along the others: its outer index is
    /// computed once per row).
    pub fn access(&self, shape: &[DimExpr], p: &Placement) -> Option<Access> {
        if shape.len() != p.len() {
            return None;
        }
        let mut present = vec![false; self.dims.len()];
        let mut last: Option<usize> = None;
        for (k, d) in shape.iter().enumerate() {
            match p[k] {
                None if d.is(1) => {}
                None => return None,
                Some(a) => {
                    if a >= self.dims.len() || last.is_some_and(|l| a <= l) {
                        return None;
                    }
                    if !d.is(1) && *d != self.dims[a] {
                        return None;
                    }
                    last = Some(a);
                    present[a] = !d.is(1);
                }
            }
        }
        let mut acc = Access::default();
        for g in Group::ALL {
            let axes: Vec<usize> = self.axes(g).filter(|&a| !self.dims[a].is(1)).collect();
            let n = axes.iter().filter(|&&a| present[a]).count();
            if n != 0 && n != axes.len() {
                if g != Group::Outer || self.dims.len() > 64 {
                    return None;
                }
                acc.outer_part = axes
                    .iter()
                    .filter(|&&a| present[a])
                    .fold(0, |m, &a| m | 1 << a);
            }
            acc.set(g, n != 0);
        }
        Some(acc)
    }
}

/// For each axis of a value, the domain axis it indexes (None: size 1).
pub type Placement = Vec<Option<usize>>;

/// Which groups an array spans: its flat index is the row-major index of
/// the spanned groups' indices (`[o, i]` for a row value, `[r]` for a
/// vector along the reduced axes, `[]` for a scalar).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Access {
    /// Spans the outer axes (all of them, or those of `outer_part`).
    pub outer: bool,
    /// Spans the reduced axes.
    pub reduced: bool,
    /// Spans the inner axes.
    pub inner: bool,
    /// When the array spans only some of the outer axes (it is broadcast
    /// along the others, as `x[i, k]` read at `[i, j, k]`): a bit per
    /// domain axis it spans; 0 when it spans all of them or none.
    pub outer_part: u64,
}

impl Access {
    /// Every group (a full-space array).
    pub const FULL: Access = Access {
        outer: true,
        reduced: true,
        inner: true,
        outer_part: 0,
    };
    /// The kept groups (a row value).
    pub const ROW: Access = Access {
        outer: true,
        reduced: false,
        inner: true,
        outer_part: 0,
    };
    /// The outer axes spanned, within `space` (without constant 1s).
    pub fn outer_axes(self, space: &IndexSpace) -> Vec<usize> {
        space
            .axes(Group::Outer)
            .filter(|&a| {
                self.outer
                    && !space.dims[a].is(1)
                    && (self.outer_part == 0 || self.outer_part >> a & 1 == 1)
            })
            .collect()
    }
    /// Whether group `g` is spanned.
    pub fn has(self, g: Group) -> bool {
        match g {
            Group::Outer => self.outer,
            Group::Reduced => self.reduced,
            Group::Inner => self.inner,
        }
    }
    fn set(&mut self, g: Group, on: bool) {
        match g {
            Group::Outer => self.outer = on,
            Group::Reduced => self.reduced = on,
            Group::Inner => self.inner = on,
        }
    }
    /// The access as it is used in `space`: groups with no axis besides
    /// constant 1s are dropped (their index is always 0).
    pub fn within(self, space: &IndexSpace) -> Access {
        let mut a = self;
        for g in Group::ALL {
            if space.is_trivial(g) {
                a.set(g, false);
            }
        }
        if !a.outer {
            a.outer_part = 0;
        }
        a
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ix: Vec<String> = Group::ALL
            .iter()
            .filter(|g| self.has(**g))
            .map(|g| match g {
                Group::Outer if self.outer_part != 0 => {
                    let axes: Vec<String> = (0..64)
                        .filter(|a| self.outer_part >> a & 1 == 1)
                        .map(|a| a.to_string())
                        .collect();
                    format!("o({})", axes.join(","))
                }
                _ => g.letter().to_string(),
            })
            .collect();
        write!(f, "[{}]", ix.join(","))
    }
}
