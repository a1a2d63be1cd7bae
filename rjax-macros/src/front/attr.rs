//! Parses the arguments of `#[grad(..)]`, `#[vmap(..)]` and `#[jit]`, and
//! gathers the other rjax attributes stacked on the same function, so one
//! expansion (the outermost macro's) produces everything.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Lit};

use crate::front::ctxt::Ctxt;
use crate::front::suggest::did_you_mean;

/// Which of the three attribute macros.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `#[grad]`
    Grad,
    /// `#[vmap]`
    Vmap,
    /// `#[jit]`
    Jit,
    /// `#[custom_jvp(jvp = rule)]`
    CustomJvp,
    /// `#[custom_vjp(fwd = f_fwd, bwd = f_bwd)]`
    CustomVjp,
}

impl Kind {
    /// The attribute's name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Grad => "grad",
            Kind::Vmap => "vmap",
            Kind::Jit => "jit",
            Kind::CustomJvp => "custom_jvp",
            Kind::CustomVjp => "custom_vjp",
        }
    }

    fn from_name(s: &str) -> Option<Kind> {
        match s {
            "grad" => Some(Kind::Grad),
            "vmap" => Some(Kind::Vmap),
            "jit" => Some(Kind::Jit),
            "custom_jvp" => Some(Kind::CustomJvp),
            "custom_vjp" => Some(Kind::CustomVjp),
            _ => None,
        }
    }
}

/// One index of `argnums`, with its tokens for errors.
#[derive(Clone, Copy, Debug)]
pub struct Argnum {
    /// Position of the parameter.
    pub index: usize,
    /// The literal's span.
    pub span: Span,
}

/// `#[grad(argnums = .., has_aux)]`.
#[derive(Clone, Debug)]
pub struct GradAttr {
    /// The attribute's span.
    pub span: Span,
    /// Explicit `argnums`, if given (default: parameter 0).
    pub argnums: Option<(Vec<Argnum>, Span)>,
    /// Whether the result is `(value, aux)`.
    pub has_aux: Option<Span>,
}

/// One entry of `in_axes`: `Some(axis)` maps over that axis, `None` broadcasts.
#[derive(Clone, Copy, Debug)]
pub struct Axis {
    /// The mapped axis, or `None`.
    pub axis: Option<usize>,
    /// Tokens of the entry.
    pub span: Span,
}

/// `in_axes` as written: one entry for all parameters, or one per parameter.
#[derive(Clone, Debug)]
pub enum InAxes {
    /// `in_axes = 0`: every array parameter mapped over that axis.
    All(Axis),
    /// `in_axes = (0, None)`.
    PerArg(Vec<Axis>, Span),
}

/// `#[vmap(in_axes = .., out_axes = ..)]`.
#[derive(Clone, Debug)]
pub struct VmapAttr {
    /// The attribute's span.
    pub span: Span,
    /// `in_axes` (default: 0 for every parameter).
    pub in_axes: Option<InAxes>,
    /// `out_axes` (default 0): one entry for all outputs, or one per
    /// element of the returned tuple.
    pub out_axes: Option<InAxes>,
}

/// Everything the stacked rjax attributes of one function ask for.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// `#[grad(..)]`, if present.
    pub grad: Option<GradAttr>,
    /// `#[vmap(..)]`, if present.
    pub vmap: Option<VmapAttr>,
    /// `#[jit]`, if present.
    pub jit: Option<Span>,
    /// `#[custom_jvp]` / `#[custom_vjp]`, if present.
    pub custom: Option<CustomAttr>,
}

/// The user's derivative rules: paths to annotated functions, as written.
#[derive(Clone, Debug)]
pub enum CustomRule {
    /// `jvp = rule`: `rule(primals.., tangents..) -> (outs.., tangent outs..)`.
    Jvp(syn::Path),
    /// `fwd = f_fwd, bwd = f_bwd`: `f_fwd(args..) -> (outs.., residuals..)`,
    /// `f_bwd(residuals.., cotangents..) -> argument cotangents`.
    Vjp(syn::Path, syn::Path),
}

/// `#[custom_jvp(..)]` or `#[custom_vjp(..)]`.
#[derive(Clone, Debug)]
pub struct CustomAttr {
    /// The rule functions.
    pub rule: CustomRule,
}

impl CustomAttr {
    /// The rule functions' paths.
    pub fn paths(&self) -> Vec<&syn::Path> {
        match &self.rule {
            CustomRule::Jvp(j) => vec![j],
            CustomRule::Vjp(f, b) => vec![f, b],
        }
    }
}

/// Parses the invoked macro's own arguments plus any other rjax attribute
/// left on the item (those are removed from `attrs`).
pub fn parse(cx: &Ctxt, kind: Kind, args: TokenStream, attrs: &mut Vec<Attribute>) -> Config {
    let mut config = Config::default();
    add(cx, &mut config, kind, args, Span::call_site());
    take_attrs(cx, &mut config, attrs);
    config
}

/// The config of the rjax attributes in `attrs` (removed from it).
pub fn parse_attrs(cx: &Ctxt, attrs: &mut Vec<Attribute>) -> Config {
    let mut config = Config::default();
    take_attrs(cx, &mut config, attrs);
    config
}

/// Adds every rjax attribute of `attrs` to `config`, removing it.
fn take_attrs(cx: &Ctxt, config: &mut Config, attrs: &mut Vec<Attribute>) {
    attrs.retain(|attr| {
        let Some(kind) = rjax_attr_kind(attr) else {
            return true;
        };
        let args = match &attr.meta {
            syn::Meta::List(list) => list.tokens.clone(),
            _ => TokenStream::new(),
        };
        add(cx, config, kind, args, attr.span());
        false
    });
}

/// The kind of an rjax attribute, if it is one.
pub fn kind_of(attr: &Attribute) -> Option<Kind> {
    rjax_attr_kind(attr)
}

/// `grad`, `rjax::grad`, `rjax::prelude::grad`, ... -> the kind.
fn rjax_attr_kind(attr: &Attribute) -> Option<Kind> {
    let path = attr.path();
    let last = path.segments.last()?.ident.to_string();
    let first = path.segments.first()?.ident.to_string();
    if path.segments.len() > 1 && first != "rjax" && first != "rjax_macros" {
        return None;
    }
    Kind::from_name(&last)
}

fn add(cx: &Ctxt, config: &mut Config, kind: Kind, args: TokenStream, span: Span) {
    let duplicate = match kind {
        Kind::Grad => config.grad.is_some(),
        Kind::Vmap => config.vmap.is_some(),
        Kind::Jit => config.jit.is_some(),
        Kind::CustomJvp | Kind::CustomVjp => config.custom.is_some(),
    };
    if duplicate {
        cx.error_at(
            span,
            format!(
                "duplicate `#[{0}]`: write one `#[{0}(..)]` with all its arguments",
                kind.name()
            ),
        );
        return;
    }
    match kind {
        Kind::Grad => config.grad = Some(parse_grad(cx, args, span)),
        Kind::Vmap => config.vmap = Some(parse_vmap(cx, args, span)),
        Kind::Jit => {
            if !args.is_empty() {
                cx.error_spanned_by(
                    &args,
                    "`#[jit]` takes no arguments: write `#[jit]` (shapes are specialised per call)",
                );
            }
            config.jit = Some(span);
        }
        Kind::CustomJvp | Kind::CustomVjp => {
            config.custom = parse_custom(cx, kind, args, span);
        }
    }
}

/// `jvp = rule` or `fwd = f_fwd, bwd = f_bwd`.
fn parse_custom(cx: &Ctxt, kind: Kind, args: TokenStream, span: Span) -> Option<CustomAttr> {
    let (mut jvp, mut fwd, mut bwd) = (None, None, None);
    let keys: &[&str] = if kind == Kind::CustomJvp {
        &["jvp"]
    } else {
        &["fwd", "bwd"]
    };
    let mut seen = Vec::new();
    let parser = syn::meta::parser(|meta| {
        let slot = if meta.path.is_ident("jvp") && kind == Kind::CustomJvp {
            &mut jvp
        } else if meta.path.is_ident("fwd") && kind == Kind::CustomVjp {
            &mut fwd
        } else if meta.path.is_ident("bwd") && kind == Kind::CustomVjp {
            &mut bwd
        } else {
            unknown_key(cx, &meta.path, keys, kind.name());
            return skip_value(&meta);
        };
        let path = meta.value()?.parse::<syn::Path>()?;
        if once(cx, &mut seen, &meta.path, kind.name()) {
            *slot = Some(path);
        }
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, args) {
        cx.push(e);
        return None;
    }
    let rule = match (kind, jvp, fwd, bwd) {
        (Kind::CustomJvp, Some(j), _, _) => CustomRule::Jvp(j),
        (Kind::CustomVjp, _, Some(f), Some(b)) => CustomRule::Vjp(f, b),
        (Kind::CustomJvp, ..) => {
            cx.error_at(
                span,
                "`#[custom_jvp]` needs its rule: write `#[custom_jvp(jvp = f_jvp)]` with `#[jit] fn f_jvp(primals.., tangents..) -> (out, tangent_out)`",
            );
            return None;
        }
        _ => {
            cx.error_at(
                span,
                "`#[custom_vjp]` needs its rules: write `#[custom_vjp(fwd = f_fwd, bwd = f_bwd)]` with `#[jit] fn f_fwd(args..) -> (out, residuals..)` and `#[jit] fn f_bwd(residuals.., cotangent) -> argument cotangents`",
            );
            return None;
        }
    };
    Some(CustomAttr { rule })
}

fn parse_grad(cx: &Ctxt, args: TokenStream, span: Span) -> GradAttr {
    let mut out = GradAttr {
        span,
        argnums: None,
        has_aux: None,
    };
    let mut seen = Vec::new();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("argnums") {
            let expr: Expr = meta.value()?.parse()?;
            let list = int_list(cx, &expr, "argnums");
            if once(cx, &mut seen, &meta.path, "grad") {
                out.argnums = Some((list, expr.span()));
            }
        } else if meta.path.is_ident("has_aux") {
            // `has_aux`, `has_aux = true` or `has_aux = false` (JAX's keyword).
            let on = if meta.input.peek(syn::Token![=]) {
                let expr: Expr = meta.value()?.parse()?;
                match strip_parens(&expr) {
                    Expr::Lit(syn::ExprLit {
                        lit: Lit::Bool(b), ..
                    }) => b.value,
                    _ => {
                        cx.error_spanned_by(
                            &expr,
                            "`has_aux` is `true` or `false`: write `has_aux` or `has_aux = true`",
                        );
                        false
                    }
                }
            } else {
                true
            };
            if once(cx, &mut seen, &meta.path, "grad") && on {
                out.has_aux = Some(meta.path.span());
            }
        } else {
            unknown_key(cx, &meta.path, &["argnums", "has_aux"], "grad");
            skip_value(&meta)?;
        }
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, args) {
        cx.push(e);
    }
    out
}

/// `0`, `None` or a tuple of those.
fn axes(cx: &Ctxt, expr: &Expr) -> Option<InAxes> {
    Some(match strip_parens(expr) {
        Expr::Tuple(t) => InAxes::PerArg(
            t.elems.iter().filter_map(|e| axis(cx, e)).collect(),
            expr.span(),
        ),
        e => InAxes::All(axis(cx, e)?),
    })
}

/// Where each of `n` outputs puts its batch axis (`out_axes`, default 0).
/// A per-output list of another length was refused by `check`.
pub fn out_axes(vmap: Option<&VmapAttr>, n: usize) -> Vec<Option<usize>> {
    match vmap.and_then(|v| v.out_axes.as_ref()) {
        Some(InAxes::All(a)) => vec![a.axis; n],
        Some(InAxes::PerArg(list, _)) if list.len() == n => list.iter().map(|a| a.axis).collect(),
        _ => vec![Some(0); n],
    }
}

fn parse_vmap(cx: &Ctxt, args: TokenStream, span: Span) -> VmapAttr {
    let mut out = VmapAttr {
        span,
        in_axes: None,
        out_axes: None,
    };
    let mut seen = Vec::new();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("in_axes") {
            let expr: Expr = meta.value()?.parse()?;
            let a = axes(cx, &expr);
            if once(cx, &mut seen, &meta.path, "vmap") {
                out.in_axes = a;
            }
        } else if meta.path.is_ident("out_axes") {
            let expr: Expr = meta.value()?.parse()?;
            let a = axes(cx, &expr);
            if once(cx, &mut seen, &meta.path, "vmap") {
                out.out_axes = a;
            }
        } else {
            unknown_key(cx, &meta.path, &["in_axes", "out_axes"], "vmap");
            skip_value(&meta)?;
        }
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, args) {
        cx.push(e);
    }
    out
}

/// Records the key `path`; `false` (with an error at the repeat) when it
/// was already given: a repeated key must not silently keep the last value.
fn once(cx: &Ctxt, seen: &mut Vec<String>, path: &syn::Path, attr: &str) -> bool {
    let name = path.get_ident().map(|i| i.to_string()).unwrap_or_default();
    if seen.contains(&name) {
        cx.error_spanned_by(
            path,
            format!("`{name}` is given twice in `#[{attr}(..)]`: keep one `{name} = ..`"),
        );
        return false;
    }
    seen.push(name);
    true
}

fn skip_value(meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    }
    Ok(())
}

fn unknown_key(cx: &Ctxt, path: &syn::Path, known: &[&str], attr: &str) {
    let name = path
        .get_ident()
        .map(|i| i.to_string())
        .unwrap_or_else(|| quote::quote!(#path).to_string());
    let hint = match did_you_mean(&name, known) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("expected one of {}", known.join(", ")),
    };
    cx.error_spanned_by(path, format!("unknown `{attr}` argument `{name}`: {hint}"));
}

fn strip_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => strip_parens(&p.expr),
        Expr::Group(g) => strip_parens(&g.expr),
        e => e,
    }
}

/// `0`, `(0, 1)` or `(0,)` -> the integers.
fn int_list(cx: &Ctxt, expr: &Expr, what: &str) -> Vec<Argnum> {
    let items: Vec<&Expr> = match strip_parens(expr) {
        Expr::Tuple(t) => t.elems.iter().collect(),
        Expr::Array(a) => a.elems.iter().collect(),
        e => vec![e],
    };
    items
        .into_iter()
        .filter_map(|e| match int_lit(e) {
            Some(index) => Some(Argnum {
                index,
                span: e.span(),
            }),
            None => {
                cx.error_spanned_by(
                    e,
                    format!("`{what}` takes parameter positions: write `{what} = 0` or `{what} = (0, 1)`"),
                );
                None
            }
        })
        .collect()
}

fn int_lit(e: &Expr) -> Option<usize> {
    match strip_parens(e) {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse().ok(),
        _ => None,
    }
}

fn axis(cx: &Ctxt, e: &Expr) -> Option<Axis> {
    if let Some(a) = int_lit(e) {
        return Some(Axis {
            axis: Some(a),
            span: e.span(),
        });
    }
    if let Expr::Path(p) = strip_parens(e)
        && p.path.is_ident("None")
    {
        return Some(Axis {
            axis: None,
            span: e.span(),
        });
    }
    cx.error_spanned_by(
        e,
        "an axis is an integer or `None`: write `in_axes = (0, None)` or `out_axes = 0`",
    );
    None
}
