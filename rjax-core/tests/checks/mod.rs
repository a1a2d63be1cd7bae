//! The three property checks every primitive and random program must
//! pass: JVP against central finite differences, VJP by the dot-product
//! test, and vmap against a loop over the batch.
#![allow(dead_code, clippy::needless_range_loop)]

use super::common::*;
use rjax_core::interp::Tensor;
use rjax_core::{Jaxpr, transforms};

/// Indices of the floating inputs (the ones we differentiate).
pub fn float_inputs(f: &Jaxpr) -> Vec<usize> {
    f.in_types()
        .iter()
        .enumerate()
        .filter(|(_, t)| t.dtype.is_float())
        .map(|(i, _)| i)
        .collect()
}

fn shifted(args: &[Tensor], wrt: &[usize], dirs: &[Tensor], eps: f64) -> Vec<Tensor> {
    let mut a = args.to_vec();
    for (k, &i) in wrt.iter().enumerate() {
        for (x, d) in a[i].data.iter_mut().zip(&dirs[k].data) {
            *x += eps * d;
        }
    }
    a
}

/// Checks the JVP along random directions against central differences;
/// returns the directions and output tangents for the VJP check.
pub fn check_jvp(
    f: &Jaxpr,
    args: &[Tensor],
    rng: &mut Rng,
    tol: f64,
) -> (Vec<Tensor>, Vec<Tensor>) {
    let wrt = float_inputs(f);
    let mask: Vec<bool> = (0..args.len()).map(|i| wrt.contains(&i)).collect();
    let jf = transforms::jvp_wrt(f, &mask).unwrap_or_else(|e| panic!("jvp: {e}\n{f}"));
    let dirs: Vec<Tensor> = wrt.iter().map(|&i| rng.tensor(&args[i].shape)).collect();
    let mut a = args.to_vec();
    a.extend(dirs.iter().cloned());
    let out = run(&jf, &a);
    let m = f.outvars.len();
    let eps = 1e-5;
    let (p, q) = (
        run(f, &shifted(args, &wrt, &dirs, eps)),
        run(f, &shifted(args, &wrt, &dirs, -eps)),
    );
    for k in 0..m {
        if !out[k].dtype.is_float() {
            continue;
        }
        // Infinite values (a max over an empty axis) have no difference quotient.
        let finite: Vec<usize> = (0..p[k].data.len())
            .filter(|&i| p[k].data[i].is_finite())
            .collect();
        let fd: Vec<f64> = finite
            .iter()
            .map(|&i| (p[k].data[i] - q[k].data[i]) / (2.0 * eps))
            .collect();
        let jv: Vec<f64> = finite.iter().map(|&i| out[m + k].data[i]).collect();
        let scale = fd.iter().chain(&jv).fold(1.0f64, |s, x| s.max(x.abs()));
        close(&jv, &fd, tol, tol * scale);
    }
    (dirs, out[m..].to_vec())
}

/// The dot-product test: <u, J v> == <J^T u, v>.
pub fn check_vjp(f: &Jaxpr, args: &[Tensor], dirs: &[Tensor], touts: &[Tensor], rng: &mut Rng) {
    // With no input elements there is no <J^T u, v> to compare; and J v
    // may be NaN there (JAX's reduce_max over an empty axis: 0/0).
    if dirs.iter().all(|d| d.data.is_empty()) {
        return;
    }
    let wrt = float_inputs(f);
    let v = transforms::vjp(f, &wrt).unwrap_or_else(|e| panic!("vjp: {e}\n{f}"));
    let fw = run(&v.forward, args);
    let m = v.num_outputs;
    let us: Vec<Tensor> = fw[..m]
        .iter()
        .map(|t| {
            let mut u = rng.tensor(&t.shape);
            u.dtype = t.dtype;
            u.rounded()
        })
        .collect();
    let mut bin = fw[m..].to_vec();
    bin.extend(us.iter().cloned());
    let cts = run(&v.backward, &bin);
    let mut lhs = 0.0;
    let mut scale = 1e-12;
    for (u, t) in us.iter().zip(touts) {
        if u.dtype.is_float() {
            lhs += dot(&u.data, &t.data);
            scale += dot(
                &u.data.iter().map(|x| x.abs()).collect::<Vec<_>>(),
                &t.data.iter().map(|x| x.abs()).collect::<Vec<_>>(),
            );
        }
    }
    let rhs: f64 = cts
        .iter()
        .zip(dirs)
        .map(|(c, d)| dot(&c.data, &d.data))
        .sum();
    assert!(
        (lhs - rhs).abs() <= 1e-8 * scale.max(1.0),
        "dot test: <u, Jv> = {lhs}, <J^T u, v> = {rhs}\n{f}"
    );
}

/// vmap with random in_axes (None or a random position) against a loop.
pub fn check_vmap(f: &Jaxpr, rng: &mut Rng, make_args: &mut dyn FnMut(&mut Rng) -> Vec<Tensor>) {
    let n = f.invars.len();
    let b = rng.below(4);
    let per: Vec<Vec<Tensor>> = (0..b).map(|_| make_args(rng)).collect();
    let shared = make_args(rng);
    let in_axes: Vec<Option<usize>> = (0..n)
        .map(|i| {
            if rng.below(3) == 0 {
                None
            } else {
                Some(rng.below(shared[i].rank() + 1))
            }
        })
        .collect();
    if in_axes.iter().all(Option::is_none) {
        return;
    }
    let out_axes = vec![Some(0); f.outvars.len()];
    let vf = transforms::vmap_sized(f, &in_axes, &out_axes, &rjax_core::DimExpr::Const(b as i64))
        .unwrap_or_else(|e| panic!("vmap: {e}\n{f}"));
    // Batched inputs: stack the per-example values at their axis.
    let mut args = Vec::new();
    for i in 0..n {
        match in_axes[i] {
            None => args.push(shared[i].clone()),
            Some(ax) => {
                let ex: Vec<Tensor> = per.iter().map(|p| p[i].clone()).collect();
                let s = stack0(&ex, shared[i].dtype, &shared[i].shape);
                // move axis 0 to ax
                let r = s.rank();
                let mut perm: Vec<usize> = (1..r).collect();
                perm.insert(ax, 0);
                args.push(permute(&s, &perm));
            }
        }
    }
    let got = run(&vf, &args);
    for e in 0..b {
        let ex: Vec<Tensor> = (0..n)
            .map(|i| {
                if in_axes[i].is_some() {
                    per[e][i].clone()
                } else {
                    shared[i].clone()
                }
            })
            .collect();
        let want = run(f, &ex);
        for (g, w) in got.iter().zip(&want) {
            close(&take(g, 0, e).data, &w.data, 1e-12, 1e-12);
        }
    }
}

/// Transposes a tensor: out axis i is input axis perm[i].
pub fn permute(t: &Tensor, perm: &[usize]) -> Tensor {
    use rjax_core::interp::tensor::{ravel, unravel};
    let shape: Vec<usize> = perm.iter().map(|&p| t.shape[p]).collect();
    let n: usize = shape.iter().product();
    let data = (0..n)
        .map(|f| {
            let idx = unravel(f, &shape);
            let mut src = vec![0; idx.len()];
            for (o, &p) in perm.iter().enumerate() {
                src[p] = idx[o];
            }
            t.data[ravel(&src, &t.shape)]
        })
        .collect();
    Tensor {
        dtype: t.dtype,
        shape,
        data,
    }
}
