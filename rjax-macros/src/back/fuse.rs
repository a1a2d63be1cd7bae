//! `#[jit]` emission of rjax-core's fusion groups: each elementwise group
//! becomes one `kernels::map_nm` loop (any number of operands and results),
//! a full sum of an elementwise producer one `kernels::map_sum_nm` pass, and
//! a 2-d matmul with its elementwise epilogue one `kernels::gemm_fused` call
//! that applies the epilogue (bias columns, same-shape operands, several
//! results) while each block of the product is in cache
//! (`syrk_epilogue_into` for `x · xᵀ`, which computes half the products).
//! The loop bodies use `FastMath` (vectorisable exp/log/sin/cos/tanh/
//! logistic) instead of libm, so LLVM vectorises them.
//!
//! Anything a kernel does not cover falls back to the per-equation
//! `lax::` emission of [`Emitter::eqn`], so fusion never changes what is
//! accepted, only how fast it runs.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use rjax_core::ir::params::ParamsExt;
use rjax_core::passes::ranges::{
    EXP_F32_NORMAL_ARG as EXP, EXP_F64_NORMAL_ARG as EXP64, SIN_COS_F32_ARG, SIN_COS_F32_NEAR_ARG,
    SIN_COS_F64_ARG, TANH_F32_POS_ARG as TANH, TANH_F64_POS_ARG as TANH64,
};
use rjax_core::passes::{FusionGroup, GroupKind, Interval, value_ranges};
use rjax_core::{Atom, DType, Eqn, Prim, TensorType, Var};
use syn::Ident;

use super::emit::{Emitter, dim_expr, elem_ty, rust_ty};
use super::plan::{Special, fast_dot};

const FAST: &str = "::rjax::runtime::kernels";

/// The largest |x| the fast sin/cos of dtype `d` reduce exactly.
fn trig_max(d: DType) -> TokenStream {
    match d {
        DType::F32 => quote!(::rjax::runtime::kernels::SIN_COS_F32_MAX),
        _ => quote!(::rjax::runtime::kernels::SIN_COS_F64_MAX),
    }
}

/// Which sin/cos a fused body calls. Every form gives, on the elements
/// it is used for, the bits of the runtime's whole-range functions
/// (`kernels::sin_f32_all`, ..., what the eager ops compute): for f32 the
/// f32 reduction up to `SIN_COS_F32_NEAR_MAX`, the f64 reduction up to
/// `SIN_COS_F32_MAX`, std beyond; for f64 the vectorised form up to
/// `SIN_COS_F64_MAX`, std beyond.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Trig {
    /// The vectorised form: `kernels::sin_f32_near` for f32 (its operand
    /// is within `SIN_COS_F32_NEAR_MAX`, or the loop's guard flags it),
    /// `FastMath::fast_sin` for f64 (within `SIN_COS_F64_MAX`).
    Near,
    /// f32: `Near` within its range, the f64 reduction beyond (both
    /// computed, selected per element, so an element's bits never depend
    /// on its neighbours); f64: as `Near`.
    Tiered,
    /// Every input: the whole-range choice, per element with branches
    /// (the precise body of a checked loop).
    PreciseTiered,
}

pub(super) fn fast() -> TokenStream {
    FAST.parse().unwrap()
}

/// The names of a kernel call's `n` output buffers (`__out0`, ...).
pub(super) fn out_buf_names(n: usize) -> Vec<Ident> {
    (0..n).map(|k| format_ident!("__out{}", k)).collect()
}

impl Emitter<'_> {
    /// One fusion group under `#[jit]`.
    pub(super) fn group(&self, g: &FusionGroup) -> TokenStream {
        let plain = g
            .eqns
            .iter()
            .all(|i| !self.plan.skip.contains(i) && !self.plan.special.contains_key(i));
        let fused = match g.kind {
            _ if !plain => None,
            GroupKind::Elementwise if g.shape.rank() > 0 => self.elementwise(&g.eqns, &g.outputs),
            GroupKind::Reduction => self.reduction(g),
            GroupKind::DotEpilogue => self.dot_group(g),
            GroupKind::RowKernel => self.row_kernel(g),
            _ => None,
        };
        fused.unwrap_or_else(|| {
            // The equation-by-equation form.
            let mut out = self.planned_bias_broadcasts(g);
            out.extend(g.eqns.iter().map(|&i| self.eqn_jit(i)));
            out
        })
    }

    /// One equation under `#[jit]`: skipped, special, a fast matmul, or
    /// the plain emission.
    fn eqn_jit(&self, i: usize) -> TokenStream {
        if self.plan.skip.contains(&i) {
            return TokenStream::new();
        }
        let e = &self.j.eqns[i];
        if let Some(s) = self.plan.special.get(&i) {
            return self.special(e, s);
        }
        if e.prim == Prim::DotGeneral
            && let Some(ops) = self.dot_operands(e)
            && let Some(t) = self.dot(e.outputs[0], ops, &[], &e.outputs)
        {
            return t;
        }
        self.eqn(e)
    }

    fn special(&self, e: &Eqn, s: &Special) -> TokenStream {
        let o = self.name(e.outputs[0]);
        let t = rust_ty(self.j.ty(e.outputs[0]));
        match s {
            Special::ElementRead { src, starts } => {
                let dims = self.j.ty(*src).dims().to_vec();
                // Row-major offset: ((s0 * d1 + s1) * d2 + s2) ..
                let mut off = quote!(0usize);
                for (k, s) in starts.iter().enumerate() {
                    let (d, s) = (dim_expr(&dims[k]), dim_expr(s));
                    off = quote!((#off * #d + #s));
                }
                let n = self.name(*src);
                quote!(let #o: #t = #n.as_slice()[#off];)
            }
            Special::OneHot { len, terms } => {
                let len = dim_expr(len);
                if self.onehot_parts.contains(&e.outputs[0]) {
                    // Only an output: `Emitter::body` builds the array
                    // from these values after the kernel.
                    let vals = terms.iter().map(|(_, a)| self.scalar(a));
                    let el = super::emit::elem_ty(self.j.ty(e.outputs[0]).dtype);
                    let n = terms.len();
                    return quote!(let #o: [#el; #n] = [#(#vals),*];);
                }
                let terms = terms.iter().map(|(k, a)| {
                    let v = self.scalar(a);
                    quote!((#k, #v))
                });
                quote!(let #o: #t = ::rjax::runtime::jit::onehot(#len, &[#(#terms),*]);)
            }
            Special::ColumnRead { src, col } => {
                let n = self.name(*src);
                quote!(let #o: #t = ::rjax::runtime::jit::column(&#n, #col);)
            }
            Special::DotT { dot } => {
                // (op(a) · op(b))ᵀ = op(b)ᵀ · op(a)ᵀ.
                let (a, ta, b, tb) = self
                    .dot_operands(&self.j.eqns[*dot])
                    .expect("planned from a fast matmul");
                self.dot(e.outputs[0], (b, !tb, a, !ta), &[], &e.outputs)
                    .expect("a matmul with no epilogue always has a kernel")
            }
            Special::OneHotCols { rows, len, terms } => {
                let (rows, len) = (dim_expr(rows), dim_expr(len));
                let terms = terms.iter().map(|(k, v)| {
                    let v = self.name(*v);
                    quote!((#k, &#v))
                });
                quote!(let #o: #t = ::rjax::runtime::jit::onehot_cols(#rows, #len, &[#(#terms),*]);)
            }
        }
    }

    /// Values read by `eqns` and defined elsewhere, in first-use order.
    pub(super) fn group_inputs(&self, eqns: &[usize]) -> Vec<Atom> {
        let defined: HashSet<Var> = eqns
            .iter()
            .flat_map(|&i| self.j.eqns[i].outputs.iter().copied())
            .collect();
        let mut ins: Vec<Atom> = Vec::new();
        for &i in eqns {
            for a in &self.j.eqns[i].inputs {
                if let Some(v) = a.as_var()
                    && !defined.contains(&v)
                    && !ins.contains(a)
                {
                    ins.push(*a);
                }
            }
        }
        ins
    }

    /// `let c: f32 = ..;` for each equation, as scalar code with the fast
    /// transcendentals (for the body of a fused loop), sin/cos in their
    /// vectorised form ([`Trig::Near`]): the loop checks its operands with
    /// [`Self::vec_guard`].
    pub(super) fn scalar_body(&self, eqns: &[usize]) -> Option<TokenStream> {
        self.scalar_body_as(eqns, false)
    }

    /// The flag of a loop whose body is [`Self::scalar_body`]: true when a
    /// sin/cos operand is beyond the vectorised form's limit (f32:
    /// `SIN_COS_F32_NEAR_MAX`, f64: `SIN_COS_F64_MAX`) or not finite; None
    /// when there is no such operand.
    pub(super) fn vec_guard(&self, eqns: &[usize]) -> Option<TokenStream> {
        self.trig_guard_as(eqns, true)
    }

    /// `!(x.abs() <= MAX) | ..` over the operands of the float sin/cos of
    /// `eqns` (true when one is beyond the wide range reduction,
    /// `SIN_COS_F32_MAX` / `SIN_COS_F64_MAX`, or not finite), or None when
    /// there are none: the staged loops' flag for their precise body
    /// (other loops check [`Self::vec_guard`]).
    pub(super) fn trig_guard(&self, eqns: &[usize]) -> Option<TokenStream> {
        self.trig_guard_as(eqns, false)
    }

    /// [`Self::trig_guard`] with the f32 limit of `sin_f32_near` when
    /// `near` (f64 keeps its own). A sin/cos whose operand rjax-core's
    /// ranges keep within the limit needs no term (NaN gives NaN on every
    /// path); None when no term is left.
    pub(super) fn trig_guard_as(&self, eqns: &[usize], near: bool) -> Option<TokenStream> {
        let terms: Vec<TokenStream> = self
            .float_trig(eqns)
            .filter_map(|e| {
                let x = self.scalar(e.inputs.first()?);
                let d = self.j.ty(e.outputs[0]).dtype;
                let (max, limit) = if near && d == DType::F32 {
                    (
                        quote!(::rjax::runtime::kernels::SIN_COS_F32_NEAR_MAX),
                        SIN_COS_F32_NEAR_ARG,
                    )
                } else if d == DType::F32 {
                    (trig_max(d), SIN_COS_F32_ARG)
                } else {
                    (trig_max(d), SIN_COS_F64_ARG)
                };
                if self.arg_range(e).within(-limit, limit) {
                    return None;
                }
                Some(quote!((!(#x.abs() <= #max))))
            })
            .collect();
        (!terms.is_empty()).then(|| quote!(false #(| #terms)*))
    }

    /// The float sin/cos equations among `eqns`.
    fn float_trig<'a>(&'a self, eqns: &'a [usize]) -> impl Iterator<Item = &'a Eqn> + 'a {
        eqns.iter()
            .map(|&i| &self.j.eqns[i])
            .filter(|e| matches!(e.prim, Prim::Sin | Prim::Cos))
            .filter(|e| self.j.ty(e.outputs[0]).dtype.is_float())
    }

    /// Whether `eqns` hold an f32 sin/cos (which has the near form).
    pub(super) fn has_f32_trig(&self, eqns: &[usize]) -> bool {
        self.float_trig(eqns)
            .any(|e| self.j.ty(e.outputs[0]).dtype == DType::F32)
    }

    /// [`Self::scalar_body`], or with `precise` the same body where sin and
    /// cos pick their form per element ([`Trig::PreciseTiered`]).
    pub(super) fn scalar_body_as(&self, eqns: &[usize], precise: bool) -> Option<TokenStream> {
        let trig = if precise {
            Trig::PreciseTiered
        } else {
            Trig::Near
        };
        self.scalar_body_trig(eqns, trig)
    }

    /// The scalar body of `eqns` with sin/cos in the form `trig`.
    pub(super) fn scalar_body_trig(&self, eqns: &[usize], trig: Trig) -> Option<TokenStream> {
        let mut body = TokenStream::new();
        for &i in eqns {
            let e = &self.j.eqns[i];
            if e.outputs.len() != 1 {
                return None;
            }
            let o = e.outputs[0];
            let ot = self.j.ty(o);
            let st = TensorType::new(ot.dtype, Vec::<usize>::new());
            let v = self
                .fast_scalar(e, &st, trig)
                .or_else(|| self.scalar_value(e, &st))?;
            let (n, t) = (self.name(o), elem_ty(ot.dtype));
            body.extend(quote!(let #n: #t = #v;));
        }
        Some(body)
    }

    /// The fast (vectorisable) form of a float transcendental, sin and cos
    /// in the form `trig`.
    fn fast_scalar(&self, e: &Eqn, out: &TensorType, trig: Trig) -> Option<TokenStream> {
        if !out.dtype.is_float() {
            return None;
        }
        let x = self.scalar(e.inputs.first()?);
        let m = quote!(::rjax::runtime::kernels::FastMath);
        let f = fast();
        let max = trig_max(out.dtype);
        let near_max = quote!(#f::SIN_COS_F32_NEAR_MAX);
        let f32 = out.dtype == DType::F32;
        let trig_call = |name: &str| -> TokenStream {
            let (fast_fn, near_fn, std_fn) = (
                format_ident!("fast_{}", name),
                format_ident!("{}_f32_near", name),
                format_ident!("{}", name),
            );
            match trig {
                Trig::Near | Trig::Tiered if !f32 => quote!(#m::#fast_fn(#x)),
                Trig::Near => quote!(#f::#near_fn(#x)),
                Trig::Tiered => quote!({
                    let __x = #x;
                    if __x.abs() <= #near_max { #f::#near_fn(__x) } else { #m::#fast_fn(__x) }
                }),
                Trig::PreciseTiered if f32 => quote!({
                    let __x = #x;
                    if __x.abs() <= #near_max {
                        #f::#near_fn(__x)
                    } else if __x.abs() <= #max {
                        #m::#fast_fn(__x)
                    } else {
                        __x.#std_fn()
                    }
                }),
                Trig::PreciseTiered => quote!({
                    let __x = #x;
                    if __x.abs() <= #max { #m::#fast_fn(__x) } else { __x.#std_fn() }
                }),
            }
        };
        Some(match e.prim {
            Prim::Sin => trig_call("sin"),
            Prim::Cos => trig_call("cos"),
            // Reduced forms where the argument's range allows (same bits).
            Prim::Tanh if f32 && self.arg_range(e).within_open_low(TANH.0, TANH.1) => {
                quote!(#f::tanh_f32_pos(#x))
            }
            Prim::Exp if f32 && self.arg_range(e).within(EXP.0, EXP.1) => {
                quote!(#f::exp_f32_normal(#x))
            }
            Prim::Tanh if !f32 && self.arg_range(e).within_open_low(TANH64.0, TANH64.1) => {
                quote!(#f::tanh_f64_pos(#x))
            }
            Prim::Exp if !f32 && self.arg_range(e).within(EXP64.0, EXP64.1) => {
                quote!(#f::exp_f64_normal(#x))
            }
            Prim::Tanh => quote!(#m::fast_tanh(#x)),
            Prim::Exp => quote!(#m::fast_exp(#x)),
            Prim::Expm1 => quote!(#m::fast_expm1(#x)),
            Prim::Log => quote!(#m::fast_ln(#x)),
            Prim::Log1p => quote!(#m::fast_ln_1p(#x)),
            Prim::Logistic => quote!(#m::fast_logistic(#x)),
            _ => return None,
        })
    }

    /// rjax-core's range of the first operand of `e` (everything when
    /// unknown).
    fn arg_range(&self, e: &Eqn) -> Interval {
        match e.inputs.first() {
            Some(Atom::Lit(l)) => Interval::point(l.value),
            Some(Atom::Var(v)) => self
                .ranges
                .get_or_init(|| value_ranges(self.j))
                .get(v)
                .copied()
                .unwrap_or(Interval::ALL),
            None => Interval::ALL,
        }
    }

    /// The output buffer for `o` with shape expression `shape`: the
    /// planned destination (a loop's spare buffer) when there is one.
    pub(super) fn out_buffer(&self, o: Var, shape: TokenStream) -> TokenStream {
        let e = elem_ty(self.j.ty(o).dtype);
        match self.dest.get(&o) {
            Some(spare) => quote!(::rjax::runtime::jit::buffer::<#e>(#spare.take(), #shape)),
            None => quote!(::rjax::runtime::jit::buffer::<#e>(None, #shape)),
        }
    }

    /// The statement an emitted map or matmul kernel call ends in: the
    /// outputs get buffers `bufs` of `shape` (fresh or spare, see
    /// [`Self::out_buffer`]), `call` fills them after `prelude` (checks,
    /// dimensions), and they are bound to the outputs' names.
    pub(super) fn bind_outputs(
        &self,
        outs: &[Var],
        bufs: &[Ident],
        shape: TokenStream,
        prelude: TokenStream,
        call: TokenStream,
    ) -> TokenStream {
        let out_names = outs.iter().map(|o| self.name(*o));
        let out_tys = outs.iter().map(|o| rust_ty(self.j.ty(*o)));
        let allocs = outs.iter().map(|o| self.out_buffer(*o, shape.clone()));
        quote! {
            let (#(#out_names,)*): (#(#out_tys,)*) = {
                #prelude
                #(let mut #bufs = #allocs;)*
                #call
                (#(#bufs,)*)
            };
        }
    }

    /// The bias broadcasts among `g`'s inputs that the plan folded into a
    /// matmul epilogue, built after all for an emission that does not
    /// fold them.
    fn planned_bias_broadcasts(&self, g: &FusionGroup) -> TokenStream {
        g.inputs
            .iter()
            .filter_map(|a| self.plan.cols.get(&a.as_var()?))
            .map(|&(b, _)| self.eqn(&self.j.eqns[b]))
            .collect()
    }

    /// Array operands (same dtype `T`) and results (same dtype `U`) of an
    /// elementwise group, or None when it mixes dtypes.
    pub(super) fn map_operands(
        &self,
        ins: &[Atom],
        outs: &[Var],
    ) -> Option<(Vec<Var>, DType, DType)> {
        let arrays: Vec<Var> = ins
            .iter()
            .filter_map(|a| a.as_var())
            .filter(|v| self.j.ty(*v).rank() > 0)
            .collect();
        let t = self.j.ty(*arrays.first()?).dtype;
        let u = self.j.ty(*outs.first()?).dtype;
        let same_in = arrays.iter().all(|v| self.j.ty(*v).dtype == t);
        let same_out = outs.iter().all(|v| self.j.ty(*v).dtype == u);
        (same_in && same_out).then_some((arrays, t, u))
    }

    /// Asserts that every array operand has the shape of the first.
    pub(super) fn same_shapes(&self, arrays: &[Var], op: &str) -> TokenStream {
        let first = self.name(arrays[0]);
        let checks = arrays[1..].iter().map(|v| {
            let n = self.name(*v);
            let msg = format!("{op}: shapes {{:?}} and {{:?}} differ");
            quote!(::core::assert!(#n.shape() == #first.shape(), #msg, #first.shape(), #n.shape());)
        });
        quote!(#(#checks)*)
    }

    /// An elementwise group (`eqns`, results `outs` used after it) as one
    /// `kernels::map_nm` loop.
    fn elementwise(&self, eqns: &[usize], outs: &[Var]) -> Option<TokenStream> {
        if outs.is_empty() {
            return Some(TokenStream::new());
        }
        if let Some(staged) = self.staged_elementwise(eqns, outs) {
            return Some(staged);
        }
        let ins = self.group_inputs(eqns);
        let (arrays, t, u) = self.map_operands(&ins, outs)?;
        let body = self.scalar_body(eqns)?;
        let (te, ue) = (elem_ty(t), elem_ty(u));
        let (n_in, n_out) = (arrays.len(), outs.len());
        let in_names: Vec<&Ident> = arrays.iter().map(|v| self.name(*v)).collect();
        let out_names: Vec<&Ident> = outs.iter().map(|v| self.name(*v)).collect();
        let bufs = out_buf_names(n_out);
        let first = in_names[0];
        let op = self.j.eqns[eqns[0]].prim.name();
        let check = self.same_shapes(&arrays, op);
        let f = fast();
        let call = match self.vec_guard(eqns) {
            None => quote! {
                #f::map_nm(
                    [#(#in_names.as_slice()),*],
                    [#(#bufs.as_mut_slice()),*],
                    #[inline(always)]
                    move |[#(#in_names),*]: [#te; #n_in]| -> [#ue; #n_out] {
                        #body
                        [#(#out_names),*]
                    },
                );
            },
            Some(far) => {
                let precise = self.scalar_body_as(eqns, true)?;
                quote! {
                    #f::map_nm_checked(
                        [#(#in_names.as_slice()),*],
                        [#(#bufs.as_mut_slice()),*],
                        #[inline(always)]
                        move |[#(#in_names),*]: [#te; #n_in]| -> ([#ue; #n_out], bool) {
                            #body
                            ([#(#out_names),*], #far)
                        },
                        move |[#(#in_names),*]: [#te; #n_in]| -> [#ue; #n_out] {
                            #precise
                            [#(#out_names),*]
                        },
                    );
                }
            }
        };
        Some(self.bind_outputs(outs, &bufs, quote!(#first.shape()), check, call))
    }

    /// Elementwise producers feeding a full `reduce_sum` (float): one pass.
    fn reduction(&self, g: &FusionGroup) -> Option<TokenStream> {
        let (&last, producers) = g.eqns.split_last()?;
        let r = &self.j.eqns[last];
        let x = r.inputs[0].as_var()?;
        let xt = self.j.ty(x);
        let axes = r.params.axes("reduce_sum", "axes").ok()?;
        let full = r.prim == Prim::ReduceSum && axes.len() == xt.rank() && xt.rank() > 0;
        let only_out = g.outputs.len() == 1 && g.outputs[0] == r.outputs[0];
        if !(full && only_out && xt.dtype.is_float()) {
            // Producers as one loop, then the reduction as usual.
            let mut out = match producers {
                [] => TokenStream::new(),
                _ => {
                    let mut outs: Vec<Var> = g
                        .outputs
                        .iter()
                        .copied()
                        .filter(|o| *o != r.outputs[0])
                        .collect();
                    if !outs.contains(&x)
                        && producers.iter().any(|&i| self.j.eqns[i].outputs[0] == x)
                    {
                        outs.push(x);
                    }
                    self.elementwise(producers, &outs)?
                }
            };
            out.extend(self.eqn_jit(last));
            return Some(out);
        }
        let ins = self.group_inputs(producers);
        let arrays: Vec<Var> = if producers.is_empty() {
            vec![x]
        } else {
            self.map_operands(&ins, &[x])?.0
        };
        let t = self.j.ty(arrays[0]).dtype;
        if arrays.iter().any(|v| self.j.ty(*v).dtype != t) {
            return None;
        }
        let (o, ot) = (
            self.name(r.outputs[0]),
            elem_ty(self.j.ty(r.outputs[0]).dtype),
        );
        let check = self.same_shapes(&arrays, "reduce_sum");
        let call = match self.staged_sum(producers, x, &arrays) {
            Some(sum) => sum,
            None => self.one_loop_sum(producers, x, &arrays)?,
        };
        Some(quote! {
            let #o: #ot = {
                #check
                #call as #ot
            };
        })
    }

    /// The full sum of `x` computed by the producers `eqns` from `arrays`
    /// as one `kernels::map_sum_nm` loop (f64).
    fn one_loop_sum(&self, producers: &[usize], x: Var, arrays: &[Var]) -> Option<TokenStream> {
        let body = self.scalar_body(producers)?;
        let te = elem_ty(self.j.ty(arrays[0]).dtype);
        let n_in = arrays.len();
        let in_names: Vec<&Ident> = arrays.iter().map(|v| self.name(*v)).collect();
        let xn = self.name(x);
        let f = fast();
        Some(match self.vec_guard(producers) {
            None => quote! {
                #f::map_sum_nm(
                    [#(#in_names.as_slice()),*],
                    #[inline(always)]
                    move |[#(#in_names),*]: [#te; #n_in]| -> f64 {
                        #body
                        #xn as f64
                    },
                )
            },
            Some(far) => {
                let precise = self.scalar_body_as(producers, true)?;
                quote! {
                    #f::map_sum_nm_checked(
                        [#(#in_names.as_slice()),*],
                        #[inline(always)]
                        move |[#(#in_names),*]: [#te; #n_in]| -> (f64, bool) {
                            #body
                            (#xn as f64, #far)
                        },
                        move |[#(#in_names),*]: [#te; #n_in]| -> f64 {
                            #precise
                            #xn as f64
                        },
                    )
                }
            }
        })
    }

    /// A matmul group as one `kernels::gemm_fused` call: the epilogue may
    /// read the product, scalars, planned bias columns and arrays of the
    /// product's shape, and every value used after the group is one of
    /// the kernel's results.
    fn dot_group(&self, g: &FusionGroup) -> Option<TokenStream> {
        let (&d, epi) = g.eqns.split_first()?;
        let de = &self.j.eqns[d];
        let ops = self.dot_operands(de)?;
        let dv = de.outputs[0];
        if self.vec_guard(epi).is_some() {
            // The gemm's tile epilogue has no fallback for sin/cos beyond
            // the vectorised range: the product alone, then the epilogue as
            // a checked elementwise loop.
            let mut out = self.planned_bias_broadcasts(g);
            out.extend(self.dot(dv, ops, &[], &[dv])?);
            let rest: Vec<Var> = g.outputs.iter().copied().filter(|o| *o != dv).collect();
            out.extend(self.elementwise(epi, &rest)?);
            return Some(out);
        }
        self.dot(dv, ops, epi, &g.outputs)
    }

    /// The operands of a fast matmul as stored, `(a, trans_a, b,
    /// trans_b)`, reading through elided transposes.
    fn dot_operands(&self, e: &Eqn) -> Option<(Var, bool, Var, bool)> {
        let (mut ta, mut tb) = fast_dot(self.j, e)?;
        let mut a = e.inputs[0].as_var()?;
        let mut b = e.inputs[1].as_var()?;
        if let Some(&s) = self.plan.transposed.get(&a) {
            (a, ta) = (s, !ta);
        }
        if let Some(&s) = self.plan.transposed.get(&b) {
            (b, tb) = (s, !tb);
        }
        Some((a, ta, b, tb))
    }

    /// `(outs) = epi(op(a) · op(b))` through a `fast` gemm kernel, where
    /// `dv` names the product inside the epilogue equations `epi` and
    /// `outs` are the values used afterwards (the product itself when
    /// `epi` is empty).
    fn dot(
        &self,
        dv: Var,
        (a, ta, b, tb): (Var, bool, Var, bool),
        epi: &[usize],
        outs: &[Var],
    ) -> Option<TokenStream> {
        let dt = self.j.ty(dv);
        let t = dt.dtype;
        if outs.is_empty() || outs.iter().any(|o| self.j.ty(*o).dtype != t) {
            return None;
        }
        // Classify what the epilogue reads from outside.
        let inner: HashSet<Var> = epi
            .iter()
            .flat_map(|&i| self.j.eqns[i].outputs.iter().copied())
            .chain([dv])
            .collect();
        let (mut cols, mut full): (Vec<Var>, Vec<Var>) = (Vec::new(), Vec::new());
        for &i in epi {
            for v in self.j.eqns[i].inputs.iter().filter_map(|a| a.as_var()) {
                let vt = self.j.ty(v);
                if inner.contains(&v) || vt.rank() == 0 || cols.contains(&v) || full.contains(&v) {
                    continue;
                }
                if vt.dtype != t {
                    return None;
                }
                if self.plan.cols.contains_key(&v) {
                    cols.push(v);
                } else if vt.dims() == dt.dims() {
                    full.push(v);
                } else {
                    return None;
                }
            }
        }
        let te = elem_ty(t);
        let body = self.scalar_body(epi)?;
        let dn = self.name(dv);
        let (an, bn) = (self.name(a), self.name(b));
        let f = fast();
        // Rows, contraction and columns from the operands as stored.
        let (m, k) = if ta {
            (quote!(1usize), quote!(0usize))
        } else {
            (quote!(0usize), quote!(1usize))
        };
        let (kb, n) = if tb {
            (quote!(1usize), quote!(0usize))
        } else {
            (quote!(0usize), quote!(1usize))
        };
        let msg = "dot_general: shapes {:?} and {:?} do not align";
        let dims = quote! {
            let (__m, __k, __n) = (#an.shape()[#m], #an.shape()[#k], #bn.shape()[#n]);
            ::core::assert!(__k == #bn.shape()[#kb], #msg, #an.shape(), #bn.shape());
        };
        let out_names: Vec<&Ident> = outs.iter().map(|o| self.name(*o)).collect();
        let out_tys = outs.iter().map(|o| rust_ty(self.j.ty(*o)));
        if !ta && tb && a == b && cols.is_empty() && full.is_empty() && outs.len() == 1 {
            // x · xᵀ: the symmetric kernel computes one triangle.
            let on = out_names[0];
            let buf = self.out_buffer(outs[0], quote!(&[__m, __n]));
            return Some(quote! {
                let (#on,): (#(#out_tys,)*) = {
                    #dims
                    let mut __o = #buf;
                    #f::syrk_epilogue_into(&#an, &mut __o, #[inline(always)] move |#dn: #te| -> #te { #body #on });
                    (__o,)
                };
            });
        }
        let bufs = out_buf_names(outs.len());
        let col_names: Vec<&Ident> = cols.iter().map(|v| self.name(*v)).collect();
        let col_srcs: Vec<&Ident> = cols
            .iter()
            .map(|v| self.name(self.plan.cols[v].1))
            .collect();
        let full_names: Vec<&Ident> = full.iter().map(|v| self.name(*v)).collect();
        let (nc, nf, no) = (cols.len(), full.len(), outs.len());
        let checks = full.iter().map(|v| {
            let x = self.name(*v);
            let op = "dot_general epilogue: operand shape {:?} differs from the product's [{}, {}]";
            quote!(::core::assert!(#x.shape() == [__m, __n], #op, #x.shape(), __m, __n);)
        });
        let call = quote! {
            #f::gemm_fused(
                #an.as_slice(), #bn.as_slice(), __m, __k, __n, #ta, #tb,
                [#(#col_srcs.as_slice()),*],
                [#(#full_names.as_slice()),*],
                [#(#bufs.as_mut_slice()),*],
                #[inline(always)]
                move |#dn: #te, [#(#col_names),*]: [#te; #nc], [#(#full_names),*]: [#te; #nf]| -> [#te; #no] {
                    #body
                    [#(#out_names),*]
                },
            );
        };
        let prelude = quote!(#dims #(#checks)*);
        Some(self.bind_outputs(outs, &bufs, quote!(&[__m, __n]), prelude, call))
    }
}
