//! A `dot_general` that contracts no axis is an outer product (batched
//! over its batch axes): every output element is one product, so it is
//! rewritten as an elementwise `mul` of the two operands broadcast to the
//! output's shape, which fusion then turns into one loop.
//!
//! ```text
//! dot_general[(([], []), (lb, rb))] x y
//!   = broadcast(transpose(x, lb ++ lfree), out, 0..nb ++ lfree positions)
//!   * broadcast(transpose(y, rb ++ rfree), out, 0..nb ++ rfree positions)
//! ```
//!
//! Reverse mode produces these (the transpose of a batched matrix-vector
//! product is one): `vmap` of a per-example gradient `-y x s` batches to
//! `dot_general[(([], []), ([0], [0]))] l b`. Run as a batched gemm it
//! was 8192 calls of a 1x1x256 product, 50x slower than XLA.

use super::map_sub_jaxprs;
use crate::builder::{Builder, subst};
use crate::error::Result;
use crate::ir::DotGeneralParams;
use crate::ir::{Atom, DimExpr, Eqn, Jaxpr, Prim, Var};
use std::collections::HashMap;

/// `j` with every non-contracting `dot_general` as broadcasts and a `mul`
/// (unchanged when there is none). Recurses into sub-jaxprs.
pub fn outer_products_to_mul(j: &Jaxpr) -> Jaxpr {
    let j = map_sub_jaxprs(j, &outer_products_to_mul);
    if !j.eqns.iter().any(is_outer) {
        return j;
    }
    rewrite(&j).unwrap_or(j)
}

fn is_outer(e: &Eqn) -> bool {
    e.prim == Prim::DotGeneral
        && matches!(DotGeneralParams::read(&e.params), Ok(d) if d.contract.0.is_empty() && d.contract.1.is_empty())
}

fn rewrite(j: &Jaxpr) -> Result<Jaxpr> {
    let mut b = Builder::new();
    let mut env: HashMap<Var, Atom> = HashMap::new();
    for v in &j.invars {
        env.insert(*v, b.input_typed(j.ty(*v).clone()).into());
    }
    for e in &j.eqns {
        let ins: Vec<Atom> = e.inputs.iter().map(|a| subst(&env, *a)).collect();
        if is_outer(e) {
            let out = outer(&mut b, e, j.ty(e.outputs[0]).dims(), ins[0], ins[1])?;
            env.insert(e.outputs[0], out);
        } else {
            let outs = b.eqn(e.prim, e.params.clone(), &ins)?;
            for (o, n) in e.outputs.iter().zip(outs) {
                env.insert(*o, Atom::Var(n));
            }
        }
    }
    let outs: Vec<Atom> = j.outvars.iter().map(|a| subst(&env, *a)).collect();
    Ok(b.build(&outs))
}

/// The outer product of `e` as broadcasts and a `mul`.
fn outer(b: &mut Builder, e: &Eqn, out: &[DimExpr], x: Atom, y: Atom) -> Result<Atom> {
    let (lb, rb) = DotGeneralParams::read(&e.params)?.batch;
    let (xr, yr) = (b.rank(x), b.rank(y));
    let lfree: Vec<usize> = (0..xr).filter(|a| !lb.contains(a)).collect();
    let rfree: Vec<usize> = (0..yr).filter(|a| !rb.contains(a)).collect();
    let nb = lb.len();
    // Operand axes in output order: batch first, then the free axes.
    let xp: Vec<usize> = lb.iter().chain(&lfree).copied().collect();
    let yp: Vec<usize> = rb.iter().chain(&rfree).copied().collect();
    let x = b.transpose(x, &xp)?;
    let y = b.transpose(y, &yp)?;
    let xd: Vec<usize> = (0..nb + lfree.len()).collect();
    let yd: Vec<usize> = (0..nb)
        .chain(nb + lfree.len()..nb + lfree.len() + rfree.len())
        .collect();
    let x = b.broadcast_in_dim(x, out, &xd)?;
    let y = b.broadcast_in_dim(y, out, &yd)?;
    b.mul(x, y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::{Tensor, eval_jaxpr};
    use crate::ir::DType;

    /// out[i, k] = l[i] * b[i, k], and a plain outer product; each equals
    /// the dot_general it replaces, evaluated by the interpreter.
    #[test]
    fn outer_products_equal_the_dot_general() {
        for (lshape, rshape, batch) in [
            (vec![4], vec![4, 3], (vec![0], vec![0])),
            (vec![2], vec![3], (vec![], vec![])),
            (vec![3, 2], vec![5, 2], (vec![1], vec![1])),
        ] {
            let mut b = Builder::new();
            let x = b.input(DType::F64, lshape.clone());
            let y = b.input(DType::F64, rshape.clone());
            let o = b
                .dot_general(x.into(), y.into(), (&[], &[]), (&batch.0, &batch.1))
                .unwrap();
            let j = b.build(&[o]);
            let r = outer_products_to_mul(&j);
            assert!(!r.eqns.iter().any(|e| e.prim == Prim::DotGeneral), "{r}");
            let t = |s: &[usize], k: f64| {
                let n: usize = s.iter().product();
                let mut v = Tensor::zeros(DType::F64, s);
                v.data = (0..n).map(|i| (i as f64 + k) * 0.37 - 1.0).collect();
                v
            };
            let args = [t(&lshape, 0.5), t(&rshape, 1.5)];
            assert_eq!(
                eval_jaxpr(&j, &args).unwrap(),
                eval_jaxpr(&r, &args).unwrap()
            );
        }
    }
}
