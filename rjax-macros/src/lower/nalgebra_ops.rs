//! Arithmetic on static nalgebra values in annotated bodies, with
//! nalgebra's meaning (the primal is nalgebra code): `m * v` and `a * b`
//! are matrix products, `a + b` / `a - b` elementwise, `m * s`, `s * m`,
//! `m / s` and `-m` scale, `m.transpose()`, `u.dot(&v)`. A value is its
//! scalar leaves (`crate::front::nalgebra_param`), so each becomes scalar code
//! (the sums of a product unrolled): cheap for the small sizes static
//! matrices are for, and still allocation-free.

use proc_macro2::Span;

use crate::front::ast::BinOp;
use crate::lower::{LResult, Lowerer, Value, err};

/// (rows, columns, leaves by (i, j)) of a matrix value; `None` for a
/// struct value that is not a matrix.
type Mat = (usize, usize, Vec<Vec<Value>>);

fn matrix(v: &Value) -> Option<Mat> {
    let Value::Struct(fields) = v else {
        return None;
    };
    let mut entries = Vec::new();
    for (n, x) in fields {
        let (i, j) = crate::front::nalgebra_param::entry(n)?;
        entries.push((i, j, x.clone()));
    }
    let r = entries.iter().map(|e| e.0 + 1).max()?;
    let c = entries.iter().map(|e| e.1 + 1).max()?;
    if entries.len() != r * c {
        return None;
    }
    let mut m = vec![vec![Value::Weak(0.0, false); c]; r];
    for (i, j, x) in entries {
        m[i][j] = x;
    }
    Some((r, c, m))
}

fn value(r: usize, c: usize, mut m: Vec<Vec<Value>>) -> Value {
    let mut fields = Vec::new();
    for j in 0..c {
        for (i, row) in m.iter_mut().enumerate().take(r) {
            let x = std::mem::replace(&mut row[j], Value::Weak(0.0, false));
            fields.push((crate::front::nalgebra_param::field(i, j), x));
        }
    }
    Value::Struct(fields)
}

const NOT_MATRIX: &str =
    "arithmetic on a `#[derive(Tree)]` struct: operate on its fields (`p.w * 2.0`)";

impl Lowerer<'_> {
    /// True when `v` is a struct or nalgebra value (the binary operators
    /// then go through `matrix_binary`).
    pub fn is_struct(v: &Value) -> bool {
        matches!(v, Value::Struct(_))
    }

    /// `l op r` with an nalgebra value on at least one side.
    pub fn matrix_binary(&mut self, op: BinOp, l: Value, r: Value, span: Span) -> LResult<Value> {
        let (ml, mr) = (matrix(&l), matrix(&r));
        // Comparisons and logic have no nalgebra meaning here.
        if (Self::is_struct(&l) && ml.is_none()) || (Self::is_struct(&r) && mr.is_none()) {
            return err(span, NOT_MATRIX);
        }
        match (ml, mr, op) {
            (Some((ra, ka, a)), Some((kb, cb, b)), BinOp::Mul) => {
                if ka != kb {
                    return err(
                        span,
                        format!(
                            "matrix product of a {ra}x{ka} and a {kb}x{cb} value: the left's columns ({ka}) must equal the right's rows ({kb})"
                        ),
                    );
                }
                let mut out = Vec::new();
                for row in &a {
                    let mut orow = Vec::new();
                    for j in 0..cb {
                        // sum_k a[i][k] b[k][j], left to right like nalgebra.
                        let mut acc: Option<Value> = None;
                        for (x, brow) in row.iter().zip(&b) {
                            let p = self.binary(BinOp::Mul, x.clone(), brow[j].clone(), span)?;
                            acc = Some(match acc {
                                None => p,
                                Some(s) => self.binary(BinOp::Add, s, p, span)?,
                            });
                        }
                        orow.push(acc.expect("a matrix has a column"));
                    }
                    out.push(orow);
                }
                Ok(value(ra, cb, out))
            }
            (Some((ra, ca, a)), Some((rb, cb, b)), BinOp::Add | BinOp::Sub) => {
                if (ra, ca) != (rb, cb) {
                    return err(
                        span,
                        format!("elementwise operation on a {ra}x{ca} and a {rb}x{cb} value"),
                    );
                }
                let mut out = Vec::new();
                for (x, y) in a.into_iter().zip(b) {
                    let mut orow = Vec::new();
                    for (u, v) in x.into_iter().zip(y) {
                        orow.push(self.binary(op, u, v, span)?);
                    }
                    out.push(orow);
                }
                Ok(value(ra, ca, out))
            }
            (Some((rows, cols, a)), None, BinOp::Mul | BinOp::Div) => {
                let mut out = Vec::new();
                for row in a {
                    let mut orow = Vec::new();
                    for x in row {
                        orow.push(self.binary(op, x, r.clone(), span)?);
                    }
                    out.push(orow);
                }
                Ok(value(rows, cols, out))
            }
            (None, Some((rows, cols, b)), BinOp::Mul) => {
                let mut out = Vec::new();
                for row in b {
                    let mut orow = Vec::new();
                    for x in row {
                        orow.push(self.binary(op, l.clone(), x, span)?);
                    }
                    out.push(orow);
                }
                Ok(value(rows, cols, out))
            }
            _ => err(
                span,
                "this operator is not defined on nalgebra values in an annotated body: use `*` (product or scaling), `+`, `-`, `/` by a scalar",
            ),
        }
    }
}

impl Lowerer<'_> {
    /// `-m`.
    pub fn matrix_neg(&mut self, v: Value, span: Span) -> LResult<Value> {
        self.matrix_binary(BinOp::Mul, v, Value::Weak(-1.0, false), span)
    }

    /// `m.transpose()`, `u.dot(&v)` on nalgebra values; `None` for other
    /// methods (then reported by the caller's usual path).
    pub fn matrix_method(
        &mut self,
        name: &str,
        mut vals: Vec<Value>,
        span: Span,
    ) -> Option<LResult<Value>> {
        let (r, c, m) = matrix(vals.first()?)?;
        match (name, vals.len()) {
            ("transpose", 1) => {
                let t: Vec<Vec<Value>> = (0..c)
                    .map(|j| (0..r).map(|i| m[i][j].clone()).collect())
                    .collect();
                Some(Ok(value(c, r, t)))
            }
            ("dot", 2) => {
                let other = vals.pop()?;
                let Some((r2, c2, m2)) = matrix(&other) else {
                    return Some(err(
                        span,
                        "`dot` of an nalgebra value takes another one: `u.dot(&v)`",
                    ));
                };
                if (r, c) != (r2, c2) {
                    return Some(err(
                        span,
                        format!("`dot` of a {r}x{c} and a {r2}x{c2} value"),
                    ));
                }
                let mut acc: Option<Value> = None;
                for (x, y) in m.into_iter().flatten().zip(m2.into_iter().flatten()) {
                    let p = match self.binary(BinOp::Mul, x, y, span) {
                        Ok(p) => p,
                        Err(e) => return Some(Err(e)),
                    };
                    acc = Some(match acc {
                        None => p,
                        Some(a) => match self.binary(BinOp::Add, a, p, span) {
                            Ok(s) => s,
                            Err(e) => return Some(Err(e)),
                        },
                    });
                }
                acc.map(Ok)
            }
            _ => None,
        }
    }
}
