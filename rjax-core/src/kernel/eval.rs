//! A reference interpreter of scheduled kernels: equations outside
//! kernels run through the jaxpr interpreter, each kernel element by
//! element exactly as its IR says (per row: the loops over the reduced
//! index in order, loads of what earlier loops saved, row steps,
//! accesses and views). Equal to `interp::eval_jaxpr` of the original
//! jaxpr, it checks the pass's decisions without compiling anything.

use std::collections::HashMap;

use super::Schedule;
use super::ir::{Kernel, Space, Step};
use super::space::{Access, Group};
use crate::error::{Error, Result};
use crate::interp::Tensor;
use crate::interp::eval::bind_shapes;
use crate::ir::{Atom, Prim, Var};
use crate::rules::{EvalCtx, rules};

/// Evaluates a schedule on `args` (binding symbolic dims from them).
pub fn eval_schedule(s: &Schedule, args: &[Tensor]) -> Result<Vec<Tensor>> {
    let j = &s.jaxpr;
    let mut env = HashMap::new();
    let shapes: Vec<&[usize]> = args.iter().map(|a| a.shape.as_slice()).collect();
    bind_shapes(&j.in_types(), &shapes, &mut env)?;
    let mut vals: HashMap<Var, Tensor> =
        j.invars.iter().copied().zip(args.iter().cloned()).collect();
    let cx = EvalCtx { env: &env };
    let mut i = 0;
    while i < j.eqns.len() {
        if let Some(k) = s.kernels.iter().find(|k| k.members[0] == i) {
            let outs = eval_kernel(s, k, &vals, &cx)?;
            vals.extend(outs);
            i = *k.members.last().expect("a kernel has members") + 1;
            continue;
        }
        let e = &j.eqns[i];
        let ins: Vec<Tensor> = e.inputs.iter().map(|a| atom(&vals, a)).collect();
        for (o, t) in e
            .outputs
            .iter()
            .zip((rules(e.prim)?.eval)(&e.params, &ins, &cx)?)
        {
            vals.insert(*o, t);
        }
        i += 1;
    }
    Ok(j.outvars.iter().map(|a| atom(&vals, a)).collect())
}

fn atom(vals: &HashMap<Var, Tensor>, a: &Atom) -> Tensor {
    match a {
        Atom::Var(v) => vals[v].clone(),
        Atom::Lit(l) => Tensor::scalar(l.value, l.dtype),
    }
}

/// The flat index of element `(o, r, i)` in an array of access `a`;
/// `outer` are the outer dims (for an array spanning some of them).
fn flat(a: Access, sizes: [usize; 3], outer: &[usize], idx: [usize; 3]) -> usize {
    let mut f = 0;
    for (k, g) in Group::ALL.iter().enumerate() {
        if !a.has(*g) {
            continue;
        }
        if *g == Group::Outer && a.outer_part != 0 {
            // Row-major over the spanned outer axes only.
            let mut rest = idx[0];
            let (mut part, mut scale) = (0, 1);
            for ax in (0..outer.len()).rev() {
                let ix = rest % outer[ax];
                rest /= outer[ax];
                if a.outer_part >> ax & 1 == 1 {
                    part += ix * scale;
                    scale *= outer[ax];
                }
            }
            f = part;
            continue;
        }
        f = f * sizes[k] + idx[k];
    }
    f
}

fn eval_kernel(
    s: &Schedule,
    k: &Kernel,
    vals: &HashMap<Var, Tensor>,
    cx: &EvalCtx,
) -> Result<HashMap<Var, Tensor>> {
    let j = &s.jaxpr;
    let size = |g: Group| -> Result<usize> {
        k.space
            .size(g)
            .eval(cx.env)
            .map(|v| v as usize)
            .ok_or_else(|| Error::Eval("kernel: unbound dim".into()))
    };
    let sizes = [
        size(Group::Outer)?,
        size(Group::Reduced)?,
        size(Group::Inner)?,
    ];
    let outer_dims: Vec<usize> = k.space.dims[k.space.axes(Group::Outer)]
        .iter()
        .map(|d| d.eval(cx.env).map(|v| v as usize))
        .collect::<Option<_>>()
        .ok_or_else(|| Error::Eval("kernel: unbound dim".into()))?;
    let full = Access::FULL.within(&k.space);
    let row = Access::ROW.within(&k.space);
    let mut outs: HashMap<Var, Tensor> = HashMap::new();
    for o in &k.outputs {
        let t = j.ty(*o);
        let shape = t
            .shape
            .eval(cx.env)
            .ok_or_else(|| Error::Eval("kernel: unbound dim".into()))?;
        outs.insert(*o, Tensor::zeros(t.dtype, &shape));
    }
    // One scalar equation on rank-0 tensors.
    let scalar_eqn = |i: usize, get: &dyn Fn(&Atom) -> f64| -> Result<f64> {
        let e = &j.eqns[i];
        let ins: Vec<Tensor> = e
            .inputs
            .iter()
            .map(|a| Tensor::scalar(get(a), j.atom_type(a).dtype))
            .collect();
        Ok((rules(e.prim)?.eval)(&e.params, &ins, cx)?[0].data[0])
    };
    for o in 0..sizes[0] {
        for i in 0..sizes[2] {
            let mut rowv: HashMap<Var, f64> = HashMap::new();
            let mut saved: HashMap<Var, Vec<f64>> = HashMap::new();
            // The value of `a` at reduced index `r` (None: row context).
            let value = |a: &Atom,
                         r: Option<usize>,
                         elem: &HashMap<Var, f64>,
                         rowv: &HashMap<Var, f64>,
                         saved: &HashMap<Var, Vec<f64>>|
             -> f64 {
                let b = match a {
                    Atom::Lit(l) => return l.value,
                    Atom::Var(v) => match elem.get(v).or(rowv.get(v)) {
                        Some(x) => return *x,
                        None => k.base(*v),
                    },
                };
                let b = match b {
                    Atom::Lit(l) => return l.value,
                    Atom::Var(b) => b,
                };
                if let Some(x) = elem.get(&b).or(rowv.get(&b)) {
                    return *x;
                }
                if let (Some(r), Some(c)) = (r, saved.get(&b)) {
                    return c[r];
                }
                if let Some(rd) = k.reads.iter().find(|x| x.var == b) {
                    let idx = flat(rd.access, sizes, &outer_dims, [o, r.unwrap_or(0), i]);
                    return vals[&rd.array].data[idx];
                }
                vals[&b].data[0]
            };
            for step in &k.steps {
                match step {
                    Step::Loop(l) => {
                        let mut acc: Vec<f64> = l
                            .reduces
                            .iter()
                            .map(|&ri| match j.eqns[ri].prim {
                                Prim::ReduceSum => 0.0,
                                Prim::ReduceMax => f64::NEG_INFINITY,
                                _ => f64::INFINITY,
                            })
                            .collect();
                        for r in 0..sizes[1] {
                            let mut elem: HashMap<Var, f64> = HashMap::new();
                            for v in &l.loads {
                                elem.insert(*v, saved[v][r]);
                            }
                            for &e in &l.body {
                                let x =
                                    scalar_eqn(e, &|a| value(a, Some(r), &elem, &rowv, &saved))?;
                                elem.insert(j.eqns[e].outputs[0], x);
                            }
                            for v in &l.saves {
                                saved.entry(*v).or_insert_with(|| vec![0.0; sizes[1]])[r] = elem[v];
                            }
                            for v in &l.stores {
                                let idx = flat(full, sizes, &outer_dims, [o, r, i]);
                                outs.get_mut(v).expect("an output").data[idx] = elem[v];
                            }
                            for (a, &ri) in acc.iter_mut().zip(&l.reduces) {
                                let e = &j.eqns[ri];
                                let x = value(&e.inputs[0], Some(r), &elem, &rowv, &saved);
                                let d = j.ty(e.outputs[0]).dtype;
                                *a = crate::interp::tensor::round_to(
                                    match e.prim {
                                        Prim::ReduceSum => *a + x,
                                        Prim::ReduceMax if a.is_nan() || *a > x => *a,
                                        Prim::ReduceMin if a.is_nan() || *a < x => *a,
                                        _ => x,
                                    },
                                    d,
                                );
                            }
                        }
                        for (a, &ri) in acc.iter().zip(&l.reduces) {
                            rowv.insert(j.eqns[ri].outputs[0], *a);
                        }
                    }
                    Step::Row(es) => {
                        for &e in es {
                            let no = HashMap::new();
                            let x = scalar_eqn(e, &|a| value(a, None, &no, &rowv, &saved))?;
                            rowv.insert(j.eqns[e].outputs[0], x);
                        }
                    }
                }
            }
            for v in &k.outputs {
                if k.spaces[v] == Space::Row {
                    let idx = flat(row, sizes, &outer_dims, [o, 0, i]);
                    outs.get_mut(v).expect("an output").data[idx] = rowv[v];
                }
            }
        }
    }
    Ok(outs)
}
