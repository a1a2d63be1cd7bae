//! Golden text tests for the transformations: each
//! tests/golden_transforms/*.txt file holds a `# transform:` line, a
//! `# before` jaxpr and an `# after` jaxpr. The transformation must print
//! exactly the `# after` text (after `dce`, as the macros use it), the
//! result must verify, and it must mean what it should: a jvp agrees with
//! central differences, a transpose passes the dot-product test
//! `<u, L x> == <Lᵀ u, x>`, a vmap agrees with a loop over the batch.
//! `RJAX_BLESS=1` writes missing `# after` sections (review them by hand
//! before committing: the semantic checks run either way).
//!
//! Headers:
//! - `# transform: jvp` (tangents for every float input);
//! - `# transform: transpose linear=0 1` (1 marks a linear input);
//! - `# transform: vmap in_axes=0 - out_axes=0` (`-` is None; batch size
//!   symbolic `b` in the text, 3 in the semantic check).

mod checks;
mod common;
use common::*;
use rjax_core::interp::Tensor;
use rjax_core::passes::dce;
use rjax_core::{DimExpr, Jaxpr, transforms};

fn axes(s: &str) -> Vec<Option<usize>> {
    s.split(' ')
        .filter(|t| !t.is_empty())
        .map(|t| {
            if t == "-" {
                None
            } else {
                Some(t.parse().unwrap())
            }
        })
        .collect()
}

fn args_for(j: &Jaxpr, rng: &mut Rng) -> Vec<Tensor> {
    j.in_types()
        .iter()
        .map(|t| {
            let mut x = rng.tensor(&t.shape.as_concrete().unwrap());
            x.dtype = t.dtype;
            x.rounded()
        })
        .collect()
}

/// `<u, L(n, x)> == <Lᵀ(n, u), x>` for random nonlinear inputs `n`,
/// linear inputs `x` and cotangents `u`.
fn dot_test(j: &Jaxpr, lin: &[bool], t: &Jaxpr, rng: &mut Rng) {
    let args = args_for(j, rng);
    let out = run(j, &args);
    let us: Vec<Tensor> = out.iter().map(|o| rng.tensor(&o.shape)).collect();
    let mut targs: Vec<Tensor> = args
        .iter()
        .zip(lin)
        .filter(|(_, l)| !**l)
        .map(|(a, _)| a.clone())
        .collect();
    targs.extend(us.iter().cloned());
    let cts = run(t, &targs);
    let lhs: f64 = us
        .iter()
        .zip(&out)
        .map(|(u, o)| dot(&u.data, &o.data))
        .sum();
    let xs = args.iter().zip(lin).filter(|(_, l)| **l).map(|(a, _)| a);
    let rhs: f64 = cts.iter().zip(xs).map(|(c, x)| dot(&c.data, &x.data)).sum();
    assert!(
        (lhs - rhs).abs() <= 1e-9 * (1.0 + lhs.abs()),
        "dot test: <u, Lx> = {lhs}, <Lᵀu, x> = {rhs}\n{j}"
    );
}

/// vmap with batch size 3 against a loop over the examples.
fn loop_test(j: &Jaxpr, in_axes: &[Option<usize>], out_axes: &[Option<usize>], rng: &mut Rng) {
    let b = 3;
    let vf = transforms::vmap_sized(j, in_axes, out_axes, &DimExpr::Const(b as i64)).unwrap();
    let per: Vec<Vec<Tensor>> = (0..b).map(|_| args_for(j, rng)).collect();
    let shared = args_for(j, rng);
    let args: Vec<Tensor> = in_axes
        .iter()
        .enumerate()
        .map(|(i, ax)| match ax {
            None => shared[i].clone(),
            Some(ax) => {
                let ex: Vec<Tensor> = per.iter().map(|p| p[i].clone()).collect();
                let s = stack0(&ex, shared[i].dtype, &shared[i].shape);
                let mut perm: Vec<usize> = (1..s.rank()).collect();
                perm.insert(*ax, 0);
                checks::permute(&s, &perm)
            }
        })
        .collect();
    let got = run(&vf, &args);
    for (e, ex) in per.iter().enumerate() {
        let ex: Vec<Tensor> = (0..ex.len())
            .map(|i| match in_axes[i] {
                Some(_) => ex[i].clone(),
                None => shared[i].clone(),
            })
            .collect();
        for ((g, w), ax) in got.iter().zip(run(j, &ex)).zip(out_axes) {
            let g = match ax {
                Some(ax) => take(g, *ax, e),
                None => g.clone(),
            };
            close(&g.data, &w.data, 1e-12, 1e-12);
        }
    }
}

#[test]
fn golden_transforms() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden_transforms");
    let bless = std::env::var("RJAX_BLESS").is_ok();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 9, "{} golden files", files.len());
    let mut rng = Rng(7);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let header = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# transform: "))
            .unwrap_or_else(|| panic!("{path:?}: first line must be `# transform: ...`"))
            .trim()
            .to_string();
        let body = text.split("# before\n").nth(1).unwrap();
        let (before, after) = match body.split_once("# after\n") {
            Some((b, a)) => (b.trim().to_string(), Some(a.trim().to_string())),
            None => (body.trim().to_string(), None),
        };
        let j = Jaxpr::parse(&before).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        j.verify().unwrap();
        let (kind, rest) = header.split_once(' ').unwrap_or((header.as_str(), ""));
        let out = match kind {
            "jvp" => {
                let wrt = checks::float_inputs(&j);
                let mask: Vec<bool> = (0..j.invars.len()).map(|i| wrt.contains(&i)).collect();
                let args = args_for(&j, &mut rng);
                checks::check_jvp(&j, &args, &mut rng, 1e-6);
                transforms::jvp_wrt(&j, &mask).unwrap()
            }
            "transpose" => {
                let lin: Vec<bool> = rest
                    .strip_prefix("linear=")
                    .unwrap()
                    .split(' ')
                    .map(|t| t == "1")
                    .collect();
                let t = transforms::transpose(&j, &lin).unwrap();
                dot_test(&j, &lin, &t, &mut rng);
                t
            }
            "vmap" => {
                let (ins, outs) = rest.split_once(" out_axes=").unwrap();
                let (ins, outs) = (axes(ins.strip_prefix("in_axes=").unwrap()), axes(outs));
                loop_test(&j, &ins, &outs, &mut rng);
                transforms::vmap(&j, &ins, &outs).unwrap()
            }
            other => panic!("{path:?}: unknown transform {other}"),
        };
        let out = dce(&out);
        out.verify().unwrap();
        let got = out.to_string();
        match after {
            Some(a) => assert_eq!(got.trim(), a, "{path:?}"),
            None if bless => {
                std::fs::write(
                    &path,
                    format!("{}\n# after\n{}\n", text.trim_end(), got.trim()),
                )
                .unwrap();
            }
            None => panic!("{path:?} has no `# after` section (run with RJAX_BLESS=1 and review)"),
        }
    }
}
