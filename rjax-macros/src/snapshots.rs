//! Expansion snapshots: for each `tests/snapshots/NAME.rs`, the whole
//! expansion (the primal, every companion, the export macro), pretty
//! printed, must equal `tests/snapshots/NAME.expanded.rs`. Any change to
//! the emitted code then shows as a diff in review. `RJAX_BLESS=1 cargo
//! test -p rjax-macros snapshots` rewrites the expected files.
//!
//! How: a proc-macro crate exports only its macros, so a test crate
//! cannot call the expansion; these are unit tests of the crate itself.
//! Outside a compiler's macro call `proc_macro2` uses its own token types,
//! so the expansion runs as a plain function (the two places that read
//! the caller's source file through `proc_macro` skip that step when
//! `proc_macro::is_available()` is false). Each input file's last item is
//! the annotated function under test; the items before it (a
//! `#[derive(Tree)]` struct, an annotated rule or callee) reach it as a
//! callee's exported tokens do, through `pipeline::compose`.

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::quote;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

/// The key a received item is asked for by (see `back::export`).
fn key(item: &syn::Item) -> String {
    match item {
        syn::Item::Struct(s) => format!("struct {}", s.ident),
        syn::Item::Fn(f) => f.sig.ident.to_string(),
        _ => panic!("a snapshot input holds structs and functions only"),
    }
}

/// The expansion of the input file's last item, pretty-printed.
fn expand(src: &str) -> String {
    let file: syn::File = syn::parse_str(src).expect("the snapshot input parses");
    let (subject, deps) = file.items.split_last().expect("the input has an item");
    let received: TokenStream = deps
        .iter()
        .map(|item| {
            let k = key(item);
            quote!([#k] { {#item} })
        })
        .collect();
    let out =
        crate::front::guard::run(|| crate::pipeline::compose(quote!({#subject} {#received} {})));
    match syn::parse2::<syn::File>(out.clone()) {
        Ok(f) => prettyplease::unparse(&f),
        Err(_) => out.to_string(),
    }
}

/// Where two texts first differ, for the failure message.
fn first_difference(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let k = w.iter().zip(&g).take_while(|(a, b)| a == b).count();
    format!(
        "line {}: expected {:?}, got {:?}",
        k + 1,
        w.get(k).copied().unwrap_or("<end>"),
        g.get(k).copied().unwrap_or("<end>")
    )
}

#[test]
fn expansions_match_the_snapshots() {
    let bless = std::env::var_os("RJAX_BLESS").is_some();
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(dir())
        .expect("tests/snapshots exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "rs")
                && !p.to_string_lossy().ends_with(".expanded.rs")
        })
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 10, "the snapshot inputs are missing");
    let mut changed = Vec::new();
    for input in &inputs {
        let src = std::fs::read_to_string(input).expect("the input reads");
        let got = expand(&src);
        let expected_path = input.with_extension("expanded.rs");
        let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != want {
            if bless {
                std::fs::write(&expected_path, &got).expect("the snapshot writes");
            } else {
                changed.push(format!(
                    "{}: {}",
                    expected_path.display(),
                    first_difference(&want, &got)
                ));
            }
        }
    }
    assert!(
        changed.is_empty(),
        "expansions differ from their snapshots (review the diff, then rerun with RJAX_BLESS=1 to accept):\n{}",
        changed.join("\n")
    );
}

#[test]
fn an_expansion_is_deterministic() {
    let src = std::fs::read_to_string(dir().join("jit_softmax_rows.rs")).expect("the input reads");
    assert_eq!(expand(&src), expand(&src));
}
