//! The key a callee or a struct is known by in one expansion: its path as
//! the body writes it (`other::h`), the same text in the caller's request,
//! the callee's export and every message that names it.

/// The key of a callee path as the body writes it (`other::h`).
pub fn path_key(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}
