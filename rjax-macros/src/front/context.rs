//! Where the annotated function stands. An attribute macro sees only the
//! function's tokens, and the companion module it emits cannot live in an
//! `impl` or a `trait`, where rustc's own error ("module is not supported
//! in `trait`s or `impl`s") would not say what to write instead. So the
//! source file is read (`Span::local_file`, `line`) and scanned up to the
//! function for the kind of the innermost open `{`. Anything unexpected
//! (tokens made by a macro, a file that cannot be read) answers `None` and
//! the expansion goes on as before.

/// `Some("impl")` or `Some("trait")` when the item starting at `first`'s
/// position is directly inside an `impl` or `trait` block.
pub fn enclosing_block(item: &proc_macro::TokenStream) -> Option<&'static str> {
    let first = item.clone().into_iter().next()?.span();
    let path = first.local_file()?;
    let text = std::fs::read_to_string(path).ok()?;
    let (line, column) = (first.line(), first.column());
    // The byte offset of (line, column), both 1-based.
    let start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let rest = &text[start..];
    let col = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map(|(i, _)| i)
        .unwrap_or(0);
    innermost(&text[..start + col])
}

#[derive(Clone, Copy, PartialEq)]
enum Tok<'a> {
    Ident(&'a str),
    Punct(char),
}

/// The kind of the innermost `{` still open at the end of `src`.
fn innermost(src: &str) -> Option<&'static str> {
    let toks = lex(src)?;
    let mut stack: Vec<Option<&'static str>> = Vec::new();
    let mut header_start = 0;
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Punct('{') => {
                stack.push(kind(&toks[header_start..i]));
                header_start = i + 1;
            }
            Tok::Punct('}') => {
                stack.pop();
                header_start = i + 1;
            }
            Tok::Punct(';') => header_start = i + 1,
            _ => {}
        }
    }
    stack.last().copied().flatten()
}

/// What a `{` opens, from the tokens since the previous `{`, `}` or `;`:
/// `impl` / `trait` when the first keyword is one (after attributes,
/// visibility and `unsafe`/`default`/`auto`), else `None`.
fn kind(header: &[Tok]) -> Option<&'static str> {
    let mut i = 0;
    let mut depth = 0;
    while i < header.len() {
        match header[i] {
            // `#[..]` and `pub(crate)`: skipped whole.
            Tok::Punct('[') | Tok::Punct('(') => depth += 1,
            Tok::Punct(']') | Tok::Punct(')') => depth -= 1,
            Tok::Ident(s) if depth == 0 => match s {
                "pub" | "crate" | "unsafe" | "default" | "auto" => {}
                "impl" => return Some("impl"),
                "trait" => return Some("trait"),
                _ => return None,
            },
            _ => {}
        }
        i += 1;
    }
    None
}

/// Identifiers and single punctuation characters, without comments,
/// strings, characters and lifetimes. `None` on text it cannot follow.
fn lex(src: &str) -> Option<Vec<Tok<'_>>> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            // Block comments nest.
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == b'"' {
            i = skip_string(b, i + 1)?;
        } else if (c == b'r' || c == b'b') && raw_string_at(b, i).is_some() {
            let (hashes, open) = raw_string_at(b, i)?;
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let mut j = open;
            while j < b.len() && !b[j..].starts_with(&close) {
                j += 1;
            }
            i = j + close.len();
        } else if c == b'\'' {
            // A character literal ('a', '\n', '\u{..}') or a lifetime.
            if i + 2 < b.len() && b[i + 1] == b'\\' {
                let mut j = i + 2;
                while j < b.len() && b[j] != b'\'' {
                    j += 1;
                }
                i = j + 1;
            } else if i + 2 < b.len() && b[i + 2] == b'\'' {
                i += 3;
            } else {
                i += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
            }
        } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                i += 1;
            }
            out.push(Tok::Ident(src.get(s..i)?));
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
        } else {
            out.push(Tok::Punct(c as char));
            i += 1;
        }
    }
    Some(out)
}

/// After the opening `"` at `i`: the index past the closing one.
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// `r"`, `r#"`, `br"`, ... at `i`: the number of `#` and the index of the
/// first character inside.
fn raw_string_at(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    if b[j] == b'b' {
        j += 1;
    }
    if b.get(j) != Some(&b'r') {
        return None;
    }
    // Part of a longer identifier (`bar"` cannot occur, `for r in` can).
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while b.get(j) == Some(&b'#') {
        hashes += 1;
        j += 1;
    }
    (b.get(j) == Some(&b'"')).then_some((hashes, j + 1))
}

#[cfg(test)]
mod tests {
    use super::innermost;

    #[test]
    fn impl_and_trait_blocks_are_recognised() {
        assert_eq!(innermost("struct S;\nimpl S {\n    "), Some("impl"));
        assert_eq!(innermost("unsafe impl<T> Tr for S<T> {\n"), Some("impl"));
        assert_eq!(innermost("pub(crate) trait T {\n"), Some("trait"));
        assert_eq!(innermost("#[cfg(test)]\nimpl S {"), Some("impl"));
    }

    #[test]
    fn functions_modules_and_closed_blocks_are_not() {
        assert_eq!(innermost(""), None);
        assert_eq!(innermost("impl S { fn f() {} }\n"), None);
        assert_eq!(innermost("mod m {\n"), None);
        assert_eq!(innermost("fn f() -> impl Fn() {\n"), None);
        assert_eq!(
            innermost("impl S { fn f() { let s = \"}\"; }\n"),
            Some("impl")
        );
        assert_eq!(innermost("impl S { /* } */ // }\n"), Some("impl"));
        assert_eq!(
            innermost("impl S { fn f<'a>(x: &'a u8) -> char { '}' }\n"),
            Some("impl")
        );
        assert_eq!(
            innermost("impl S { const C: &str = r#\"}\"#;\n"),
            Some("impl")
        );
    }
}
