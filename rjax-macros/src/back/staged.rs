//! `#[jit]` emission of a fused elementwise group with several
//! transcendentals as staged loops over blocks (`kernels::map_nm_blocks`):
//! rjax-core's `loop_stages` cuts the group after each transcendental, and
//! each stage becomes one short loop over the block; values read by a
//! later stage pass through block-sized stack buffers. See
//! `rjax_runtime::kernels::staged` for why this is faster than one loop.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use rjax_core::passes::{Stage, loop_stages};
use rjax_core::{DType, Var};
use syn::Ident;

use super::emit::{Emitter, elem_ty};
use super::fuse::{Trig, fast, out_buf_names};

impl Emitter<'_> {
    /// The staged form of the elementwise group `eqns` (results `outs`),
    /// or None when one loop is as good (fewer than two transcendentals)
    /// or the group does not fit (mixed dtypes, a result it does not
    /// compute).
    pub(super) fn staged_elementwise(&self, eqns: &[usize], outs: &[Var]) -> Option<TokenStream> {
        let ins = self.group_inputs(eqns);
        let (arrays, t, u) = self.map_operands(&ins, outs)?;
        let bufs = out_buf_names(outs.len());
        let (block, guarded) = self.staged_block(eqns, &arrays, t, outs, &bufs)?;
        let (te, ue) = (elem_ty(t), elem_ty(u));
        let (n_in, n_out) = (arrays.len(), outs.len());
        let in_names: Vec<&Ident> = arrays.iter().map(|v| self.name(*v)).collect();
        let out_names: Vec<&Ident> = outs.iter().map(|v| self.name(*v)).collect();
        let first = in_names[0];
        let f = fast();
        let call = if guarded {
            let precise = self.scalar_body_trig(eqns, Trig::PreciseTiered)?;
            quote! {
                #f::map_nm_blocks_checked(
                    [#(#in_names.as_slice()),*],
                    [#(#bufs.as_mut_slice()),*],
                    #block,
                    move |[#(#in_names),*]: [#te; #n_in]| -> [#ue; #n_out] {
                        #precise
                        [#(#out_names),*]
                    },
                );
            }
        } else {
            quote! {
                #f::map_nm_blocks(
                    [#(#in_names.as_slice()),*],
                    [#(#bufs.as_mut_slice()),*],
                    #block,
                );
            }
        };
        let op = self.j.eqns[eqns[0]].prim.name();
        let check = self.same_shapes(&arrays, op);
        Some(self.bind_outputs(outs, &bufs, quote!(#first.shape()), check, call))
    }

    /// The staged form of a full float sum of the elementwise producers
    /// `eqns` (the summed value `x`, map operands `arrays`): the stages
    /// fill a block of `x`, which `kernels::map_sum_nm_blocks` adds up. The
    /// expression is the sum as f64; None when one loop is as good.
    pub(super) fn staged_sum(&self, eqns: &[usize], x: Var, arrays: &[Var]) -> Option<TokenStream> {
        let t = self.j.ty(arrays[0]).dtype;
        let buf = format_ident!("__vals");
        let (block, guarded) =
            self.staged_block(eqns, arrays, t, &[x], std::slice::from_ref(&buf))?;
        let te = elem_ty(t);
        let n_in = arrays.len();
        let in_names: Vec<&Ident> = arrays.iter().map(|v| self.name(*v)).collect();
        let (xn, xe) = (self.name(x), elem_ty(self.j.ty(x).dtype));
        let f = fast();
        Some(if guarded {
            let precise = self.scalar_body_trig(eqns, Trig::PreciseTiered)?;
            quote! {
                #f::map_sum_nm_blocks_checked(
                    [#(#in_names.as_slice()),*],
                    #block,
                    move |[#(#in_names),*]: [#te; #n_in]| -> #xe {
                        #precise
                        #xn
                    },
                )
            }
        } else {
            quote!(#f::map_sum_nm_blocks([#(#in_names.as_slice()),*], #block))
        })
    }

    /// The block closure of a staged loop over the equations `eqns`:
    /// `|[inputs]: [&[T]; N], [bufs]: [&mut [U]; M]|`, one loop per stage
    /// of rjax-core's `loop_stages`, writing each of `outs` to its buffer
    /// in the stage that computes it; it returns the fast-range flag when
    /// the group has sin/cos (the bool). None when one loop is as good
    /// (fewer than two transcendentals) or a result is not computed here.
    fn staged_block(
        &self,
        eqns: &[usize],
        arrays: &[Var],
        t: DType,
        outs: &[Var],
        bufs: &[Ident],
    ) -> Option<(TokenStream, bool)> {
        let stages = loop_stages(self.j, eqns);
        if stages.len() < 2
            || outs
                .iter()
                .any(|o| !stages.iter().any(|s| self.defines(s, *o)))
        {
            return None;
        }
        let te = elem_ty(t);
        let ue = elem_ty(self.j.ty(*outs.first()?).dtype);
        let (n_in, n_out) = (arrays.len(), outs.len());
        let in_names: Vec<&Ident> = arrays.iter().map(|v| self.name(*v)).collect();
        let first = in_names[0];
        let f = fast();

        // Values a later stage reads: one block buffer each.
        let carried: Vec<Var> = {
            let mut seen = HashSet::new();
            stages
                .iter()
                .flat_map(|s| s.carried.iter().copied())
                .filter(|v| seen.insert(*v))
                .collect()
        };
        let tmp = |v: Var| format_ident!("__blk_{}", self.name(v));
        let temps = carried.iter().map(|&v| {
            let (b, ty) = (tmp(v), elem_ty(self.j.ty(v).dtype));
            quote! {
                let mut #b = [<#ty as ::core::default::Default>::default(); #f::STAGE_BLOCK];
                let #b = &mut #b[..__n];
            }
        });
        let guarded = self.trig_guard(eqns).is_some();
        let loops = stages
            .iter()
            .map(|s| {
                let reads: HashSet<Var> = s
                    .eqns
                    .iter()
                    .flat_map(|&i| self.j.eqns[i].inputs.iter().filter_map(|a| a.as_var()))
                    .collect();
                let load_ins = arrays
                    .iter()
                    .filter(|v| reads.contains(v))
                    .map(|v| {
                        let n = self.name(*v);
                        quote!(let #n = #n[__i];)
                    })
                    .collect::<Vec<_>>();
                let load_carried = s
                    .carried
                    .iter()
                    .map(|&v| {
                        let (n, b) = (self.name(v), tmp(v));
                        quote!(let #n = #b[__i];)
                    })
                    .collect::<Vec<_>>();
                let save = carried
                    .iter()
                    .filter(|v| self.defines(s, **v))
                    .map(|&v| {
                        let (n, b) = (self.name(v), tmp(v));
                        quote!(#b[__i] = #n;)
                    })
                    .collect::<Vec<_>>();
                let write = outs
                    .iter()
                    .zip(bufs)
                    .filter(|(o, _)| self.defines(s, **o))
                    .map(|(o, b)| {
                        let n = self.name(*o);
                        quote!(#b[__i] = #n;)
                    })
                    .collect::<Vec<_>>();
                let one_loop = |body: TokenStream, flag: Option<TokenStream>| {
                    quote! {
                        for __i in 0..__n {
                            #(#load_ins)*
                            #(#load_carried)*
                            #body
                            #(#save)*
                            #(#write)*
                            #flag
                        }
                    }
                };
                let far = self.trig_guard(&s.eqns).map(|g| quote!(__far |= #g;));
                Some(match self.trig_guard_as(&s.eqns, true) {
                    // f32 sin/cos: the f32 reduction when the whole block
                    // is within its range, else again with both reductions
                    // picked per element (a stage never overwrites what it
                    // reads, so running it twice is harmless).
                    Some(wide) => {
                        let near = one_loop(
                            self.scalar_body_trig(&s.eqns, Trig::Near)?,
                            Some(quote!(__wide |= #wide;)),
                        );
                        let tiered = one_loop(self.scalar_body_trig(&s.eqns, Trig::Tiered)?, far);
                        quote! {
                            let mut __wide = false;
                            #near
                            if __wide {
                                #tiered
                            }
                        }
                    }
                    // f32 sin/cos whose operands are known to be in range.
                    None if self.has_f32_trig(&s.eqns) => {
                        one_loop(self.scalar_body_trig(&s.eqns, Trig::Near)?, far)
                    }
                    None => one_loop(self.scalar_body(&s.eqns)?, far),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let far_decl = guarded.then(|| quote!(let mut __far = false;));
        let far_ret = guarded.then(|| quote!(__far));
        let block = quote! {
            #[inline(always)]
            move |[#(#in_names),*]: [&[#te]; #n_in], [#(#bufs),*]: [&mut [#ue]; #n_out]| {
                let __n = #first.len();
                #(let #in_names = &#in_names[..__n];)*
                #(let #bufs = &mut #bufs[..__n];)*
                #far_decl
                #(#temps)*
                #(#loops)*
                #far_ret
            }
        };
        Some((block, guarded))
    }

    /// Whether stage `s` computes `v`.
    fn defines(&self, s: &Stage, v: Var) -> bool {
        s.eqns.iter().any(|&i| self.j.eqns[i].outputs.contains(&v))
    }
}
