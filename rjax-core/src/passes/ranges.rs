//! Value ranges: an interval analysis over a jaxpr's float values, so the
//! jit emitter can call the forms of a transcendental that skip clamps
//! and scaling steps its argument can never need (`kernels::exp_f32_normal`
//! for an `exp` whose argument is known to be in [-87, 88], as in
//! `exp(sin(x) * 2 + 1)`).
//!
//! Each value gets an interval [lo, hi] holding every non-NaN value it can
//! take; NaN is not tracked (the fast forms return NaN for NaN like the
//! general ones). Inputs, and whatever a rule does not know, are
//! (-inf, inf). Bounds are computed in f64 and widened outward at every
//! step (relative 1e-5), far more than the few ulp of rounding and of the
//! fast functions' own error, so a bound holds for the values the emitted
//! f32 code computes, not only for exact arithmetic.

use std::collections::HashMap;

use crate::ir::params::ParamsExt;
use crate::ir::{Atom, Eqn, Jaxpr, Prim, Var};

/// Arguments for which rjax-runtime's `kernels::exp_f32_normal` (no clamp,
/// one scale factor) gives `exp_f32`'s bits: results are normal floats.
/// tests/fast_ulp.rs checks the runtime function over this range.
pub const EXP_F32_NORMAL_ARG: (f64, f64) = (-87.0, 88.0);

/// Arguments for which `kernels::tanh_f32_pos` (no sign handling, no clamp)
/// gives `tanh_f32`'s bits; the lower end is excluded (tanh(-0) = -0).
pub const TANH_F32_POS_ARG: (f64, f64) = (0.0, 44.0);

/// Arguments for which `kernels::exp_f64_normal` gives `exp_f64`'s bits.
pub const EXP_F64_NORMAL_ARG: (f64, f64) = (-708.0, 709.0);

/// Arguments for which `kernels::tanh_f64_pos` gives `tanh_f64`'s bits; the
/// lower end is excluded.
pub const TANH_F64_POS_ARG: (f64, f64) = (1e-300, 350.0);

/// |x| below which rjax-runtime's fast f32 sin/cos reduce exactly
/// (`kernels::SIN_COS_F32_MAX`), and the f32-reduced forms
/// (`kernels::SIN_COS_F32_NEAR_MAX`), and f64's (`kernels::SIN_COS_F64_MAX`):
/// a `#[jit]` loop skips the range check of a sin/cos whose operand's
/// range is inside. tests/fast_ulp.rs checks they equal the runtime's.
pub const SIN_COS_F32_ARG: f64 = 2.6e7;
/// See [`SIN_COS_F32_ARG`].
pub const SIN_COS_F32_NEAR_ARG: f64 = 1.0e5;
/// See [`SIN_COS_F32_ARG`].
pub const SIN_COS_F64_ARG: f64 = 1.6e6;

/// The closed range [lo, hi] of a value's non-NaN values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// Lower bound (may be -inf).
    pub lo: f64,
    /// Upper bound (may be inf).
    pub hi: f64,
}

impl Interval {
    /// Every value.
    pub const ALL: Interval = Interval {
        lo: f64::NEG_INFINITY,
        hi: f64::INFINITY,
    };

    /// [lo, hi] widened outward by a margin; ALL when a bound is NaN (an
    /// indeterminate form such as inf - inf).
    pub fn new(lo: f64, hi: f64) -> Interval {
        if lo.is_nan() || hi.is_nan() {
            return Interval::ALL;
        }
        let out = |v: f64, dir: f64| {
            if v.is_infinite() {
                v
            } else {
                v + dir * (v.abs() * 1e-5 + 1e-30)
            }
        };
        Interval {
            lo: out(lo.min(hi), -1.0),
            hi: out(lo.max(hi), 1.0),
        }
    }

    /// Exactly the value `v` (a literal).
    pub fn point(v: f64) -> Interval {
        if v.is_nan() {
            Interval::ALL
        } else {
            Interval { lo: v, hi: v }
        }
    }

    /// True when every value lies in [lo, hi].
    pub fn within(&self, lo: f64, hi: f64) -> bool {
        lo <= self.lo && self.hi <= hi
    }

    /// True when every value lies in (lo, hi].
    pub fn within_open_low(&self, lo: f64, hi: f64) -> bool {
        lo < self.lo && self.hi <= hi
    }

    fn union(self, o: Interval) -> Interval {
        Interval {
            lo: self.lo.min(o.lo),
            hi: self.hi.max(o.hi),
        }
    }

    /// The image under a nondecreasing function.
    fn monotone(self, f: impl Fn(f64) -> f64) -> Interval {
        Interval::new(f(self.lo), f(self.hi))
    }

    /// The hull of `f` over the four pairs of bounds (for products and
    /// quotients, where the extremes are at corners).
    fn corners(self, o: Interval, f: impl Fn(f64, f64) -> f64) -> Interval {
        let v = [
            f(self.lo, o.lo),
            f(self.lo, o.hi),
            f(self.hi, o.lo),
            f(self.hi, o.hi),
        ];
        if v.iter().any(|x| x.is_nan()) {
            return Interval::ALL;
        }
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Interval::new(lo, hi)
    }

    fn contains_zero(&self) -> bool {
        self.lo <= 0.0 && 0.0 <= self.hi
    }
}

/// The interval of every float value of `j` (its top level; bodies of
/// loops and branches are not entered, so their results are ALL).
/// Values of other dtypes and those no rule covers are left out (ALL).
pub fn value_ranges(j: &Jaxpr) -> HashMap<Var, Interval> {
    let mut r: HashMap<Var, Interval> = HashMap::new();
    for e in &j.eqns {
        if e.outputs.len() != 1 || !j.ty(e.outputs[0]).dtype.is_float() {
            continue;
        }
        let of = |a: &Atom| match a {
            Atom::Lit(l) => Interval::point(l.value),
            Atom::Var(v) => r.get(v).copied().unwrap_or(Interval::ALL),
        };
        let ins: Vec<Interval> = e.inputs.iter().map(of).collect();
        if let Some(i) = rule(e, &ins)
            && i != Interval::ALL
        {
            r.insert(e.outputs[0], i);
        }
    }
    r
}

/// The range of `e`'s result from its operands' ranges `x`, None when no
/// rule covers it.
fn rule(e: &Eqn, x: &[Interval]) -> Option<Interval> {
    use Prim::*;
    let a = *x.first()?;
    let b = x.get(1).copied();
    Some(match e.prim {
        // Values pass through unchanged (or are only rearranged).
        StopGradient | Reshape | BroadcastInDim | Transpose | Squeeze | ExpandDims | Slice
        | ConvertElementType => a,
        Neg => Interval::new(-a.hi, -a.lo),
        Abs if a.lo >= 0.0 => a,
        Abs if a.hi <= 0.0 => Interval::new(-a.hi, -a.lo),
        Abs => Interval::new(0.0, a.hi.max(-a.lo)),
        Square => pow_int(a, 2),
        IntegerPow => pow_int(a, e.params.int("integer_pow", "y").ok()?),
        Sin | Cos => Interval::new(-1.0, 1.0),
        Tanh => a.monotone(f64::tanh),
        Logistic => a.monotone(|v| 1.0 / (1.0 + (-v).exp())),
        Exp => a.monotone(f64::exp),
        Expm1 => a.monotone(f64::exp_m1),
        Log if a.lo > 0.0 => a.monotone(f64::ln),
        Log1p if a.lo > -1.0 => a.monotone(f64::ln_1p),
        Sqrt => Interval::new(a.lo.max(0.0).sqrt(), a.hi.max(0.0).sqrt()),
        Add | AddAny => {
            let b = b?;
            Interval::new(a.lo + b.lo, a.hi + b.hi)
        }
        Sub => {
            let b = b?;
            Interval::new(a.lo - b.hi, a.hi - b.lo)
        }
        Mul => a.corners(b?, |u, v| u * v),
        Div if !b?.contains_zero() => a.corners(b?, |u, v| u / v),
        Max => {
            let b = b?;
            Interval::new(a.lo.max(b.lo), a.hi.max(b.hi))
        }
        Min => {
            let b = b?;
            Interval::new(a.lo.min(b.lo), a.hi.min(b.hi))
        }
        // select_n(pred, cases..): any of the cases.
        SelectN => x[1..].iter().copied().reduce(Interval::union)?,
        _ => return None,
    })
}

/// The range of v^y for an integer y.
fn pow_int(a: Interval, y: i64) -> Interval {
    if y == 0 {
        return Interval::point(1.0);
    }
    let p = |v: f64| v.powi(y as i32);
    if y < 0 && a.contains_zero() {
        return Interval::ALL;
    }
    if y % 2 == 0 && a.contains_zero() {
        return Interval::new(0.0, p(a.lo).max(p(a.hi)));
    }
    // Monotone on a range of one sign (decreasing for some): the hull of
    // the two ends.
    Interval::new(p(a.lo), p(a.hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ranges of `text`'s equation results, in order.
    fn ranges(text: &str) -> Vec<Interval> {
        let j = Jaxpr::parse(text).unwrap();
        let r = value_ranges(&j);
        j.eqns
            .iter()
            .map(|e| r.get(&e.outputs[0]).copied().unwrap_or(Interval::ALL))
            .collect()
    }

    fn close(i: Interval, lo: f64, hi: f64) -> bool {
        let near = |u: f64, v: f64| u == v || (u - v).abs() <= 1e-4 * (1.0 + v.abs());
        near(i.lo, lo) && near(i.hi, hi) && i.lo <= lo && hi <= i.hi
    }

    #[test]
    fn the_chain_bounds_exp_and_tanh_arguments() {
        let r = ranges(
            "{ lambda ; a:f32[n]. let
                b:f32[n] = sin a
                c:f32[n] = mul b 2.0:f32[]
                d:f32[n] = add c 1.0:f32[]
                e:f32[n] = exp d
                f:f32[n] = tanh e
              in (f,) }",
        );
        assert!(close(r[0], -1.0, 1.0));
        assert!(close(r[1], -2.0, 2.0));
        assert!(close(r[2], -1.0, 3.0));
        assert!(close(r[3], (-1.0f64).exp(), 3.0f64.exp()));
        assert!(close(r[4], (-1.0f64).exp().tanh(), 3.0f64.exp().tanh()));
        // What the emitter asks: exp's argument within [-87, 88], tanh's
        // positive and below 44.
        assert!(r[2].within(EXP_F32_NORMAL_ARG.0, EXP_F32_NORMAL_ARG.1));
        assert!(r[3].within_open_low(TANH_F32_POS_ARG.0, TANH_F32_POS_ARG.1));
    }

    #[test]
    fn inputs_and_unknown_primitives_are_unbounded() {
        let r = ranges(
            "{ lambda ; a:f32[n] b:f32[n]. let
                c:f32[n] = exp a
                d:f32[n] = add a b
                e:f32[n] = tan a
                f:f32[n] = cos e
                g:f32[n] = pow f a
              in (c, d, g) }",
        );
        assert!(close(r[0], 0.0, f64::INFINITY));
        assert_eq!(r[1], Interval::ALL);
        assert_eq!(r[2], Interval::ALL);
        assert!(close(r[3], -1.0, 1.0));
        assert_eq!(r[4], Interval::ALL);
    }

    #[test]
    fn products_quotients_and_signs() {
        let r = ranges(
            "{ lambda ; a:f32[n]. let
                b:f32[n] = sin a
                c:f32[n] = sub 3.0:f32[] b
                d:f32[n] = div b c
                e:f32[n] = div c b
                f:f32[n] = mul b c
                g:f32[n] = neg c
                h:f32[n] = abs b
                i:f32[n] = integer_pow[y=2] b
                j:f32[n] = integer_pow[y=3] g
                k:f32[n] = max b 0.5:f32[]
                l:f32[n] = logistic c
                m:f32[n] = log c
              in (d, e, f, g, h, i, j, k, l, m) }",
        );
        assert!(close(r[1], 2.0, 4.0));
        // b / c with c in [2, 4] and b in [-1, 1].
        assert!(close(r[2], -0.5, 0.5));
        // c / b: b reaches 0.
        assert_eq!(r[3], Interval::ALL);
        assert!(close(r[4], -4.0, 4.0));
        assert!(close(r[5], -4.0, -2.0));
        assert!(close(r[6], 0.0, 1.0));
        assert!(close(r[7], 0.0, 1.0));
        assert!(close(r[8], -64.0, -8.0));
        assert!(close(r[9], 0.5, 1.0));
        let s = |v: f64| 1.0 / (1.0 + (-v).exp());
        assert!(close(r[10], s(2.0), s(4.0)));
        assert!(close(r[11], 2.0f64.ln(), 4.0f64.ln()));
    }

    #[test]
    fn infinite_bounds_do_not_make_nan() {
        let r = ranges(
            "{ lambda ; a:f32[n]. let
                b:f32[n] = exp a
                c:f32[n] = sub b b
                d:f32[n] = mul b 0.0:f32[]
                p:bool[n] = gt a 0.0:f32[]
                e:f32[n] = select_n p b 1.0:f32[]
              in (c, d, e) }",
        );
        // inf - inf and 0 * inf are indeterminate: unbounded, not NaN.
        assert_eq!(r[1], Interval::ALL);
        assert_eq!(r[2], Interval::ALL);
        assert!(close(r[4], 0.0, f64::INFINITY));
    }

    #[test]
    fn the_margin_covers_rounding() {
        let i = Interval::new(1.0, 2.0);
        assert!(i.lo < 1.0 && i.hi > 2.0);
        assert!(i.within(0.999, 2.001));
        assert!(!i.within(1.0, 2.0));
    }
}
