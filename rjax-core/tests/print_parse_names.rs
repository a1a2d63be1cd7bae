//! The text form round-trips whatever the variables are called: JAX's
//! naming (a..z, ba, ..) reaches `if` and `in` (the 214th and 222nd
//! variables), which the parser must read as names where a name stands,
//! and would reach the literals `inf` and `nan`, which the printer skips.

use rjax_core::{Builder, DType, Jaxpr, Params, Prim};

/// A chain of `n` `sin`s, each result used by the next, so every variable
/// is printed with a name (the last one is the output).
fn chain(n: usize) -> Jaxpr {
    let mut b = Builder::new();
    let mut x = b.input(DType::F32, Vec::<usize>::new()).into();
    let y = b.input(DType::F32, Vec::<usize>::new()).into();
    for _ in 0..n {
        let s = b.eqn1(Prim::Sin, Params::new(), &[x]).unwrap();
        x = b.eqn1(Prim::Mul, Params::new(), &[s, y]).unwrap();
    }
    b.build(&[x])
}

#[test]
fn names_in_and_if_parse_back() {
    let j = chain(150);
    let text = j.to_string();
    assert!(text.contains("\n    in:f32[] = "), "the chain reaches `in`");
    assert!(text.contains(" in "), "`in` as an operand");
    let back = Jaxpr::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.to_string(), text);
}

#[test]
fn names_inf_and_nan_are_never_printed() {
    let j = chain(4500);
    let text = j.to_string();
    for bad in ["inf:", "nan:"] {
        assert!(
            !text.contains(&format!(" {bad}")),
            "`{bad}` printed as a variable"
        );
    }
    let back = Jaxpr::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.to_string(), text);
}
