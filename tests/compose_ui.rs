//! Compile errors of composition across functions (tests/ui/compose/):
//! unannotated callees, `grad` of a vector-valued callee, wrong arity,
//! dtype mismatches, unknown companions.

#[test]
fn compose_ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/compose/*.rs");
}
