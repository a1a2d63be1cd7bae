//! Elementwise primitives: unary maths, binary arithmetic, comparisons,
//! logical ops, `select_n` and `convert_element_type`. The derivative of
//! each is the one-line formula next to it (`y` is the primal output).

use super::Table;
use super::combinators::{
    arity, batch_elementwise, defbilinear, defbinary, deflinear, defunary, elementwise_shape,
    eval_elementwise, same_dtype, unbroadcast,
};
use crate::builder::Builder;
use crate::error::{Error, Result};
use crate::ir::params::ParamsExt;
use crate::ir::{Atom, DType, Params, Prim, TensorType};

fn one(b: &Builder, x: Atom) -> Atom {
    b.lit(1.0, b.dtype(x))
}
fn c(b: &Builder, x: Atom, v: f64) -> Atom {
    b.lit(v, b.dtype(x))
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x // keeps 0, -0 and NaN
    }
}

fn int_pow(x: f64, p: &Params) -> f64 {
    let y = p.int("integer_pow", "y").unwrap_or(1);
    x.powi(y as i32)
}

/// Registers the family.
pub fn register(t: &mut Table) {
    use Prim::*;
    // d(-x) = -dx (linear).
    defunary(t, Neg, false, |x, _| -x, None);
    deflinear(t, Neg, |b, _, ct, _| b.neg(ct));
    // Each rule is its formula: `x` the operand, `y` the primal output,
    // `t` the operand's tangent.
    // d sin x = cos x dx
    defunary(
        t,
        Sin,
        true,
        |x, _| x.sin(),
        Some(|b, x, _y, t, _| b.formula([x, t], |[x, t]| t * x.cos())),
    );
    // d cos x = -sin x dx
    defunary(
        t,
        Cos,
        true,
        |x, _| x.cos(),
        Some(|b, x, _y, t, _| b.formula([x, t], |[x, t]| t * -x.sin())),
    );
    // d tan x = (1 + tan² x) dx
    defunary(
        t,
        Tan,
        true,
        |x, _| x.tan(),
        Some(|b, _x, y, t, _| b.formula([y, t], |[y, t]| t * (1.0 + y * y))),
    );
    // d tanh x = (1 - tanh² x) dx
    defunary(
        t,
        Tanh,
        true,
        |x, _| x.tanh(),
        Some(|b, _x, y, t, _| b.formula([y, t], |[y, t]| t * (1.0 - y * y))),
    );
    // d e^x = e^x dx
    defunary(
        t,
        Exp,
        true,
        |x, _| x.exp(),
        Some(|b, _x, y, t, _| b.mul(t, y)),
    );
    // d log x = dx / x
    defunary(
        t,
        Log,
        true,
        |x, _| x.ln(),
        Some(|b, x, _y, t, _| b.div(t, x)),
    );
    // d log(1+x) = dx / (1 + x)
    defunary(
        t,
        Log1p,
        true,
        |x, _| x.ln_1p(),
        Some(|b, x, _y, t, _| b.formula([x, t], |[x, t]| t / (1.0 + x))),
    );
    // d (e^x - 1) = (y + 1) dx
    defunary(
        t,
        Expm1,
        true,
        |x, _| x.exp_m1(),
        Some(|b, _x, y, t, _| b.formula([y, t], |[y, t]| t * (y + 1.0))),
    );
    // d sqrt x = dx / (2 sqrt x)
    defunary(
        t,
        Sqrt,
        true,
        |x, _| x.sqrt(),
        Some(|b, _x, y, t, _| b.formula([y, t], |[y, t]| t / (2.0 * y))),
    );
    // d x^-1/2 = -1/2 x^-3/2 dx = (-0.5 y / x) dx
    defunary(
        t,
        Rsqrt,
        true,
        |x, _| 1.0 / x.sqrt(),
        Some(|b, x, y, t, _| b.formula([x, y, t], |[x, y, t]| t * (y / x * -0.5))),
    );
    // d |x| = (x >= 0 ? dx : -dx), as JAX's `_abs_jvp_rule`: 1 at 0
    // (not sign(0) = 0), and -1 at NaN.
    defunary(
        t,
        Abs,
        false,
        |x, _| x.abs(),
        Some(|b, x, _y, t, _| {
            let zero = b.lit(0.0, b.dtype(x));
            let nonneg = b.compare(Prim::Ge, x, zero)?;
            let neg = b.neg(t)?;
            b.select_n(nonneg, &[neg, t])
        }),
    );
    defunary(t, Sign, false, |x, _| sign(x), None);
    defunary(t, Floor, true, |x, _| x.floor(), None);
    // d σ(x) = σ(x)(1 - σ(x)) dx
    defunary(
        t,
        Logistic,
        true,
        |x, _| logistic(x),
        Some(|b, _x, y, t, _| b.formula([y, t], |[y, t]| t * (y * (1.0 - y)))),
    );
    // d x^n = n x^(n-1) dx
    defunary(
        t,
        IntegerPow,
        false,
        int_pow,
        Some(|b, x, _y, t, p| {
            let n = p.int("integer_pow", "y")?;
            let d = match n {
                0 => return b.mul(t, c(b, x, 0.0)),
                1 => return Ok(t),
                2 => b.mul(c(b, x, 2.0), x)?,
                _ => {
                    let xp = b.integer_pow(x, n - 1)?;
                    b.mul(c(b, x, n as f64), xp)?
                }
            };
            b.mul(t, d)
        }),
    );
    // d x² = 2x dx
    defunary(
        t,
        Square,
        false,
        |x, _| x * x,
        Some(|b, x, _y, t, _| b.formula([x, t], |[x, t]| t * (2.0 * x))),
    );
    defunary(t, StopGradient, false, |x, _| x, None);

    register_binary(t);
    register_compare_logic(t);
    register_select_convert(t);
}

fn register_binary(t: &mut Table) {
    use Prim::*;
    fn float_or_int(d: DType, x: f64) -> f64 {
        if d.is_float() { x } else { x.trunc() }
    }
    // d(x + y) = dx + dy; transpose sends ct to both (summed if broadcast).
    for p in [Add, AddAny] {
        defbinary(
            t,
            p,
            |_, x, y| x + y,
            Some(|_, _, _, _, t| Ok(t)),
            Some(|_, _, _, _, t| Ok(t)),
        )
        .transpose(move |b, _p, ins, cts| {
            let ct = cts[0].unwrap();
            ins.iter()
                .map(|a| {
                    if a.is_linear() {
                        unbroadcast(b, ct, &a.ty(b)).map(Some)
                    } else {
                        Ok(None)
                    }
                })
                .collect()
        });
    }
    // d(x - y) = dx - dy
    defbinary(
        t,
        Sub,
        |_, x, y| x - y,
        Some(|_, _, _, _, t| Ok(t)),
        Some(|b, _, _, _, t| b.neg(t)),
    )
    .transpose(|b, _p, ins, cts| {
        let ct = cts[0].unwrap();
        let x = if ins[0].is_linear() {
            Some(unbroadcast(b, ct, &ins[0].ty(b))?)
        } else {
            None
        };
        let y = if ins[1].is_linear() {
            let n = b.neg(ct)?;
            Some(unbroadcast(b, n, &ins[1].ty(b))?)
        } else {
            None
        };
        Ok(vec![x, y])
    });
    // d(xy) = dx y + x dy; bilinear: transpose needs the other operand
    // known (a rank-0 operand's cotangent is summed).
    defbinary(t, Mul, |_, x, y| x * y, None, None);
    defbilinear(
        t,
        Mul,
        |b, _p, ct, y, tx, _| {
            let m = b.mul(ct, y)?;
            unbroadcast(b, m, tx)
        },
        |b, _p, ct, x, _, ty| {
            let m = b.mul(x, ct)?;
            unbroadcast(b, m, ty)
        },
    );
    // d(x/y) = dx / y - dy x / y² = (dx - dy z) / y; linear in x only.
    defbinary(
        t,
        Div,
        |d, x, y| float_or_int(d, x / y),
        Some(|b, _x, y, _, t| b.div(t, y)),
        Some(|b, _x, y, z, t| b.formula([y, z, t], |[y, z, t]| t * -(z / y))),
    )
    .transpose(|b, _p, ins, cts| {
        let ct = cts[0].unwrap();
        let y = ins[1].primal(Prim::Div)?;
        let q = b.div(ct, y)?;
        Ok(vec![Some(unbroadcast(b, q, &ins[0].ty(b))?), None])
    });
    // max/min: the tangent of the operand equal to the result; ties split
    // evenly. JAX's `_balanced_eq(x, z, y)`:
    //     (x == z ? 1 : 0) / (y == z ? 2 : 1)
    // Equality, not sign(x - y): at a tie of infinities (inf - inf is NaN)
    // each side gets 1/2, and where the result is NaN neither side equals
    // it, so the tangent is 0 (relu'(NaN) = 0), as in JAX.
    fn balanced_eq(b: &mut Builder, x: Atom, z: Atom, y: Atom) -> Result<Atom> {
        let d = b.dtype(z);
        let xz = b.compare(Prim::Eq, x, z)?;
        let num = b.convert(xz, d)?;
        let yz = b.compare(Prim::Eq, y, z)?;
        let yz = b.convert(yz, d)?;
        let den = b.add(yz, one(b, z))?;
        b.div(num, den)
    }
    for prim in [Max, Min] {
        defbinary(
            t,
            prim,
            if prim == Max {
                |_, x, y| {
                    if x.is_nan() || y.is_nan() {
                        f64::NAN
                    } else {
                        x.max(y)
                    }
                }
            } else {
                |_, x, y| {
                    if x.is_nan() || y.is_nan() {
                        f64::NAN
                    } else {
                        x.min(y)
                    }
                }
            },
            Some(|b, x, y, z, t| {
                let w = balanced_eq(b, x, z, y)?;
                b.mul(t, w)
            }),
            Some(|b, x, y, z, t| {
                let w = balanced_eq(b, y, z, x)?;
                b.mul(t, w)
            }),
        );
    }
    // d x^y = y x^(y-1) dx + log(x) x^y dy
    defbinary(
        t,
        Pow,
        |_, x, y| x.powf(y),
        Some(|b, x, y, _, t| b.formula([x, y, t], |[x, y, t]| t * (y * x.pow(y - 1.0)))),
        Some(|b, x, _y, z, t| b.formula([x, z, t], |[x, z, t]| t * (x.ln() * z))),
    );
    // rem(x, y) = x - y trunc(x/y): d = dx - trunc(x/y) dy, trunc(x/y) = (x - z)/y.
    defbinary(
        t,
        Rem,
        |d, x, y| {
            if d.is_float() {
                x % y
            } else {
                (x as i64 % y as i64) as f64
            }
        },
        Some(|_, _, _, _, t| Ok(t)),
        Some(|b, x, y, z, t| b.formula([x, y, z, t], |[x, y, z, t]| t * -((x - z) / y))),
    );
}

type CmpFn = fn(f64, f64) -> bool;
type BitFn = fn(u64, u64) -> u64;

fn register_compare_logic(t: &mut Table) {
    use Prim::*;
    let cmps: [(Prim, CmpFn); 6] = [
        (Eq, |x, y| x == y),
        (Ne, |x, y| x != y),
        (Lt, |x, y| x < y),
        (Le, |x, y| x <= y),
        (Gt, |x, y| x > y),
        (Ge, |x, y| x >= y),
    ];
    for (prim, f) in cmps {
        let r = t.def(
            prim,
            move |_p, ins| {
                arity(prim, ins, 2)?;
                same_dtype(prim, ins)?;
                Ok(vec![TensorType {
                    dtype: DType::Bool,
                    shape: elementwise_shape(prim, ins)?,
                }])
            },
            move |_p, ins, _| {
                Ok(vec![eval_elementwise(ins, DType::Bool, |a| {
                    f(a[0], a[1]) as i32 as f64
                })])
            },
        );
        r.batch(move |b, p, args, bt, n| batch_elementwise(b, prim, p, args, bt, n));
        r.zero_tangent();
    }
    // Logical on bools, bitwise on integers.
    let logic: [(Prim, BitFn); 3] = [(And, |x, y| x & y), (Or, |x, y| x | y), (Xor, |x, y| x ^ y)];
    for (prim, f) in logic {
        let r = t.def(
            prim,
            move |_p, ins| {
                arity(prim, ins, 2)?;
                let d = same_dtype(prim, ins)?;
                if d.is_float() {
                    return Err(Error::shape(
                        prim.name(),
                        format!("needs integer or bool operands, got {}", ins[0]),
                    ));
                }
                Ok(vec![TensorType {
                    dtype: d,
                    shape: elementwise_shape(prim, ins)?,
                }])
            },
            move |_p, ins, _| {
                let d = ins[0].dtype;
                Ok(vec![eval_elementwise(ins, d, |a| {
                    f(to_bits(a[0], d), to_bits(a[1], d)) as f64
                })])
            },
        );
        r.batch(move |b, p, args, bt, n| batch_elementwise(b, prim, p, args, bt, n));
        r.zero_tangent();
    }
    defunary(t, Not, false, |x, _| x, None);
    // `not` needs the dtype: bools flip, integers complement.
    let r = t.get(Not);
    r.eval = Box::new(|_p, ins, _| {
        let d = ins[0].dtype;
        Ok(vec![ins[0].map(d, |x| match d {
            DType::Bool => (x == 0.0) as i32 as f64,
            DType::I32 => !(x as i32) as f64,
            DType::U32 => !(x as u32) as f64,
            _ => !(x as u64) as f64,
        })])
    });
}

fn to_bits(x: f64, d: DType) -> u64 {
    match d {
        DType::I32 => x as i32 as u32 as u64,
        _ => x as u64,
    }
}

fn register_select_convert(t: &mut Table) {
    use Prim::*;
    // select_n pred case0 case1 ...: case k where pred == k.
    let r = t.def(
        SelectN,
        |_p, ins| {
            if ins.len() < 2 {
                return Err(Error::shape(
                    "select_n",
                    "needs a predicate and at least one case",
                ));
            }
            let pred = &ins[0];
            if !matches!(pred.dtype, DType::Bool | DType::I32) {
                return Err(Error::shape(
                    "select_n",
                    format!("predicate must be bool or i32, got {pred}"),
                ));
            }
            let d = same_dtype(SelectN, &ins[1..])?;
            let cases_shape = elementwise_shape(SelectN, &ins[1..])?;
            if ins[1..].iter().any(|c| c.rank() != cases_shape.rank()) {
                return Err(Error::shape(
                    "select_n",
                    format!(
                        "cases must share one shape: {}",
                        super::combinators::fmt_types(&ins[1..])
                    ),
                ));
            }
            if pred.rank() != 0
                && !super::combinators::shapes_match(pred.dims(), cases_shape.dims())
            {
                return Err(Error::shape(
                    "select_n",
                    format!(
                        "predicate shape must be [] or the cases' shape: {}",
                        super::combinators::fmt_types(ins)
                    ),
                ));
            }
            Ok(vec![TensorType {
                dtype: d,
                shape: cases_shape,
            }])
        },
        |_p, ins, _| {
            let d = ins[1].dtype;
            let k = ins.len() - 1;
            Ok(vec![eval_elementwise(ins, d, |a| {
                let i = (a[0] as usize).min(k - 1);
                a[1 + i]
            })])
        },
    );
    r.batch(|b, p, args, bt, n| {
        // A batched scalar predicate must become full-shape to stay valid.
        batch_elementwise(b, SelectN, p, args, bt, n)
    });
    r.jvp(|b, p, xs, ts| {
        let y = b.eqn1(SelectN, p.clone(), xs)?;
        let yt = b.ty(y);
        let mut cases = Vec::new();
        for tk in &ts[1..] {
            cases.push(match *tk {
                Some(t) => super::combinators::broadcast_like(b, t, &yt)?,
                None => b.zeros(&yt)?,
            });
        }
        let mut ins = vec![xs[0]];
        ins.extend(cases);
        Ok((vec![y], vec![Some(b.eqn1(SelectN, p.clone(), &ins)?)]))
    });
    r.transpose(|b, _p, ins, cts| {
        let ct = cts[0].unwrap();
        let pred = ins[0].primal(SelectN)?;
        let ct_ty = b.ty(ct);
        let z = b.zeros(&ct_ty)?;
        let mut out = vec![None];
        for k in 1..ins.len() {
            if !ins[k].is_linear() {
                out.push(None);
                continue;
            }
            let mut cases = vec![pred];
            for j in 1..ins.len() {
                cases.push(if j == k { ct } else { z });
            }
            let s = b.eqn1(SelectN, Params::new(), &cases)?;
            out.push(Some(unbroadcast(b, s, &ins[k].ty(b))?));
        }
        Ok(out)
    });

    // convert_element_type[new_dtype]: linear between float types, zero
    // tangent to or from integers.
    let r = t.def(
        ConvertElementType,
        |p, ins| {
            arity(ConvertElementType, ins, 1)?;
            let d = p.dtype("convert_element_type", "new_dtype")?;
            Ok(vec![ins[0].with_dtype(d)])
        },
        |p, ins, _| {
            let d = p.dtype("convert_element_type", "new_dtype")?;
            let src = ins[0].dtype;
            Ok(vec![ins[0].map(d, |x| {
                if src.is_float() && !d.is_float() && d != DType::Bool {
                    x.trunc()
                } else {
                    x
                }
            })])
        },
    );
    r.batch(|b, p, args, _bt, _n| {
        Ok((
            vec![b.eqn1(ConvertElementType, p.clone(), args)?],
            vec![true],
        ))
    });
    r.jvp(|b, p, xs, ts| {
        let y = b.eqn1(ConvertElementType, p.clone(), xs)?;
        let d = b.dtype(y);
        let t = match ts[0] {
            Some(t) if d.is_float() && b.dtype(t).is_float() => Some(b.convert(t, d)?),
            _ => None,
        };
        Ok((vec![y], vec![t]))
    });
    r.transpose(|b, _p, ins, cts| {
        let ct = cts[0].unwrap();
        let d = ins[0].ty(b).dtype;
        Ok(vec![Some(b.convert(ct, d)?)])
    });
}
