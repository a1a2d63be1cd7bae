//! Runs every generated case (see `build.rs`): jit, grad, jvp and vmap of
//! each annotated function against its plain primal and dual numbers.
//! All failures are reported together, each with its function's source.
//! Parameters are often named like what the macros generate (`x` beside
//! `x_dot`, `a`, `ba`, `dim_n`, `ct_0`, ..): issue 21's hygiene.

use macro_fuzz::CASES;

#[test]
fn every_generated_case_matches_the_eager_primal() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for c in CASES {
        match (c.check)() {
            Ok(n) => checked += n,
            Err(e) => failures.push(format!("{}: {e}\n{}", c.name, c.source)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
    // Points with a non-finite or huge value are skipped; most are not.
    let points = 4 * CASES.len();
    assert!(
        checked * 4 >= points * 3,
        "only {checked} of {points} points checked"
    );
}
