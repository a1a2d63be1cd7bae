//! Dimension expressions: a dimension is a constant, a symbol (`n`, bound
//! at run time from an input shape, JAX shape-polymorphism style) or a
//! sum, difference or product of those.
//!
//! Expressions are kept in a canonical polynomial form by the constructors
//! (`DimExpr::add` ...) and compared as polynomials, so `n + 1 - 1 == n`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::{Hash, Hasher};

/// A dimension size: constant, symbolic, or an arithmetic expression.
#[derive(Clone, Debug)]
pub enum DimExpr {
    /// A known size.
    Const(i64),
    /// A symbolic size, >= 1, never broadcast.
    Sym(String),
    /// Sum.
    Add(Box<DimExpr>, Box<DimExpr>),
    /// Difference.
    Sub(Box<DimExpr>, Box<DimExpr>),
    /// Product.
    Mul(Box<DimExpr>, Box<DimExpr>),
}

/// Monomial (sorted symbol names, with repetition) -> coefficient.
type Poly = BTreeMap<Vec<String>, i64>;

impl DimExpr {
    /// A symbol.
    pub fn sym(name: impl Into<String>) -> Self {
        DimExpr::Sym(name.into())
    }
    /// `a + b`, canonicalised.
    #[allow(clippy::should_implement_trait)]
    pub fn add(a: &DimExpr, b: &DimExpr) -> Self {
        let mut p = a.poly();
        for (m, c) in b.poly() {
            *p.entry(m).or_insert(0) += c;
        }
        from_poly(p)
    }
    /// `a - b`, canonicalised.
    #[allow(clippy::should_implement_trait)]
    pub fn sub(a: &DimExpr, b: &DimExpr) -> Self {
        let mut p = a.poly();
        for (m, c) in b.poly() {
            *p.entry(m).or_insert(0) -= c;
        }
        from_poly(p)
    }
    /// `a * b`, canonicalised.
    #[allow(clippy::should_implement_trait)]
    pub fn mul(a: &DimExpr, b: &DimExpr) -> Self {
        let mut p = Poly::new();
        for (ma, ca) in a.poly() {
            for (mb, cb) in b.poly() {
                let mut m = ma.clone();
                m.extend(mb.iter().cloned());
                m.sort();
                *p.entry(m).or_insert(0) += ca * cb;
            }
        }
        from_poly(p)
    }
    /// The product of a list of dims (1 for an empty list).
    pub fn product<'a>(dims: impl IntoIterator<Item = &'a DimExpr>) -> Self {
        dims.into_iter()
            .fold(DimExpr::Const(1), |acc, d| DimExpr::mul(&acc, d))
    }
    /// The constant value, if the expression has no symbols.
    pub fn as_const(&self) -> Option<i64> {
        let p = self.poly();
        match p.len() {
            0 => Some(0),
            1 => p.get(&Vec::new()).copied(),
            _ => None,
        }
    }
    /// True when the expression is the constant `c`.
    pub fn is(&self, c: i64) -> bool {
        self.as_const() == Some(c)
    }
    /// Evaluates with the given symbol values; `None` if a symbol is unbound.
    pub fn eval(&self, env: &HashMap<String, i64>) -> Option<i64> {
        Some(match self {
            DimExpr::Const(c) => *c,
            DimExpr::Sym(s) => *env.get(s)?,
            DimExpr::Add(a, b) => a.eval(env)? + b.eval(env)?,
            DimExpr::Sub(a, b) => a.eval(env)? - b.eval(env)?,
            DimExpr::Mul(a, b) => a.eval(env)? * b.eval(env)?,
        })
    }
    /// Replaces bound symbols by their values and re-canonicalises.
    pub fn substitute(&self, env: &HashMap<String, i64>) -> DimExpr {
        match self {
            DimExpr::Const(c) => DimExpr::Const(*c),
            DimExpr::Sym(s) => match env.get(s) {
                Some(v) => DimExpr::Const(*v),
                None => self.clone(),
            },
            DimExpr::Add(a, b) => DimExpr::add(&a.substitute(env), &b.substitute(env)),
            DimExpr::Sub(a, b) => DimExpr::sub(&a.substitute(env), &b.substitute(env)),
            DimExpr::Mul(a, b) => DimExpr::mul(&a.substitute(env), &b.substitute(env)),
        }
    }
    /// The symbols used.
    pub fn symbols(&self, out: &mut Vec<String>) {
        match self {
            DimExpr::Const(_) => {}
            DimExpr::Sym(s) => {
                if !out.contains(s) {
                    out.push(s.clone())
                }
            }
            DimExpr::Add(a, b) | DimExpr::Sub(a, b) | DimExpr::Mul(a, b) => {
                a.symbols(out);
                b.symbols(out);
            }
        }
    }
    fn poly(&self) -> Poly {
        self.poly_raw()
    }
    // The polynomial of any tree, canonical or not.
    fn poly_raw(&self) -> Poly {
        fn go(e: &DimExpr, sign: i64, p: &mut Poly) {
            match e {
                DimExpr::Const(c) => *p.entry(Vec::new()).or_insert(0) += sign * c,
                DimExpr::Sym(s) => *p.entry(vec![s.clone()]).or_insert(0) += sign,
                DimExpr::Add(a, b) => {
                    go(a, sign, p);
                    go(b, sign, p);
                }
                DimExpr::Sub(a, b) => {
                    go(a, sign, p);
                    go(b, -sign, p);
                }
                DimExpr::Mul(a, b) => {
                    let (mut pa, mut pb) = (Poly::new(), Poly::new());
                    go(a, 1, &mut pa);
                    go(b, 1, &mut pb);
                    for (ma, ca) in &pa {
                        for (mb, cb) in &pb {
                            let mut m = ma.clone();
                            m.extend(mb.iter().cloned());
                            m.sort();
                            *p.entry(m).or_insert(0) += sign * ca * cb;
                        }
                    }
                }
            }
        }
        let mut p = Poly::new();
        go(self, 1, &mut p);
        p.retain(|_, c| *c != 0);
        p
    }
}

// Builds the canonical tree: higher-degree monomials first, constant last,
// as `2*n*m + n - 3`.
fn from_poly(mut p: Poly) -> DimExpr {
    p.retain(|_, c| *c != 0);
    let mut terms: Vec<(Vec<String>, i64)> = p.into_iter().collect();
    terms.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    let mut acc: Option<DimExpr> = None;
    for (m, c) in terms {
        let mag = c.abs();
        let term = if m.is_empty() {
            DimExpr::Const(mag)
        } else {
            let mut t: Option<DimExpr> = if mag != 1 {
                Some(DimExpr::Const(mag))
            } else {
                None
            };
            for s in m {
                let s = DimExpr::Sym(s);
                t = Some(match t {
                    None => s,
                    Some(t) => DimExpr::Mul(Box::new(t), Box::new(s)),
                });
            }
            t.unwrap()
        };
        acc = Some(match acc {
            None => {
                if c < 0 {
                    match term {
                        DimExpr::Const(v) => DimExpr::Const(-v),
                        t => DimExpr::Mul(Box::new(DimExpr::Const(-1)), Box::new(t)),
                    }
                } else {
                    term
                }
            }
            Some(a) if c < 0 => DimExpr::Sub(Box::new(a), Box::new(term)),
            Some(a) => DimExpr::Add(Box::new(a), Box::new(term)),
        });
    }
    acc.unwrap_or(DimExpr::Const(0))
}

impl PartialEq for DimExpr {
    fn eq(&self, other: &Self) -> bool {
        self.poly_raw() == other.poly_raw()
    }
}
impl Eq for DimExpr {}
impl Hash for DimExpr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.poly_raw().hash(state)
    }
}

impl From<i64> for DimExpr {
    fn from(v: i64) -> Self {
        DimExpr::Const(v)
    }
}
impl From<usize> for DimExpr {
    fn from(v: usize) -> Self {
        DimExpr::Const(v as i64)
    }
}
impl From<i32> for DimExpr {
    fn from(v: i32) -> Self {
        DimExpr::Const(v as i64)
    }
}
impl From<&str> for DimExpr {
    fn from(v: &str) -> Self {
        DimExpr::Sym(v.to_string())
    }
}

impl fmt::Display for DimExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn prec(e: &DimExpr) -> u8 {
            match e {
                DimExpr::Add(..) | DimExpr::Sub(..) => 1,
                DimExpr::Mul(..) => 2,
                _ => 3,
            }
        }
        match self {
            DimExpr::Const(c) => write!(f, "{c}"),
            DimExpr::Sym(s) => f.write_str(s),
            DimExpr::Add(a, b) => write!(f, "{a} + {b}"),
            DimExpr::Sub(a, b) => {
                if prec(b) == 1 {
                    write!(f, "{a} - ({b})")
                } else {
                    write!(f, "{a} - {b}")
                }
            }
            DimExpr::Mul(a, b) => {
                let wrap = |e: &DimExpr, f: &mut fmt::Formatter<'_>| {
                    if prec(e) == 1 {
                        write!(f, "({e})")
                    } else {
                        write!(f, "{e}")
                    }
                };
                wrap(a, f)?;
                f.write_str("*")?;
                wrap(b, f)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        let n = DimExpr::sym("n");
        let one = DimExpr::Const(1);
        let e = DimExpr::sub(&DimExpr::add(&n, &one), &one);
        assert_eq!(e, n);
        assert_eq!(e.to_string(), "n");
        let two_n = DimExpr::mul(&DimExpr::Const(2), &n);
        assert_eq!(DimExpr::add(&two_n, &one).to_string(), "2*n + 1");
        assert_eq!(DimExpr::sub(&one, &n).to_string(), "-1*n + 1");
        assert_eq!(DimExpr::add(&n, &n), two_n);
        assert_eq!(DimExpr::Const(3).as_const(), Some(3));
        assert_eq!(n.as_const(), None);
        let mut env = HashMap::new();
        env.insert("n".to_string(), 4);
        assert_eq!(DimExpr::add(&two_n, &one).eval(&env), Some(9));
    }
}
