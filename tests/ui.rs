//! Compile-error cases of the macros: every refusal has a `tests/ui/*.rs`
//! program and its expected `.stderr`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
