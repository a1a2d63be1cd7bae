//! The shape of a tree parameter or result (`crate::front::tree_param`): a
//! `#[derive(Tree)]` struct, a tuple or a fixed-size array `[T; N]` whose
//! fields or elements are arrays, scalars, other such trees, or static
//! nalgebra matrices. Its leaves, depth first in declaration order, become the
//! function's leaf parameters; the node knows how to read a leaf out of a
//! Rust value and rebuild a Rust value from leaf values; the same for the
//! lowering's `Value`s is in `lower::tree`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::front::ast::ValTy;

/// A tree's structure.
#[derive(Clone, Debug)]
pub enum Node {
    /// An array or scalar, with its `#[rank(k)]`.
    Leaf(ValTy, Option<usize>),
    /// A derived struct: its path and named fields.
    Struct(syn::Path, Vec<(String, Node)>),
    /// `[T; N]`: the elements, read as `x[k]`.
    Fixed(Vec<Node>),
    /// A tuple `(A, B)`: the elements, read as `x.0`.
    Tuple(Vec<Node>),
    /// A static nalgebra matrix: its type and leaves `_i_j`, column-major.
    Matrix(syn::Path, Vec<(String, ValTy)>),
}

/// What `walk` calls at each leaf: (path, type, rank).
type Visit<'v> = dyn FnMut(&[Step], ValTy, Option<usize>) + 'v;

/// One step from a value to a part of it.
#[derive(Clone, Debug)]
enum Step {
    Field(String),
    Index(usize),
    Elem(usize),
    Entry(String),
}

impl Node {
    /// The leaves (label, type, rank), depth first.
    pub fn leaves(&self) -> Vec<(String, ValTy, Option<usize>)> {
        let mut out = Vec::new();
        self.walk(&mut Vec::new(), &mut |steps, ty, rank| {
            out.push((label(steps), ty, rank));
        });
        out
    }

    fn walk(&self, at: &mut Vec<Step>, f: &mut Visit) {
        match self {
            Node::Leaf(t, r) => f(at, *t, *r),
            Node::Struct(_, fields) => {
                for (n, c) in fields {
                    at.push(Step::Field(n.clone()));
                    c.walk(at, f);
                    at.pop();
                }
            }
            Node::Fixed(items) => {
                for (k, c) in items.iter().enumerate() {
                    at.push(Step::Index(k));
                    c.walk(at, f);
                    at.pop();
                }
            }
            Node::Tuple(items) => {
                for (k, c) in items.iter().enumerate() {
                    at.push(Step::Elem(k));
                    c.walk(at, f);
                    at.pop();
                }
            }
            Node::Matrix(_, leaves) => {
                for (n, t) in leaves {
                    at.push(Step::Entry(n.clone()));
                    f(at, *t, None);
                    at.pop();
                }
            }
        }
    }

    /// Expressions reading each leaf out of `base` (a value or reference
    /// of this type): `&base.layer.w`, `base.b`, `&base.ws[1]`,
    /// `base[(0, 1)]`.
    pub fn access(&self, base: &TokenStream) -> Vec<TokenStream> {
        let mut out = Vec::new();
        self.walk(&mut Vec::new(), &mut |steps, ty, _| {
            let mut e = base.clone();
            for s in steps {
                e = match s {
                    Step::Field(n) => {
                        let id = format_ident!("{}", n);
                        quote!(#e.#id)
                    }
                    Step::Index(k) => quote!(#e[#k]),
                    Step::Elem(k) => {
                        let k = syn::Index::from(*k);
                        quote!(#e.#k)
                    }
                    Step::Entry(n) => crate::front::nalgebra_param::access(&e, n),
                };
            }
            out.push(match ty {
                ValTy::Scalar(_) => e,
                ValTy::Array(_) => quote!(&#e),
            });
        });
        out
    }

    /// The Rust value from leaf values in order.
    pub fn assemble(&self, vals: &[TokenStream]) -> TokenStream {
        let mut it = vals.iter().cloned();
        self.build(&mut it)
    }

    fn build(&self, it: &mut dyn Iterator<Item = TokenStream>) -> TokenStream {
        match self {
            Node::Leaf(..) => it.next().expect("one value per leaf"),
            Node::Struct(path, fields) => {
                let inits = fields.iter().map(|(n, c)| {
                    let id = format_ident!("{}", n);
                    let v = c.build(it);
                    quote!(#id: #v)
                });
                quote!(#path { #(#inits),* })
            }
            Node::Fixed(items) => {
                let vs = items.iter().map(|c| c.build(it));
                quote!([#(#vs),*])
            }
            Node::Tuple(items) => {
                let vs = items.iter().map(|c| c.build(it));
                quote!((#(#vs,)*))
            }
            Node::Matrix(path, leaves) => {
                let vs: Vec<TokenStream> =
                    leaves.iter().map(|_| it.next().expect("a leaf")).collect();
                crate::front::nalgebra_param::assemble(&quote!(#path), &vs)
            }
        }
    }
}

/// A leaf's label: `layer.w`, `ws_1`, `_0_1`: also an identifier part.
fn label(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| match s {
            Step::Field(n) => n.clone(),
            Step::Index(k) | Step::Elem(k) => k.to_string(),
            Step::Entry(n) => n.trim_start_matches('_').to_string(),
        })
        .collect::<Vec<_>>()
        .join("_")
}
