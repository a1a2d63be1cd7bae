//! rjax-macros: `#[grad]`, `#[vmap]`, `#[jit]`.
//!
//! Parses the annotated function, diagnoses what is outside the accepted
//! subset, lowers it to rjax-core's IR, transforms it with rjax-core and
//! emits plain Rust calling rjax-runtime. No derivative or batching rule
//! lives here.
//!
//! The three attributes stack in any order; the outermost one sees the
//! others and one expansion produces the primal `fn f` and the companion
//! module `f` (`f::grad`, `f::vmap`, `f::jaxpr()`, ...). See the facade
//! crate `rjax` for the user contract.

mod back;
mod front;
mod lower;

use front::{attr, context, guard};

use proc_macro::TokenStream;

/// Differentiation: keeps `fn f` and adds `f::grad`, `f::value_and_grad`,
/// `f::hessian` (scalar output), `f::jvp`, `f::vjp`, `f::jacobian`, ...
/// Arguments: `argnums = 0 | (0, 1)`, `has_aux`.
#[proc_macro_attribute]
pub fn grad(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(attr::Kind::Grad, args, item)
}

/// Batching: adds `f::vmap` (and every other companion).
/// Arguments: `in_axes = 0 | (0, None, ..)`, `out_axes = 0 | 1 | None | (0, None, ..)` (where each output puts its batch axis, as in JAX).
#[proc_macro_attribute]
pub fn vmap(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(attr::Kind::Vmap, args, item)
}

/// Compilation: `fn f` itself becomes the optimised code (after
/// rjax-core's passes), and the companions are added.
#[proc_macro_attribute]
pub fn jit(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(attr::Kind::Jit, args, item)
}

/// A function whose derivative is the user's rule (JAX's `custom_jvp` +
/// `defjvp`): `#[custom_jvp(jvp = f_jvp)] fn f(x: f64) -> f64 { .. }` with
/// an annotated `#[jit] fn f_jvp(x: f64, x_dot: f64) -> (f64, f64)` that
/// returns the output and its tangent (linear in the tangents). Every
/// companion and every annotated caller differentiates through the rule;
/// evaluation runs `f`'s own body. Stacks with `#[grad]`/`#[vmap]`/`#[jit]`.
#[proc_macro_attribute]
pub fn custom_jvp(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(attr::Kind::CustomJvp, args, item)
}

/// A function whose reverse-mode derivative is the user's (JAX's
/// `custom_vjp` + `defvjp`): `#[custom_vjp(fwd = f_fwd, bwd = f_bwd)]`,
/// `#[jit] fn f_fwd(args..) -> (out, residuals..)` and `#[jit] fn
/// f_bwd(residuals.., cotangent) -> argument cotangent(s)`. Forward mode
/// (`f::jvp`, `hessian`) through it is refused, as in JAX.
#[proc_macro_attribute]
pub fn custom_vjp(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(attr::Kind::CustomVjp, args, item)
}

/// One attribute macro's expansion, refusing a function inside an `impl`
/// or a `trait` (its companion module could not be emitted there).
fn attribute(kind: attr::Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    // Read before the guard: `proc_macro` spans and the source file.
    let block = context::enclosing_block(&item);
    let (args, item): (proc_macro2::TokenStream, proc_macro2::TokenStream) =
        (args.into(), item.into());
    // Parsing recurses over the body: inside the guard's stack.
    guard::run(move || match block {
        Some(block) => refuse_in_block(kind, block, args, item),
        None => back::expand(kind, args, item),
    })
    .into()
}

/// The refusal of a function inside an `impl` or `trait`, followed by the
/// function as written without its rjax attributes (each would refuse it
/// once more). A method (`&self`) gets its own refusal from the expansion.
fn refuse_in_block(
    kind: attr::Kind,
    block: &str,
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let Ok(mut f) = syn::parse2::<syn::ItemFn>(item.clone()) else {
        return item;
    };
    if matches!(f.sig.inputs.first(), Some(syn::FnArg::Receiver(_))) {
        return back::expand(kind, args, item);
    }
    let msg = format!(
        "`#[{}]` applies to free functions, and this one is inside {} `{block}` block, where its companion module (`f::grad`, ...) cannot be: move the function out of the `{block}` (to the module around it) and call it from there",
        kind.name(),
        if block == "impl" { "an" } else { "a" }
    );
    f.attrs.retain(|a| attr::kind_of(a).is_none());
    let mut out = syn::Error::new(proc_macro2::Span::call_site(), msg).to_compile_error();
    out.extend(quote::quote!(#f));
    out
}

/// Internal: the callback that brings an annotated callee's tokens into its
/// caller's expansion (see `back::compose`).
#[doc(hidden)]
#[proc_macro]
pub fn __compose(input: TokenStream) -> TokenStream {
    guard::run(|| back::compose(input.into())).into()
}

/// `#[derive(Tree)]`: the struct's fields become the leaves of a
/// `rjax::runtime::tree::Tree` (parameter trees, like JAX's pytrees), for
/// `tree_map`/`tree_zip` optimizer updates.
/// Fields may carry `#[rank(k)]` to fix an array field's rank when the
/// struct is a parameter of an annotated function.
#[proc_macro_derive(Tree, attributes(rank))]
pub fn derive_tree(input: TokenStream) -> TokenStream {
    guard::run(|| back::derive_tree::derive(input.into())).into()
}
