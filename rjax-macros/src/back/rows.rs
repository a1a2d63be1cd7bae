//! `#[jit]` emission of row programs: the batched form of a function of a
//! few vector elements (`vmap` of `grad f`, of `f(t) -> f32`, of
//! `array![..]` built from elements) reads columns of `[rows, width]`
//! inputs (the plan's `ColumnRead`s), runs elementwise code on `[rows]`
//! values and assembles columns into `[rows, len]` results (`OneHotCols`:
//! a batched one-hot gradient or a concatenation of columns). Emitted
//! group by group that is one strided copy per column, one loop per fused
//! group and one assembly pass; here a run of such groups becomes one
//! `jit::rows` call that reads each row, computes and writes it once.
//!
//! A run ("row set") grows over the fusion groups in order while they
//! are row work over the same number of rows; other groups are emitted in
//! place meanwhile unless they read a value of the set, which closes it
//! (it is emitted first). That moves the set's groups after the groups
//! that were interleaved with them, which is safe: those did not read the
//! set, and the set's earlier groups do not read them. Values of the set
//! read afterwards become outputs of the call (1-d `[rows]` values as
//! such). A set the kernel cannot take (mixed dtypes, a scalar read
//! afterwards, no column read or assembly to save) is emitted group by
//! group as before, so this changes only how fast code runs.

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::quote;
use rjax_core::passes::FusionGroup;
use rjax_core::passes::fusion::is_elementwise;
use rjax_core::{DType, DimExpr, Var};
use syn::Ident;

use super::emit::{Emitter, dim_expr, elem_ty, rust_ty};
use super::fuse::out_buf_names;
use super::plan::Special;

/// A run of row groups over `rows` rows.
struct RowSet<'g> {
    rows: Option<DimExpr>,
    groups: Vec<&'g FusionGroup>,
    defs: HashSet<Var>,
}

impl RowSet<'_> {
    fn new() -> Self {
        RowSet {
            rows: None,
            groups: Vec::new(),
            defs: HashSet::new(),
        }
    }
}

/// Where a result of the row loop goes.
enum Lane {
    /// Column `col` of the 2-d `src`.
    Col(Var, usize),
    /// A 1-d value from outside the set, first read by op `.0`.
    Vec(&'static str),
}

enum Out {
    /// A `[rows, len]` assembly (the `OneHotCols` equation's result).
    Cols {
        var: Var,
        len: DimExpr,
        terms: Vec<(usize, Var)>,
    },
    /// A `[rows]` value read after the set.
    Vec(Var),
}

impl Emitter<'_> {
    /// All fusion groups of the body under `#[jit]`, runs of row work as
    /// one row loop each.
    pub(super) fn groups_jit(&self, groups: &[FusionGroup]) -> TokenStream {
        let mut out = TokenStream::new();
        let mut set = RowSet::new();
        for g in groups {
            match self.row_group(g) {
                Some(rows) if self.joins(&set, g, &rows) => {
                    if set.rows.is_none() {
                        set.rows = rows;
                    }
                    self.add(&mut set, g);
                }
                row => {
                    if !set.groups.is_empty() && (row.is_some() || self.reads_any(g, &set.defs)) {
                        out.extend(self.close(std::mem::replace(&mut set, RowSet::new())));
                    }
                    match row {
                        // A row group over other rows, or one reading a
                        // 2-d value of the closed set: starts a new set.
                        Some(rows) if rows.is_some() && self.joins(&set, g, &rows) => {
                            set.rows = rows;
                            self.add(&mut set, g);
                        }
                        _ => out.extend(self.group(g)),
                    }
                }
            }
        }
        out.extend(self.close(set));
        out
    }

    /// Adds `g` to `set`, with the values it materialises (planned-away
    /// equations define nothing anyone reads but their planned reader).
    fn add<'g>(&self, set: &mut RowSet<'g>, g: &'g FusionGroup) {
        let defs = g
            .eqns
            .iter()
            .filter(|i| !self.plan.skip.contains(i))
            .flat_map(|&i| self.j.eqns[i].outputs.iter());
        set.defs.extend(defs);
        set.groups.push(g);
    }

    /// Whether row group `g` (over `rows`, None: no rows of its own) can
    /// join `set`: same rows, reads no 2-d value of the set, and a group
    /// with no rows of its own (planned away, or scalar) only joins an
    /// open set.
    fn joins(&self, set: &RowSet, g: &FusionGroup, rows: &Option<DimExpr>) -> bool {
        let same = match (rows, &set.rows) {
            (None, _) => !set.groups.is_empty(),
            (Some(_), None) => true,
            (Some(a), Some(b)) => a == b,
        };
        same && self
            .reads(g)
            .iter()
            .all(|v| !set.defs.contains(v) || self.j.ty(*v).rank() <= 1)
    }

    /// `Some(rows)` when every equation of `g` is row work: planned away,
    /// a column read, a column assembly, or elementwise on `[rows]` values
    /// and scalars (`Some(None)` when nothing in it fixes the rows).
    fn row_group(&self, g: &FusionGroup) -> Option<Option<DimExpr>> {
        if g.kind == rjax_core::passes::GroupKind::RowKernel {
            return None;
        }
        let mut rows: Option<DimExpr> = None;
        let mut fix = |d: &DimExpr| match &rows {
            Some(r) => r == d,
            None => {
                rows = Some(d.clone());
                true
            }
        };
        let mut real = false;
        for &i in &g.eqns {
            if self.plan.skip.contains(&i) {
                continue;
            }
            real = true;
            let e = &self.j.eqns[i];
            let ok = match self.plan.special.get(&i) {
                Some(Special::ColumnRead { src, .. }) => {
                    let t = self.j.ty(*src);
                    t.dtype.is_float() && t.rank() == 2 && fix(&t.dims()[0])
                }
                Some(Special::OneHotCols { rows, .. }) => fix(rows),
                Some(_) => false,
                None => {
                    let out = e.outputs.first().map(|o| self.j.ty(*o));
                    let ins_ok = e.inputs.iter().all(|a| {
                        let t = self.j.atom_type(a);
                        t.rank() == 0 || out.is_some_and(|o| t.dims() == o.dims())
                    });
                    is_elementwise(e.prim)
                        && e.outputs.len() == 1
                        && ins_ok
                        && out.is_some_and(|o| match o.rank() {
                            0 => true,
                            1 => fix(&o.dims()[0]),
                            _ => false,
                        })
                }
            };
            if !ok {
                return None;
            }
        }
        // A group of scalars alone is not row work.
        if real && rows.is_none() {
            return None;
        }
        Some(rows)
    }

    /// Values `g` reads, planned reads included.
    fn reads(&self, g: &FusionGroup) -> Vec<Var> {
        let mut out = Vec::new();
        for &i in &g.eqns {
            out.extend(self.eqn_reads(i));
        }
        out
    }

    /// Values equation `i` reads as emitted: those its special form
    /// reads, else its inputs.
    fn eqn_reads(&self, i: usize) -> Vec<Var> {
        let e = &self.j.eqns[i];
        let inputs = |e: &rjax_core::Eqn| e.inputs.iter().filter_map(|a| a.as_var()).collect();
        match self.plan.special.get(&i) {
            Some(Special::ColumnRead { src, .. } | Special::ElementRead { src, .. }) => vec![*src],
            Some(Special::OneHotCols { terms, .. }) => terms.iter().map(|t| t.1).collect(),
            Some(Special::OneHot { terms, .. }) => {
                terms.iter().filter_map(|t| t.1.as_var()).collect()
            }
            Some(Special::DotT { dot }) => inputs(&self.j.eqns[*dot]),
            None => inputs(e),
        }
    }

    fn reads_any(&self, g: &FusionGroup, defs: &HashSet<Var>) -> bool {
        self.reads(g).iter().any(|v| defs.contains(v))
    }

    /// The set's code: one row loop, or its groups one by one.
    fn close(&self, set: RowSet) -> TokenStream {
        self.row_loop(&set)
            .unwrap_or_else(|| set.groups.iter().map(|g| self.group(g)).collect())
    }

    /// One `jit::rows` call computing every value of `set` read later.
    fn row_loop(&self, set: &RowSet) -> Option<TokenStream> {
        let rows = set.rows.as_ref()?;
        let eqns: Vec<usize> = set
            .groups
            .iter()
            .flat_map(|g| g.eqns.iter().copied())
            .collect();
        let inside: HashSet<usize> = eqns.iter().copied().collect();
        // Reads after the set (every equation outside it, to be safe:
        // those before it cannot read its values anyway).
        let mut later: HashSet<Var> = (0..self.j.eqns.len())
            .filter(|i| !inside.contains(i))
            .flat_map(|i| self.eqn_reads(i))
            .collect();
        later.extend(self.j.outvars.iter().filter_map(|a| a.as_var()));
        // Lanes: columns read, and 1-d values from outside the set.
        let mut lanes: Vec<(Var, Lane)> = Vec::new();
        let mut outs: Vec<Out> = Vec::new();
        let mut body_eqns = Vec::new();
        let mut saves = false;
        for &i in &eqns {
            if self.plan.skip.contains(&i) {
                continue;
            }
            let e = &self.j.eqns[i];
            let o = e.outputs[0];
            match self.plan.special.get(&i) {
                Some(Special::ColumnRead { src, col }) => {
                    saves = true;
                    lanes.push((o, Lane::Col(*src, *col)));
                }
                Some(Special::OneHotCols { len, terms, .. }) => {
                    saves = true;
                    for (_, v) in terms {
                        self.outside_lane(*v, "pad", set, &mut lanes);
                    }
                    outs.push(Out::Cols {
                        var: o,
                        len: len.clone(),
                        terms: terms.clone(),
                    });
                    continue;
                }
                _ => {
                    for a in &e.inputs {
                        if let Some(v) = a.as_var()
                            && self.j.ty(v).rank() == 1
                        {
                            self.outside_lane(v, e.prim.name(), set, &mut lanes);
                        }
                    }
                    body_eqns.push(i);
                }
            }
            if later.contains(&o) {
                if self.j.ty(o).rank() != 1 {
                    return None;
                }
                outs.push(Out::Vec(o));
            }
        }
        if !saves || lanes.is_empty() {
            return None;
        }
        let t = self.j.ty(lanes[0].0).dtype;
        let lane_vars: Vec<Var> = lanes.iter().map(|l| l.0).collect();
        let results: Vec<(usize, usize, Var)> = outs
            .iter()
            .enumerate()
            .flat_map(|(k, o)| match o {
                Out::Cols { terms, .. } => terms.iter().map(|&(c, v)| (k, c, v)).collect(),
                Out::Vec(v) => vec![(k, 0, *v)],
            })
            .collect();
        let u = self.j.ty(results.first()?.2).dtype;
        let float = |d: DType| d.is_float();
        if !(float(t) && float(u))
            || lane_vars.iter().any(|v| self.j.ty(*v).dtype != t)
            || results.iter().any(|r| self.j.ty(r.2).dtype != u)
        {
            return None;
        }
        let body = self.scalar_body(&body_eqns)?;
        // Sin/cos beyond the vectorised range reduction: redone precisely.
        let precise = match self.vec_guard(&body_eqns) {
            Some(far) => Some((far, self.scalar_body_as(&body_eqns, true)?)),
            None => None,
        };
        Some(self.emit_rows(rows, &lanes, &outs, &results, (body, precise), t, u))
    }

    /// Adds `v` as a lane when it is a 1-d value defined outside `set`.
    fn outside_lane(&self, v: Var, op: &'static str, set: &RowSet, lanes: &mut Vec<(Var, Lane)>) {
        if !set.defs.contains(&v) && !lanes.iter().any(|l| l.0 == v) {
            lanes.push((v, Lane::Vec(op)));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn emit_rows(
        &self,
        rows: &DimExpr,
        lanes: &[(Var, Lane)],
        outs: &[Out],
        results: &[(usize, usize, Var)],
        (body, precise): (TokenStream, Option<(TokenStream, TokenStream)>),
        t: DType,
        u: DType,
    ) -> TokenStream {
        let rows = dim_expr(rows);
        let mut checks = TokenStream::new();
        let mut seen: Vec<Var> = Vec::new();
        let ins = lanes.iter().map(|(v, src)| match src {
            Lane::Col(s, col) => {
                let n = self.name(*s);
                if !seen.contains(s) {
                    seen.push(*s);
                    let msg = "slice: an array of shape {:?} in a batch of {} rows";
                    checks.extend(
                        quote!(::core::assert!(#n.shape()[0] == __rows, #msg, #n.shape(), __rows);),
                    );
                }
                let msg = format!("slice: column {col} is out of bounds for shape {{:?}}");
                checks.extend(quote!(::core::assert!(#col < #n.shape()[1], #msg, #n.shape());));
                quote!((#n.as_slice(), #n.shape()[1], #col))
            }
            Lane::Vec(op) => {
                let n = self.name(*v);
                let msg = format!("{op}: shapes {{:?}} and {{:?}} differ");
                checks.extend(
                    quote!(::core::assert!(#n.shape() == [__rows], #msg, [__rows], #n.shape());),
                );
                quote!((#n.as_slice(), 1usize, 0usize))
            }
        });
        let ins: Vec<TokenStream> = ins.collect();
        let bufs = out_buf_names(outs.len());
        let (allocs, widths): (Vec<TokenStream>, Vec<TokenStream>) = outs
            .iter()
            .map(|o| match o {
                Out::Cols { var, len, .. } => {
                    let len = dim_expr(len);
                    (self.out_buffer(*var, quote!(&[__rows, #len])), quote!(#len))
                }
                Out::Vec(v) => (self.out_buffer(*v, quote!(&[__rows])), quote!(1usize)),
            })
            .unzip();
        let out_vars: Vec<Var> = outs
            .iter()
            .map(|o| match o {
                Out::Cols { var, .. } | Out::Vec(var) => *var,
            })
            .collect();
        let out_names: Vec<&Ident> = out_vars.iter().map(|v| self.name(*v)).collect();
        let out_tys = out_vars.iter().map(|v| rust_ty(self.j.ty(*v)));
        let dest = results.iter().map(|(k, c, _)| quote!((#k, #c)));
        let res_names = results.iter().map(|r| self.name(r.2));
        let lane_names = lanes.iter().map(|l| self.name(l.0));
        let (te, ue) = (elem_ty(t), elem_ty(u));
        let (n, m) = (lanes.len(), results.len());
        let res_names: Vec<&Ident> = res_names.collect();
        let lane_names: Vec<&Ident> = lane_names.collect();
        let (ins, dest) = (quote!([#(#ins),*]), quote!([#(#dest),*]));
        let outs = quote!([#((#bufs.as_mut_slice(), #widths)),*]);
        let lanes = quote!([#(#lane_names),*]: [#te; #n]);
        let call = match precise {
            None => quote! {
                ::rjax::runtime::jit::rows(
                    __rows, #ins, #outs, #dest,
                    #[inline(always)]
                    move |#lanes| -> [#ue; #m] {
                        #body
                        [#(#res_names),*]
                    },
                );
            },
            Some((far, precise)) => quote! {
                ::rjax::runtime::jit::rows_checked(
                    __rows, #ins, #outs, #dest,
                    #[inline(always)]
                    move |#lanes| -> ([#ue; #m], bool) {
                        #body
                        ([#(#res_names),*], #far)
                    },
                    move |#lanes| -> [#ue; #m] {
                        #precise
                        [#(#res_names),*]
                    },
                );
            },
        };
        quote! {
            let (#(#out_names,)*): (#(#out_tys,)*) = {
                let __rows: usize = #rows;
                #checks
                #(let mut #bufs = #allocs;)*
                #call
                (#(#bufs,)*)
            };
        }
    }
}
