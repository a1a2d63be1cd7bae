//! `dot_general`: contraction over `(lhs_contract, rhs_contract)` with
//! batch dims `(lhs_batch, rhs_batch)`; output axes are batch, lhs free,
//! rhs free. Bilinear: each operand's transpose is another dot_general
//! followed by a transpose back into that operand's axis order.

use super::Table;
use super::combinators::{arity, dims_match, fmt_types};
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::interp::Tensor;
use crate::interp::tensor::{ravel, unravel};
use crate::ir::params::ParamsExt;
use crate::ir::{Atom, Param, Params, Prim, Shape, TensorType};

/// Dimension numbers: ((lhs contract, rhs contract), (lhs batch, rhs batch)).
pub type DimNums = ((Vec<usize>, Vec<usize>), (Vec<usize>, Vec<usize>));

/// Params of a dot_general, printed `dimension_numbers=(([1], [0]), ([], []))`.
pub fn dot_params(contract: (&[usize], &[usize]), batch: (&[usize], &[usize])) -> Params {
    let l = |v: &[usize]| Param::List(v.iter().map(|&x| Param::int(x as i64)).collect());
    Params::from_pairs([(
        "dimension_numbers",
        Param::Tuple(vec![
            Param::Tuple(vec![l(contract.0), l(contract.1)]),
            Param::Tuple(vec![l(batch.0), l(batch.1)]),
        ]),
    )])
}

/// Reads the dimension numbers.
pub fn dim_nums(p: &Params) -> Result<DimNums> {
    let bad = || Error::invalid("dot_general: bad `dimension_numbers`");
    let v = p
        .get("dimension_numbers")
        .and_then(Param::elems)
        .ok_or_else(bad)?;
    let pair = |q: &Param| -> Result<(Vec<usize>, Vec<usize>)> {
        let e = q.elems().ok_or_else(bad)?;
        let f = |r: &Param| -> Result<Vec<usize>> {
            r.elems()
                .ok_or_else(bad)?
                .iter()
                .map(|x| x.as_int().map(|i| i as usize).ok_or_else(bad))
                .collect()
        };
        if e.len() != 2 {
            return Err(bad());
        }
        Ok((f(&e[0])?, f(&e[1])?))
    };
    if v.len() != 2 {
        return Err(bad());
    }
    Ok((pair(&v[0])?, pair(&v[1])?))
}

fn free(rank: usize, c: &[usize], bt: &[usize]) -> Vec<usize> {
    (0..rank)
        .filter(|i| !c.contains(i) && !bt.contains(i))
        .collect()
}

fn out_type(x: &TensorType, y: &TensorType, dn: &DimNums) -> Result<TensorType> {
    let ((lc, rc), (lb, rb)) = dn;
    let ok = x.dtype == y.dtype
        && lc.len() == rc.len()
        && lb.len() == rb.len()
        && lc.iter().chain(lb).all(|&i| i < x.rank())
        && rc.iter().chain(rb).all(|&i| i < y.rank())
        && lc
            .iter()
            .zip(rc)
            .all(|(&a, &b)| dims_match(&x.dims()[a], &y.dims()[b]))
        && lb
            .iter()
            .zip(rb)
            .all(|(&a, &b)| dims_match(&x.dims()[a], &y.dims()[b]));
    if !ok {
        return Err(Error::shape(
            "dot_general",
            format!(
                "shapes {} do not align for contracting dims {lc:?}/{rc:?} and batch dims {lb:?}/{rb:?}",
                fmt_types(&[x.clone(), y.clone()])
            ),
        ));
    }
    let mut dims: Vec<_> = lb.iter().map(|&i| x.dims()[i].clone()).collect();
    dims.extend(
        free(x.rank(), lc, lb)
            .into_iter()
            .map(|i| x.dims()[i].clone()),
    );
    dims.extend(
        free(y.rank(), rc, rb)
            .into_iter()
            .map(|i| y.dims()[i].clone()),
    );
    Ok(TensorType::new(x.dtype, Shape(dims)))
}

fn eval(x: &Tensor, y: &Tensor, dn: &DimNums) -> Tensor {
    let ((lc, rc), (lb, rb)) = dn;
    let (xf, yf) = (free(x.rank(), lc, lb), free(y.rank(), rc, rb));
    let mut out: Vec<usize> = lb.iter().map(|&i| x.shape[i]).collect();
    out.extend(xf.iter().map(|&i| x.shape[i]));
    out.extend(yf.iter().map(|&i| y.shape[i]));
    let cshape: Vec<usize> = lc.iter().map(|&i| x.shape[i]).collect();
    let nc: usize = cshape.iter().product();
    let n: usize = out.iter().product();
    let mut data = vec![0.0; n];
    let (mut xi, mut yi) = (vec![0; x.rank()], vec![0; y.rank()]);
    for (f, slot) in data.iter_mut().enumerate() {
        let o = unravel(f, &out);
        for (k, (&a, &b)) in lb.iter().zip(rb).enumerate() {
            xi[a] = o[k];
            yi[b] = o[k];
        }
        for (k, &a) in xf.iter().enumerate() {
            xi[a] = o[lb.len() + k];
        }
        for (k, &b) in yf.iter().enumerate() {
            yi[b] = o[lb.len() + xf.len() + k];
        }
        let mut acc = 0.0;
        for c in 0..nc {
            let ci = unravel(c, &cshape);
            for (k, (&a, &b)) in lc.iter().zip(rc).enumerate() {
                xi[a] = ci[k];
                yi[b] = ci[k];
            }
            acc += x.data[ravel(&xi, &x.shape)] * y.data[ravel(&yi, &y.shape)];
        }
        *slot = acc;
    }
    Tensor {
        dtype: x.dtype,
        shape: out,
        data,
    }
    .rounded()
}

fn dot(b: &mut Builder, x: Atom, y: Atom, dn: &DimNums) -> Result<Atom> {
    let ((lc, rc), (lb, rb)) = dn;
    b.dot_general(x, y, (lc, rc), (lb, rb))
}

fn inverse(src: &[usize]) -> Vec<usize> {
    let mut inv = vec![0; src.len()];
    for (d, &s) in src.iter().enumerate() {
        inv[s] = d;
    }
    inv
}

/// Cotangent of the lhs of `dot_general(x, y)` given the output cotangent.
fn transpose_lhs(
    b: &mut Builder,
    ct: Atom,
    y: Atom,
    x_rank: usize,
    y_rank: usize,
    dn: &DimNums,
) -> Result<Atom> {
    let ((lc, rc), (lb, rb)) = dn;
    let (xf, yf) = (free(x_rank, lc, lb), free(y_rank, rc, rb));
    let nb = lb.len();
    let ct_yfree: Vec<usize> = (nb + xf.len()..nb + xf.len() + yf.len()).collect();
    let ct_batch: Vec<usize> = (0..nb).collect();
    let r = b.dot_general(ct, y, (&ct_yfree, &yf), (&ct_batch, rb))?;
    // Axes of r: batch, x free, then y's remaining (contracting) axes in
    // ascending order, each matching an x contracting axis.
    let mut src: Vec<usize> = lb.clone();
    src.extend(xf.iter().copied());
    let mut rem: Vec<usize> = rc.clone();
    rem.sort();
    src.extend(
        rem.iter()
            .map(|ya| lc[rc.iter().position(|r| r == ya).unwrap()]),
    );
    b.transpose(r, &inverse(&src))
}

/// Registers the family.
pub fn register(t: &mut Table) {
    use Prim::DotGeneral;
    t.def(
        DotGeneral,
        |p, ins| {
            arity(DotGeneral, ins, 2)?;
            Ok(vec![out_type(&ins[0], &ins[1], &dim_nums(p)?)?])
        },
        |p, ins, _| Ok(vec![eval(&ins[0], &ins[1], &dim_nums(p)?)]),
    )
    .jvp(|b, p, xs, ts| {
        let dn = dim_nums(p)?;
        let z = dot(b, xs[0], xs[1], &dn)?;
        let mut acc = None;
        if let Some(tx) = ts[0] {
            acc = Some(dot(b, tx, xs[1], &dn)?);
        }
        if let Some(ty) = ts[1] {
            let c = dot(b, xs[0], ty, &dn)?;
            acc = Some(match acc {
                None => c,
                Some(a) => b.add_any(a, c)?,
            });
        }
        Ok((vec![z], vec![acc]))
    })
    .transpose(|b, p, ins, cts| {
        let ct = cts[0].unwrap();
        let dn = dim_nums(p)?;
        let (xt, yt) = (ins[0].ty(b), ins[1].ty(b));
        match (ins[0].is_linear(), ins[1].is_linear()) {
            (true, false) => {
                let y = ins[1].primal(DotGeneral)?;
                Ok(vec![
                    Some(transpose_lhs(b, ct, y, xt.rank(), yt.rank(), &dn)?),
                    None,
                ])
            }
            (false, true) => {
                // Swap roles: out = dot(x, y) is, up to an axis permutation,
                // dot(y, x) with swapped dimension numbers.
                let x = ins[0].primal(DotGeneral)?;
                let ((lc, rc), (lb, rb)) = dn.clone();
                let swapped: DimNums = ((rc, lc), (rb, lb));
                let nb = swapped.1.0.len();
                let (yf, xf) = (
                    free(yt.rank(), &swapped.0.0, &swapped.1.0),
                    free(xt.rank(), &swapped.0.1, &swapped.1.1),
                );
                // ct axes: batch, x free, y free -> reorder to batch, y free, x free.
                let mut perm: Vec<usize> = (0..nb).collect();
                perm.extend(nb + xf.len()..nb + xf.len() + yf.len());
                perm.extend(nb..nb + xf.len());
                let ct2 = b.transpose(ct, &perm)?;
                Ok(vec![
                    None,
                    Some(transpose_lhs(b, ct2, x, yt.rank(), xt.rank(), &swapped)?),
                ])
            }
            _ => Err(Error::NotDifferentiable(
                "dot_general: transpose with both operands linear".into(),
            )),
        }
    })
    .batch(|b, p, args, bt, n| {
        let ((lc, rc), (lb, rb)) = dim_nums(p)?;
        let sh = |v: &[usize]| -> Vec<usize> { v.iter().map(|i| i + 1).collect() };
        let (xr, yr) = (b.rank(args[0]), b.rank(args[1]));
        let _ = n;
        match (bt[0], bt[1]) {
            (true, true) => {
                let mut nlb = vec![0];
                nlb.extend(sh(&lb));
                let mut nrb = vec![0];
                nrb.extend(sh(&rb));
                Ok((
                    vec![b.dot_general(args[0], args[1], (&sh(&lc), &sh(&rc)), (&nlb, &nrb))?],
                    vec![true],
                ))
            }
            (true, false) => {
                let r = b.dot_general(args[0], args[1], (&sh(&lc), &rc), (&sh(&lb), &rb))?;
                // The batch axis is x's first free axis: right after the batch dims.
                let rank = b.rank(r);
                let nb = lb.len();
                let mut perm = vec![nb];
                perm.extend((0..rank).filter(|&i| i != nb));
                Ok((vec![b.transpose(r, &perm)?], vec![true]))
            }
            (false, true) => {
                let r = b.dot_general(args[0], args[1], (&lc, &sh(&rc)), (&lb, &sh(&rb)))?;
                let nb = lb.len();
                let pos = nb + free(xr, &lc, &lb).len();
                let rank = b.rank(r);
                let _ = yr;
                let mut perm = vec![pos];
                perm.extend((0..rank).filter(|&i| i != pos));
                Ok((vec![b.transpose(r, &perm)?], vec![true]))
            }
            (false, false) => unreachable!("batching rule called with no batched operand"),
        }
    });
}
