//! `#[jit]` emission of rjax-core's row kernels (`rjax_core::kernel`):
//! the kernel IR printed as one `jit::grid` call whose body runs every
//! loop of the IR over one row. What fuses, which loops there are and
//! what each loop computes, loads, saves and writes is decided in
//! rjax-core; this file only chooses loop forms LLVM vectorises:
//! - reductions along the innermost axes (no inner lanes): each row is
//!   contiguous; a loop with reductions runs over chunks of
//!   `jit::LANES` elements with one accumulator per lane, then the tail;
//!   row values are scalars between the loops;
//! - reductions along other axes: a task is one tile of at most
//!   `jit::TILE` inner lanes, its loops run over the reduced axis with
//!   the lanes innermost (contiguous), one accumulator per lane, and row
//!   values are arrays over the lanes.
//!
//! Broadcasts are no code at all: a view's value is its source's value
//! (`let e: f32 = b;` inside the loop), and arrays are read by the index
//! arithmetic of their access. Transcendentals call the runtime's
//! kernels (`kernels::`; sin/cos pick their reduction, or std
//! beyond the fast range, per element: the eager ops' bits).

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use rjax_core::kernel::{Access, Group, Kernel, Loop, Read, Space, Step};
use rjax_core::passes::FusionGroup;
use rjax_core::{Atom, DType, Prim, Var};
use syn::Ident;

use super::emit::{Emitter, dim_expr, elem_ty, literal};
use super::fuse::Trig;

/// How the tasks of a kernel iterate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// No inner lanes: one row per task, row values are scalars.
    Rows,
    /// Inner lanes: a tile of lanes per task, row values are arrays.
    Lanes,
}

/// The identity of a reduction and how it combines two values.
fn reduction(p: Prim, d: DType, acc: &TokenStream, v: &TokenStream) -> (TokenStream, TokenStream) {
    let float = d.is_float();
    let ty = elem_ty(d);
    match p {
        Prim::ReduceSum if float => (literal(0.0, d), quote!(#acc + #v)),
        Prim::ReduceSum => (literal(0.0, d), quote!(#acc.wrapping_add(#v))),
        // NaN wins, as in `lax.reduce_max` (a blend, so it vectorises).
        Prim::ReduceMax if float => (
            literal(f64::NEG_INFINITY, d),
            quote!(if #acc.is_nan() || #acc > #v { #acc } else { #v }),
        ),
        Prim::ReduceMax => (quote!(#ty::MIN), quote!(if #acc >= #v { #acc } else { #v })),
        Prim::ReduceMin if float => (
            literal(f64::INFINITY, d),
            quote!(if #acc.is_nan() || #acc < #v { #acc } else { #v }),
        ),
        _ => (quote!(#ty::MAX), quote!(if #acc <= #v { #acc } else { #v })),
    }
}

impl Emitter<'_> {
    /// A `RowKernel` group as one `jit::grid` call; None when a member
    /// has no scalar form here (the group is then emitted equation by
    /// equation).
    pub(super) fn row_kernel(&self, g: &FusionGroup) -> Option<TokenStream> {
        let k = self.kernels.iter().find(|k| k.members == g.eqns)?;
        let j = self.j;
        let mode = if k.space.is_trivial(Group::Inner) {
            Mode::Rows
        } else {
            Mode::Lanes
        };
        let od = j.ty(*k.outputs.first()?).dtype;
        let ot = elem_ty(od);
        let size = |g: Group| dim_expr(&k.space.size(g));
        let (outer, red, inner) = (size(Group::Outer), size(Group::Reduced), size(Group::Inner));

        // Checks and slices of the arrays read.
        let mut prelude = quote! {
            let __k_outer: usize = #outer;
            let __k_red: usize = #red;
            let __k_inner: usize = #inner;
        };
        // Outer dims, for reads broadcast along some outer axes.
        if k.reads.iter().any(|r| r.access.outer_part != 0) {
            for a in k.space.axes(Group::Outer) {
                let (d, e) = (format_ident!("__k_od{}", a), dim_expr(&k.space.dims[a]));
                prelude.extend(quote!(let #d: usize = #e;));
            }
        }
        for r in &k.reads {
            let n = self.name(r.array);
            let s = format_ident!("__k_s_{}", self.name(r.var));
            let dims: Vec<TokenStream> = j.ty(r.array).dims().iter().map(dim_expr).collect();
            let msg = format!(
                "{}: operand shape {{:?}} differs from the expected {{:?}}",
                j.eqns[k.members[0]].prim.name()
            );
            prelude.extend(quote! {
                ::core::assert!(#n.shape() == [#(#dims),*], #msg, #n.shape(), [#(#dims),*]);
                let #s = #n.as_slice();
            });
        }
        // Output buffers.
        let bufs: Vec<Ident> = (0..k.outputs.len())
            .map(|i| format_ident!("__k_out{}", i))
            .collect();
        let blocks: Vec<Ident> = (0..k.outputs.len())
            .map(|i| format_ident!("__k_w{}", i))
            .collect();
        let mut allocs = TokenStream::new();
        let mut out_args = Vec::new();
        for (i, o) in k.outputs.iter().enumerate() {
            let dims: Vec<TokenStream> = j.ty(*o).dims().iter().map(dim_expr).collect();
            let b = &bufs[i];
            let alloc = self.out_buffer(*o, quote!(&[#(#dims),*]));
            allocs.extend(quote!(let mut #b = #alloc;));
            let full = k.spaces[o] == Space::Full;
            out_args.push(quote!((#b.as_mut_slice(), #full)));
        }
        // Row buffers of the values carried between loops.
        let carried: Vec<Var> = {
            let mut seen = HashSet::new();
            k.loops()
                .flat_map(|l| l.saves.iter().copied())
                .filter(|v| seen.insert(*v))
                .collect()
        };
        let carry_len = match mode {
            Mode::Rows => quote!(__k_red),
            Mode::Lanes => quote!(__k_red * ::rjax::runtime::jit::TILE),
        };
        let carry_init = carried.iter().map(|v| {
            let t = elem_ty(j.ty(*v).dtype);
            quote!(::std::vec![<#t as ::core::default::Default>::default(); #carry_len])
        });
        let carry_names: Vec<Ident> = carried
            .iter()
            .map(|v| format_ident!("__k_c_{}", self.name(*v)))
            .collect();
        let body = self.kernel_body(k, mode, &carried)?;
        let out_names = k.outputs.iter().map(|o| self.name(*o));
        let out_tys = k.outputs.iter().map(|o| super::emit::rust_ty(j.ty(*o)));
        let m = k.outputs.len();
        Some(quote! {
            let (#(#out_names,)*): (#(#out_tys,)*) = {
                #prelude
                #allocs
                ::rjax::runtime::jit::grid::<#ot, _, #m, _, _>(
                    ::rjax::runtime::jit::Grid { outer: __k_outer, reduced: __k_red, inner: __k_inner },
                    [#(#out_args),*],
                    || (#(#carry_init,)*),
                    #[inline(always)]
                    move |__k_state: &mut _, __k_o: usize, __k_i0: usize, __k_i1: usize, [#(mut #blocks),*]: [::rjax::runtime::jit::Block<'_, #ot>; #m]| {
                        let (#(#carry_names,)*) = __k_state;
                        #body
                    },
                );
                (#(#bufs,)*)
            };
        })
    }

    /// The index of a read's outer part in this task: the task's outer
    /// index, or for a read broadcast along some outer axes its own
    /// (computed at the top of the task).
    fn outer_ix(&self, r: &Read) -> TokenStream {
        if r.access.outer_part == 0 {
            quote!(__k_o)
        } else {
            let n = format_ident!("__k_po_{}", self.name(r.var));
            quote!(#n)
        }
    }

    /// The body of one task.
    fn kernel_body(&self, k: &Kernel, mode: Mode, carried: &[Var]) -> Option<TokenStream> {
        let j = self.j;
        let mut out = TokenStream::new();
        // Per-task bindings of reads that do not vary along the reduced
        // axes: scalars, or lane slices.
        if mode == Mode::Lanes {
            out.extend(quote!(let __k_w: usize = __k_i1 - __k_i0;));
        }
        // The outer index of each read broadcast along some outer axes:
        // row-major over the axes it spans, from the task's `__k_o`.
        for r in k.reads.iter().filter(|r| r.access.outer_part != 0) {
            let spanned = r.access.outer_axes(&k.space);
            let mut steps = TokenStream::new();
            for a in k.space.axes(Group::Outer).rev() {
                if k.space.dims[a].is(1) {
                    continue;
                }
                let d = format_ident!("__k_od{}", a);
                steps.extend(if spanned.contains(&a) {
                    quote! {
                        __k_p += __k_t % #d * __k_sc;
                        __k_sc *= #d;
                        __k_t /= #d;
                    }
                } else {
                    quote!(__k_t /= #d;)
                });
            }
            let oi = self.outer_ix(r);
            out.extend(quote! {
                let #oi: usize = {
                    let (mut __k_t, mut __k_p, mut __k_sc) = (__k_o, 0usize, 1usize);
                    #steps
                    let _ = (__k_t, __k_sc);
                    __k_p
                };
            });
        }
        for r in &k.reads {
            let (n, s) = (
                self.name(r.var),
                format_ident!("__k_s_{}", self.name(r.var)),
            );
            let t = elem_ty(j.ty(r.var).dtype);
            let a = r.access;
            if a.reduced {
                continue;
            }
            out.extend(match (mode, a.outer, a.inner) {
                (Mode::Lanes, o, true) => {
                    let lane = format_ident!("__k_q_{}", n);
                    let base = if o {
                        let oi = self.outer_ix(r);
                        quote!(#oi * __k_inner + __k_i0)
                    } else {
                        quote!(__k_i0)
                    };
                    quote!(let #lane = &#s[#base..][..__k_w];)
                }
                (_, true, _) => {
                    let oi = self.outer_ix(r);
                    quote!(let #n: #t = #s[#oi];)
                }
                _ => quote!(let #n: #t = #s[0];),
            });
        }
        // Full-space reads of a row (rows mode): one slice per row.
        if mode == Mode::Rows {
            for r in k.reads.iter().filter(|r| r.access.reduced) {
                let (n, s) = (
                    self.name(r.var),
                    format_ident!("__k_s_{}", self.name(r.var)),
                );
                let row = format_ident!("__k_r_{}", n);
                let base = if r.access.outer {
                    let oi = self.outer_ix(r);
                    quote!(#oi * __k_red)
                } else {
                    quote!(0)
                };
                out.extend(quote!(let #row = &#s[#base..][..__k_red];));
            }
            for v in carried {
                let n = format_ident!("__k_c_{}", self.name(*v));
                out.extend(quote!(let #n = &mut #n[..__k_red];));
            }
            for (i, o) in k.outputs.iter().enumerate() {
                if k.spaces[o] == Space::Full {
                    let (b, s) = (format_ident!("__k_w{}", i), format_ident!("__k_f{}", i));
                    out.extend(quote!(let #s = &mut #b.flat()[..__k_red];));
                }
            }
        }
        let mut defined: HashSet<Var> = HashSet::new();
        for step in &k.steps {
            match step {
                Step::Loop(l) => out.extend(match mode {
                    Mode::Rows => self.rows_loop(k, l, &mut defined)?,
                    Mode::Lanes => self.lanes_loop(k, l, &mut defined)?,
                }),
                Step::Row(eqns) => out.extend(self.row_step(k, mode, eqns, &mut defined)?),
            }
        }
        Some(out)
    }

    /// `let v: T = base;` for the view operands of equation `i` (a view's
    /// element is its source's element).
    fn view_aliases(&self, k: &Kernel, i: usize) -> TokenStream {
        let mut out = TokenStream::new();
        for a in &self.j.eqns[i].inputs {
            let Some(v) = a.as_var() else { continue };
            if !k.views.iter().any(|w| w.var == v) {
                continue;
            }
            let t = elem_ty(self.j.ty(v).dtype);
            let n = self.name(v);
            let src = match k.base(v) {
                Atom::Lit(l) => literal(l.value, l.dtype),
                Atom::Var(b) => {
                    let b = self.name(b);
                    quote!(#b)
                }
            };
            out.extend(quote!(let #n: #t = #src;));
        }
        out
    }

    /// The scalar code of equation `i` (with its view aliases).
    fn kernel_eqn(&self, k: &Kernel, i: usize) -> Option<TokenStream> {
        let mut out = self.view_aliases(k, i);
        out.extend(self.scalar_body_trig(&[i], Trig::PreciseTiered)?);
        Some(out)
    }

    /// The bases (through views) of the operands of `eqns`.
    fn operand_bases(&self, k: &Kernel, eqns: &[usize]) -> Vec<Var> {
        let mut out = Vec::new();
        for &i in eqns {
            for a in &self.j.eqns[i].inputs {
                if let Some(v) = a.as_var()
                    && let Atom::Var(b) = k.base(v)
                    && !out.contains(&b)
                {
                    out.push(b);
                }
            }
        }
        out
    }

    /// Stores of row values computed by `eqns` (or reductions) that leave
    /// the kernel; in lanes mode also their lane arrays when a later
    /// step reads them.
    fn row_outputs(&self, k: &Kernel, vars: &[Var], lane: Option<&TokenStream>) -> TokenStream {
        let mut out = TokenStream::new();
        for v in vars {
            if let Some(i) = k.outputs.iter().position(|o| o == v) {
                let (b, n) = (format_ident!("__k_w{}", i), self.name(*v));
                out.extend(match lane {
                    None => quote!(#b.flat()[0] = #n;),
                    Some(l) => quote!(#b.flat()[#l] = #n;),
                });
            }
        }
        out
    }

    /// One loop of a rows-mode kernel.
    fn rows_loop(&self, k: &Kernel, l: &Loop, defined: &mut HashSet<Var>) -> Option<TokenStream> {
        let j = self.j;
        let all: Vec<usize> = l.body.iter().chain(&l.reduces).copied().collect();
        // Slices indexed along the row: reads with reduced axes, loads,
        // saves, stores.
        let mut reads: Vec<(Var, Ident)> = Vec::new();
        for b in self.operand_bases(k, &all) {
            if let Some(r) = k.read_of(b)
                && r.access.reduced
            {
                reads.push((b, format_ident!("__k_r_{}", self.name(b))));
            }
        }
        let loads: Vec<(Var, Ident)> = l
            .loads
            .iter()
            .map(|v| (*v, format_ident!("__k_c_{}", self.name(*v))))
            .collect();
        let saves: Vec<(Var, Ident)> = l
            .saves
            .iter()
            .map(|v| (*v, format_ident!("__k_c_{}", self.name(*v))))
            .collect();
        let stores: Vec<(Var, Ident)> = l
            .stores
            .iter()
            .map(|v| {
                let i = k.outputs.iter().position(|o| o == v)?;
                Some((*v, format_ident!("__k_f{}", i)))
            })
            .collect::<Option<_>>()?;
        let iteration = |slice: &dyn Fn(&Ident) -> TokenStream| -> Option<TokenStream> {
            let mut t = TokenStream::new();
            for (v, s) in reads.iter().chain(&loads) {
                let (n, ty) = (self.name(*v), elem_ty(j.ty(*v).dtype));
                let e = slice(s);
                t.extend(quote!(let #n: #ty = #e;));
            }
            for &i in &l.body {
                t.extend(self.kernel_eqn(k, i)?);
            }
            for (v, s) in saves.iter().chain(&stores) {
                let (n, e) = (self.name(*v), slice(s));
                t.extend(quote!(#e = #n;));
            }
            Some(t)
        };
        if l.reduces.is_empty() {
            let it = iteration(&|s: &Ident| quote!(#s[__k_r]))?;
            return Some(quote! {
                for __k_r in 0..__k_red {
                    #it
                }
            });
        }
        // Chunks of LANES with one accumulator per lane, then the tail.
        let lanes = quote!(::rjax::runtime::jit::LANES);
        let chunk = |s: &Ident| format_ident!("{}_ch", s);
        let it_chunk = iteration(&|s: &Ident| {
            let c = chunk(s);
            quote!(#c[__k_l])
        })?;
        let it_tail = iteration(&|s: &Ident| quote!(#s[__k_r]))?;
        let mut accs = TokenStream::new();
        let mut acc_chunk = TokenStream::new();
        let mut acc_tail = TokenStream::new();
        let mut finals = TokenStream::new();
        for &ri in &l.reduces {
            let e = &j.eqns[ri];
            let o = e.outputs[0];
            let d = j.ty(o).dtype;
            let ty = elem_ty(d);
            let n = self.name(o);
            let acc = format_ident!("__k_acc_{}", n);
            let operand = e.inputs[0].as_var()?;
            let alias = self.view_aliases(k, ri);
            let x = self.name(operand);
            let (init, _) = reduction(e.prim, d, &quote!(a), &quote!(b));
            let (_, step) = reduction(e.prim, d, &quote!(#acc[__k_l]), &quote!(#x));
            let (_, tail) = reduction(e.prim, d, &quote!(#n), &quote!(#x));
            let (_, comb) = reduction(e.prim, d, &quote!(#n), &quote!(__k_a));
            accs.extend(quote!(let mut #acc: [#ty; #lanes] = [#init; #lanes];));
            acc_chunk.extend(quote!(#alias #acc[__k_l] = #step;));
            acc_tail.extend(quote!(#alias #n = #tail;));
            finals.extend(quote! {
                let mut #n: #ty = #init;
                for __k_a in #acc {
                    #n = #comb;
                }
            });
        }
        let chunk_slices = reads.iter().chain(&loads).map(|(_, s)| {
            let c = chunk(s);
            quote!(let #c = &#s[__k_r0..__k_r0 + #lanes];)
        });
        let chunk_mut = saves.iter().chain(&stores).map(|(_, s)| {
            let c = chunk(s);
            quote!(let #c = &mut #s[__k_r0..__k_r0 + #lanes];)
        });
        let outs: Vec<Var> = l.reduces.iter().map(|&r| j.eqns[r].outputs[0]).collect();
        defined.extend(outs.iter().copied());
        let stores_rows = self.row_outputs(k, &outs, None);
        Some(quote! {
            #accs
            let __k_full = __k_red / #lanes * #lanes;
            let mut __k_r0 = 0usize;
            while __k_r0 < __k_full {
                #(#chunk_slices)*
                #(#chunk_mut)*
                for __k_l in 0..#lanes {
                    #it_chunk
                    #acc_chunk
                }
                __k_r0 += #lanes;
            }
            #finals
            for __k_r in __k_full..__k_red {
                #it_tail
                #acc_tail
            }
            #stores_rows
        })
    }

    /// One loop of a lanes-mode kernel: over the reduced axis, the tile's
    /// lanes innermost.
    fn lanes_loop(&self, k: &Kernel, l: &Loop, defined: &mut HashSet<Var>) -> Option<TokenStream> {
        let j = self.j;
        let all: Vec<usize> = l.body.iter().chain(&l.reduces).copied().collect();
        let tile = quote!(::rjax::runtime::jit::TILE);
        let mut per_r = TokenStream::new();
        let mut per_lane = TokenStream::new();
        for b in self.operand_bases(k, &all) {
            let n = self.name(b);
            let t = elem_ty(j.ty(b).dtype);
            if let Some(r) = k.read_of(b) {
                let s = format_ident!("__k_s_{}", n);
                let a: Access = r.access;
                match (a.reduced, a.inner) {
                    (true, true) => {
                        let base = if a.outer {
                            let oi = self.outer_ix(r);
                            quote!((#oi * __k_red + __k_r) * __k_inner + __k_i0)
                        } else {
                            quote!(__k_r * __k_inner + __k_i0)
                        };
                        let sl = format_ident!("__k_r_{}", n);
                        per_r.extend(quote!(let #sl = &#s[#base..][..__k_w];));
                        per_lane.extend(quote!(let #n: #t = #sl[__k_l];));
                    }
                    (true, false) => {
                        let idx = if a.outer {
                            let oi = self.outer_ix(r);
                            quote!(#oi * __k_red + __k_r)
                        } else {
                            quote!(__k_r)
                        };
                        per_r.extend(quote!(let #n: #t = #s[#idx];));
                    }
                    (false, true) => {
                        let q = format_ident!("__k_q_{}", n);
                        per_lane.extend(quote!(let #n: #t = #q[__k_l];));
                    }
                    (false, false) => {}
                }
            } else if k.spaces.get(&b) == Some(&Space::Row) {
                let arr = format_ident!("__k_v_{}", n);
                per_lane.extend(quote!(let #n: #t = #arr[__k_l];));
            }
        }
        for v in &l.loads {
            let (n, c) = (self.name(*v), format_ident!("__k_c_{}", self.name(*v)));
            let t = elem_ty(j.ty(*v).dtype);
            let sl = format_ident!("__k_cr_{}", n);
            per_r.extend(quote!(let #sl = &#c[__k_r * __k_w..][..__k_w];));
            per_lane.extend(quote!(let #n: #t = #sl[__k_l];));
        }
        let mut writes = TokenStream::new();
        for v in &l.saves {
            let (n, c) = (self.name(*v), format_ident!("__k_c_{}", self.name(*v)));
            let sl = format_ident!("__k_cw_{}", n);
            per_r.extend(quote!(let #sl = &mut #c[__k_r * __k_w..][..__k_w];));
            writes.extend(quote!(#sl[__k_l] = #n;));
        }
        for v in &l.stores {
            let i = k.outputs.iter().position(|o| o == v)?;
            let (n, b) = (self.name(*v), format_ident!("__k_w{}", i));
            let sl = format_ident!("__k_f{}", i);
            per_r.extend(quote!(let #sl = &mut #b.row(__k_r)[..__k_w];));
            writes.extend(quote!(#sl[__k_l] = #n;));
        }
        let mut body = TokenStream::new();
        for &i in &l.body {
            body.extend(self.kernel_eqn(k, i)?);
        }
        let mut accs = TokenStream::new();
        let mut acc_step = TokenStream::new();
        let mut finals = TokenStream::new();
        for &ri in &l.reduces {
            let e = &j.eqns[ri];
            let o = e.outputs[0];
            let d = j.ty(o).dtype;
            let ty = elem_ty(d);
            let n = self.name(o);
            let arr = format_ident!("__k_v_{}", n);
            let x = self.name(e.inputs[0].as_var()?);
            let alias = self.view_aliases(k, ri);
            let (init, step) = reduction(e.prim, d, &quote!(#arr[__k_l]), &quote!(#x));
            accs.extend(quote!(let mut #arr: [#ty; #tile] = [#init; #tile];));
            acc_step.extend(quote!(#alias #arr[__k_l] = #step;));
            defined.insert(o);
            let st = self.row_outputs(k, &[o], Some(&quote!(__k_l)));
            if !st.is_empty() {
                finals.extend(quote!(for __k_l in 0..__k_w { let #n: #ty = #arr[__k_l]; #st }));
            }
        }
        Some(quote! {
            #accs
            for __k_r in 0..__k_red {
                #per_r
                for __k_l in 0..__k_w {
                    #per_lane
                    #body
                    #writes
                    #acc_step
                }
            }
            #finals
        })
    }

    /// Row-space equations between loops.
    fn row_step(
        &self,
        k: &Kernel,
        mode: Mode,
        eqns: &[usize],
        defined: &mut HashSet<Var>,
    ) -> Option<TokenStream> {
        let j = self.j;
        let mut body = TokenStream::new();
        for &i in eqns {
            body.extend(self.kernel_eqn(k, i)?);
        }
        let outs: Vec<Var> = eqns.iter().map(|&i| j.eqns[i].outputs[0]).collect();
        match mode {
            Mode::Rows => {
                defined.extend(outs.iter().copied());
                let st = self.row_outputs(k, &outs, None);
                Some(quote!(#body #st))
            }
            Mode::Lanes => {
                let tile = quote!(::rjax::runtime::jit::TILE);
                let mut loads = TokenStream::new();
                for b in self.operand_bases(k, eqns) {
                    let n = self.name(b);
                    let t = elem_ty(j.ty(b).dtype);
                    if defined.contains(&b) && !outs.contains(&b) {
                        let arr = format_ident!("__k_v_{}", n);
                        loads.extend(quote!(let #n: #t = #arr[__k_l];));
                    } else if let Some(r) = k.read_of(b)
                        && r.access.inner
                    {
                        let q = format_ident!("__k_q_{}", n);
                        loads.extend(quote!(let #n: #t = #q[__k_l];));
                    }
                }
                let mut decls = TokenStream::new();
                let mut saves = TokenStream::new();
                for o in &outs {
                    let (n, t) = (self.name(*o), elem_ty(j.ty(*o).dtype));
                    let arr = format_ident!("__k_v_{}", n);
                    decls.extend(quote!(let mut #arr: [#t; #tile] = [<#t as ::core::default::Default>::default(); #tile];));
                    saves.extend(quote!(#arr[__k_l] = #n;));
                }
                defined.extend(outs.iter().copied());
                let st = self.row_outputs(k, &outs, Some(&quote!(__k_l)));
                Some(quote! {
                    #decls
                    for __k_l in 0..__k_w {
                        #loads
                        #body
                        #saves
                        #st
                    }
                })
            }
        }
    }
}
