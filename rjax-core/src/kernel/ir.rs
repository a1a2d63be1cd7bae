//! The kernel IR: what one row kernel computes, loop by loop.
//!
//! Equations are referred to by their index in the (scheduled) jaxpr, so
//! the IR says *which* equations run in which loop and how their operands
//! are addressed; the equations themselves (primitive, params) stay in
//! the jaxpr. A printer (`print.rs`) shows the loop structure.

use std::collections::HashMap;

use super::space::{Access, IndexSpace};
use crate::ir::{Atom, Var};

/// Where a value of the kernel lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Space {
    /// One value per domain element (`[o, r, i]`).
    Full,
    /// One value per kept element (`[o, i]`), after a reduction.
    Row,
}

/// An array the kernel reads from memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    /// The name the kernel's code reads its elements by: `array` itself,
    /// or, when `array` is read a second way (as `x[i, k]` and `x[j, k]`
    /// in `x[j] - x[i]`), the view of it that the kernel reads (not
    /// built: only its name).
    pub var: Var,
    /// The array in memory (a jaxpr input or a value computed before
    /// the kernel).
    pub array: Var,
    /// The groups its axes span.
    pub access: Access,
}

/// One loop over the reduced axes of a row (for each outer and inner
/// index): elementwise work in the full space, reductions accumulated,
/// full-space results written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loop {
    /// Full-space equations computed in this loop, in order.
    pub body: Vec<usize>,
    /// Full-space values an earlier loop saved, read back here.
    pub loads: Vec<Var>,
    /// Full-space values computed here that a later loop reads back
    /// (kept per row in a buffer the size of one row).
    pub saves: Vec<Var>,
    /// Reductions accumulated here (their operands are computed here or
    /// loaded).
    pub reduces: Vec<usize>,
    /// Full-space results of the kernel written by this loop.
    pub stores: Vec<Var>,
}

/// A step of a kernel, run once per row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A loop over the reduced axes.
    Loop(Loop),
    /// Row-space equations (on reduced values), in order.
    Row(Vec<usize>),
}

/// A `broadcast_in_dim`, `expand_dims`, `squeeze` or size-1 `reshape`
/// inside a kernel: no buffer, only another way of indexing `src`.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    /// The view's equation.
    pub eqn: usize,
    /// Its result.
    pub var: Var,
    /// What it reads.
    pub src: Atom,
}

/// A row kernel: a whole row-wise program (elementwise producers,
/// reductions along one group of axes, and their consumers reading the
/// reduced values through broadcasts) as one loop nest over the rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel {
    /// The domain and its groups.
    pub space: IndexSpace,
    /// Every equation the kernel replaces (computations and absorbed
    /// views), in jaxpr order; after scheduling they are consecutive.
    pub members: Vec<usize>,
    /// Arrays read from memory, in first-use order.
    pub reads: Vec<Read>,
    /// Rank-0 values from outside (read as scalars).
    pub scalars: Vec<Var>,
    /// Absorbed views: each view's value is, element for element, the
    /// value it reads (a kernel value, a read, a scalar or a literal),
    /// addressed by index arithmetic.
    pub views: Vec<View>,
    /// Where each value computed by the kernel lives.
    pub spaces: HashMap<Var, Space>,
    /// The loops and row steps, in order.
    pub steps: Vec<Step>,
    /// Values used after the kernel (written to memory), in order.
    pub outputs: Vec<Var>,
}

impl Kernel {
    /// What a view var stands for, through chains of views (the var
    /// itself when it is not a view).
    pub fn base(&self, v: Var) -> Atom {
        let mut a = Atom::Var(v);
        while let Atom::Var(v) = a
            && let Some(w) = self.views.iter().find(|w| w.var == v)
        {
            a = w.src;
        }
        a
    }
    /// The space of a var read inside the kernel (through views): None
    /// for reads and scalars from outside.
    pub fn space_of(&self, v: Var) -> Option<Space> {
        self.spaces.get(&self.base(v).as_var()?).copied()
    }
    /// The read of `v` (through views), if it is an array from outside.
    pub fn read_of(&self, v: Var) -> Option<&Read> {
        let b = self.base(v).as_var()?;
        self.reads.iter().find(|r| r.var == b)
    }
    /// The loops of the kernel.
    pub fn loops(&self) -> impl Iterator<Item = &Loop> {
        self.steps.iter().filter_map(|s| match s {
            Step::Loop(l) => Some(l),
            Step::Row(_) => None,
        })
    }
    /// Renumbers the equations (`map[old] = new`).
    pub fn remap(&mut self, map: &[usize]) {
        let m = |v: &mut Vec<usize>| {
            for i in v.iter_mut() {
                *i = map[*i];
            }
        };
        m(&mut self.members);
        self.members.sort_unstable();
        for w in &mut self.views {
            w.eqn = map[w.eqn];
        }
        for s in &mut self.steps {
            match s {
                Step::Loop(l) => {
                    m(&mut l.body);
                    m(&mut l.reduces);
                }
                Step::Row(e) => m(e),
            }
        }
    }
}
