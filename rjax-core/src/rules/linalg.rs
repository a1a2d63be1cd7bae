//! `dot_general`: contraction over `(lhs_contract, rhs_contract)` with
//! batch dims `(lhs_batch, rhs_batch)`; output axes are batch, lhs free,
//! rhs free. Bilinear: each operand's transpose is another dot_general
//! followed by a transpose back into that operand's axis order.

use super::Table;
use super::combinators::{arity, defbilinear, dims_match, fmt_types};
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::interp::Tensor;
use crate::interp::tensor::{ravel, unravel};
use crate::ir::{Atom, DotGeneralParams, Params, Prim, Shape, TensorType};

pub use crate::ir::typed::DimNums;

/// Reads the dimension numbers (`DotGeneralParams`, as a tuple).
fn dim_nums(p: &Params) -> Result<DimNums> {
    Ok(DotGeneralParams::read(p)?.nums())
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

/// The cotangent of the lhs: [`transpose_lhs`] of the params.
fn transpose_x(
    b: &mut Builder,
    p: &Params,
    ct: Atom,
    y: Atom,
    xt: &TensorType,
    yt: &TensorType,
) -> Result<Atom> {
    transpose_lhs(b, ct, y, xt.rank(), yt.rank(), &dim_nums(p)?)
}

/// The cotangent of the rhs: out = dot(x, y) is, up to an axis
/// permutation, dot(y, x) with swapped dimension numbers.
fn transpose_y(
    b: &mut Builder,
    p: &Params,
    ct: Atom,
    x: Atom,
    xt: &TensorType,
    yt: &TensorType,
) -> Result<Atom> {
    let ((lc, rc), (lb, rb)) = dim_nums(p)?;
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
    transpose_lhs(b, ct2, x, yt.rank(), xt.rank(), &swapped)
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
    // Bilinear (JAX's `ad.defbilinear`): JVP `dot(dx, y) + dot(x, dy)`,
    // each operand's transpose another dot_general.
    defbilinear(t, DotGeneral, transpose_x, transpose_y);
}
