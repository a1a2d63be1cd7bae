//! The last line of defence around every macro entry point.
//!
//! - A panic inside the macro (a bug in this crate: every refusal is meant
//!   to be a spanned error) becomes a `compile_error!` at the attribute,
//!   asking to report it, instead of rustc's "proc macro panicked" and the
//!   knock-on errors of a function that vanished.
//! - Parsing, checking and lowering recurse once per level of nesting of
//!   the user's expression; the entry point runs on a stack large enough
//!   for the depths `ast::MAX_DEPTH` admits (rustc's own thread has a few
//!   MiB, and proc macros are built without optimisation, so a few hundred
//!   levels overflowed it and crashed the compiler).

use proc_macro2::{Span, TokenStream};

/// Stack given to one expansion. Only the pages touched are ever mapped.
const STACK: usize = 1 << 30;

/// Runs one expansion with a large stack, turning a panic into a
/// `compile_error!` at the macro's call site.
pub fn run(f: impl FnOnce() -> TokenStream) -> TokenStream {
    let out = stacker::grow(STACK, || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
    });
    match out {
        Ok(t) => t,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into());
            let msg = format!(
                "rjax-macros failed on this function (an internal error, please report it with the function): {what}"
            );
            syn::Error::new(Span::call_site(), msg).to_compile_error()
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_becomes_a_compile_error_naming_it() {
        let out = super::run(|| panic!("boom at lowering")).to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("internal error"), "{out}");
        assert!(out.contains("boom at lowering"), "{out}");
    }

    #[test]
    fn deep_recursion_runs_on_the_grown_stack() {
        // About 100 MB of frames: far beyond a default thread's stack.
        fn depth(n: usize) -> usize {
            // A frame of 1 KiB that the optimiser cannot drop.
            let pad = std::hint::black_box([n as u8; 1024]);
            if n == 0 {
                0
            } else {
                pad[0] as usize + depth(n - 1)
            }
        }
        let out = super::run(|| {
            let d = depth(100_000);
            quote::quote!(#d)
        });
        let want: usize = (1..=100_000usize).map(|k| k as u8 as usize).sum();
        assert_eq!(out.to_string(), format!("{want}usize"));
    }
}
