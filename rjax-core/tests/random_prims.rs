//! The key-consuming random primitives (random_split, random_fold_in and
//! the samplers) on the reference interpreter: vmap over keys equals the
//! loop over them (also nested, and with only the bounds mapped), the JVP of
//! `uniform` in its bounds is the analytic one, and a derivative through
//! truncated_normal's bounds is refused.

mod common;
use common::*;
use rjax_core::interp::Tensor;
use rjax_core::rules::random_keys::split_params;
use rjax_core::rules::random_samplers::sampler_params;
use rjax_core::{Builder, DType, DimExpr, Jaxpr, Params, Prim, transforms};

fn key_t(k: [u32; 2]) -> Tensor {
    Tensor::vector(&[f64::from(k[0]), f64::from(k[1])], DType::U32)
}

/// f(key, lo) = (uniform(k1, lo, 2)[3], randint(k2)[4], bernoulli(k3, 0.4)[5])
/// with k1, k2 = split(fold_in(key, 3), 2) and k3 = fold_in(k2, 1).
fn program() -> Jaxpr {
    let mut b = Builder::new();
    let key = b.input(DType::U32, [2]);
    let lo = b.input(DType::F32, []);
    let three = b.lit(3.0, DType::U32);
    let k = b
        .eqn1(Prim::RandomFoldIn, Params::default(), &[key.into(), three])
        .unwrap();
    let ks = b.eqn1(Prim::RandomSplit, split_params(2), &[k]).unwrap();
    let k1 = b.index(ks, 0).unwrap();
    let k2 = b.index(ks, 1).unwrap();
    let one = b.lit(1.0, DType::U32);
    let k3 = b
        .eqn1(Prim::RandomFoldIn, Params::default(), &[k2, one])
        .unwrap();
    let shape = |n: i64| [DimExpr::Const(n)];
    let two = b.lit(2.0, DType::F32);
    let u = b
        .eqn1(
            Prim::RandomUniform,
            sampler_params(Some(DType::F32), &shape(3)),
            &[k1, lo.into(), two],
        )
        .unwrap();
    let (ilo, ihi) = (b.lit(-5.0, DType::I32), b.lit(7.0, DType::I32));
    let r = b
        .eqn1(
            Prim::RandomRandint,
            sampler_params(None, &shape(4)),
            &[k2, ilo, ihi],
        )
        .unwrap();
    let p = b.lit(0.4, DType::F32);
    let c = b
        .eqn1(
            Prim::RandomBernoulli,
            sampler_params(None, &shape(5)),
            &[k3, p],
        )
        .unwrap();
    b.build(&[u, r, c])
}

fn keys(n: usize) -> Vec<[u32; 2]> {
    (0..n as u32)
        .map(|i| [i * 7 + 1, 0x9e37_79b9 ^ i])
        .collect()
}

#[test]
fn vmap_over_keys_equals_the_loop() {
    let j = program();
    let ks = keys(4);
    let los: Vec<f64> = vec![-1.0, 0.0, 0.5, 1.5];
    let singles: Vec<Vec<Tensor>> = ks
        .iter()
        .zip(&los)
        .map(|(k, &lo)| run(&j, &[key_t(*k), Tensor::scalar(lo, DType::F32)]))
        .collect();
    let key_batch = stack0(
        &ks.iter().map(|k| key_t(*k)).collect::<Vec<_>>(),
        DType::U32,
        &[2],
    );
    let lo_batch = Tensor::vector(&los, DType::F32);
    let v = transforms::vmap(&j, &[Some(0), Some(0)], &[Some(0); 3]).unwrap();
    let got = run(&v, &[key_batch.clone(), lo_batch.clone()]);
    for (k, out) in got.iter().enumerate() {
        for (i, s) in singles.iter().enumerate() {
            assert_eq!(take(out, 0, i).data, s[k].data, "output {k}, row {i}");
        }
    }
    // Keys only (one shared bound), then the bound only (one shared key).
    let v = transforms::vmap(&j, &[Some(0), None], &[Some(0); 3]).unwrap();
    let got = run(&v, &[key_batch.clone(), Tensor::scalar(0.5, DType::F32)]);
    for (i, k) in ks.iter().enumerate() {
        let s = run(&j, &[key_t(*k), Tensor::scalar(0.5, DType::F32)]);
        assert_eq!(take(&got[0], 0, i).data, s[0].data, "row {i}");
    }
    let v = transforms::vmap(&j, &[None, Some(0)], &[Some(0); 3]).unwrap();
    let got = run(&v, &[key_t(ks[0]), lo_batch]);
    for (i, &lo) in los.iter().enumerate() {
        let s = run(&j, &[key_t(ks[0]), Tensor::scalar(lo, DType::F32)]);
        for k in 0..3 {
            assert_eq!(take(&got[k], 0, i).data, s[k].data, "output {k}, row {i}");
        }
    }
}

#[test]
fn nested_vmap_over_a_grid_of_keys() {
    let j = program();
    let ks = keys(6);
    let inner = transforms::vmap(&j, &[Some(0), None], &[Some(0); 3]).unwrap();
    let outer = transforms::vmap(&inner, &[Some(0), None], &[Some(0); 3]).unwrap();
    let grid = Tensor {
        dtype: DType::U32,
        shape: vec![2, 3, 2],
        data: ks
            .iter()
            .flat_map(|k| [f64::from(k[0]), f64::from(k[1])])
            .collect(),
    };
    let got = run(&outer, &[grid, Tensor::scalar(-2.0, DType::F32)]);
    for (i, k) in ks.iter().enumerate() {
        let s = run(&j, &[key_t(*k), Tensor::scalar(-2.0, DType::F32)]);
        let row = take(&take(&got[1], 0, i / 3), 0, i % 3);
        assert_eq!(row.data, s[1].data, "key ({}, {})", i / 3, i % 3);
    }
}

#[test]
fn split_prefixes_and_fold_in_agree() {
    // fold_in(key, d) is row d of split(key, n) for n > d (the partitionable
    // layout): two primitives, one counter scheme.
    let mut b = Builder::new();
    let key = b.input(DType::U32, [2]);
    let s = b
        .eqn1(Prim::RandomSplit, split_params(5), &[key.into()])
        .unwrap();
    let d = b.lit(3.0, DType::U32);
    let f = b
        .eqn1(Prim::RandomFoldIn, Params::default(), &[key.into(), d])
        .unwrap();
    let j = b.build(&[s, f]);
    let out = run(&j, &[key_t([0, 42])]);
    assert_eq!(out[0].shape, vec![5, 2]);
    assert_eq!(take(&out[0], 0, 3).data, out[1].data);
}

/// sum(uniform(key, lo, hi)[6]) in f64.
fn uniform_sum(prim: Prim) -> Jaxpr {
    let mut b = Builder::new();
    let key = b.input(DType::U32, [2]);
    let lo = b.input(DType::F64, []);
    let hi = b.input(DType::F64, []);
    let u = b
        .eqn1(
            prim,
            sampler_params(Some(DType::F64), &[DimExpr::Const(6)]),
            &[key.into(), lo.into(), hi.into()],
        )
        .unwrap();
    let s = b.reduce_sum(u, &[0]).unwrap();
    b.build(&[s])
}

#[test]
fn grad_of_uniform_in_its_bounds() {
    let j = uniform_sum(Prim::RandomUniform);
    let g = transforms::grad(&j, &[1, 2], false).unwrap();
    let key = key_t([7, 8]);
    let args = [
        key.clone(),
        Tensor::scalar(-1.0, DType::F64),
        Tensor::scalar(3.0, DType::F64),
    ];
    let got = run(&g, &args);
    // d/dlo sum(lo + (hi - lo) u) = sum(1 - u), d/dhi = sum(u), with u the
    // same key's draw on [0, 1).
    let unit_args = [
        key,
        Tensor::scalar(0.0, DType::F64),
        Tensor::scalar(1.0, DType::F64),
    ];
    let su = run(&j, &unit_args)[0].item();
    close(
        &[got[0].item(), got[1].item()],
        &[6.0 - su, su],
        1e-12,
        1e-12,
    );
    // And against finite differences (the draw is linear in the bounds).
    let fd = fd_grad(&j, &args, 1, 0, 1e-4);
    close(&[got[0].item()], &fd, 1e-6, 1e-6);
}

#[test]
fn no_derivative_through_truncated_normal_bounds() {
    let j = uniform_sum(Prim::RandomTruncatedNormal);
    let e = transforms::grad(&j, &[1], false).unwrap_err().to_string();
    assert!(e.contains("random_truncated_normal"), "{e}");
}
