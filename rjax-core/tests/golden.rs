//! Golden tests for the passes: each tests/golden/*.txt file holds a
//! `# pass:` line, a `# before` jaxpr and an `# after` text (a jaxpr, or the
//! fusion plan, or the row kernels of `kernels`). The pass must print exactly the `# after` text, and the
//! value on random inputs must not change. `RJAX_BLESS=1` writes missing
//! `# after` sections (review them by hand before committing).

mod common;
use common::*;
use rjax_core::interp::Tensor;
use rjax_core::kernel;
use rjax_core::passes::{self, FusionPlan};
use rjax_core::{DType, Jaxpr};

fn plan_text(j: &Jaxpr, p: &FusionPlan) -> String {
    let mut s = String::new();
    for g in &p.groups {
        let prims: Vec<&str> = g.eqns.iter().map(|&i| j.eqns[i].prim.name()).collect();
        s.push_str(&format!(
            "{:?} {} eqns={:?} [{}] inputs={} outputs={}\n",
            g.kind,
            g.shape,
            g.eqns,
            prims.join(" "),
            g.inputs.len(),
            g.outputs.len()
        ));
    }
    s
}

fn inputs(j: &Jaxpr) -> Vec<Tensor> {
    j.in_types()
        .iter()
        .enumerate()
        .map(|(k, t)| {
            // Symbolic dims get small distinct sizes (n = 3, m = 5, ...).
            let mut syms = Vec::new();
            for d in t.dims() {
                d.symbols(&mut syms);
            }
            let env: std::collections::HashMap<String, i64> = syms
                .into_iter()
                .map(|s| {
                    let v = match s.as_str() {
                        "n" => 3,
                        "m" => 5,
                        _ => 4,
                    };
                    (s, v)
                })
                .collect();
            let shape = t.shape.eval(&env).unwrap();
            let mut x = rand_tensor(&shape, 100 + k as u64);
            x.dtype = t.dtype;
            x.rounded()
        })
        .collect()
}

#[test]
fn golden_passes() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");
    let bless = std::env::var("RJAX_BLESS").is_ok();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 6);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let pass = text
            .lines()
            .next()
            .unwrap()
            .strip_prefix("# pass: ")
            .unwrap()
            .trim()
            .to_string();
        let body = text.split("# before\n").nth(1).unwrap();
        let (before, after) = match body.split_once("# after\n") {
            Some((b, a)) => (b.trim().to_string(), Some(a.trim().to_string())),
            None => (body.trim().to_string(), None),
        };
        let j = Jaxpr::parse(&before).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        j.verify().unwrap();
        let got = match pass.as_str() {
            "fusion" => plan_text(&j, &passes::fusion_plan(&j)).trim().to_string(),
            "kernels" => {
                // The optimised jaxpr's row kernels; the scheduled
                // (reordered) jaxpr computes the same values.
                let opt = passes::optimize(&j);
                let s = kernel::schedule(&opt, &Default::default());
                s.jaxpr.verify().unwrap();
                let args = inputs(&j);
                let (x, y) = (run(&j, &args), run(&s.jaxpr, &args));
                // The kernels as their IR says, element by element.
                let z = kernel::eval_schedule(&s, &args).unwrap();
                for ((a, b), c) in x.iter().zip(&y).zip(&z) {
                    close(&b.data, &a.data, 1e-6, 1e-6);
                    close(&c.data, &a.data, 1e-5, 1e-5);
                }
                s.to_string().trim().to_string()
            }
            name => {
                let out = match name {
                    "simplify" => passes::dce(&passes::simplify(&j)),
                    "cse" => passes::dce(&passes::cse(&j)),
                    "fold_constants" => passes::dce(&passes::fold_constants(&j)),
                    "dce" => passes::dce(&j),
                    "optimize" => passes::optimize(&j),
                    other => panic!("unknown pass {other}"),
                };
                out.verify().unwrap();
                let args = inputs(&j);
                let (x, y) = (run(&j, &args), run(&out, &args));
                for (a, b) in x.iter().zip(&y) {
                    close(&b.data, &a.data, 1e-6, 1e-6);
                }
                out.to_string()
            }
        };
        match after {
            Some(a) => assert_eq!(got, a, "{path:?}"),
            None if bless => {
                std::fs::write(
                    &path,
                    format!("{}# after\n{got}\n", text.trim_end().to_string() + "\n"),
                )
                .unwrap();
            }
            None => panic!("{path:?} has no `# after` section (run with RJAX_BLESS=1 and review)"),
        }
    }
    let _ = DType::F32;
}
