//! An expression nested 1,000 deep compiles through the macros (plain
//! Rust compiles it too). Parsing and lowering recurse once per level;
//! the macro runs on a stack grown for it (`rjax-macros/src/guard.rs`),
//! where at 700 levels it used to overflow rustc's and crash the compiler.
//! The expression is built by a `macro_rules!` (the attribute then sees it
//! whole): four levels of `(.. * 0.999 + 0.001)` per token, 250 tokens.
#![recursion_limit = "1024"]

use rjax::prelude::*;

macro_rules! deep {
    ($x:ident, $plain:ident, $annot:ident; [$($acc:tt)*];) => {
        fn $plain($x: f64) -> f64 {
            $($acc)*
        }
        #[jit]
        #[grad]
        fn $annot($x: f64) -> f64 {
            $($acc)*
        }
    };
    ($x:ident, $plain:ident, $annot:ident; [$($acc:tt)*]; $t:tt $($rest:tt)*) => {
        deep!($x, $plain, $annot;
            [(((($($acc)* * 0.999 + 0.001) * 0.999 + 0.001) * 0.999 + 0.001) * 0.999 + 0.001)];
            $($rest)*);
    };
}

deep!(x, deep_plain, deep_annotated; [x.sin()];
    _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
    _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
    _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
    _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
    _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _);

#[test]
fn thousand_levels_match_the_plain_function() {
    for x in [-1.3, 0.2, 2.5] {
        let want = deep_plain(x);
        let got = deep_annotated(x);
        assert!(
            (got - want).abs() <= 1e-12 * want.abs().max(1.0),
            "x={x}: {got} vs {want}"
        );
        // d/dx = 0.999^1000 cos(x).
        let g = deep_annotated::grad(x);
        let analytic = 0.999f64.powi(1000) * x.cos();
        assert!((g - analytic).abs() <= 1e-12, "x={x}: {g} vs {analytic}");
    }
}
