//! Random well-typed programs: every pass keeps their value, printing and
//! parsing round-trips, and jvp (vs finite differences), vjp (dot-product
//! test against jvp) and vmap (vs a loop) hold on them; the transformed
//! programs survive `optimize` too.

#[path = "checks/mod.rs"]
mod checks;
mod common;
use checks::*;
use common::*;
use proptest::prelude::{ProptestConfig, any, proptest};
use rjax_core::interp::Tensor;
use rjax_core::rules::control_flow::{cond::cond_params, scan::scan_params, sub_jaxpr};
use rjax_core::{Atom, Builder, DType, DimExpr, Jaxpr, Prim, TensorType, passes, transforms};

/// Builds a random program over values of shape [], [n] and [n, n].
fn random_program(r: &mut Rng) -> Jaxpr {
    let n = 1 + r.below(3);
    let shapes = [vec![], vec![n], vec![n, n]];
    let mut b = Builder::new();
    let mut pool: Vec<Atom> = Vec::new();
    for _ in 0..1 + r.below(3) {
        let s = &shapes[r.below(3)];
        pool.push(b.input(DType::F64, s.clone()).into());
    }
    let steps = 3 + r.below(8);
    for _ in 0..steps {
        let x = pool[r.below(pool.len())];
        let tx = b.ty(x);
        let y = match r.below(10) {
            0 => {
                let p = [Prim::Sin, Prim::Cos, Prim::Tanh, Prim::Neg, Prim::Logistic][r.below(5)];
                b.unary(p, x).unwrap()
            }
            1 => {
                let t = b.tanh(x).unwrap();
                b.exp(t).unwrap()
            }
            2 | 3 => {
                // A binary op with a same-shaped or rank-0 partner.
                let cands: Vec<Atom> = pool
                    .iter()
                    .copied()
                    .filter(|a| b.ty(*a).dims() == tx.dims() || b.rank(*a) == 0)
                    .collect();
                let z = cands[r.below(cands.len())];
                // (max is left to the per-primitive tests: its kink defeats finite differences)
                let p = [Prim::Add, Prim::Sub, Prim::Mul][r.below(3)];
                if r.below(2) == 0 {
                    b.binary(p, x, z).unwrap()
                } else {
                    b.binary(p, z, x).unwrap()
                }
            }
            4 if tx.rank() > 0 => b.reduce_sum(x, &[r.below(tx.rank())]).unwrap(),
            5 if tx.rank() < 2 => {
                let mut out = tx.dims().to_vec();
                let at = r.below(out.len() + 1);
                out.insert(at, DimExpr::from(n));
                let bd: Vec<usize> = (0..tx.rank())
                    .map(|i| if i < at { i } else { i + 1 })
                    .collect();
                b.broadcast_in_dim(x, &out, &bd).unwrap()
            }
            6 if tx.rank() == 2 => {
                if r.below(2) == 0 {
                    b.transpose(x, &[1, 0]).unwrap()
                } else {
                    let v = pool.iter().copied().find(|a| b.rank(*a) == 1);
                    match v {
                        Some(v) => b.dot_general(x, v, (&[1], &[0]), (&[], &[])).unwrap(),
                        None => b.dot_general(x, x, (&[1], &[0]), (&[], &[])).unwrap(),
                    }
                }
            }
            7 => {
                let z = b.lit(0.3, DType::F64);
                let p = b.compare(Prim::Gt, x, z).unwrap();
                let s = b.sin(x).unwrap();
                b.select_n(p, &[x, s]).unwrap()
            }
            8 => {
                // cond on a scalar predicate: sin or square.
                let all: Vec<usize> = (0..tx.rank()).collect();
                let s = b.reduce_sum(x, &all).unwrap();
                let p = b.compare(Prim::Gt, s, b.lit(0.0, DType::F64)).unwrap();
                let br0 =
                    sub_jaxpr(std::slice::from_ref(&tx), |bb, a| Ok(vec![bb.sin(a[0])?])).unwrap();
                let br1 = sub_jaxpr(std::slice::from_ref(&tx), |bb, a| {
                    Ok(vec![bb.mul(a[0], a[0])?])
                })
                .unwrap();
                b.eqn(Prim::Cond, cond_params(vec![br0, br1]), &[p, x])
                    .unwrap()[0]
                    .into()
            }
            _ => {
                // A short scan: carry' = tanh(carry * w + x_i), ys = carry'.
                let len = r.below(3) + 1;
                let xs = b
                    .broadcast_in_dim(
                        x,
                        &[DimExpr::from(len)]
                            .iter()
                            .chain(tx.dims())
                            .cloned()
                            .collect::<Vec<_>>(),
                        &(1..=tx.rank()).collect::<Vec<_>>(),
                    )
                    .unwrap();
                let body = sub_jaxpr(&[tx.clone(), tx.clone(), tx.clone()], |bb, a| {
                    let m = bb.mul(a[1], a[0])?;
                    let s = bb.add(m, a[2])?;
                    let c = bb.tanh(s)?;
                    Ok(vec![c, c])
                })
                .unwrap();
                let o = b
                    .eqn(
                        Prim::Scan,
                        scan_params(body, &DimExpr::from(len), 1, 1, r.below(2) == 0),
                        &[x, x, xs],
                    )
                    .unwrap();
                o[0].into()
            }
        };
        pool.push(y);
    }
    let k = 1 + r.below(2);
    let outs: Vec<Atom> = pool.iter().rev().take(k).copied().collect();
    b.build(&outs)
}

fn args_for(f: &Jaxpr, r: &mut Rng) -> Vec<Tensor> {
    f.in_types()
        .iter()
        .map(|t: &TensorType| r.tensor(&t.shape.as_concrete().unwrap()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_programs_keep_their_value(seed in any::<u64>()) {
        let mut r = Rng(seed);
        let f = random_program(&mut r);
        f.verify().unwrap();
        let text = f.to_string();
        let back = Jaxpr::parse(&text).unwrap();
        assert_eq!(back.to_string(), text);
        let args = args_for(&f, &mut r);
        let want = run(&f, &args);
        for (name, g) in [
            ("dce", passes::dce(&f)),
            ("cse", passes::cse(&f)),
            ("fold", passes::fold_constants(&f)),
            ("simplify", passes::simplify(&f)),
            ("optimize", passes::optimize(&f)),
        ] {
            let got = run(&g, &args);
            for (a, b) in got.iter().zip(&want) {
                assert_eq!(a.shape, b.shape, "{name}");
                close(&a.data, &b.data, 1e-12, 1e-12);
            }
        }
        // Fusion groups partition the equations.
        let plan = passes::fusion_plan(&f);
        let mut seen: Vec<usize> = plan.groups.iter().flat_map(|g| g.eqns.iter().copied()).collect();
        seen.sort();
        assert_eq!(seen, (0..f.eqns.len()).collect::<Vec<_>>());
        // AD and batching.
        let (dirs, touts) = check_jvp(&f, &args, &mut r, 1e-5);
        check_vjp(&f, &args, &dirs, &touts, &mut r);
        let shapes: Vec<Vec<usize>> = args.iter().map(|a| a.shape.clone()).collect();
        check_vmap(&f, &mut r, &mut |r| shapes.iter().map(|s| r.tensor(s)).collect());
        // Transformed programs optimise to the same values.
        let wrt = float_inputs(&f);
        let all: Vec<usize> = (0..f.out_types()[0].rank()).collect();
        let mut bb = Builder::new();
        let ins: Vec<Atom> = f.in_types().into_iter().map(|t| bb.input_typed(t).into()).collect();
        let o = bb.inline(&f, &ins).unwrap();
        let s = bb.reduce_sum(o[0], &all).unwrap();
        let g = bb.build(&[s]);
        let vg = transforms::value_and_grad(&g, &wrt, false).unwrap();
        let (x, y) = (run(&vg, &args), run(&passes::optimize(&vg), &args));
        for (a, b) in x.iter().zip(&y) {
            close(&b.data, &a.data, 1e-12, 1e-12);
        }
    }
}
