//! Parameter trees (JAX's pytrees): nested containers whose leaves are
//! arrays, so an optimizer can treat "all the parameters" as one value.
//!
//! A [`Tree<T>`] lists its leaves (`Array<T>`, scalars as rank-0 arrays) in
//! a fixed order and rebuilds itself, same structure, from new leaves.
//! Implemented for `Array<T>`, `f32`/`f64`, tuples up to 6, `Vec<A>` and
//! `[A; N]` of trees; `#[derive(Tree)]` (from rjax-macros) implements it
//! for structs whose fields are trees.
//!
//! The helpers are what optimizers need: [`tree_map`] (`p * 0.5`),
//! [`tree_zip`] (`p - g * lr`, leaf by leaf), [`tree_leaves`] and
//! [`tree_unflatten`] (a structure filled from a list of leaves, e.g. the
//! tuple of gradients that `loss::grad` returns for `argnums = (0, 1, ..)`).
//!
//! ```
//! use rjax_runtime::Array;
//! use rjax_runtime::tree::{tree_zip, tree_leaves};
//! let params = (Array::from_vec(vec![1.0f32, 2.0]), 3.0f32);
//! let grads = (Array::from_vec(vec![0.5f32, 0.5]), 1.0f32);
//! let new = tree_zip(&params, &grads, |p, g| p - &(g * 0.1));
//! assert_eq!(new.1, 2.9);
//! assert_eq!(tree_leaves(&new).len(), 2);
//! ```

use crate::{Array, Element};

/// A container of arrays with a fixed structure.
pub trait Tree<T: Element>: Sized {
    /// Appends the leaves, in order.
    fn leaves_into(&self, out: &mut Vec<Array<T>>);
    /// The same structure with leaves taken from `leaves`, in order.
    /// Panics when `leaves` runs out or a leaf has the wrong rank for a
    /// scalar.
    fn rebuild(&self, leaves: &mut dyn Iterator<Item = Array<T>>) -> Self;
}

/// The leaves of a tree, in order.
pub fn tree_leaves<T: Element, X: Tree<T>>(x: &X) -> Vec<Array<T>> {
    let mut out = Vec::new();
    x.leaves_into(&mut out);
    out
}

/// A tree shaped like `template` holding `leaves` (in order). Panics,
/// naming both counts, when the number of leaves differs.
pub fn tree_unflatten<T: Element, X: Tree<T>>(template: &X, leaves: Vec<Array<T>>) -> X {
    let want = tree_leaves(template).len();
    assert_eq!(
        leaves.len(),
        want,
        "tree_unflatten: {} leaves for a tree of {want}",
        leaves.len()
    );
    template.rebuild(&mut leaves.into_iter())
}

/// `f` applied to every leaf.
pub fn tree_map<T: Element, X: Tree<T>>(x: &X, mut f: impl FnMut(&Array<T>) -> Array<T>) -> X {
    let new: Vec<Array<T>> = tree_leaves(x).iter().map(&mut f).collect();
    x.rebuild(&mut new.into_iter())
}

/// `f` applied to the leaves of two trees of the same structure, pairwise.
pub fn tree_zip<T: Element, X: Tree<T>>(
    a: &X,
    b: &X,
    mut f: impl FnMut(&Array<T>, &Array<T>) -> Array<T>,
) -> X {
    let (la, lb) = (tree_leaves(a), tree_leaves(b));
    assert_eq!(
        la.len(),
        lb.len(),
        "tree_zip: trees with {} and {} leaves",
        la.len(),
        lb.len()
    );
    let new: Vec<Array<T>> = la.iter().zip(&lb).map(|(x, y)| f(x, y)).collect();
    a.rebuild(&mut new.into_iter())
}

/// Sum over all leaves of the sum of squares (for gradient norms).
pub fn tree_sum_squares<T: Element, X: Tree<T>>(x: &X) -> f64 {
    tree_leaves(x)
        .iter()
        .flat_map(|a| a.to_vec())
        .map(|v| {
            let v = v.to_f64();
            v * v
        })
        .sum()
}

fn next_leaf<T: Element>(leaves: &mut dyn Iterator<Item = Array<T>>) -> Array<T> {
    leaves
        .next()
        .expect("Tree::rebuild: fewer leaves than the structure has")
}

impl<T: Element> Tree<T> for Array<T> {
    fn leaves_into(&self, out: &mut Vec<Array<T>>) {
        out.push(self.clone());
    }
    fn rebuild(&self, leaves: &mut dyn Iterator<Item = Array<T>>) -> Self {
        next_leaf(leaves)
    }
}

macro_rules! scalar_leaf {
    ($($t:ty),*) => {$(
        impl Tree<$t> for $t {
            fn leaves_into(&self, out: &mut Vec<Array<$t>>) {
                out.push(Array::scalar(*self));
            }
            fn rebuild(&self, leaves: &mut dyn Iterator<Item = Array<$t>>) -> Self {
                let a = next_leaf(leaves);
                assert!(
                    a.shape().iter().product::<usize>() == 1,
                    "Tree::rebuild: a scalar leaf got an array of shape {:?}",
                    a.shape()
                );
                a.to_vec()[0]
            }
        }
    )*};
}
scalar_leaf!(f32, f64);

impl<T: Element, A: Tree<T>> Tree<T> for Vec<A> {
    fn leaves_into(&self, out: &mut Vec<Array<T>>) {
        self.iter().for_each(|x| x.leaves_into(out));
    }
    fn rebuild(&self, leaves: &mut dyn Iterator<Item = Array<T>>) -> Self {
        self.iter().map(|x| x.rebuild(leaves)).collect()
    }
}

impl<T: Element, A: Tree<T>, const N: usize> Tree<T> for [A; N] {
    fn leaves_into(&self, out: &mut Vec<Array<T>>) {
        self.iter().for_each(|x| x.leaves_into(out));
    }
    fn rebuild(&self, leaves: &mut dyn Iterator<Item = Array<T>>) -> Self {
        std::array::from_fn(|i| self[i].rebuild(leaves))
    }
}

macro_rules! tuple_tree {
    ($(($($n:tt $a:ident),+)),*) => {$(
        impl<T: Element, $($a: Tree<T>),+> Tree<T> for ($($a,)+) {
            fn leaves_into(&self, out: &mut Vec<Array<T>>) {
                $(self.$n.leaves_into(out);)+
            }
            fn rebuild(&self, leaves: &mut dyn Iterator<Item = Array<T>>) -> Self {
                ($(self.$n.rebuild(leaves),)+)
            }
        }
    )*};
}
tuple_tree!(
    (0 A),
    (0 A, 1 B),
    (0 A, 1 B, 2 C),
    (0 A, 1 B, 2 C, 3 D),
    (0 A, 1 B, 2 C, 3 D, 4 E),
    (0 A, 1 B, 2 C, 3 D, 4 E, 5 F)
);
