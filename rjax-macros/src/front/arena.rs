//! A grow-only store for values that one expansion creates and lends out
//! for the rest of it: parsed `array!` bodies and generated identifiers
//! that the model borrows, callee items, jaxprs derived for emission.
//!
//! The expansion owns its stores and drops them when it returns, so
//! nothing outlives one macro call (leaked values would grow without bound
//! in a long-lived proc-macro server such as rust-analyzer). Values sit in
//! blocks of doubling size whose slots are `OnceCell`s: a slot is written
//! once and a block is never moved or freed before the store, so a shared
//! reference to a value lives as long as the store, with no `unsafe`.

use std::cell::{Cell, OnceCell};

use syn::{Ident, ItemFn};

/// What the models of one expansion borrow besides the syn tree of the
/// annotated function: created while parsing, dropped with the expansion.
#[derive(Default)]
pub struct ModelStore {
    /// Callee items, parsed from the tokens they exported.
    pub items: Arena<ItemFn>,
    /// Parsed `array![..]` bodies (a macro body is tokens, not syn nodes).
    pub exprs: Arena<Vec<syn::Expr>>,
    /// Generated identifiers: tree leaves, nalgebra entries.
    pub idents: Arena<Ident>,
    /// Names of primitive calls as written (`sin`, `sum_axes`).
    pub names: Arena<String>,
}

/// Values of one type, kept until the arena is dropped.
pub struct Arena<T> {
    first: Block<T>,
    len: Cell<usize>,
}

struct Block<T> {
    slots: Box<[OnceCell<T>]>,
    next: OnceCell<Box<Block<T>>>,
}

impl<T> Block<T> {
    fn new(cap: usize) -> Self {
        Block {
            slots: (0..cap).map(|_| OnceCell::new()).collect(),
            next: OnceCell::new(),
        }
    }
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Arena {
            first: Block::new(8),
            len: Cell::new(0),
        }
    }
}

impl<T> Arena<T> {
    /// Stores `value`; the reference lives as long as the arena.
    pub fn alloc(&self, value: T) -> &T {
        let mut i = self.len.get();
        self.len.set(i + 1);
        let mut block = &self.first;
        while i >= block.slots.len() {
            i -= block.slots.len();
            let cap = block.slots.len() * 2;
            block = block.next.get_or_init(|| Box::new(Block::new(cap)));
        }
        // Slot `i` of this block is the `len`-th value overall: never
        // written before, so this stores `value`.
        block.slots[i].get_or_init(move || value)
    }
}

#[cfg(test)]
mod tests {
    use super::Arena;

    #[test]
    fn values_stay_put_while_more_are_added() {
        let a = Arena::default();
        let x = a.alloc(String::from("x"));
        let refs: Vec<&String> = (0..100).map(|k| a.alloc(k.to_string())).collect();
        assert_eq!(x, "x");
        assert_eq!(refs[42], "42");
        assert_eq!(refs[99], "99");
        assert_eq!(a.alloc(String::new()), "");
    }

    #[test]
    fn dropping_the_arena_drops_every_value() {
        let counted = std::rc::Rc::new(());
        let a = Arena::default();
        for _ in 0..50 {
            a.alloc(counted.clone());
        }
        assert_eq!(std::rc::Rc::strong_count(&counted), 51);
        drop(a);
        assert_eq!(std::rc::Rc::strong_count(&counted), 1);
    }
}
