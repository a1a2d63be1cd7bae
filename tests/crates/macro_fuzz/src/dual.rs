//! Dual numbers `v + d ε` (ε² = 0): evaluating a body over them gives its
//! value and its exact derivative along the seeded input, in the branch
//! the value takes (the oracle for grad and jvp; finite differences would
//! fail across the branches' boundaries).

use std::cmp::Ordering;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// A dual number.
#[derive(Clone, Copy, Debug)]
pub struct D {
    /// The value.
    pub v: f64,
    /// The derivative.
    pub d: f64,
}

impl D {
    /// A constant.
    pub fn c(v: f64) -> D {
        D { v, d: 0.0 }
    }
    /// The input differentiated along (derivative 1).
    pub fn var(v: f64) -> D {
        D { v, d: 1.0 }
    }
    fn chain(self, v: f64, dv: f64) -> D {
        D { v, d: self.d * dv }
    }
    pub fn sin(self) -> D {
        self.chain(self.v.sin(), self.v.cos())
    }
    pub fn cos(self) -> D {
        self.chain(self.v.cos(), -self.v.sin())
    }
    pub fn tanh(self) -> D {
        let t = self.v.tanh();
        self.chain(t, 1.0 - t * t)
    }
    pub fn exp(self) -> D {
        let e = self.v.exp();
        self.chain(e, e)
    }
    pub fn ln(self) -> D {
        self.chain(self.v.ln(), 1.0 / self.v)
    }
    pub fn sqrt(self) -> D {
        let s = self.v.sqrt();
        self.chain(s, 0.5 / s)
    }
    pub fn powi(self, k: i32) -> D {
        self.chain(self.v.powi(k), k as f64 * self.v.powi(k - 1))
    }
}

impl Add for D {
    type Output = D;
    fn add(self, o: D) -> D {
        D {
            v: self.v + o.v,
            d: self.d + o.d,
        }
    }
}
impl Sub for D {
    type Output = D;
    fn sub(self, o: D) -> D {
        D {
            v: self.v - o.v,
            d: self.d - o.d,
        }
    }
}
impl Mul for D {
    type Output = D;
    fn mul(self, o: D) -> D {
        D {
            v: self.v * o.v,
            d: self.d * o.v + self.v * o.d,
        }
    }
}
impl Div for D {
    type Output = D;
    fn div(self, o: D) -> D {
        D {
            v: self.v / o.v,
            d: (self.d * o.v - self.v * o.d) / (o.v * o.v),
        }
    }
}
impl Neg for D {
    type Output = D;
    fn neg(self) -> D {
        D {
            v: -self.v,
            d: -self.d,
        }
    }
}
impl PartialEq for D {
    fn eq(&self, o: &D) -> bool {
        self.v == o.v
    }
}
impl PartialOrd for D {
    fn partial_cmp(&self, o: &D) -> Option<Ordering> {
        self.v.partial_cmp(&o.v)
    }
}
