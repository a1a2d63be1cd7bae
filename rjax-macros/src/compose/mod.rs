//! Composition across functions: inside an annotated body, a call to
//! another annotated function `h(..)` or to one of its companions
//! (`h::grad`, `h::value_and_grad`, `h::hessian`, `h::jacobian`, `h::jvp`,
//! `h::vmap`) is lowered into the caller's IR, so the caller's own
//! transformations apply to it: `#[vmap] fn per_example(t) { f::grad(t) }`
//! is vmap(grad f), `#[grad]` of a body calling `f::grad` is second order.
//!
//! # How the caller's macro reaches the callee's IR
//!
//! A proc macro sees only its own item, so the IR travels through the
//! expansion itself, with a callback (the pattern of the `ambassador` crate):
//!
//! 1. Every annotated function `h` exports, in its companion module, a hidden
//!    `macro_rules! __rjax_export` re-exported as `h::__rjax_export` (a path,
//!    so it is reachable from other modules, in any order of definition). It
//!    appends one string literal to whatever tokens it is given and passes
//!    them to `::rjax::__compose!`. The literal holds `h`'s jaxpr (symbolic
//!    dims, JAX's text form, already with `h`'s own callees inlined) and
//!    what the companions need (argnums, has_aux, in_axes, tuple result).
//! 2. When the caller's attribute macro finds such calls in its body
//!    ([`defer`]), it does not expand the function yet: it emits
//!    `h::__rjax_export! { grad (args) { item } [pending] [done] (h) }`.
//! 3. `__compose!` ([`callback`]) records `(h, literal)`, asks the next
//!    pending callee the same way, and, once all are known, runs the normal
//!    expansion with them in a registry ([`with_callees`]); lowering a call
//!    ([`inline::lower_call`]) parses the jaxpr, applies the companion's
//!    transformation with rjax-core, renames the callee's symbolic dims to
//!    the caller's and inlines the equations.
//!
//! rustc resolves `h::__rjax_export!` only after `h`'s own expansion has
//! produced it, so callees in other modules (`util::h::grad(x)`,
//! `super::h(x)`) work. Another crate's functions are not reachable this
//! way (a `macro_rules!` made by a macro cannot be `#[macro_export]`ed and
//! named by path); calling one is the "cannot find macro" error below.
//!
//! A call to a function that is not annotated cannot be told apart from an
//! annotated one by the caller's macro (it sees only its own item), so the
//! refusal is rustc's resolution error, spanned at the call: "cannot find
//! module or crate `helper` ... function `helper` is not a crate or module"
//! (there is no `helper` companion module); annotate `helper` with
//! `#[grad]`/`#[vmap]`/`#[jit]` or `#[custom_jvp(rule)]`. An unknown
//! companion (`h::hess`) is "could not find `hess` in `h`". Errors that
//! need the callee's export (a `grad` of a vector-valued callee, wrong
//! arity, dtype or rank) are ours, at the call (tests/ui/compose/).
//!
//! A cycle (a function calling itself, or a `#[custom_jvp]` rule calling
//! the function it is the rule of) never resolves: rustc reports the
//! callee as not found. Call the underlying solver instead.
//!
//! Names that look like a misspelt primitive (`tahn`) keep their "did you
//! mean" error; local bindings and closures are never callees.

mod call;
pub mod inline;
pub mod symbols;

pub use call::call_expr;
pub use inline::lower_call;

use std::cell::RefCell;
use std::collections::HashMap;

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::visit::Visit;

use crate::attr::Kind;

/// What one callee exported.
#[derive(Clone, Debug)]
pub struct Callee {
    /// Its jaxpr (symbolic dims).
    pub jaxpr: rjax_core::Jaxpr,
    /// `argnums` of its `#[grad]` (default `[0]`).
    pub argnums: Vec<usize>,
    /// `has_aux`.
    pub has_aux: bool,
    /// `in_axes` per parameter (`None`: broadcast), as its `vmap` uses them.
    pub in_axes: Vec<Option<usize>>,
    /// The float parameters (what its `jvp` takes tangents for).
    pub floats: Vec<usize>,
    /// The result is written as a tuple.
    pub tuple: bool,
}

thread_local! {
    static CALLEES: RefCell<Option<HashMap<String, Callee>>> = const { RefCell::new(None) };
}

/// Runs `f` with the callees' exports available to lowering.
pub fn with_callees<T>(callees: HashMap<String, Callee>, f: impl FnOnce() -> T) -> T {
    let prev = CALLEES.with(|c| c.replace(Some(callees)));
    let out = f();
    CALLEES.with(|c| *c.borrow_mut() = prev);
    out
}

/// The export of callee `path`, if the expansion received it.
pub fn callee(path: &str) -> Option<Callee> {
    CALLEES.with(|c| c.borrow().as_ref().and_then(|m| m.get(path).cloned()))
}

fn in_callback() -> bool {
    CALLEES.with(|c| c.borrow().is_some())
}

fn kind_ident(kind: Kind) -> Ident {
    let name = match kind {
        Kind::Grad => "grad",
        Kind::Vmap => "vmap",
        Kind::Jit => "jit",
    };
    Ident::new(name, Span::call_site())
}

fn kind_from(id: &str) -> Option<Kind> {
    match id {
        "grad" => Some(Kind::Grad),
        "vmap" => Some(Kind::Vmap),
        "jit" => Some(Kind::Jit),
        _ => None,
    }
}

/// Stage 1: when `item`'s body calls annotated functions and their exports
/// are not known yet, the tokens that ask the first callee for its export.
pub fn defer(kind: Kind, args: &TokenStream, item: &syn::ItemFn) -> Option<TokenStream> {
    if in_callback() {
        return None;
    }
    if find_callees(item).is_empty() {
        return None;
    }
    let k = kind_ident(kind);
    Some(defer_with(quote!(#k), args.clone(), item, None))
}

/// The tokens that ask the callees of `item` (and `extra`) for their
/// exports, then re-run the `kind(args)` expansion through `__compose!`.
pub fn defer_with(
    kind: TokenStream,
    args: TokenStream,
    item: &syn::ItemFn,
    extra: Option<syn::Path>,
) -> TokenStream {
    let mut callees = find_callees(item);
    if let Some(e) = extra
        && !callees.iter().any(|q| path_key(q) == path_key(&e))
    {
        callees.push(e);
    }
    let Some((first, rest)) = callees.split_first() else {
        return quote!(::rjax::__compose! { #kind (#args) { #item } [] [] });
    };
    let rest = rest.iter().map(|p| quote!((#p)));
    ask(first, quote! { #kind (#args) { #item } [#(#rest)*] [] })
}

/// `callee::__rjax_export! { state (callee) }`, spanned at the call.
fn ask(callee: &syn::Path, state: TokenStream) -> TokenStream {
    let span = syn::spanned::Spanned::span(callee);
    let mac = Ident::new("__rjax_export", span);
    quote_spanned! {span=> #callee :: #mac ! { #state (#callee) } }
}

/// Stage 2: `__compose! { kind (args) { item } [pending..] [done..] (path) "export" }`.
pub fn callback(input: TokenStream) -> TokenStream {
    match callback_inner(input) {
        Ok(ts) => ts,
        Err(e) => e.to_compile_error(),
    }
}

fn group(t: Option<TokenTree>, d: Delimiter, what: &str) -> syn::Result<Group> {
    match t {
        Some(TokenTree::Group(g)) if g.delimiter() == d => Ok(g),
        _ => Err(syn::Error::new(
            Span::call_site(),
            format!("rjax: malformed __compose! input ({what})"),
        )),
    }
}

fn callback_inner(input: TokenStream) -> syn::Result<TokenStream> {
    let mut it = input.into_iter();
    let kind_tok = match it.next() {
        Some(TokenTree::Ident(i)) => i,
        _ => {
            return Err(syn::Error::new(
                Span::call_site(),
                "rjax: malformed __compose! input (kind)",
            ));
        }
    };
    let custom = kind_tok == "custom_jvp";
    let kind = if custom {
        Kind::Grad
    } else {
        kind_from(&kind_tok.to_string())
            .ok_or_else(|| syn::Error::new(kind_tok.span(), "rjax: unknown kind"))?
    };
    let args = group(it.next(), Delimiter::Parenthesis, "args")?;
    let item = group(it.next(), Delimiter::Brace, "item")?;
    let pending = group(it.next(), Delimiter::Bracket, "pending")?;
    let done = group(it.next(), Delimiter::Bracket, "done")?;
    let mut done_ts = done.stream();
    if let Some(path) = it.next() {
        let path = group(Some(path), Delimiter::Parenthesis, "path")?;
        let data = match it.next() {
            Some(TokenTree::Literal(l)) => l,
            _ => {
                return Err(syn::Error::new(
                    Span::call_site(),
                    "rjax: malformed __compose! input (export)",
                ));
            }
        };
        let pstream = path.stream();
        done_ts.extend(quote!((#pstream) #data));
    }
    let mut pend = pending.stream().into_iter();
    if let Some(next) = pend.next() {
        let next = group(Some(next), Delimiter::Parenthesis, "pending path")?;
        let next: syn::Path = syn::parse2(next.stream())?;
        let rest: TokenStream = pend.collect();
        let args = args.stream();
        let item = item.stream();
        return Ok(ask(
            &next,
            quote! { #kind_tok (#args) { #item } [#rest] [#done_ts] },
        ));
    }
    // All exports are here: parse them and expand for real.
    let mut map = HashMap::new();
    let mut toks = done_ts.into_iter();
    while let Some(p) = toks.next() {
        let p = group(Some(p), Delimiter::Parenthesis, "done path")?;
        let lit = match toks.next() {
            Some(TokenTree::Literal(l)) => l,
            _ => {
                return Err(syn::Error::new(
                    Span::call_site(),
                    "rjax: malformed __compose! input (done)",
                ));
            }
        };
        let text: syn::LitStr = syn::parse2(TokenTree::Literal(lit).into())?;
        let key = path_key(&syn::parse2(p.stream())?);
        let callee = decode(&text.value()).map_err(|e| {
            syn::Error::new(
                p.span(),
                format!("rjax: the export of `{key}` does not parse: {e}"),
            )
        })?;
        map.insert(key, callee);
    }
    if custom {
        let rule = path_key(&syn::parse2(args.stream())?);
        return Ok(with_callees(map, || {
            crate::custom::with_rule(rule, || {
                crate::expand::expand(kind, TokenStream::new(), item.stream())
            })
        }));
    }
    Ok(with_callees(map, || {
        crate::expand::expand(kind, args.stream(), item.stream())
    }))
}

/// The registry key of a callee path: its segments joined by `::`.
pub fn path_key(p: &syn::Path) -> String {
    p.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

/// Serialises what callers need of `f` (one string literal).
fn encode(c: &Callee) -> String {
    let list = |v: &[usize]| {
        v.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let axes: Vec<String> = c
        .in_axes
        .iter()
        .map(|a| a.map_or("_".to_string(), |a| a.to_string()))
        .collect();
    format!(
        "argnums={}\naux={}\naxes={}\nfloats={}\ntuple={}\n---\n{}",
        list(&c.argnums),
        u8::from(c.has_aux),
        axes.join(","),
        list(&c.floats),
        u8::from(c.tuple),
        c.jaxpr
    )
}

fn decode(s: &str) -> Result<Callee, String> {
    let (head, text) = s.split_once("\n---\n").ok_or("no jaxpr")?;
    let mut fields = HashMap::new();
    for line in head.lines() {
        let (k, v) = line.split_once('=').ok_or("bad field")?;
        fields.insert(k, v);
    }
    let nums = |k: &str| -> Result<Vec<usize>, String> {
        let v = fields.get(k).ok_or(format!("missing {k}"))?;
        v.split(',')
            .filter(|x| !x.is_empty())
            .map(|x| x.parse().map_err(|_| format!("bad {k}")))
            .collect()
    };
    let in_axes = fields
        .get("axes")
        .ok_or("missing axes")?
        .split(',')
        .filter(|x| !x.is_empty())
        .map(|x| {
            if x == "_" {
                Ok(None)
            } else {
                x.parse().map(Some).map_err(|_| "bad axes".to_string())
            }
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Callee {
        jaxpr: text.parse().map_err(|e: rjax_core::Error| e.to_string())?,
        argnums: nums("argnums")?,
        has_aux: fields.get("aux") == Some(&"1"),
        in_axes,
        floats: nums("floats")?,
        tuple: fields.get("tuple") == Some(&"1"),
    })
}

/// The hidden export of an annotated function, placed in its companion
/// module (see the module doc).
pub fn export(
    f: &crate::ast::Function,
    config: &crate::attr::Config,
    jaxpr: &rjax_core::Jaxpr,
) -> TokenStream {
    use crate::ast::ParamTy;
    use crate::attr::InAxes;
    let n = f.params.len();
    let axes: Vec<Option<usize>> = match config.vmap.as_ref().and_then(|v| v.in_axes.as_ref()) {
        Some(InAxes::PerArg(list, _)) if list.len() == n => list.iter().map(|a| a.axis).collect(),
        Some(InAxes::All(a)) => vec![a.axis; n],
        _ => vec![Some(0); n],
    };
    let in_axes = axes
        .into_iter()
        .zip(&f.params)
        .map(|(a, p)| if p.ty == ParamTy::Key { None } else { a })
        .collect();
    let floats = f
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| matches!(p.ty, ParamTy::Scalar(s) | ParamTy::Array { elem: s, .. } if s.is_float()))
        .map(|(i, _)| i)
        .collect();
    let c = Callee {
        jaxpr: jaxpr.clone(),
        argnums: crate::check::argnums(config),
        has_aux: config.grad.as_ref().is_some_and(|g| g.has_aux.is_some()),
        in_axes,
        floats,
        tuple: f.ret.tuple,
    };
    let text = encode(&c);
    let mac = format_ident!("__rjax_export");
    quote! {
        #[doc(hidden)]
        #[allow(unused_macros)]
        macro_rules! #mac {
            ($($state:tt)*) => { ::rjax::__compose! { $($state)* #text } };
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        pub(crate) use #mac;
    }
}

/// Paths of annotated callees in a body, first occurrence order, deduplicated.
struct Finder<'a> {
    locals: Vec<String>,
    out: &'a mut Vec<syn::Path>,
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*c.func
            && p.qself.is_none()
        {
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let local = segs.len() == 1 && self.locals.contains(&segs[0]);
            if !local && let Some((callee, _)) = call::classify(&segs) {
                let mut path = p.path.clone();
                while path.segments.len() > callee.len() {
                    path.segments.pop();
                }
                // drop a trailing `::` left by `pop`
                let last = path.segments.pop().map(|s| s.into_value());
                if let Some(l) = last {
                    path.segments.push(l);
                }
                if !self.out.iter().any(|q| path_key(q) == path_key(&path)) {
                    self.out.push(path);
                }
            }
        }
        syn::visit::visit_expr_call(self, c);
    }
}

struct Locals<'a>(&'a mut Vec<String>);

impl<'ast> Visit<'ast> for Locals<'_> {
    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        self.0.push(p.ident.to_string());
        syn::visit::visit_pat_ident(self, p);
    }
}

pub(crate) fn find_callees(item: &syn::ItemFn) -> Vec<syn::Path> {
    let mut locals = Vec::new();
    Locals(&mut locals).visit_item_fn(item);
    let mut out = Vec::new();
    Finder {
        locals,
        out: &mut out,
    }
    .visit_block(&item.block);
    out
}
