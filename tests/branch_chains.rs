//! Long `else if` chains and deeply nested `if`s lower in time linear in
//! the number of branches (each side is lowered once; it used to be twice
//! per level, 2^depth in all: 54 s of compile time at 16 branches). The
//! functions are built by `macro_rules!` (the attribute then sees the
//! whole chain), each once as plain Rust and once annotated, and compared
//! at a point inside every branch: jit against the plain primal, grad
//! against its central differences, jvp against the grad.
#![recursion_limit = "512"]

use rjax::prelude::*;

/// `if x < c1 { .. } else if x < c2 { .. } .. else { .. }`, thresholds in
/// increasing order (the list is written from the last branch to the
/// first: each step puts one branch in front of the chain so far). The
/// variable's name is passed in, so that every `x` has the same hygiene.
macro_rules! else_if_chain {
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
    ($x:ident, $plain:ident, $annot:ident; [$($acc:tt)*]; $c:literal $($rest:literal)*) => {
        else_if_chain!($x, $plain, $annot;
            [if $x < $c { ($x * $c).sin() + $c * $x * $x } else $($acc)*];
            $($rest)*);
    };
}

/// `if x > c1 { if x > c2 { .. } else { .. } } else { .. }`: nested in the
/// `then` side, thresholds increasing inwards (written innermost first).
macro_rules! nested_ifs {
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
    ($x:ident, $plain:ident, $annot:ident; [$($acc:tt)*]; $c:literal $($rest:literal)*) => {
        nested_ifs!($x, $plain, $annot;
            [if $x > $c { $($acc)* } else { ($x * $c).cos() - $c * $x }];
            $($rest)*);
    };
}

else_if_chain!(x, chain_plain, chain;
    [{ x.exp() }];
    15.5 14.5 13.5 12.5 11.5 10.5 9.5 8.5 7.5 6.5 5.5 4.5 3.5 2.5 1.5 0.5
    -0.5 -1.5 -2.5 -3.5 -4.5 -5.5 -6.5 -7.5 -8.5 -9.5 -10.5 -11.5 -12.5 -13.5 -14.5 -15.5);

nested_ifs!(x, nested_plain, nested;
    [x.tanh() * x];
    15.5 14.5 13.5 12.5 11.5 10.5 9.5 8.5 7.5 6.5 5.5 4.5 3.5 2.5 1.5 0.5
    -0.5 -1.5 -2.5 -3.5 -4.5 -5.5 -6.5 -7.5 -8.5 -9.5 -10.5 -11.5 -12.5 -13.5 -14.5 -15.5);

/// A point strictly inside each of the 33 branches (the thresholds are at
/// k + 0.5), where the function is smooth.
fn points() -> Vec<f64> {
    (-16..=16).map(|k| k as f64 + 0.1).collect()
}

fn central(f: fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6;
    (f(x + h) - f(x - h)) / (2.0 * h)
}

fn check(
    plain: fn(f64) -> f64,
    jit: fn(f64) -> f64,
    grad: fn(f64) -> f64,
    jvp: fn((f64,), (f64,)) -> (f64, f64),
) {
    for x in points() {
        let want = plain(x);
        assert_eq!(jit(x), want, "jit at x={x}");
        let g = grad(x);
        let fd = central(plain, x);
        assert!(
            (g - fd).abs() <= 1e-5 * (1.0 + fd.abs()),
            "grad at x={x}: {g} vs differences {fd}"
        );
        let (y, dy) = jvp((x,), (1.0,));
        assert_eq!(y, want, "jvp primal at x={x}");
        assert!((dy - g).abs() <= 1e-12 * (1.0 + g.abs()), "jvp at x={x}");
    }
}

#[test]
fn else_if_chain_of_33_branches() {
    check(chain_plain, chain, chain::grad, chain::jvp);
}

#[test]
fn ifs_nested_32_deep() {
    check(nested_plain, nested, nested::grad, nested::jvp);
}

#[test]
fn every_branch_is_a_cond() {
    // Lowered as `cond` (only the taken side runs), not `select_n`.
    let text = chain::jaxpr().to_string();
    assert_eq!(text.matches("cond[").count(), 32, "{text}");
    let text = nested::jaxpr().to_string();
    assert_eq!(text.matches("cond[").count(), 32, "{text}");
}
