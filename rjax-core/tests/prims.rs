//! Every primitive, on random shapes (size-0 and size-1 dims included,
//! rank-0 operands broadcasting): JVP against central finite differences,
//! VJP by the dot-product test, vmap against a loop over the batch.

#![allow(clippy::type_complexity)]
#[path = "checks/mod.rs"]
mod checks;
mod common;
use checks::*;
use common::*;
use proptest::prelude::{ProptestConfig, any, proptest};
use rjax_core::interp::Tensor;
use rjax_core::{
    Atom, Builder, DType, DimExpr, Jaxpr, Param, Params, ParamsExt, Prim, Result, TensorType,
};

/// A test case: input types (with an optional value transform for the
/// domain) and the program.
struct Case {
    name: &'static str,
    ins: Vec<TensorType>,
    /// Maps a raw random value into the primitive's domain.
    domain: fn(f64) -> f64,
    /// Integer inputs get values in 0..int_hi.
    int_hi: usize,
    build: Box<dyn Fn(&mut Builder, &[Atom]) -> Result<Vec<Atom>>>,
    differentiable: bool,
}

fn f64t(s: &[usize]) -> TensorType {
    TensorType::new(DType::F64, s.to_vec())
}
fn dims(s: &[usize]) -> Vec<DimExpr> {
    s.iter().map(|&d| DimExpr::from(d)).collect()
}
fn id(x: f64) -> f64 {
    x
}
fn pos(x: f64) -> f64 {
    x.abs() + 0.5
}

fn case(
    name: &'static str,
    ins: Vec<TensorType>,
    build: impl Fn(&mut Builder, &[Atom]) -> Result<Vec<Atom>> + 'static,
) -> Case {
    Case {
        name,
        ins,
        domain: id,
        int_hi: 1,
        build: Box::new(build),
        differentiable: true,
    }
}

fn unary_cases(r: &mut Rng) -> Vec<Case> {
    let s = {
        let k = r.below(3);
        r.shape(k)
    };
    let mut v = Vec::new();
    let un: [(Prim, fn(f64) -> f64); 15] = [
        (Prim::Neg, id),
        (Prim::Sin, id),
        (Prim::Cos, id),
        (Prim::Tan, |x| x * 0.7),
        (Prim::Tanh, id),
        (Prim::Exp, id),
        (Prim::Log, pos),
        (Prim::Log1p, pos),
        (Prim::Expm1, id),
        (Prim::Sqrt, pos),
        (Prim::Rsqrt, pos),
        (Prim::Abs, |x| if x.abs() < 1e-3 { 0.5 } else { x }),
        (Prim::Logistic, id),
        (Prim::Square, id),
        (Prim::StopGradient, id),
    ];
    for (p, d) in un {
        let mut c = case(p.name(), vec![f64t(&s)], move |b, a| {
            Ok(vec![b.unary(p, a[0])?])
        });
        c.domain = d;
        // Its derivative is zero by definition, not by finite differences.
        c.differentiable = p != Prim::StopGradient;
        v.push(c);
    }
    let y = 1 + r.below(3) as i64;
    v.push(case("integer_pow", vec![f64t(&s)], move |b, a| {
        Ok(vec![b.integer_pow(a[0], y)?])
    }));
    v
}

fn binary_cases(r: &mut Rng) -> Vec<Case> {
    let s = {
        let k = r.below(3);
        r.shape(k)
    };
    // Either equal shapes or one rank-0 operand.
    let (sx, sy) = match r.below(3) {
        0 => (s.clone(), vec![]),
        1 => (vec![], s.clone()),
        _ => (s.clone(), s.clone()),
    };
    let mut v = Vec::new();
    for p in [
        Prim::Add,
        Prim::Sub,
        Prim::Mul,
        Prim::Div,
        Prim::Max,
        Prim::Min,
        Prim::Pow,
    ] {
        let mut c = case(p.name(), vec![f64t(&sx), f64t(&sy)], move |b, a| {
            Ok(vec![b.binary(p, a[0], a[1])?])
        });
        if matches!(p, Prim::Div | Prim::Pow) {
            c.domain = pos;
        }
        v.push(c);
    }
    v.push(case(
        "select_n",
        vec![f64t(&s), f64t(&s), f64t(&s)],
        |b, a| {
            let p = b.compare(Prim::Gt, a[0], b.lit(0.0, DType::F64))?;
            Ok(vec![b.select_n(p, &[a[1], a[2]])?])
        },
    ));
    v.push(case(
        "compare+convert",
        vec![f64t(&sx), f64t(&sy)],
        |b, a| {
            let p = b.compare(Prim::Le, a[0], a[1])?;
            let c = b.convert(p, DType::F64)?;
            Ok(vec![b.mul(c, a[0])?])
        },
    ));
    // f32 round trips defeat f64 finite differences: batching only here
    // (the seed tests differentiate through f32).
    let mut c = case("convert_element_type", vec![f64t(&s)], |b, a| {
        let c = b.convert(a[0], DType::F32)?;
        let s = b.sin(c)?;
        Ok(vec![b.convert(s, DType::F64)?])
    });
    c.differentiable = false;
    v.push(c);
    v
}

fn reduction_cases(r: &mut Rng) -> Vec<Case> {
    let rank = 1 + r.below(3);
    let s = r.shape(rank);
    let mut axes: Vec<usize> = (0..rank).filter(|_| r.below(2) == 0).collect();
    if axes.is_empty() {
        axes.push(r.below(rank));
    }
    let mut v = Vec::new();
    for p in [Prim::ReduceSum, Prim::ReduceMax, Prim::ReduceMin] {
        let ax = axes.clone();
        v.push(case(p.name(), vec![f64t(&s)], move |b, a| {
            Ok(vec![b.reduce(p, a[0], &ax)?])
        }));
    }
    let axis = r.below(rank);
    let rev = r.below(2) == 0;
    v.push(case("cumsum", vec![f64t(&s)], move |b, a| {
        Ok(vec![b.eqn1(
            Prim::Cumsum,
            Params::from_pairs([
                ("axis", Param::int(axis as i64)),
                ("reverse", Param::Bool(rev)),
            ]),
            &[a[0]],
        )?])
    }));
    if s[axis] > 0 {
        let mut c = case("argmax", vec![f64t(&s)], move |b, a| {
            let i = b.eqn1(
                Prim::Argmax,
                Params::from_pairs([
                    ("axes", Param::usizes(&[axis])),
                    ("index_dtype", Param::dtype(DType::I32)),
                ]),
                &[a[0]],
            )?;
            let f = b.convert(i, DType::F64)?;
            Ok(vec![b.mul(f, b.lit(1.0, DType::F64))?])
        });
        c.differentiable = false;
        v.push(c);
    }
    v
}

fn shape_cases(r: &mut Rng) -> Vec<Case> {
    let rank = 1 + r.below(3);
    let s = r.shape(rank);
    let mut v = Vec::new();
    let mut perm: Vec<usize> = (0..rank).collect();
    for i in (1..rank).rev() {
        perm.swap(i, r.below(i + 1));
    }
    v.push(case("transpose", vec![f64t(&s)], move |b, a| {
        Ok(vec![b.transpose(a[0], &perm)?])
    }));
    let flat = vec![DimExpr::from(s.iter().product::<usize>())];
    v.push(case("reshape", vec![f64t(&s)], move |b, a| {
        Ok(vec![b.reshape(a[0], &flat)?])
    }));
    // broadcast_in_dim: insert a new axis and stretch size-1 axes.
    let ins = r.below(rank + 1);
    let mut src = s.clone();
    if !src.is_empty() && r.below(2) == 0 {
        src[0] = 1;
    }
    let mut out = s.clone();
    out.insert(ins, 2);
    let bd: Vec<usize> = (0..rank).map(|i| if i < ins { i } else { i + 1 }).collect();
    let od = dims(&out);
    v.push(case("broadcast_in_dim", vec![f64t(&src)], move |b, a| {
        Ok(vec![b.broadcast_in_dim(a[0], &od, &bd)?])
    }));
    let e = r.below(rank + 1);
    v.push(case("expand_dims+squeeze", vec![f64t(&s)], move |b, a| {
        let x = b.expand_dims(a[0], &[e])?;
        let y = b.sin(x)?;
        Ok(vec![b.squeeze(y, &[e])?])
    }));
    // strided slice
    let start: Vec<usize> = s.iter().map(|&d| r.below(d + 1)).collect();
    let limit: Vec<usize> = s
        .iter()
        .zip(&start)
        .map(|(&d, &st)| st + r.below(d - st + 1))
        .collect();
    let strides: Vec<usize> = s.iter().map(|_| 1 + r.below(2)).collect();
    let (sd, ld) = (dims(&start), dims(&limit));
    v.push(case("slice", vec![f64t(&s)], move |b, a| {
        Ok(vec![b.slice(a[0], &sd, &ld, Some(&strides))?])
    }));
    // pad with negative/interior padding
    let cfg: Vec<(DimExpr, DimExpr, DimExpr)> = s
        .iter()
        .map(|&d| {
            let lo = r.below(3) as i64 - if d > 1 { 1 } else { 0 };
            let hi = r.below(3) as i64 - if d > 1 { 1 } else { 0 };
            (lo.into(), hi.into(), (r.below(2) as i64).into())
        })
        .collect();
    v.push(case("pad", vec![f64t(&s), f64t(&[])], move |b, a| {
        Ok(vec![b.pad(a[0], a[1], &cfg)?])
    }));
    let d = r.below(rank);
    let mut s2 = s.clone();
    s2[d] = r.below(3);
    v.push(case(
        "concatenate",
        vec![f64t(&s), f64t(&s2)],
        move |b, a| Ok(vec![b.concatenate(&[a[0], a[1]], d)?]),
    ));
    // dynamic_slice / dynamic_update_slice with integer (clamped) indices.
    let sizes: Vec<usize> = s.iter().map(|&d| r.below(d + 1)).collect();
    let mut ins_t = vec![f64t(&s)];
    ins_t.extend((0..rank).map(|_| TensorType::scalar(DType::I32)));
    let szd = dims(&sizes);
    let mut c = case("dynamic_slice", ins_t.clone(), move |b, a| {
        Ok(vec![b.eqn1(
            Prim::DynamicSlice,
            Params::from_pairs([("slice_sizes", Param::dims(&szd))]),
            a,
        )?])
    });
    c.int_hi = 4;
    v.push(c);
    let mut ins_u = vec![f64t(&s), f64t(&sizes)];
    ins_u.extend((0..rank).map(|_| TensorType::scalar(DType::I32)));
    let mut c = case("dynamic_update_slice", ins_u, |b, a| {
        Ok(vec![b.eqn1(Prim::DynamicUpdateSlice, Params::new(), a)?])
    });
    c.int_hi = 4;
    v.push(c);
    // gather / scatter_add along an axis with an index array.
    let ax = r.below(rank);
    if s[ax] == 0 {
        return v;
    }
    let ish = {
        let k = r.below(2);
        r.shape(k)
    };
    let mut gs = s[..ax].to_vec();
    gs.extend_from_slice(&ish);
    gs.extend_from_slice(&s[ax + 1..]);
    let idx_t = TensorType::new(DType::I32, ish.clone());
    let mut c = case("gather", vec![f64t(&s), idx_t.clone()], move |b, a| {
        Ok(vec![b.eqn1(
            Prim::Gather,
            Params::from_pairs([("axis", Param::int(ax as i64))]),
            a,
        )?])
    });
    c.int_hi = s[ax].max(1) + 1;
    v.push(c);
    let mut c = case(
        "scatter_add",
        vec![f64t(&s), idx_t, f64t(&gs)],
        move |b, a| {
            Ok(vec![b.eqn1(
                Prim::ScatterAdd,
                Params::from_pairs([("axis", Param::int(ax as i64))]),
                a,
            )?])
        },
    );
    c.int_hi = s[ax].max(1);
    v.push(c);
    v
}

fn linalg_cases(r: &mut Rng) -> Vec<Case> {
    let (bsz, m, k, n) = (r.below(3), 1 + r.below(3), r.below(4), 1 + r.below(3));
    vec![
        case(
            "dot_general(matmul)",
            vec![f64t(&[m, k]), f64t(&[k, n])],
            |b, a| Ok(vec![b.dot_general(a[0], a[1], (&[1], &[0]), (&[], &[]))?]),
        ),
        case(
            "dot_general(batched)",
            vec![f64t(&[bsz, k, m]), f64t(&[n, bsz, k])],
            |b, a| {
                Ok(vec![b.dot_general(
                    a[0],
                    a[1],
                    (&[1], &[2]),
                    (&[0], &[1]),
                )?])
            },
        ),
        case(
            "dot_general(vector)",
            vec![f64t(&[k]), f64t(&[m, k])],
            |b, a| Ok(vec![b.dot_general(a[0], a[1], (&[0], &[1]), (&[], &[]))?]),
        ),
    ]
}

fn all_cases(seed: u64) -> Vec<Case> {
    let mut r = Rng(seed);
    let mut v = unary_cases(&mut r);
    v.extend(binary_cases(&mut r));
    v.extend(reduction_cases(&mut r));
    v.extend(shape_cases(&mut r));
    v.extend(linalg_cases(&mut r));
    v
}

fn program(c: &Case) -> Jaxpr {
    let mut b = Builder::new();
    let ins: Vec<Atom> = c
        .ins
        .iter()
        .map(|t| b.input_typed(t.clone()).into())
        .collect();
    let outs = (c.build)(&mut b, &ins).unwrap_or_else(|e| panic!("{}: {e}", c.name));
    b.build(&outs)
}

fn make_args(c: &Case, r: &mut Rng) -> Vec<Tensor> {
    c.ins
        .iter()
        .map(|t| {
            let shape = t.shape.as_concrete().unwrap();
            let mut x = r.tensor(&shape);
            if t.dtype.is_float() {
                x.data.iter_mut().for_each(|v| *v = (c.domain)(*v));
            } else {
                x.data
                    .iter_mut()
                    .for_each(|v| *v = ((*v + 1.0) * 0.5 * c.int_hi as f64).floor());
            }
            x.dtype = t.dtype;
            x.rounded()
        })
        .enumerate()
        .map(|(k, mut x)| {
            // Max/min (and a comparison) have kinks at ties: use distinct values 0.1 apart
            // (offset per operand) so finite differences never straddle one.
            if matches!(
                c.name,
                "max" | "min" | "reduce_max" | "reduce_min" | "compare+convert"
            ) {
                let mut order: Vec<usize> = (0..x.data.len()).collect();
                order.sort_by(|&a, &b| x.data[a].total_cmp(&x.data[b]));
                for (rank, &i) in order.iter().enumerate() {
                    x.data[i] = rank as f64 * 0.1 + k as f64 * 0.05 - 0.5;
                }
            }
            x
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn every_primitive_jvp_vjp_vmap(seed in any::<u64>()) {
        for c in all_cases(seed) {
            let f = program(&c);
            let mut r = Rng(seed ^ 0x9e37);
            let args = make_args(&c, &mut r);
            eprintln!("case {}", c.name);
            if c.differentiable {
                let (dirs, touts) = check_jvp(&f, &args, &mut r, 1e-6);
                check_vjp(&f, &args, &dirs, &touts, &mut r);
            }
            check_vmap(&f, &mut r, &mut |r| make_args(&c, r));
        }
    }
}

#[test]
fn every_listed_primitive_has_its_rules() {
    use rjax_core::rules::has_rules;
    // Linear primitives must transpose; everything must batch.
    let linear = [
        Prim::Neg,
        Prim::Add,
        Prim::AddAny,
        Prim::Sub,
        Prim::Mul,
        Prim::Div,
        Prim::SelectN,
        Prim::ConvertElementType,
        Prim::ReduceSum,
        Prim::Cumsum,
        Prim::DotGeneral,
        Prim::Transpose,
        Prim::Reshape,
        Prim::BroadcastInDim,
        Prim::Squeeze,
        Prim::ExpandDims,
        Prim::Slice,
        Prim::Pad,
        Prim::Concatenate,
        Prim::DynamicSlice,
        Prim::DynamicUpdateSlice,
        Prim::Gather,
        Prim::ScatterAdd,
        Prim::Cond,
        Prim::Scan,
        Prim::While,
    ];
    for p in linear {
        assert!(has_rules(p).1, "{p} has no transpose rule");
    }
    for &p in Prim::ALL {
        let (jvp, _, batch) = has_rules(p);
        // No operands: never batched or differentiated.
        let nullary = matches!(p, Prim::Iota | Prim::DimAsValue);
        if !nullary && p != Prim::CustomLin {
            assert!(jvp && batch, "{p}: jvp {jvp} batch {batch}");
        }
    }
}
