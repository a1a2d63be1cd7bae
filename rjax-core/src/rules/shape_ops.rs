//! Shape primitives: transpose, reshape, broadcast_in_dim, squeeze,
//! expand_dims, slice, pad, concatenate, iota, dynamic_slice,
//! dynamic_update_slice, gather, scatter_add. All but iota are linear;
//! their transposes are each other (slice <-> pad, broadcast <-> sum ...).

use super::Table;
use super::combinators::{arity, dims_match, fmt_types, shapes_match};
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::interp::Tensor;
use crate::interp::tensor::{ravel, unravel};
use crate::ir::params::ParamsExt;
use crate::ir::{Atom, DType, DimExpr, Param, Params, Prim, Shape, TensorType};

fn shp(prim: Prim, msg: String) -> Error {
    Error::shape(prim.name(), msg)
}

fn tt(d: DType, dims: Vec<DimExpr>) -> TensorType {
    TensorType::new(d, Shape(dims))
}

/// `[B] ++ dims`.
pub fn with_batch(size: &DimExpr, dims: &[DimExpr]) -> Vec<DimExpr> {
    let mut v = vec![size.clone()];
    v.extend_from_slice(dims);
    v
}

/// Makes an unbatched operand batched along axis 0.
pub fn materialize_batch(b: &mut Builder, x: Atom, batched: bool, size: &DimExpr) -> Result<Atom> {
    if batched {
        return Ok(x);
    }
    let t = b.ty(x);
    let dims: Vec<usize> = (1..=t.rank()).collect();
    b.broadcast_in_dim(x, &with_batch(size, t.dims()), &dims)
}

/// Per-output-element gather: out[i] = x[src(i)] (or `fill` for None).
fn remap(
    x: &Tensor,
    out_shape: Vec<usize>,
    fill: f64,
    src: impl Fn(&[usize]) -> Option<Vec<usize>>,
) -> Tensor {
    let n: usize = out_shape.iter().product();
    let data = (0..n)
        .map(|f| {
            let idx = unravel(f, &out_shape);
            match src(&idx) {
                Some(s) => x.data[ravel(&s, &x.shape)],
                None => fill,
            }
        })
        .collect();
    Tensor {
        dtype: x.dtype,
        shape: out_shape,
        data,
    }
}

/// Registers the family.
pub fn register(t: &mut Table) {
    register_transpose_reshape(t);
    register_broadcast_squeeze(t);
    register_slice_pad(t);
    register_concat_iota(t);
    register_dynamic(t);
}

fn register_transpose_reshape(t: &mut Table) {
    use Prim::*;
    t.def(
        Transpose,
        |p, ins| {
            arity(Transpose, ins, 1)?;
            let perm = p.axes("transpose", "permutation")?;
            let mut seen = vec![false; perm.len()];
            if perm.len() != ins[0].rank()
                || perm
                    .iter()
                    .any(|&i| i >= perm.len() || std::mem::replace(&mut seen[i], true))
            {
                return Err(shp(
                    Transpose,
                    format!(
                        "permutation {perm:?} is not a permutation of the axes of {}",
                        ins[0]
                    ),
                ));
            }
            Ok(vec![tt(
                ins[0].dtype,
                perm.iter().map(|&i| ins[0].dims()[i].clone()).collect(),
            )])
        },
        |p, ins, _| {
            let perm = p.axes("transpose", "permutation")?;
            let x = &ins[0];
            let out: Vec<usize> = perm.iter().map(|&i| x.shape[i]).collect();
            Ok(vec![remap(x, out, 0.0, |idx| {
                let mut s = vec![0; idx.len()];
                for (o, &i) in perm.iter().enumerate() {
                    s[i] = idx[o];
                }
                Some(s)
            })])
        },
    )
    .batch(|b, p, args, _bt, _n| {
        let perm = p.axes("transpose", "permutation")?;
        let mut np = vec![0];
        np.extend(perm.iter().map(|i| i + 1));
        Ok((vec![b.transpose(args[0], &np)?], vec![true]))
    });
    super::combinators::deflinear(t, Transpose, |b, p, ct, _| {
        let perm = p.axes("transpose", "permutation")?;
        let mut inv = vec![0; perm.len()];
        for (i, &q) in perm.iter().enumerate() {
            inv[q] = i;
        }
        b.transpose(ct, &inv)
    });

    t.def(
        Reshape,
        |p, ins| {
            arity(Reshape, ins, 1)?;
            let ns = p.dims("reshape", "new_sizes")?;
            let (a, b) = (ins[0].shape.size(), DimExpr::product(&ns));
            // Sizes that differ symbolically (`f32[n]` to `(2, 3)`) are
            // assumed equal, like two symbols an op needs equal; the
            // run-time op checks them. Two constants must agree now.
            if a != b && a.as_const().is_some() && b.as_const().is_some() {
                return Err(shp(
                    Reshape,
                    format!("cannot reshape {} to {}", ins[0], Shape(ns)),
                ));
            }
            Ok(vec![tt(ins[0].dtype, ns)])
        },
        |p, ins, cx| {
            let ns = cx.dims(Reshape, &p.dims("reshape", "new_sizes")?)?;
            Ok(vec![Tensor {
                dtype: ins[0].dtype,
                shape: ns,
                data: ins[0].data.clone(),
            }])
        },
    )
    .batch(|b, p, args, _bt, n| {
        let ns = p.dims("reshape", "new_sizes")?;
        Ok((vec![b.reshape(args[0], &with_batch(n, &ns))?], vec![true]))
    });
    super::combinators::deflinear(t, Reshape, |b, _p, ct, ty| b.reshape(ct, ty.dims()));
}

fn register_broadcast_squeeze(t: &mut Table) {
    use Prim::*;
    t.def(
        BroadcastInDim,
        |p, ins| {
            arity(BroadcastInDim, ins, 1)?;
            let shape = p.dims("broadcast_in_dim", "shape")?;
            let bd = p.axes("broadcast_in_dim", "broadcast_dimensions")?;
            let x = &ins[0];
            let bad = || {
                shp(
                    BroadcastInDim,
                    format!(
                        "cannot broadcast {x} to shape {} with broadcast_dimensions={bd:?}",
                        Shape(shape.clone())
                    ),
                )
            };
            if bd.len() != x.rank()
                || bd.windows(2).any(|w| w[0] >= w[1])
                || bd.iter().any(|&d| d >= shape.len())
            {
                return Err(bad());
            }
            for (i, &d) in bd.iter().enumerate() {
                let xd = &x.dims()[i];
                if !(xd.is(1) || dims_match(xd, &shape[d])) {
                    return Err(bad());
                }
            }
            Ok(vec![tt(x.dtype, shape)])
        },
        |p, ins, cx| {
            let shape = cx.dims(BroadcastInDim, &p.dims("broadcast_in_dim", "shape")?)?;
            let bd = p.axes("broadcast_in_dim", "broadcast_dimensions")?;
            let x = &ins[0];
            Ok(vec![remap(x, shape, 0.0, |idx| {
                Some(
                    bd.iter()
                        .enumerate()
                        .map(|(i, &d)| if x.shape[i] == 1 { 0 } else { idx[d] })
                        .collect(),
                )
            })])
        },
    )
    .batch(|b, p, args, _bt, n| {
        let shape = p.dims("broadcast_in_dim", "shape")?;
        let bd = p.axes("broadcast_in_dim", "broadcast_dimensions")?;
        let mut nb = vec![0];
        nb.extend(bd.iter().map(|d| d + 1));
        Ok((
            vec![b.broadcast_in_dim(args[0], &with_batch(n, &shape), &nb)?],
            vec![true],
        ))
    });
    // Transpose: sum over the new axes and over the stretched size-1 axes.
    super::combinators::deflinear(t, BroadcastInDim, |b, p, ct, ty| {
        let bd = p.axes("broadcast_in_dim", "broadcast_dimensions")?;
        let shape = p.dims("broadcast_in_dim", "shape")?;
        let mut axes = Vec::new();
        for (d, sd) in shape.iter().enumerate() {
            match bd.iter().position(|&x| x == d) {
                None => axes.push(d),
                Some(i) if ty.dims()[i].is(1) && !sd.is(1) => axes.push(d),
                _ => {}
            }
        }
        let s = b.reduce_sum(ct, &axes)?;
        let s = b.reshape(s, ty.dims())?;
        b.convert(s, ty.dtype)
    });

    t.def(
        Squeeze,
        |p, ins| {
            arity(Squeeze, ins, 1)?;
            let dims = p.axes("squeeze", "dimensions")?;
            let x = &ins[0];
            if dims.iter().any(|&d| d >= x.rank() || !x.dims()[d].is(1)) {
                return Err(shp(
                    Squeeze,
                    format!("dimensions {dims:?} of {x} are not all of size 1"),
                ));
            }
            Ok(vec![tt(
                x.dtype,
                x.dims()
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !dims.contains(i))
                    .map(|(_, d)| d.clone())
                    .collect(),
            )])
        },
        |p, ins, _| {
            let dims = p.axes("squeeze", "dimensions")?;
            let shape = ins[0]
                .shape
                .iter()
                .enumerate()
                .filter(|(i, _)| !dims.contains(i))
                .map(|(_, d)| *d)
                .collect();
            Ok(vec![Tensor {
                dtype: ins[0].dtype,
                shape,
                data: ins[0].data.clone(),
            }])
        },
    )
    .batch(|b, p, args, _bt, _n| {
        let dims: Vec<usize> = p
            .axes("squeeze", "dimensions")?
            .iter()
            .map(|d| d + 1)
            .collect();
        Ok((vec![b.squeeze(args[0], &dims)?], vec![true]))
    });
    super::combinators::deflinear(t, Squeeze, |b, _p, ct, ty| b.reshape(ct, ty.dims()));

    t.def(
        ExpandDims,
        |p, ins| {
            arity(ExpandDims, ins, 1)?;
            let dims = p.axes("expand_dims", "dimensions")?;
            let x = &ins[0];
            let r = x.rank() + dims.len();
            if dims.iter().any(|&d| d >= r) {
                return Err(shp(
                    ExpandDims,
                    format!("dimensions {dims:?} out of range for {x}"),
                ));
            }
            let mut it = x.dims().iter();
            let out = (0..r)
                .map(|i| {
                    if dims.contains(&i) {
                        DimExpr::Const(1)
                    } else {
                        it.next().unwrap().clone()
                    }
                })
                .collect();
            Ok(vec![tt(x.dtype, out)])
        },
        |p, ins, _| {
            let dims = p.axes("expand_dims", "dimensions")?;
            let x = &ins[0];
            let r = x.rank() + dims.len();
            let mut it = x.shape.iter();
            let shape = (0..r)
                .map(|i| {
                    if dims.contains(&i) {
                        1
                    } else {
                        *it.next().unwrap()
                    }
                })
                .collect();
            Ok(vec![Tensor {
                dtype: x.dtype,
                shape,
                data: x.data.clone(),
            }])
        },
    )
    .batch(|b, p, args, _bt, _n| {
        let dims: Vec<usize> = p
            .axes("expand_dims", "dimensions")?
            .iter()
            .map(|d| d + 1)
            .collect();
        Ok((vec![b.expand_dims(args[0], &dims)?], vec![true]))
    });
    super::combinators::deflinear(t, ExpandDims, |b, _p, ct, ty| b.reshape(ct, ty.dims()));
}

fn slice_params(p: &Params, r: usize) -> Result<(Vec<DimExpr>, Vec<DimExpr>, Vec<usize>)> {
    let start = p.dims("slice", "start_indices")?;
    let limit = p.dims("slice", "limit_indices")?;
    let strides = match p.opt("strides") {
        None => vec![1; r],
        Some(_) => p.axes("slice", "strides")?,
    };
    Ok((start, limit, strides))
}

fn register_slice_pad(t: &mut Table) {
    use Prim::*;
    t.def(
        Slice,
        |p, ins| {
            arity(Slice, ins, 1)?;
            let x = &ins[0];
            let (start, limit, st) = slice_params(p, x.rank())?;
            if start.len() != x.rank()
                || limit.len() != x.rank()
                || st.len() != x.rank()
                || st.contains(&0)
            {
                return Err(shp(
                    Slice,
                    format!("start/limit/strides must have one positive entry per axis of {x}"),
                ));
            }
            let mut out = Vec::new();
            for i in 0..x.rank() {
                let len = DimExpr::sub(&limit[i], &start[i]);
                let d = if st[i] == 1 {
                    len
                } else {
                    match len.as_const() {
                        Some(l) => DimExpr::Const((l.max(0) + st[i] as i64 - 1) / st[i] as i64),
                        None => {
                            return Err(shp(
                                Slice,
                                format!("strided slice of symbolic axis {i} of {x}"),
                            ));
                        }
                    }
                };
                if let (Some(s), Some(l), Some(n)) = (
                    start[i].as_const(),
                    limit[i].as_const(),
                    x.dims()[i].as_const(),
                ) && (s < 0 || l < s || l > n)
                {
                    return Err(shp(
                        Slice,
                        format!("slice [{s}:{l}] out of bounds for axis {i} of {x}"),
                    ));
                }
                out.push(d);
            }
            Ok(vec![tt(x.dtype, out)])
        },
        |p, ins, cx| {
            let x = &ins[0];
            let (start, limit, st) = slice_params(p, x.rank())?;
            let (s, l) = (cx.dims(Slice, &start)?, cx.dims(Slice, &limit)?);
            let out: Vec<usize> = (0..x.rank())
                .map(|i| (l[i].saturating_sub(s[i])).div_ceil(st[i]))
                .collect();
            Ok(vec![remap(x, out, 0.0, |idx| {
                Some(
                    idx.iter()
                        .enumerate()
                        .map(|(i, &k)| s[i] + k * st[i])
                        .collect(),
                )
            })])
        },
    )
    .batch(|b, p, args, _bt, n| {
        let t = b.ty(args[0]);
        let (start, limit, st) = slice_params(p, t.rank() - 1)?;
        let s2 = with_batch(&DimExpr::Const(0), &start);
        let l2 = with_batch(n, &limit);
        let mut st2 = vec![1];
        st2.extend(st);
        Ok((vec![b.slice(args[0], &s2, &l2, Some(&st2))?], vec![true]))
    });
    // Transpose of slice: pad the cotangent back with zeros.
    super::combinators::deflinear(t, Slice, |b, p, ct, ty| {
        let (start, _limit, st) = slice_params(p, ty.rank())?;
        let ctt = b.ty(ct);
        let mut cfg = Vec::new();
        for i in 0..ty.rank() {
            let interior = DimExpr::Const(st[i] as i64 - 1);
            // covered = (out - 1) * stride + 1, or 0 for an empty slice.
            let out = &ctt.dims()[i];
            let covered = if out.is(0) {
                DimExpr::Const(0)
            } else {
                DimExpr::add(
                    &DimExpr::mul(
                        &DimExpr::sub(out, &DimExpr::Const(1)),
                        &DimExpr::Const(st[i] as i64),
                    ),
                    &DimExpr::Const(1),
                )
            };
            let hi = DimExpr::sub(&DimExpr::sub(&ty.dims()[i], &start[i]), &covered);
            let lo = if out.is(0) {
                DimExpr::sub(&ty.dims()[i], &hi)
            } else {
                start[i].clone()
            };
            cfg.push((
                lo,
                hi,
                if out.is(0) {
                    DimExpr::Const(0)
                } else {
                    interior
                },
            ));
        }
        let z = b.lit(0.0, ctt.dtype);
        b.pad(ct, z, &cfg)
    });

    t.def(
        Pad,
        |p, ins| {
            arity(Pad, ins, 2)?;
            let (x, v) = (&ins[0], &ins[1]);
            if v.rank() != 0 || v.dtype != x.dtype {
                return Err(shp(
                    Pad,
                    format!(
                        "padding value must be a scalar of the operand's dtype: {}",
                        fmt_types(ins)
                    ),
                ));
            }
            let cfg = pad_config(p)?;
            if cfg.len() != x.rank() {
                return Err(shp(
                    Pad,
                    format!("padding_config needs {} entries for {x}", x.rank()),
                ));
            }
            let mut out = Vec::new();
            for (i, (lo, hi, interior)) in cfg.iter().enumerate() {
                let d = &x.dims()[i];
                let inner = if interior.is(0) {
                    d.clone()
                } else {
                    match d.as_const() {
                        Some(n) => {
                            DimExpr::Const(n + (n - 1).max(0) * interior.as_const().unwrap_or(0))
                        }
                        None => {
                            return Err(shp(
                                Pad,
                                format!("interior padding of symbolic axis {i} of {x}"),
                            ));
                        }
                    }
                };
                let o = DimExpr::add(&DimExpr::add(lo, hi), &inner);
                if o.as_const().is_some_and(|c| c < 0) {
                    return Err(shp(Pad, format!("negative output size on axis {i} of {x}")));
                }
                out.push(o);
            }
            Ok(vec![tt(x.dtype, out)])
        },
        |p, ins, cx| {
            let (x, v) = (&ins[0], ins[1].item());
            let cfg = pad_config(p)?;
            let mut lo = Vec::new();
            let mut inn = Vec::new();
            let mut out = Vec::new();
            for (i, (l, h, it)) in cfg.iter().enumerate() {
                let (l, h, it) = (
                    cx.ints(Pad, std::slice::from_ref(l))?[0],
                    cx.ints(Pad, std::slice::from_ref(h))?[0],
                    cx.ints(Pad, std::slice::from_ref(it))?[0],
                );
                let n = x.shape[i] as i64;
                out.push((l + h + n + (n - 1).max(0) * it).max(0) as usize);
                lo.push(l);
                inn.push(it);
            }
            Ok(vec![remap(x, out, v, |idx| {
                let mut s = Vec::with_capacity(idx.len());
                for i in 0..idx.len() {
                    let rel = idx[i] as i64 - lo[i];
                    if rel < 0 || rel % (inn[i] + 1) != 0 {
                        return None;
                    }
                    let k = rel / (inn[i] + 1);
                    if k >= x.shape[i] as i64 {
                        return None;
                    }
                    s.push(k as usize);
                }
                Some(s)
            })])
        },
    )
    .batch(|b, p, args, bt, n| {
        if bt[1] {
            return super::control_flow::batch_by_loop(b, Pad, p, args, bt, n);
        }
        let mut cfg = pad_config(p)?;
        cfg.insert(0, (DimExpr::Const(0), DimExpr::Const(0), DimExpr::Const(0)));
        Ok((vec![b.pad(args[0], args[1], &cfg)?], vec![true]))
    })
    // pad is linear in (operand, padding value) jointly.
    .jvp(|b, p, xs, ts| {
        let y = b.eqn1(Pad, p.clone(), xs)?;
        let tx = match ts[0] {
            Some(t) => t,
            None => {
                let ty = b.ty(xs[0]);
                b.zeros(&ty)?
            }
        };
        let tv = ts[1].unwrap_or_else(|| b.lit(0.0, b.dtype(xs[1])));
        Ok((vec![y], vec![Some(b.eqn1(Pad, p.clone(), &[tx, tv])?)]))
    })
    .transpose(|b, p, ins, cts| {
        let ct = cts[0].unwrap();
        let cfg = pad_config(p)?;
        let xt = ins[0].ty(b);
        // Undo the edge padding (negating it crops), then take every
        // (interior+1)-th element.
        let neg: Vec<_> = cfg
            .iter()
            .map(|(l, h, _)| {
                (
                    DimExpr::sub(&DimExpr::Const(0), l),
                    DimExpr::sub(&DimExpr::Const(0), h),
                    DimExpr::Const(0),
                )
            })
            .collect();
        let z = b.lit(0.0, xt.dtype);
        let unpadded = b.pad(ct, z, &neg)?;
        let ut = b.ty(unpadded);
        let strides: Vec<usize> = cfg
            .iter()
            .map(|(_, _, i)| i.as_const().unwrap_or(0) as usize + 1)
            .collect();
        let zeros = vec![DimExpr::Const(0); xt.rank()];
        let ctx = b.slice(unpadded, &zeros, ut.dims(), Some(&strides))?;
        let ctv = if ins[1].is_linear() {
            let all: Vec<usize> = (0..xt.rank()).collect();
            let s_ct = b.reduce_sum(ct, &all)?;
            let s_x = b.reduce_sum(ctx, &all)?;
            Some(b.sub(s_ct, s_x)?)
        } else {
            None
        };
        Ok(vec![if ins[0].is_linear() { Some(ctx) } else { None }, ctv])
    });
}

/// Reads `padding_config` (`PadConfig`).
fn pad_config(p: &Params) -> Result<Vec<crate::ir::typed::PadDim>> {
    Ok(crate::ir::PadConfig::read(p)?.0)
}

fn register_concat_iota(t: &mut Table) {
    use Prim::*;
    t.def(
        Concatenate,
        |p, ins| {
            let dim = p.int("concatenate", "dimension")? as usize;
            if ins.is_empty() {
                return Err(shp(Concatenate, "needs at least one operand".into()));
            }
            let x = &ins[0];
            let mut total = DimExpr::Const(0);
            for o in ins {
                let ok = o.dtype == x.dtype
                    && o.rank() == x.rank()
                    && dim < x.rank()
                    && (0..x.rank()).all(|i| i == dim || dims_match(&o.dims()[i], &x.dims()[i]));
                if !ok {
                    return Err(shp(
                        Concatenate,
                        format!(
                            "operands {} do not agree off dimension {dim}",
                            fmt_types(ins)
                        ),
                    ));
                }
                total = DimExpr::add(&total, &o.dims()[dim]);
            }
            let mut out = x.dims().to_vec();
            out[dim] = total;
            Ok(vec![tt(x.dtype, out)])
        },
        |p, ins, _| {
            let dim = p.int("concatenate", "dimension")? as usize;
            let mut shape = ins[0].shape.clone();
            shape[dim] = ins.iter().map(|x| x.shape[dim]).sum();
            let n: usize = shape.iter().product();
            let mut data = Vec::with_capacity(n);
            for f in 0..n {
                let mut idx = unravel(f, &shape);
                let mut k = 0;
                while idx[dim] >= ins[k].shape[dim] {
                    idx[dim] -= ins[k].shape[dim];
                    k += 1;
                }
                data.push(ins[k].data[ravel(&idx, &ins[k].shape)]);
            }
            Ok(vec![Tensor {
                dtype: ins[0].dtype,
                shape,
                data,
            }])
        },
    )
    .batch(|b, p, args, bt, n| {
        let dim = p.int("concatenate", "dimension")? as usize;
        let xs: Vec<Atom> = args
            .iter()
            .zip(bt)
            .map(|(a, &x)| materialize_batch(b, *a, x, n))
            .collect::<Result<_>>()?;
        Ok((vec![b.concatenate(&xs, dim + 1)?], vec![true]))
    })
    .jvp(|b, p, xs, ts| {
        let y = b.eqn1(Concatenate, p.clone(), xs)?;
        let mut tz = Vec::new();
        for (x, t) in xs.iter().zip(ts) {
            tz.push(match t {
                Some(t) => *t,
                None => {
                    let ty = b.ty(*x);
                    b.zeros(&ty)?
                }
            });
        }
        Ok((vec![y], vec![Some(b.eqn1(Concatenate, p.clone(), &tz)?)]))
    })
    .transpose(|b, p, ins, cts| {
        let ct = cts[0].unwrap();
        let dim = p.int("concatenate", "dimension")? as usize;
        let ctt = b.ty(ct);
        let mut off = DimExpr::Const(0);
        let mut out = Vec::new();
        for a in ins {
            let ty = a.ty(b);
            let end = DimExpr::add(&off, &ty.dims()[dim]);
            if a.is_linear() {
                let mut start = vec![DimExpr::Const(0); ty.rank()];
                let mut limit = ctt.dims().to_vec();
                start[dim] = off.clone();
                limit[dim] = end.clone();
                out.push(Some(b.slice(ct, &start, &limit, None)?));
            } else {
                out.push(None);
            }
            off = end;
        }
        Ok(out)
    });

    t.def(
        Iota,
        |p, ins| {
            arity(Iota, ins, 0)?;
            let shape = p.dims("iota", "shape")?;
            let d = p.dtype("iota", "dtype")?;
            let dim = p.int("iota", "dimension")? as usize;
            if dim >= shape.len() {
                return Err(shp(
                    Iota,
                    format!("dimension {dim} out of range for shape {}", Shape(shape)),
                ));
            }
            Ok(vec![tt(d, shape)])
        },
        |p, _ins, cx| {
            let shape = cx.dims(Iota, &p.dims("iota", "shape")?)?;
            let d = p.dtype("iota", "dtype")?;
            let dim = p.int("iota", "dimension")? as usize;
            let n: usize = shape.iter().product();
            let data = (0..n).map(|f| unravel(f, &shape)[dim] as f64).collect();
            Ok(vec![Tensor {
                dtype: d,
                shape,
                data,
            }])
        },
    );
}

fn clamp_starts(x: &Tensor, idx: &[Tensor], sizes: &[usize]) -> Vec<usize> {
    idx.iter()
        .enumerate()
        .map(|(i, s)| (s.item().max(0.0) as usize).min(x.shape[i].saturating_sub(sizes[i])))
        .collect()
}

fn check_indices(prim: Prim, x: &TensorType, idx: &[TensorType]) -> Result<()> {
    if idx.len() != x.rank() || idx.iter().any(|i| i.rank() != 0 || !i.dtype.is_int()) {
        return Err(shp(
            prim,
            format!(
                "needs one integer scalar start index per axis of {x}, got {}",
                fmt_types(idx)
            ),
        ));
    }
    Ok(())
}

fn register_dynamic(t: &mut Table) {
    use Prim::*;
    t.def(
        DynamicSlice,
        |p, ins| {
            if ins.is_empty() {
                return Err(shp(DynamicSlice, "needs an operand".into()));
            }
            let sizes = p.dims("dynamic_slice", "slice_sizes")?;
            check_indices(DynamicSlice, &ins[0], &ins[1..])?;
            if sizes.len() != ins[0].rank() {
                return Err(shp(
                    DynamicSlice,
                    format!("slice_sizes needs {} entries for {}", ins[0].rank(), ins[0]),
                ));
            }
            Ok(vec![tt(ins[0].dtype, sizes)])
        },
        |p, ins, cx| {
            let sizes = cx.dims(DynamicSlice, &p.dims("dynamic_slice", "slice_sizes")?)?;
            let x = &ins[0];
            let st = clamp_starts(x, &ins[1..], &sizes);
            Ok(vec![remap(x, sizes, 0.0, |idx| {
                Some(idx.iter().zip(&st).map(|(a, b)| a + b).collect())
            })])
        },
    )
    .batch(|b, p, args, bt, n| {
        if bt[1..].iter().any(|&x| x) {
            return super::control_flow::batch_by_loop(b, DynamicSlice, p, args, bt, n);
        }
        let sizes = p.dims("dynamic_slice", "slice_sizes")?;
        let mut ins = vec![args[0], b.lit(0.0, DType::I32)];
        // the batch index must share the other indices' dtype
        if args.len() > 1 {
            ins[1] = b.lit(0.0, b.dtype(args[1]));
        }
        ins.extend_from_slice(&args[1..]);
        let y = b.eqn1(
            DynamicSlice,
            Params::from_pairs([("slice_sizes", Param::dims(&with_batch(n, &sizes)))]),
            &ins,
        )?;
        Ok((vec![y], vec![true]))
    })
    .jvp(|b, p, xs, ts| {
        let y = b.eqn1(DynamicSlice, p.clone(), xs)?;
        let mut ins = vec![ts[0].unwrap()];
        ins.extend_from_slice(&xs[1..]);
        Ok((vec![y], vec![Some(b.eqn1(DynamicSlice, p.clone(), &ins)?)]))
    })
    .transpose(|b, _p, ins, cts| {
        let ct = cts[0].unwrap();
        let xt = ins[0].ty(b);
        let z = b.zeros(&xt)?;
        let mut a = vec![z, ct];
        for i in &ins[1..] {
            a.push(i.primal(DynamicSlice)?);
        }
        let mut out = vec![Some(b.eqn1(DynamicUpdateSlice, Params::new(), &a)?)];
        out.extend(std::iter::repeat_n(None, ins.len() - 1));
        Ok(out)
    });

    t.def(
        DynamicUpdateSlice,
        |_p, ins| {
            if ins.len() < 2 {
                return Err(shp(
                    DynamicUpdateSlice,
                    "needs an operand and an update".into(),
                ));
            }
            let (x, u) = (&ins[0], &ins[1]);
            check_indices(DynamicUpdateSlice, x, &ins[2..])?;
            if u.rank() != x.rank() || u.dtype != x.dtype {
                return Err(shp(
                    DynamicUpdateSlice,
                    format!("update {u} does not fit operand {x}"),
                ));
            }
            Ok(vec![x.clone()])
        },
        |_p, ins, _| {
            let (x, u) = (&ins[0], &ins[1]);
            let st = clamp_starts(x, &ins[2..], &u.shape);
            let mut out = x.clone();
            for f in 0..u.size() {
                let idx: Vec<usize> = unravel(f, &u.shape)
                    .iter()
                    .zip(&st)
                    .map(|(a, b)| a + b)
                    .collect();
                out.data[ravel(&idx, &x.shape)] = u.data[f];
            }
            Ok(vec![out])
        },
    )
    .batch(|b, p, args, bt, n| {
        if bt[2..].iter().any(|&x| x) {
            return super::control_flow::batch_by_loop(b, DynamicUpdateSlice, p, args, bt, n);
        }
        let x = materialize_batch(b, args[0], bt[0], n)?;
        let u = materialize_batch(b, args[1], bt[1], n)?;
        let zero = b.lit(
            0.0,
            if args.len() > 2 {
                b.dtype(args[2])
            } else {
                DType::I32
            },
        );
        let mut ins = vec![x, u, zero];
        ins.extend_from_slice(&args[2..]);
        Ok((
            vec![b.eqn1(DynamicUpdateSlice, p.clone(), &ins)?],
            vec![true],
        ))
    })
    .jvp(|b, p, xs, ts| {
        let y = b.eqn1(DynamicUpdateSlice, p.clone(), xs)?;
        let mut ins = Vec::new();
        for k in 0..2 {
            ins.push(match ts[k] {
                Some(t) => t,
                None => {
                    let ty = b.ty(xs[k]);
                    b.zeros(&ty)?
                }
            });
        }
        ins.extend_from_slice(&xs[2..]);
        Ok((
            vec![y],
            vec![Some(b.eqn1(DynamicUpdateSlice, p.clone(), &ins)?)],
        ))
    })
    .transpose(|b, _p, ins, cts| {
        let ct = cts[0].unwrap();
        let idx: Vec<Atom> = ins[2..]
            .iter()
            .map(|i| i.primal(DynamicUpdateSlice))
            .collect::<Result<_>>()?;
        let ut = ins[1].ty(b);
        let ct_x = if ins[0].is_linear() {
            let z = b.zeros(&ut)?;
            let mut a = vec![ct, z];
            a.extend_from_slice(&idx);
            Some(b.eqn1(DynamicUpdateSlice, Params::new(), &a)?)
        } else {
            None
        };
        let ct_u = if ins[1].is_linear() {
            let mut a = vec![ct];
            a.extend_from_slice(&idx);
            Some(b.eqn1(
                DynamicSlice,
                Params::from_pairs([("slice_sizes", Param::dims(ut.dims()))]),
                &a,
            )?)
        } else {
            None
        };
        let mut out = vec![ct_x, ct_u];
        out.extend(std::iter::repeat_n(None, idx.len()));
        Ok(out)
    });

    register_gather(t);
}

fn gather_shape(x: &TensorType, idx: &TensorType, axis: usize) -> Vec<DimExpr> {
    let mut out = x.dims()[..axis].to_vec();
    out.extend_from_slice(idx.dims());
    out.extend_from_slice(&x.dims()[axis + 1..]);
    out
}

fn register_gather(t: &mut Table) {
    use Prim::*;
    // gather[axis] x idx: jnp.take(x, idx, axis) with clamped indices.
    t.def(
        Gather,
        |p, ins| {
            arity(Gather, ins, 2)?;
            let axis = p.int("gather", "axis")? as usize;
            let (x, i) = (&ins[0], &ins[1]);
            if axis >= x.rank() || !i.dtype.is_int() {
                return Err(shp(
                    Gather,
                    format!("cannot take {i} indices along axis {axis} of {x}"),
                ));
            }
            Ok(vec![tt(x.dtype, gather_shape(x, i, axis))])
        },
        |p, ins, _| {
            let axis = p.int("gather", "axis")? as usize;
            let (x, i) = (&ins[0], &ins[1]);
            let mut out = x.shape[..axis].to_vec();
            out.extend_from_slice(&i.shape);
            out.extend_from_slice(&x.shape[axis + 1..]);
            let k = i.rank();
            if x.shape[axis] == 0 && out.iter().product::<usize>() > 0 {
                return Err(Error::Eval(format!(
                    "gather: cannot take from empty axis {axis} of shape {:?}",
                    x.shape
                )));
            }
            Ok(vec![remap(x, out, 0.0, |idx| {
                let j = ravel(&idx[axis..axis + k], &i.shape);
                let pos = (i.data[j].max(0.0) as usize).min(x.shape[axis].saturating_sub(1));
                let mut s = idx[..axis].to_vec();
                s.push(pos);
                s.extend_from_slice(&idx[axis + k..]);
                Some(s)
            })])
        },
    )
    .batch(|b, p, args, bt, n| {
        if bt[1] {
            return super::control_flow::batch_by_loop(b, Gather, p, args, bt, n);
        }
        let axis = p.int("gather", "axis")?;
        Ok((
            vec![b.eqn1(
                Gather,
                Params::from_pairs([("axis", Param::int(axis + 1))]),
                args,
            )?],
            vec![true],
        ))
    })
    .jvp(|b, p, xs, ts| {
        let y = b.eqn1(Gather, p.clone(), xs)?;
        Ok((
            vec![y],
            vec![Some(b.eqn1(Gather, p.clone(), &[ts[0].unwrap(), xs[1]])?)],
        ))
    })
    .transpose(|b, p, ins, cts| {
        let ct = cts[0].unwrap();
        let xt = ins[0].ty(b);
        let z = b.zeros(&xt)?;
        let i = ins[1].primal(Gather)?;
        Ok(vec![
            Some(b.eqn1(ScatterAdd, p.clone(), &[z, i, ct])?),
            None,
        ])
    });

    // scatter_add[axis] x idx updates: x with updates added at the indices.
    t.def(
        ScatterAdd,
        |p, ins| {
            arity(ScatterAdd, ins, 3)?;
            let axis = p.int("scatter_add", "axis")? as usize;
            let (x, i, u) = (&ins[0], &ins[1], &ins[2]);
            if axis >= x.rank()
                || !i.dtype.is_int()
                || u.dtype != x.dtype
                || !shapes_match(u.dims(), &gather_shape(x, i, axis))
            {
                return Err(shp(
                    ScatterAdd,
                    format!("updates {u} do not fit {x} indexed by {i} along axis {axis}"),
                ));
            }
            Ok(vec![x.clone()])
        },
        |p, ins, _| {
            let axis = p.int("scatter_add", "axis")? as usize;
            let (x, i, u) = (&ins[0], &ins[1], &ins[2]);
            let k = i.rank();
            let mut out = x.clone();
            for f in 0..u.size() {
                let idx = unravel(f, &u.shape);
                let j = ravel(&idx[axis..axis + k], &i.shape);
                let pos = (i.data[j].max(0.0) as usize).min(x.shape[axis].saturating_sub(1));
                let mut s = idx[..axis].to_vec();
                s.push(pos);
                s.extend_from_slice(&idx[axis + k..]);
                out.data[ravel(&s, &x.shape)] += u.data[f];
            }
            Ok(vec![out.rounded()])
        },
    )
    .batch(|b, p, args, bt, n| {
        if bt[1] {
            return super::control_flow::batch_by_loop(b, ScatterAdd, p, args, bt, n);
        }
        let axis = p.int("scatter_add", "axis")?;
        let x = materialize_batch(b, args[0], bt[0], n)?;
        let u = materialize_batch(b, args[2], bt[2], n)?;
        Ok((
            vec![b.eqn1(
                ScatterAdd,
                Params::from_pairs([("axis", Param::int(axis + 1))]),
                &[x, args[1], u],
            )?],
            vec![true],
        ))
    })
    .jvp(|b, p, xs, ts| {
        let y = b.eqn1(ScatterAdd, p.clone(), xs)?;
        let tx = match ts[0] {
            Some(t) => t,
            None => {
                let ty = b.ty(xs[0]);
                b.zeros(&ty)?
            }
        };
        let tu = match ts[2] {
            Some(t) => t,
            None => {
                let ty = b.ty(xs[2]);
                b.zeros(&ty)?
            }
        };
        Ok((
            vec![y],
            vec![Some(b.eqn1(ScatterAdd, p.clone(), &[tx, xs[1], tu])?)],
        ))
    })
    .transpose(|b, p, ins, cts| {
        let ct = cts[0].unwrap();
        let i = ins[1].primal(ScatterAdd)?;
        let ct_u = if ins[2].is_linear() {
            Some(b.eqn1(Gather, p.clone(), &[ct, i])?)
        } else {
            None
        };
        Ok(vec![
            if ins[0].is_linear() { Some(ct) } else { None },
            None,
            ct_u,
        ])
    });
}
