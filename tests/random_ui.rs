//! Compile-fail cases for PRNG keys (tests/ui/random/): reusing or cloning
//! a `Key` does not compile.

#[test]
fn key_misuse_does_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/random/*.rs");
}
