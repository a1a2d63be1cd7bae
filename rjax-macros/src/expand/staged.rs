//! `#[jit]` emission of a fused elementwise group with several
//! transcendentals as staged loops over blocks (`fast::map_nm_blocks`):
//! rjax-core's `loop_stages` cuts the group after each transcendental, and
//! each stage becomes one short loop over the block; values read by a
//! later stage pass through block-sized stack buffers. See
//! `rjax_runtime::fast::staged` for why this is faster than one loop.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use rjax_core::Var;
use rjax_core::passes::{Stage, loop_stages};
use syn::Ident;

use super::emit::{Emitter, elem_ty, rust_ty};

impl Emitter<'_> {
    /// The staged form of the elementwise group `eqns` (results `outs`),
    /// or None when one loop is as good (fewer than two transcendentals)
    /// or the group does not fit (mixed dtypes, a result it does not
    /// compute).
    pub(super) fn staged_elementwise(&self, eqns: &[usize], outs: &[Var]) -> Option<TokenStream> {
        let stages = loop_stages(self.j, eqns);
        if stages.len() < 2 {
            return None;
        }
        let defined_in = |v: Var| stages.iter().position(|s| self.defines(s, v));
        if outs.iter().any(|o| defined_in(*o).is_none()) {
            return None;
        }
        let ins = self.group_inputs(eqns);
        let (arrays, t, u) = self.map_operands(&ins, outs)?;
        let (te, ue) = (elem_ty(t), elem_ty(u));
        let (n_in, n_out) = (arrays.len(), outs.len());
        let in_names: Vec<&Ident> = arrays.iter().map(|v| self.name(*v)).collect();
        let bufs: Vec<Ident> = (0..n_out).map(|k| format_ident!("__out{}", k)).collect();
        let first = in_names[0];
        let f: TokenStream = "::rjax::runtime::fast".parse().unwrap();

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
                let load_ins = arrays.iter().filter(|v| reads.contains(v)).map(|v| {
                    let n = self.name(*v);
                    quote!(let #n = #n[__i];)
                });
                let load_carried = s.carried.iter().map(|&v| {
                    let (n, b) = (self.name(v), tmp(v));
                    quote!(let #n = #b[__i];)
                });
                let body = self.scalar_body(&s.eqns)?;
                let save = carried.iter().filter(|v| self.defines(s, **v)).map(|&v| {
                    let (n, b) = (self.name(v), tmp(v));
                    quote!(#b[__i] = #n;)
                });
                let write = outs
                    .iter()
                    .zip(&bufs)
                    .filter(|(o, _)| self.defines(s, **o))
                    .map(|(o, b)| {
                        let n = self.name(*o);
                        quote!(#b[__i] = #n;)
                    });
                let far = self.trig_guard(&s.eqns).map(|g| quote!(__far |= #g;));
                Some(quote! {
                    for __i in 0..__n {
                        #(#load_ins)*
                        #(#load_carried)*
                        #body
                        #(#save)*
                        #(#write)*
                        #far
                    }
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
        let call = if guarded {
            let precise = self.scalar_body_as(eqns, true)?;
            let out_names: Vec<&Ident> = outs.iter().map(|v| self.name(*v)).collect();
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
        let out_names: Vec<&Ident> = outs.iter().map(|v| self.name(*v)).collect();
        let out_tys = outs.iter().map(|o| rust_ty(self.j.ty(*o)));
        let allocs = outs
            .iter()
            .map(|o| self.out_buffer(*o, quote!(#first.shape())));
        let op = self.j.eqns[eqns[0]].prim.name();
        let check = self.same_shapes(&arrays, op);
        Some(quote! {
            let (#(#out_names,)*): (#(#out_tys,)*) = {
                #check
                #(let mut #bufs = #allocs;)*
                #call
                (#(#bufs,)*)
            };
        })
    }

    /// Whether stage `s` computes `v`.
    fn defines(&self, s: &Stage, v: Var) -> bool {
        s.eqns.iter().any(|&i| self.j.eqns[i].outputs.contains(&v))
    }
}
