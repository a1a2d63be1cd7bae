//! Emission: an rjax-core jaxpr to plain Rust. Rank-0 values are native
//! scalars (`let h: f32 = c.sin();`); arrays go through
//! `::rjax::runtime::lax::<prim>(..)` calls; `scan`/`while` become Rust
//! loops over their bodies. Variables keep the jaxpr's names (a, b, c ..)
//! so the code reads side by side with `f::jaxpr()`.
//!
//! Under `#[jit]` ([`EmitCx::jit`]), [`Emitter::body`] walks rjax-core's
//! fusion groups instead of single equations and emits each through
//! `Emitter::group` (back/fuse.rs), after the pre-pass of back/plan.rs
//! (runs of batched row work as one row loop: back/rows.rs);
//! `scan` loops then ping-pong their array carries between two buffers.

use std::collections::{HashMap, HashSet};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use rjax_core::ir::params::ParamsExt;
use rjax_core::ir::{DotGeneralParams, Family, Kernel, PadConfig};
use rjax_core::passes::fusion_plan_with_kernels;
use rjax_core::{Atom, DType, DimExpr, Eqn, Jaxpr, Param, Prim, TensorType, Var};
use syn::Ident;

use super::plan::{Plan, Special};
use crate::front::arena::Arena;

/// The Rust element type of a dtype.
pub fn elem_ty(d: DType) -> TokenStream {
    match d {
        DType::F32 => quote!(f32),
        DType::F64 => quote!(f64),
        DType::I32 => quote!(i32),
        DType::U32 => quote!(u32),
        DType::U64 => quote!(u64),
        DType::Bool => quote!(bool),
    }
}

/// The Rust type of a value: a native scalar for rank 0, else an `Array`.
pub fn rust_ty(t: &TensorType) -> TokenStream {
    let e = elem_ty(t.dtype);
    if t.rank() == 0 {
        e
    } else {
        quote!(::rjax::Array<#e>)
    }
}

/// The Rust variable holding a symbolic dim.
pub fn dim_ident(sym: &str) -> Ident {
    local(&format!("dim_{sym}"))
}

/// A local variable of emitted code. `Span::mixed_site()` makes it
/// hygienic, like a `macro_rules!` local: it never captures nor shadows a
/// user's parameter of the same name (`x_dot`, `dim_n`, `a`), whatever
/// names the user picks. Every identifier the emitters invent for a
/// binding goes through here.
pub fn local(name: &str) -> Ident {
    Ident::new(name, proc_macro2::Span::mixed_site())
}

/// A dim as a `usize` expression. Sub-expressions are evaluated in `i64`
/// with checked arithmetic (a constant may be negative, as in `n + -1`)
/// and the result is checked to be a valid size: a wrapped or negative
/// size would reach a kernel as a bogus length.
pub fn dim_expr(d: &DimExpr) -> TokenStream {
    if let Some(c) = d.as_const() {
        let c = c as usize;
        return quote!(#c);
    }
    if let DimExpr::Sym(s) = d {
        let id = dim_ident(s);
        return quote!(#id);
    }
    let v = dim_expr_i64(d);
    quote!(::rjax::__private::dim_size(#v))
}

/// A dim as a checked `Option<i64>` expression.
fn dim_expr_i64(d: &DimExpr) -> TokenStream {
    match d {
        DimExpr::Const(c) => quote!(::core::option::Option::Some(#c)),
        DimExpr::Sym(s) => {
            let id = dim_ident(s);
            quote!(::core::option::Option::Some(#id as i64))
        }
        DimExpr::Add(a, b) => {
            let (a, b) = (dim_expr_i64(a), dim_expr_i64(b));
            quote!(#a.zip(#b).and_then(|(x, y)| x.checked_add(y)))
        }
        DimExpr::Sub(a, b) => {
            let (a, b) = (dim_expr_i64(a), dim_expr_i64(b));
            quote!(#a.zip(#b).and_then(|(x, y)| x.checked_sub(y)))
        }
        DimExpr::Mul(a, b) => {
            let (a, b) = (dim_expr_i64(a), dim_expr_i64(b));
            quote!(#a.zip(#b).and_then(|(x, y)| x.checked_mul(y)))
        }
    }
}

fn dims_slice(ds: &[DimExpr]) -> TokenStream {
    let ds = ds.iter().map(dim_expr);
    quote!(&[#(#ds),*])
}

fn usizes(v: &[usize]) -> TokenStream {
    quote!(&[#(#v),*])
}

/// A literal of the given dtype.
pub fn literal(value: f64, d: DType) -> TokenStream {
    match d {
        DType::F32 => {
            let v = value as f32;
            if v.is_nan() {
                quote!(f32::NAN)
            } else if v.is_infinite() {
                if v > 0.0 {
                    quote!(f32::INFINITY)
                } else {
                    quote!(f32::NEG_INFINITY)
                }
            } else {
                let l = proc_macro2::Literal::f32_suffixed(v);
                quote!(#l)
            }
        }
        DType::F64 => {
            if value.is_nan() {
                quote!(f64::NAN)
            } else if value.is_infinite() {
                if value > 0.0 {
                    quote!(f64::INFINITY)
                } else {
                    quote!(f64::NEG_INFINITY)
                }
            } else {
                let l = proc_macro2::Literal::f64_suffixed(value);
                quote!(#l)
            }
        }
        DType::I32 => {
            let l = proc_macro2::Literal::i32_suffixed(value as i32);
            quote!(#l)
        }
        DType::U32 => {
            let l = proc_macro2::Literal::u32_suffixed(value as u32);
            quote!(#l)
        }
        DType::U64 => {
            let l = proc_macro2::Literal::u64_suffixed(value as u64);
            quote!(#l)
        }
        DType::Bool => {
            if value != 0.0 {
                quote!(true)
            } else {
                quote!(false)
            }
        }
    }
}

/// JAX's variable names: a .. z, ba .. bz, ca ..
pub fn letter_name(mut k: usize) -> String {
    const L: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
    let mut s = Vec::new();
    loop {
        s.push(L[k % 26]);
        k /= 26;
        if k == 0 {
            break;
        }
    }
    if s.len() > 1 {
        // JAX continues with 'ba' after 'z' (no leading 'a').
        let last = s.len() - 1;
        s[last] = L[(L.iter().position(|c| *c == s[last]).unwrap()) % 26];
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

const KEYWORDS: &[&str] = &[
    "as", "do", "fn", "if", "in", "for", "let", "mod", "mut", "pub", "ref", "try", "use", "dyn",
    "box", "abs", "gen",
];

fn var_ident(name: &str) -> Ident {
    if KEYWORDS.contains(&name) {
        local(&format!("{name}_"))
    } else {
        local(name)
    }
}

/// What every emitter of one expansion shares, handed down from the
/// expansion to each [`Emitter`] (the primal's and every companion's).
pub struct EmitCx {
    /// Fused `#[jit]` code: set for a `#[jit]` function, so its companions
    /// are fused too.
    pub jit: bool,
    /// Jaxprs derived for emission (custom calls inlined, psums combined,
    /// row kernels scheduled), kept while the emitters borrow them.
    derived: Arena<Jaxpr>,
}

impl EmitCx {
    /// The context of one expansion.
    pub fn new(jit: bool) -> Self {
        EmitCx {
            jit,
            derived: Arena::default(),
        }
    }

    /// `derived` if there is one, kept for the expansion; else `j`.
    fn keep<'j>(&'j self, j: &'j Jaxpr, derived: Option<Jaxpr>) -> &'j Jaxpr {
        match derived {
            Some(d) => self.derived.alloc(d),
            None => j,
        }
    }
}

/// Emits the statements of one jaxpr.
pub struct Emitter<'j> {
    /// The expansion's emission context.
    cx: &'j EmitCx,
    pub(super) j: &'j Jaxpr,
    names: HashMap<Var, Ident>,
    /// Fused emission (`#[jit]`).
    jit: bool,
    /// The `#[jit]` pre-pass (empty otherwise).
    pub(super) plan: Plan,
    /// Vars to be written into a spare buffer: the ident of an
    /// `Option<Array<T>>` to take it from (a loop carry's previous value).
    pub(super) dest: HashMap<Var, Ident>,
    /// A tiny scalar kernel under `#[jit]` (see [`scalar_kernel`]): the
    /// body runs inside `kernels::dispatch` with the fast transcendentals.
    scalar_kernel: bool,
    /// In a scalar kernel, the one-hot results read by no equation: they
    /// leave the kernel as (length, terms) (see [`Emitter::body`]).
    pub(super) onehot_parts: HashSet<Var>,
    /// rjax-core's value ranges of `j`, computed on first use (fused
    /// bodies pick reduced forms of exp/tanh by them; see `fuse.rs`).
    pub(super) ranges: std::cell::OnceCell<HashMap<Var, rjax_core::passes::Interval>>,
    /// rjax-core's row kernels of `j` under `#[jit]` (`j` is then the
    /// scheduled jaxpr, each kernel's equations consecutive).
    pub(super) kernels: Vec<rjax_core::kernel::Kernel>,
}

/// Largest equation count of a body emitted as one scalar kernel (the
/// body is compiled once per instruction set, so big ones would bloat).
const SCALAR_KERNEL_MAX_EQNS: usize = 64;

/// True for a `#[jit]` body made only of scalar arithmetic, element reads
/// and one-hot assembly, with at least one float transcendental: the
/// gradient of a function of a few vector elements. Such a body is worth
/// compiling for AVX2/FMA with the inline `FastMath` functions (libm's
/// `sincosf` was a fifth of a 60 ns `grad` call).
fn scalar_kernel(j: &Jaxpr, plan: &Plan) -> bool {
    // rjax's own vectorisable math (the table's `Kernel::Rjax`), not std's.
    let transcendental =
        |e: &Eqn| matches!(e.prim.kernel(), Kernel::Rjax(_)) && j.ty(e.outputs[0]).dtype.is_float();
    let scalar = |e: &Eqn| {
        e.outputs.len() == 1
            && j.ty(e.outputs[0]).rank() == 0
            && e.inputs.iter().all(|a| j.atom_type(a).rank() == 0)
            && !matches!(
                e.prim.family(),
                Family::ControlFlow | Family::Collective | Family::Random
            )
    };
    j.eqns.len() <= SCALAR_KERNEL_MAX_EQNS
        && j.eqns.iter().any(transcendental)
        && j.eqns.iter().enumerate().all(|(i, e)| {
            plan.skip.contains(&i)
                || matches!(
                    plan.special.get(&i),
                    Some(Special::ElementRead { .. } | Special::OneHot { .. })
                )
                || scalar(e)
        })
}

/// The one-hot results of a scalar kernel that no emitted equation reads
/// (element reads included): only outputs.
fn onehot_parts(j: &Jaxpr, plan: &Plan) -> HashSet<Var> {
    let mut read = HashSet::new();
    for (i, e) in j.eqns.iter().enumerate() {
        match plan.special.get(&i) {
            Some(Special::ElementRead { src, .. }) => {
                read.insert(*src);
            }
            _ if plan.skip.contains(&i) => {}
            _ => read.extend(e.inputs.iter().filter_map(Atom::as_var)),
        }
    }
    plan.special
        .iter()
        .filter(|(_, s)| matches!(s, Special::OneHot { .. }))
        .map(|(i, _)| j.eqns[*i].outputs[0])
        .filter(|v| !read.contains(v))
        .collect()
}

/// Emitted code: statements, then the output expressions (owned values).
pub struct Emitted {
    /// Statements.
    pub stmts: TokenStream,
    /// One owned expression per jaxpr output.
    pub outs: Vec<TokenStream>,
}

impl<'j> Emitter<'j> {
    /// Names the jaxpr's variables in order of definition.
    pub fn new(cx: &'j EmitCx, j: &'j Jaxpr) -> Self {
        // Custom-derivative calls run their own body (crate::lower::custom).
        let j = cx.keep(j, crate::lower::custom::for_emission(j));
        // Many all-reduces in one rendezvous (see collective::for_emission).
        let j = cx.keep(j, super::collective::for_emission(j));
        let mut names = HashMap::new();
        let mut k = 0;
        let mut name = |v: Var, names: &mut HashMap<Var, Ident>| {
            names.entry(v).or_insert_with(|| {
                let id = var_ident(&letter_name(k));
                k += 1;
                id
            });
        };
        for v in &j.invars {
            name(*v, &mut names);
        }
        for e in &j.eqns {
            for o in &e.outputs {
                name(*o, &mut names);
            }
        }
        let jit = cx.jit;
        // Row kernels (rjax-core decides them); equations the plan emits
        // in a special form stay out of them.
        let (j, kernels) = if jit {
            let p0 = Plan::new(j, &[]);
            let exclude: HashSet<usize> =
                p0.skip.iter().chain(p0.special.keys()).copied().collect();
            let s = rjax_core::kernel::schedule(j, &exclude);
            if s.kernels.is_empty() {
                (j, s.kernels)
            } else {
                (cx.keep(j, Some(s.jaxpr)), s.kernels)
            }
        } else {
            (j, Vec::new())
        };
        let plan = if jit {
            Plan::new(j, &kernels)
        } else {
            Plan::default()
        };
        let scalar_kernel = jit && scalar_kernel(j, &plan);
        let onehot_parts = if scalar_kernel {
            onehot_parts(j, &plan)
        } else {
            HashSet::new()
        };
        Emitter {
            cx,
            j,
            names,
            jit,
            plan,
            dest: HashMap::new(),
            scalar_kernel,
            onehot_parts,
            ranges: std::cell::OnceCell::new(),
            kernels,
        }
    }

    /// The emitter of a loop or branch body: never a scalar kernel of its
    /// own (one `dispatch` per iteration would cost more than it saves).
    fn nested<'k>(&self, j: &'k Jaxpr) -> Emitter<'k>
    where
        'j: 'k,
    {
        let mut e = Emitter::new(self.cx, j);
        e.scalar_kernel = false;
        e.onehot_parts.clear();
        e
    }

    pub(super) fn name(&self, v: Var) -> &Ident {
        &self.names[&v]
    }

    fn ty(&self, a: &Atom) -> TensorType {
        self.j.atom_type(a)
    }

    /// An atom as an owned value expression.
    fn owned(&self, a: &Atom) -> TokenStream {
        match a {
            Atom::Var(v) => {
                let n = self.name(*v);
                if self.j.ty(*v).rank() == 0 {
                    quote!(#n)
                } else {
                    quote!(#n.clone())
                }
            }
            Atom::Lit(l) => literal(l.value, l.dtype),
        }
    }

    /// An atom as a native scalar expression (rank 0 only).
    pub(super) fn scalar(&self, a: &Atom) -> TokenStream {
        match a {
            Atom::Var(v) => {
                let n = self.name(*v);
                quote!(#n)
            }
            Atom::Lit(l) => literal(l.value, l.dtype),
        }
    }

    /// An atom as `&Array<T>` (wrapping native scalars).
    fn array_ref(&self, a: &Atom) -> TokenStream {
        let t = self.ty(a);
        if t.rank() == 0 {
            let s = self.scalar(a);
            quote!(&::rjax::Array::scalar(#s))
        } else {
            let n = self.name(a.as_var().unwrap());
            quote!(&#n)
        }
    }

    /// The whole jaxpr with its inputs bound to `inputs` (owned values).
    pub fn body(&self, inputs: &[TokenStream]) -> Emitted {
        let names: Vec<&Ident> = self.j.invars.iter().map(|v| self.name(*v)).collect();
        let tys: Vec<TokenStream> = self
            .j
            .invars
            .iter()
            .map(|v| rust_ty(self.j.ty(*v)))
            .collect();
        let mut stmts = if self.scalar_kernel {
            self.bind_kernel_inputs(&names, &tys, inputs)
        } else if names.len() == 1 {
            let (n, t, i) = (names[0], &tys[0], &inputs[0]);
            quote!(let #n: #t = #i;)
        } else if names.is_empty() {
            quote!()
        } else {
            quote!(let (#(#names),*): (#(#tys),*) = (#(#inputs),*);)
        };
        stmts.extend(super::collective::bind_sizes(self.j));
        if self.jit {
            stmts.extend(self.groups_jit(&fusion_plan_with_kernels(self.j, &self.kernels).groups));
        } else {
            for e in &self.j.eqns {
                stmts.extend(self.eqn(e));
            }
        }
        // The body ends here, so each output variable is moved out at its
        // last position (cloned where it repeats): no reference-count
        // round trip per returned array. Bound in order to `__ret_k`, so
        // that callers may place the outputs in any order.
        let outv = &self.j.outvars;
        let vals: Vec<TokenStream> = outv
            .iter()
            .enumerate()
            .map(|(k, a)| match a {
                Atom::Var(v) if !outv[k + 1..].contains(a) => {
                    let n = self.name(*v);
                    quote!(#n)
                }
                _ => self.owned(a),
            })
            .collect();
        let rets: Vec<Ident> = (0..vals.len())
            .map(|k| format_ident!("__ret_{}", k))
            .collect();
        if self.scalar_kernel {
            // The whole body compiled for the CPU's AVX2/AVX-512 + FMA, so
            // the inline fast math's `mul_add`s are instructions.
            stmts = quote! {
                let (#(#rets,)*) = ::rjax::runtime::kernels::dispatch(
                    #[inline(always)]
                    || { #stmts (#(#vals,)*) },
                );
            };
            // A one-hot result leaves the kernel as its values only (see
            // `fuse.rs`; a few floats come back in registers) and is
            // assembled here, with its length and indices, directly into
            // this function's result: built inside the kernel, the array
            // was copied out twice, each copy stalling on the narrower
            // stores that had just built it (a third of a tiny `grad`
            // call); a (length, values) tuple came back through memory
            // and stalled the same way.
            let outs = rets
                .iter()
                .zip(outv)
                .map(|(r, a)| match a {
                    Atom::Var(v) if self.onehot_parts.contains(v) => {
                        let (len, ks) = self.onehot_terms(*v);
                        let len = dim_expr(&len);
                        let js = 0..ks.len();
                        quote!(::rjax::runtime::jit::onehot(#len, &[#((#ks, #r[#js])),*]))
                    }
                    _ => quote!(#r),
                })
                .collect();
            return Emitted { stmts, outs };
        }
        stmts.extend(quote!(let (#(#rets,)*) = (#(#vals,)*);));
        let outs = rets.iter().map(|r| quote!(#r)).collect();
        Emitted { stmts, outs }
    }

    /// The length of the one-hot result `v` and its terms' indices, in
    /// order.
    fn onehot_terms(&self, v: Var) -> (DimExpr, Vec<usize>) {
        self.plan
            .special
            .iter()
            .find_map(|(i, s)| match s {
                Special::OneHot { len, terms } if self.j.eqns[*i].outputs[0] == v => {
                    Some((len.clone(), terms.iter().map(|(k, _)| *k).collect()))
                }
                _ => None,
            })
            .expect("a one-hot result has its plan entry")
    }

    /// The inputs of a scalar kernel, one `let` each. Such a kernel reads
    /// its array inputs only element by element, so an array input given
    /// as `x.clone()` and not returned as it is is bound as `&x`: no
    /// reference-count round trip (nor a copy of a short inline array)
    /// per call.
    fn bind_kernel_inputs(
        &self,
        names: &[&Ident],
        tys: &[TokenStream],
        inputs: &[TokenStream],
    ) -> TokenStream {
        let mut out = TokenStream::new();
        for (k, (n, t)) in names.iter().zip(tys).enumerate() {
            let v = self.j.invars[k];
            let i = &inputs[k];
            let returned = self.j.outvars.contains(&Atom::Var(v));
            match cloned_receiver(i) {
                Some(r) if self.j.ty(v).rank() > 0 && !returned => {
                    out.extend(quote!(let #n: &#t = &#r;));
                }
                _ => out.extend(quote!(let #n: #t = #i;)),
            }
        }
        out
    }

    /// One equation as one `let`.
    pub fn eqn(&self, e: &Eqn) -> TokenStream {
        let outs: Vec<&Ident> = e.outputs.iter().map(|v| self.name(*v)).collect();
        let out_tys: Vec<TensorType> = e.outputs.iter().map(|v| self.j.ty(*v).clone()).collect();
        if e.prim.family() == Family::ControlFlow {
            return self.control(e, &outs, &out_tys);
        }
        let value = self.value(e, &out_tys[0]);
        let (n, t) = (outs[0], rust_ty(&out_tys[0]));
        quote!(let #n: #t = #value;)
    }

    fn value(&self, e: &Eqn, out: &TensorType) -> TokenStream {
        let all_scalar = e.inputs.iter().all(|a| self.ty(a).rank() == 0) && out.rank() == 0;
        if all_scalar && let Some(v) = self.scalar_value(e, out) {
            return v;
        }
        let arr = self.array_value(e, out);
        if out.rank() == 0 {
            quote!(#arr.as_slice()[0])
        } else {
            arr
        }
    }

    /// Native scalar code for elementwise primitives on rank-0 values.
    pub(super) fn scalar_value(&self, e: &Eqn, out: &TensorType) -> Option<TokenStream> {
        let x = e.inputs.first().map(|a| self.scalar(a));
        let y = e.inputs.get(1).map(|a| self.scalar(a));
        let float = e
            .inputs
            .first()
            .map(|a| self.ty(a).dtype.is_float())
            .unwrap_or(false);
        let one = literal(1.0, out.dtype);
        // The runtime's function the table names (`Float`, implemented by
        // `kernels::math`), not std's: the bits of the eager ops and of
        // every `#[jit]` loop, here and in scalar kernels alike.
        if float && let Some(f) = e.prim.kernel().float_fn() {
            let f = format_ident!("{}", f);
            let args = e.inputs.iter().map(|a| self.scalar(a));
            return Some(quote!(::rjax::runtime::Float::#f(#(#args),*)));
        }
        Some(match e.prim {
            Prim::Neg => quote!(-#x),
            Prim::Rsqrt => quote!(#x.sqrt().recip()),
            Prim::Abs => quote!(#x.abs()),
            Prim::Floor => quote!(#x.floor()),
            Prim::Sign if float => {
                let zero = literal(0.0, out.dtype);
                // +-0 keep their sign (as the eager op and lax.sign).
                quote!(if #x == #zero { #x } else { #x.signum() })
            }
            Prim::Sign => quote!(#x.signum()),
            Prim::IntegerPow => {
                let y = e.params.int("integer_pow", "y").ok()? as i32;
                if float {
                    quote!(#x.powi(#y))
                } else {
                    let y = y as u32;
                    quote!(#x.pow(#y))
                }
            }
            Prim::Square => quote!(#x * #x),
            Prim::StopGradient => quote!(#x),
            Prim::Not => quote!(!#x),
            Prim::Add | Prim::AddAny => quote!(#x + #y),
            Prim::Sub => quote!(#x - #y),
            Prim::Mul => quote!(#x * #y),
            Prim::Div => quote!(#x / #y),
            Prim::Rem => quote!(#x % #y),
            // lax.max/min: NaN if either operand is NaN, as the eager
            // runtime and the interpreter (std's f32::max drops a NaN, and
            // the max's derivative rule reads which operand equals it).
            Prim::Max => quote!(::rjax::runtime::Num::max(#x, #y)),
            Prim::Min => quote!(::rjax::runtime::Num::min(#x, #y)),
            Prim::And => quote!(#x & #y),
            Prim::Or => quote!(#x | #y),
            Prim::Xor => quote!(#x ^ #y),
            Prim::Eq => quote!(#x == #y),
            Prim::Ne => quote!(#x != #y),
            Prim::Lt => quote!(#x < #y),
            Prim::Le => quote!(#x <= #y),
            Prim::Gt => quote!(#x > #y),
            Prim::Ge => quote!(#x >= #y),
            Prim::SelectN if e.inputs.len() == 3 => {
                let c1 = self.scalar(&e.inputs[2]);
                if self.ty(&e.inputs[0]).dtype == DType::Bool {
                    quote!(if #x { #c1 } else { #y })
                } else {
                    quote!(if #x != 0 { #c1 } else { #y })
                }
            }
            Prim::ConvertElementType => {
                let from = self.ty(&e.inputs[0]).dtype;
                let to = elem_ty(out.dtype);
                match (from, out.dtype) {
                    (DType::Bool, DType::Bool) => quote!(#x),
                    (DType::Bool, d) if d.is_float() => quote!(if #x { #one } else { 0 as #to }),
                    (DType::Bool, _) => quote!(#x as #to),
                    (_, DType::Bool) => {
                        let zero = literal(0.0, from);
                        quote!(#x != #zero)
                    }
                    _ => quote!(#x as #to),
                }
            }
            Prim::DimAsValue => {
                // A dim's size from the run-time shapes bound at the top.
                let d = e.params.get("dim").and_then(Param::as_dim)?;
                let d = dim_expr(&d);
                quote!((#d) as i32)
            }
            _ => return None,
        })
    }

    /// A call to `::rjax::runtime::lax` returning an `Array`.
    fn array_value(&self, e: &Eqn, out: &TensorType) -> TokenStream {
        let name = format_ident!("{}", e.prim.name());
        let lax = quote!(::rjax::runtime::lax);
        let r: Vec<TokenStream> = e.inputs.iter().map(|a| self.array_ref(a)).collect();
        let p = &e.params;
        let pn = e.prim.name();
        let tys: Vec<TensorType> = e.inputs.iter().map(|a| self.ty(a)).collect();
        if let Some(v) = super::emit_random::value(e, &r, &tys, out) {
            return v;
        }
        match e.prim {
            Prim::IntegerPow => {
                let y = checked(p.int(pn, "y")) as i32;
                let x = &r[0];
                quote!(#lax::integer_pow(#x, #y))
            }
            Prim::SelectN => {
                let pred = &e.inputs[0];
                if self.ty(pred).rank() == 0
                    && self.ty(pred).dtype == DType::Bool
                    && e.inputs.len() == 3
                {
                    // A scalar predicate picks a whole array.
                    let (c, f, t) = (
                        self.scalar(pred),
                        self.owned_array(&e.inputs[1], out),
                        self.owned_array(&e.inputs[2], out),
                    );
                    return quote!(if #c { #t } else { #f });
                }
                let (x, cases) = (&r[0], &r[1..]);
                quote!(#lax::select_n(#x, &[#(#cases),*]))
            }
            Prim::ConvertElementType => {
                let (from, to) = (elem_ty(self.ty(&e.inputs[0]).dtype), elem_ty(out.dtype));
                let x = &r[0];
                quote!(#lax::convert_element_type::<#from, #to>(#x))
            }
            Prim::ReduceSum | Prim::ReduceMax | Prim::ReduceMin => {
                let axes = usizes(&checked(p.axes(pn, "axes")));
                let x = &r[0];
                quote!(#lax::#name(#x, #axes))
            }
            Prim::Argmax | Prim::Argmin => {
                let axis = checked(p.axes(pn, "axes")).first().copied().unwrap_or(0);
                let x = &r[0];
                quote!(#lax::#name(#x, #axis))
            }
            Prim::Cumsum => {
                let axis = checked(p.int(pn, "axis")) as usize;
                let rev = checked(p.bool(pn, "reverse"));
                let x = &r[0];
                quote!(#lax::cumsum(#x, #axis, #rev))
            }
            Prim::DotGeneral => {
                let ((lc, rc), (lb, rb)) = checked(DotGeneralParams::read(p)).nums();
                let (x, y) = (&r[0], &r[1]);
                let (lc, rc, lb, rb) = (usizes(&lc), usizes(&rc), usizes(&lb), usizes(&rb));
                quote!(#lax::dot_general(#x, #y, (#lc, #rc), (#lb, #rb)))
            }
            Prim::Transpose => {
                let perm = usizes(&checked(p.axes(pn, "permutation")));
                let x = &r[0];
                quote!(#lax::transpose(#x, #perm))
            }
            Prim::Reshape => {
                let d = dims_slice(&checked(p.dims(pn, "new_sizes")));
                let x = &r[0];
                quote!(#lax::reshape(#x, #d))
            }
            Prim::BroadcastInDim => {
                let shape = dims_slice(&checked(p.dims(pn, "shape")));
                let bd = usizes(&checked(p.axes(pn, "broadcast_dimensions")));
                let x = &r[0];
                quote!(#lax::broadcast_in_dim(#x, #shape, #bd))
            }
            Prim::Squeeze | Prim::ExpandDims => {
                let d = usizes(&checked(p.axes(pn, "dimensions")));
                let x = &r[0];
                quote!(#lax::#name(#x, #d))
            }
            Prim::Slice => {
                let s = dims_slice(&checked(p.dims(pn, "start_indices")));
                let l = dims_slice(&checked(p.dims(pn, "limit_indices")));
                let st = match p.opt("strides") {
                    Some(_) => usizes(&checked(p.axes(pn, "strides"))),
                    None => quote!(&[]),
                };
                let x = &r[0];
                quote!(#lax::slice(#x, #s, #l, #st))
            }
            Prim::DynamicSlice => {
                let starts = e.inputs[1..].iter().map(|a| {
                    let s = self.scalar(a);
                    quote!((#s).max(0) as usize)
                });
                let sizes = dims_slice(&checked(p.dims(pn, "slice_sizes")));
                let x = &r[0];
                quote!(#lax::dynamic_slice(#x, &[#(#starts),*], #sizes))
            }
            Prim::DynamicUpdateSlice => {
                let starts = e.inputs[2..].iter().map(|a| {
                    let s = self.scalar(a);
                    quote!((#s).max(0) as usize)
                });
                let (x, u) = (&r[0], &r[1]);
                quote!(#lax::dynamic_update_slice(#x, #u, &[#(#starts),*]))
            }
            Prim::Concatenate => {
                let d = checked(p.int(pn, "dimension")) as usize;
                quote!(#lax::concatenate(&[#(#r),*], #d))
            }
            Prim::Pad => {
                let cfg = pad_config(&checked(PadConfig::read(p)));
                let v = self.scalar(&e.inputs[1]);
                let x = &r[0];
                quote!(#lax::pad(#x, #v, &[#(#cfg),*]))
            }
            Prim::Iota => {
                let shape = dims_slice(&checked(p.dims(pn, "shape")));
                let d = checked(p.int(pn, "dimension")) as usize;
                let t = elem_ty(out.dtype);
                quote!(#lax::iota::<#t>(#shape, #d))
            }
            p if rjax_core::rules::collectives::is_collective(p) => {
                super::collective::call(e, &r).expect("collective params checked by core")
            }
            _ => quote!(#lax::#name(#(#r),*)),
        }
    }

    fn owned_array(&self, a: &Atom, out: &TensorType) -> TokenStream {
        if self.ty(a).rank() == out.rank() {
            self.owned(a)
        } else {
            let r = self.array_ref(a);
            let shape = dims_slice(out.dims());
            let bd: Vec<usize> = Vec::new();
            quote!(::rjax::runtime::lax::broadcast_in_dim(#r, #shape, &[#(#bd),*]))
        }
    }

    /// `scan` as a `for` loop, `while` as a `loop`, `cond` as `if`/`match`.
    fn control(&self, e: &Eqn, outs: &[&Ident], out_tys: &[TensorType]) -> TokenStream {
        let pn = e.prim.name();
        let p = &e.params;
        let tys: Vec<TokenStream> = out_tys.iter().map(rust_ty).collect();
        match e.prim {
            Prim::Scan => {
                let body = p.jaxpr(pn, "jaxpr").expect("scan body");
                let length = p
                    .dims(pn, "length")
                    .ok()
                    .and_then(|d| d.first().cloned())
                    .or_else(|| p.get("length").and_then(Param::as_dim))
                    .unwrap_or(DimExpr::Const(0));
                let length = dim_expr(&length);
                let nc = checked(p.int(pn, "num_consts")) as usize;
                let ncarry = checked(p.int(pn, "num_carry")) as usize;
                let reverse = checked(p.bool(pn, "reverse"));
                let consts: Vec<TokenStream> =
                    e.inputs[..nc].iter().map(|a| self.owned(a)).collect();
                let init: Vec<TokenStream> = e.inputs[nc..nc + ncarry]
                    .iter()
                    .map(|a| self.owned(a))
                    .collect();
                let xs = &e.inputs[nc + ncarry..];
                let carry = &outs[..ncarry];
                let carry_tys = &tys[..ncarry];
                let ys = &outs[ncarry..];
                let ys_tys = &out_tys[ncarry..];
                let mut inner = self.nested(body);
                // Under jit, each array carry's new value is written into the
                // buffer of its value two steps back (ping-pong): no
                // allocation per iteration.
                let ij = inner.j; // the body as emitted (custom calls inlined)
                let spares: Vec<Option<(Ident, TokenStream)>> = (0..ncarry)
                    .map(|k| {
                        let o = ij.outvars[k].as_var()?;
                        let fresh = !ij.invars.contains(&o)
                            && ij.outvars.iter().filter(|a| a.as_var() == Some(o)).count() == 1;
                        (self.jit && fresh && out_tys[k].rank() > 0).then(|| {
                            let id = local(&format!("{}_spare", carry[k]));
                            inner.dest.insert(o, id.clone());
                            (id, tys[k].clone())
                        })
                    })
                    .collect();
                let spare_decls = spares.iter().flatten().map(|(id, t)| {
                    quote!(let mut #id: ::core::option::Option<#t> = ::core::option::Option::None;)
                });
                let carry_updates: Vec<TokenStream> = (0..ncarry)
                    .map(|k| {
                        let (c, t) = (carry[k], local(&format!("out_{k}")));
                        match &spares[k] {
                            Some((id, _)) => quote!(#id = ::core::option::Option::Some(::core::mem::replace(&mut #c, #t));),
                            None => quote!(#c = #t;),
                        }
                    })
                    .collect();
                let iter = local("iter");
                let mut inputs = consts.clone();
                inputs.extend(carry.iter().map(|c| {
                    if out_tys[outs.iter().position(|o| o == c).unwrap()].rank() == 0 {
                        quote!(#c)
                    } else {
                        quote!(#c.clone())
                    }
                }));
                for x in xs {
                    let xr = self.array_ref(x);
                    if self.ty(x).rank() == 1 {
                        inputs.push(quote!((#xr).as_slice()[#iter]));
                    } else {
                        inputs.push(quote!(::rjax::__private::index_axis0(#xr, #iter)));
                    }
                }
                let em = inner.body(&inputs);
                let stmts = &em.stmts;
                let new_carry: Vec<&TokenStream> = em.outs[..ncarry].iter().collect();
                let new_ys: Vec<&TokenStream> = em.outs[ncarry..].iter().collect();
                let ys_acc: Vec<Ident> = ys.iter().map(|y| local(&format!("{y}_ys"))).collect();
                let ys_elem: Vec<TokenStream> = ys_tys
                    .iter()
                    .map(|t| {
                        let inner_t = TensorType::new(t.dtype, t.dims()[1..].to_vec());
                        rust_ty(&inner_t)
                    })
                    .collect();
                let ys_finish: Vec<TokenStream> = ys_tys
                    .iter()
                    .zip(&ys_acc)
                    .map(|(t, acc)| {
                        let f = if t.rank() == 1 {
                            quote!(stack_scalars)
                        } else {
                            quote!(stack_arrays)
                        };
                        if reverse {
                            quote!({ #acc.reverse(); ::rjax::__private::#f(#acc) })
                        } else {
                            quote!(::rjax::__private::#f(#acc))
                        }
                    })
                    .collect();
                let range = if reverse {
                    quote!((0..#length).rev())
                } else {
                    quote!(0..#length)
                };
                let tmp: Vec<Ident> = (0..em.outs.len())
                    .map(|i| local(&format!("out_{i}")))
                    .collect();
                let tmp_ys = &tmp[ncarry..];
                quote! {
                    #(let mut #carry: #carry_tys = #init;)*
                    #(#spare_decls)*
                    #(let mut #ys_acc: ::std::vec::Vec<#ys_elem> = ::std::vec::Vec::with_capacity(#length);)*
                    for #iter in #range {
                        let (#(#tmp,)*) = { #stmts (#(#new_carry,)* #(#new_ys,)*) };
                        #(#carry_updates)*
                        #(#ys_acc.push(#tmp_ys);)*
                    }
                    #(let #ys: ::rjax::Array<_> = #ys_finish;)*
                }
            }
            Prim::While => {
                let cj = p.jaxpr(pn, "cond_jaxpr").expect("while cond");
                let bj = p.jaxpr(pn, "body_jaxpr").expect("while body");
                let cn = checked(p.int(pn, "cond_nconsts")) as usize;
                let bn = checked(p.int(pn, "body_nconsts")) as usize;
                let cconsts: Vec<TokenStream> =
                    e.inputs[..cn].iter().map(|a| self.owned(a)).collect();
                let bconsts: Vec<TokenStream> = e.inputs[cn..cn + bn]
                    .iter()
                    .map(|a| self.owned(a))
                    .collect();
                let init: Vec<TokenStream> =
                    e.inputs[cn + bn..].iter().map(|a| self.owned(a)).collect();
                let carry_vals: Vec<TokenStream> = outs
                    .iter()
                    .zip(out_tys)
                    .map(|(c, t)| {
                        if t.rank() == 0 {
                            quote!(#c)
                        } else {
                            quote!(#c.clone())
                        }
                    })
                    .collect();
                let mut c_in = cconsts;
                c_in.extend(carry_vals.iter().cloned());
                let mut b_in = bconsts;
                b_in.extend(carry_vals.iter().cloned());
                let ce = self.nested(cj).body(&c_in);
                let be = self.nested(bj).body(&b_in);
                let (cs, co) = (&ce.stmts, &ce.outs[0]);
                let (bs, bo) = (&be.stmts, &be.outs);
                let tmp: Vec<Ident> = (0..outs.len())
                    .map(|i| local(&format!("out_{i}")))
                    .collect();
                quote! {
                    #(let mut #outs: #tys = #init;)*
                    loop {
                        let keep_going: bool = { #cs #co };
                        if !keep_going {
                            break;
                        }
                        let (#(#tmp,)*) = { #bs (#(#bo,)*) };
                        #(#outs = #tmp;)*
                    }
                }
            }
            Prim::WhileReverse => self.while_reverse(e, outs, &tys),
            _ => {
                // cond: index operand first, then the branches' operands.
                let branches = p.jaxprs(pn, "branches").expect("cond branches");
                let idx = self.scalar(&e.inputs[0]);
                let ops: Vec<TokenStream> = e.inputs[1..].iter().map(|a| self.owned(a)).collect();
                let arms = branches.iter().enumerate().map(|(i, b)| {
                    let em = self.nested(b).body(&ops);
                    let (s, o) = (&em.stmts, &em.outs);
                    let i = i as i32;
                    if i as usize + 1 == branches.len() {
                        quote!(_ => { #s (#(#o,)*) })
                    } else {
                        quote!(#i => { #s (#(#o,)*) })
                    }
                });
                let idx = quote!(#idx as i32);
                quote! {
                    let (#(#outs,)*): (#(#tys,)*) = match #idx { #(#arms)* };
                }
            }
        }
    }
}

impl Emitter<'_> {
    /// `while_reverse` (rjax-core's `while_reverse.rs`): the loop forward
    /// with each trip's state pushed on a `Vec` (the tape), then the
    /// backward step once per entry, last first. Linear in the trips.
    fn while_reverse(&self, e: &Eqn, outs: &[&Ident], tys: &[TokenStream]) -> TokenStream {
        let pn = e.prim.name();
        let p = &e.params;
        let cj = p.jaxpr(pn, "cond_jaxpr").expect("while_reverse cond");
        let sj = p.jaxpr(pn, "step_jaxpr").expect("while_reverse step");
        let bj = p.jaxpr(pn, "back_jaxpr").expect("while_reverse back");
        let cc = checked(p.int(pn, "cond_nconsts")) as usize;
        let sc = checked(p.int(pn, "step_nconsts")) as usize;
        let np = checked(p.int(pn, "num_state")) as usize;
        let cconsts: Vec<TokenStream> = e.inputs[..cc].iter().map(|a| self.owned(a)).collect();
        let sconsts: Vec<TokenStream> = e.inputs[cc..cc + sc]
            .iter()
            .map(|a| self.owned(a))
            .collect();
        let p0 = &e.inputs[cc + sc..cc + sc + np];
        let lin0: Vec<TokenStream> = e.inputs[cc + sc + np..]
            .iter()
            .map(|a| self.owned(a))
            .collect();
        let state: Vec<Ident> = (0..np).map(|k| local(&format!("state_{k}"))).collect();
        let entry: Vec<Ident> = (0..np).map(|k| local(&format!("entry_{k}"))).collect();
        let state_tys: Vec<TokenStream> = p0.iter().map(|a| rust_ty(&self.ty(a))).collect();
        let state_init: Vec<TokenStream> = p0.iter().map(|a| self.owned(a)).collect();
        let read = |v: &Ident, rank: usize| {
            if rank == 0 {
                quote!(#v)
            } else {
                quote!(#v.clone())
            }
        };
        let ranks: Vec<usize> = p0.iter().map(|a| self.ty(a).rank()).collect();
        let mut c_in = cconsts;
        c_in.extend(state.iter().zip(&ranks).map(|(v, r)| read(v, *r)));
        let mut s_in = sconsts.clone();
        s_in.extend(state.iter().zip(&ranks).map(|(v, r)| read(v, *r)));
        let out_ranks: Vec<usize> = e.outputs.iter().map(|v| self.j.ty(*v).rank()).collect();
        let mut b_in = sconsts;
        b_in.extend(entry.iter().map(|v| quote!(#v)));
        b_in.extend(outs.iter().zip(&out_ranks).map(|(v, r)| read(v, *r)));
        let ce = self.nested(cj).body(&c_in);
        let se = self.nested(sj).body(&s_in);
        let be = self.nested(bj).body(&b_in);
        let (cs, co) = (&ce.stmts, &ce.outs[0]);
        let (ss, so) = (&se.stmts, &se.outs);
        let (bs, bo) = (&be.stmts, &be.outs);
        let next: Vec<Ident> = (0..np).map(|k| local(&format!("next_{k}"))).collect();
        let back: Vec<Ident> = (0..outs.len())
            .map(|k| local(&format!("back_{k}")))
            .collect();
        let tape = local("tape");
        quote! {
            #(let mut #state: #state_tys = #state_init;)*
            let mut #tape: ::std::vec::Vec<(#(#state_tys,)*)> = ::std::vec::Vec::new();
            loop {
                let keep_going: bool = { #cs #co };
                if !keep_going {
                    break;
                }
                let (#(#next,)*) = { #ss (#(#so,)*) };
                #tape.push((#(::core::mem::replace(&mut #state, #next),)*));
            }
            #(let mut #outs: #tys = #lin0;)*
            for (#(#entry,)*) in #tape.into_iter().rev() {
                let (#(#back,)*) = { #bs (#(#bo,)*) };
                #(#outs = #back;)*
            }
        }
    }
}

/// `x` when `e` is the expression `x.clone()`.
fn cloned_receiver(e: &TokenStream) -> Option<TokenStream> {
    match syn::parse2::<syn::Expr>(e.clone()).ok()? {
        syn::Expr::MethodCall(m)
            if m.method == "clone" && m.args.is_empty() && m.turbofish.is_none() =>
        {
            let r = m.receiver;
            Some(quote!(#r))
        }
        _ => None,
    }
}

/// A param read by rjax-core's typed readers. The shape rule already read
/// it when the equation was built, so an error here is a bug of rjax (the
/// guard turns the panic into a compile error asking to report it), never
/// a silent default.
fn checked<T>(r: rjax_core::Result<T>) -> T {
    r.unwrap_or_else(|e| panic!("a param the shape rule accepted does not read back: {e}"))
}

/// `(lo, hi, interior)` per axis, as `lax::pad` takes them.
fn pad_config(cfg: &PadConfig) -> Vec<TokenStream> {
    cfg.0
        .iter()
        .map(|(lo, hi, int)| {
            // lo and hi may be negative (a pad that crops): signed.
            let (lo, hi, int) = (signed(lo), signed(hi), dim_expr(int));
            quote!((#lo, #hi, #int))
        })
        .collect()
}

/// A dim that may be negative, as an `i64` expression (checked arithmetic).
fn signed(d: &DimExpr) -> TokenStream {
    match d.as_const() {
        Some(c) => {
            let l = proc_macro2::Literal::i64_suffixed(c);
            quote!(#l)
        }
        None => {
            let v = dim_expr_i64(d);
            quote!(#v.expect("jit: a padding computed from the input shapes overflows i64"))
        }
    }
}

/// Binds the symbolic dims of `types` from the run-time shapes of the
/// given input expressions (`&Array` or `Array` values).
pub fn bind_dims(types: &[TensorType], inputs: &[TokenStream]) -> TokenStream {
    let mut seen = HashSet::new();
    let mut out = TokenStream::new();
    for (t, x) in types.iter().zip(inputs) {
        for (k, d) in t.dims().iter().enumerate() {
            if let DimExpr::Sym(s) = d
                && seen.insert(s.clone())
            {
                let id = dim_ident(s);
                out.extend(quote!(let #id: usize = #x.shape()[#k];));
            }
        }
    }
    out
}
