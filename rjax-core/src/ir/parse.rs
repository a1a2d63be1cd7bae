//! Parser of the printed jaxpr text, so golden tests and generated code can
//! rebuild a `Jaxpr` from a string. Whitespace is insignificant; equation
//! boundaries are found from the `name:type` binders. Output types written
//! in the text are taken as given; `Jaxpr::verify` re-checks them.

use super::atom::{Atom, Literal, Var};
use super::dim::DimExpr;
use super::dtype::DType;
use super::eqn::Eqn;
use super::jaxpr::Jaxpr;
use super::params::{Param, Params};
use super::prim::Prim;
use super::shape::{Shape, TensorType};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Num(String),
    Punct(char),
}

fn lex(s: &str) -> Result<Vec<(usize, Tok)>> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i] as char;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let st = i;
            while i < b.len() {
                let d = b[i] as char;
                let dotted =
                    d == '.' && i + 1 < b.len() && (b[i + 1] as char).is_ascii_alphabetic();
                if d.is_ascii_alphanumeric() || d == '_' || dotted {
                    i += 1;
                } else {
                    break;
                }
            }
            out.push((st, Tok::Ident(s[st..i].to_string())));
        } else if c.is_ascii_digit() {
            let st = i;
            while i < b.len() {
                let d = b[i] as char;
                let exp_sign = (d == '-' || d == '+') && matches!(b[i - 1], b'e' | b'E');
                let frac = d == '.' && i + 1 < b.len() && (b[i + 1] as char).is_ascii_digit();
                if d.is_ascii_digit() || frac || d == 'e' || d == 'E' || exp_sign {
                    i += 1;
                } else {
                    break;
                }
            }
            out.push((st, Tok::Num(s[st..i].to_string())));
        } else if "{}[](),:;=.*+-".contains(c) {
            out.push((i, Tok::Punct(c)));
            i += 1;
        } else {
            return Err(Error::Parse {
                offset: i,
                msg: format!("unexpected character `{c}`"),
            });
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.1)
    }
    fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.pos + k).map(|t| &t.1)
    }
    fn err<T>(&self, msg: impl Into<String>) -> Result<T> {
        let offset = self.toks.get(self.pos).map(|t| t.0).unwrap_or(self.end);
        Err(Error::Parse {
            offset,
            msg: msg.into(),
        })
    }
    fn next(&mut self) -> Result<Tok> {
        match self.toks.get(self.pos) {
            Some(t) => {
                self.pos += 1;
                Ok(t.1.clone())
            }
            None => self.err("unexpected end of text"),
        }
    }
    fn is_punct(&self, c: char) -> bool {
        self.peek() == Some(&Tok::Punct(c))
    }
    fn eat_punct(&mut self, c: char) -> bool {
        if self.is_punct(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect_punct(&mut self, c: char) -> Result<()> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            self.err(format!("expected `{c}`, found {:?}", self.peek()))
        }
    }
    fn is_ident(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(x)) if x == s)
    }
    fn expect_ident(&mut self, s: &str) -> Result<()> {
        if self.is_ident(s) {
            self.pos += 1;
            Ok(())
        } else {
            self.err(format!("expected `{s}`, found {:?}", self.peek()))
        }
    }
    fn ident(&mut self) -> Result<String> {
        match self.next()? {
            Tok::Ident(s) => Ok(s),
            t => {
                self.pos -= 1;
                self.err(format!("expected a name, found {t:?}"))
            }
        }
    }

    fn ty(&mut self) -> Result<TensorType> {
        let d = self.ident()?;
        let dtype = match DType::from_name(&d) {
            Some(d) => d,
            None => return self.err(format!("unknown dtype `{d}`")),
        };
        self.expect_punct('[')?;
        let mut dims = Vec::new();
        while !self.eat_punct(']') {
            dims.push(self.dim_expr()?);
            if !self.is_punct(']') {
                self.expect_punct(',')?;
            }
        }
        Ok(TensorType::new(dtype, Shape(dims)))
    }

    fn dim_expr(&mut self) -> Result<DimExpr> {
        let mut acc = self.dim_term()?;
        loop {
            if self.eat_punct('+') {
                acc = DimExpr::add(&acc, &self.dim_term()?);
            } else if self.eat_punct('-') {
                acc = DimExpr::sub(&acc, &self.dim_term()?);
            } else {
                return Ok(acc);
            }
        }
    }
    fn dim_term(&mut self) -> Result<DimExpr> {
        let mut acc = self.dim_factor()?;
        while self.eat_punct('*') {
            acc = DimExpr::mul(&acc, &self.dim_factor()?);
        }
        Ok(acc)
    }
    fn dim_factor(&mut self) -> Result<DimExpr> {
        if self.eat_punct('-') {
            let f = self.dim_factor()?;
            return Ok(DimExpr::sub(&DimExpr::Const(0), &f));
        }
        if self.eat_punct('(') {
            let e = self.dim_expr()?;
            self.expect_punct(')')?;
            return Ok(e);
        }
        match self.next()? {
            Tok::Num(n) => match n.parse::<i64>() {
                Ok(v) => Ok(DimExpr::Const(v)),
                Err(_) => {
                    self.pos -= 1;
                    self.err(format!("expected an integer dim, found `{n}`"))
                }
            },
            Tok::Ident(s) => Ok(DimExpr::Sym(s)),
            t => {
                self.pos -= 1;
                self.err(format!("expected a dim, found {t:?}"))
            }
        }
    }

    // A binder `name:type` starts here (also `_:type`).
    fn at_binder(&self) -> bool {
        match (self.peek(), self.peek_at(1)) {
            (Some(Tok::Ident(s)), Some(Tok::Punct(':'))) => {
                !matches!(s.as_str(), "True" | "False" | "inf" | "nan")
            }
            _ => false,
        }
    }

    // The `in (` that ends the equations. The printer names the 222nd
    // variable `in` (JAX's naming, a..z, ba, ..), so `in` alone may be a
    // variable: a binder `in:f32[]` or an operand `mul in b`.
    fn at_in(&self) -> bool {
        self.is_ident("in") && matches!(self.peek_at(1), Some(Tok::Punct('(')))
    }

    fn jaxpr(&mut self) -> Result<Jaxpr> {
        self.expect_punct('{')?;
        self.expect_ident("lambda")?;
        if !self.eat_punct(';') {
            return self.err("constvars are not supported; expected `;`");
        }
        let mut types: Vec<TensorType> = Vec::new();
        let mut names: HashMap<String, Var> = HashMap::new();
        let fresh = |types: &mut Vec<TensorType>, t: TensorType| {
            types.push(t);
            Var(types.len() as u32 - 1)
        };
        let mut invars = Vec::new();
        while !self.eat_punct('.') {
            let n = self.ident()?;
            self.expect_punct(':')?;
            let t = self.ty()?;
            let v = fresh(&mut types, t);
            names.insert(n, v);
            invars.push(v);
        }
        self.expect_ident("let")?;
        let mut eqns = Vec::new();
        while !self.at_in() {
            let mut outputs = Vec::new();
            let mut out_names = Vec::new();
            while self.at_binder() {
                let n = self.ident()?;
                self.expect_punct(':')?;
                let t = self.ty()?;
                outputs.push(fresh(&mut types, t));
                out_names.push(n);
            }
            self.expect_punct('=')?;
            let pn = self.ident()?;
            let prim = match Prim::from_name(&pn) {
                Some(p) => p,
                None => {
                    self.pos -= 1;
                    return self.err(format!("unknown primitive `{pn}`"));
                }
            };
            let mut params = Params::new();
            if self.eat_punct('[') {
                while !self.eat_punct(']') {
                    let k = self.ident()?;
                    self.expect_punct('=')?;
                    let v = self.value()?;
                    params.insert(k, v);
                }
            }
            let mut inputs = Vec::new();
            while !self.at_in() && !self.at_binder() && !self.is_punct('=') {
                inputs.push(self.atom(&names)?);
            }
            for (n, v) in out_names.into_iter().zip(&outputs) {
                if n != "_" {
                    names.insert(n, *v);
                }
            }
            eqns.push(Eqn {
                prim,
                params,
                inputs,
                outputs,
            });
        }
        self.expect_ident("in")?;
        self.expect_punct('(')?;
        let mut outvars = Vec::new();
        while !self.eat_punct(')') {
            outvars.push(self.atom(&names)?);
            if !self.is_punct(')') {
                self.expect_punct(',')?;
            }
        }
        self.expect_punct('}')?;
        Ok(Jaxpr {
            invars,
            eqns,
            outvars,
            types,
        })
    }

    fn atom(&mut self, names: &HashMap<String, Var>) -> Result<Atom> {
        let neg = self.eat_punct('-');
        match self.next()? {
            Tok::Ident(s) if matches!(s.as_str(), "True" | "False" | "inf" | "nan") => {
                let v = match s.as_str() {
                    "True" => 1.0,
                    "False" => 0.0,
                    "inf" => f64::INFINITY,
                    _ => f64::NAN,
                };
                self.literal_tail(if neg { -v } else { v })
            }
            Tok::Ident(s) if !neg => match names.get(&s) {
                Some(v) => Ok(Atom::Var(*v)),
                None => {
                    self.pos -= 1;
                    self.err(format!("undefined variable `{s}`"))
                }
            },
            Tok::Num(n) => {
                let v: f64 = match n.parse() {
                    Ok(v) => v,
                    Err(_) => return self.err(format!("bad number `{n}`")),
                };
                self.literal_tail(if neg { -v } else { v })
            }
            t => {
                self.pos -= 1;
                self.err(format!("expected an operand, found {t:?}"))
            }
        }
    }
    fn literal_tail(&mut self, v: f64) -> Result<Atom> {
        self.expect_punct(':')?;
        let t = self.ty()?;
        if t.rank() != 0 {
            return self.err("literals must be scalars");
        }
        Ok(Atom::Lit(Literal::new(v, t.dtype)))
    }

    fn value(&mut self) -> Result<Param> {
        if self.is_punct('{') {
            return Ok(Param::Jaxpr(Arc::new(self.jaxpr()?)));
        }
        if self.is_punct('(') || self.is_punct('[') {
            let close = if self.eat_punct('(') {
                ')'
            } else {
                self.pos += 1;
                ']'
            };
            let mut v = Vec::new();
            while !self.eat_punct(close) {
                v.push(self.value()?);
                // Jaxprs in a tuple are printed one per line, without commas.
                if !self.is_punct(close) && !self.is_punct('{') {
                    self.expect_punct(',')?;
                }
            }
            return Ok(if close == ')' {
                Param::Tuple(v)
            } else {
                Param::List(v)
            });
        }
        match self.peek().cloned() {
            Some(Tok::Ident(w)) => {
                let op_follows = matches!(self.peek_at(1), Some(Tok::Punct('+' | '-' | '*')));
                if w == "True" || w == "False" {
                    self.pos += 1;
                    return Ok(Param::Bool(w == "True"));
                }
                if w.starts_with("np.") && matches!(self.peek_at(1), Some(Tok::Punct('('))) {
                    // `np.int64(0)` as printed by JAX: keep the inner value.
                    self.pos += 2;
                    let v = self.value()?;
                    self.expect_punct(')')?;
                    return Ok(v);
                }
                if !op_follows && (DType::from_name(&w).is_some() || w == "None" || w.contains('.'))
                {
                    self.pos += 1;
                    return Ok(Param::Word(w));
                }
                if !op_follows && w.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                    self.pos += 1;
                    return Ok(Param::Word(w));
                }
                Ok(Param::Dim(self.dim_expr()?))
            }
            Some(Tok::Num(n)) if n.contains(['.', 'e', 'E']) => {
                self.pos += 1;
                match n.parse() {
                    Ok(x) => Ok(Param::Float(x)),
                    Err(_) => self.err(format!("bad number `{n}`")),
                }
            }
            _ => Ok(Param::Dim(self.dim_expr()?)),
        }
    }
}

/// Parses one jaxpr from its text.
pub fn parse_jaxpr(text: &str) -> Result<Jaxpr> {
    let toks = lex(text)?;
    let mut p = Parser {
        toks,
        pos: 0,
        end: text.len(),
    };
    let j = p.jaxpr()?;
    if p.pos != p.toks.len() {
        return p.err("trailing text after the jaxpr");
    }
    Ok(j)
}
