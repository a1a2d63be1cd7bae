//! `Display` for jaxprs in JAX's exact text layout: variables named
//! a..z, ba, bb, ... in order of definition (one counter across nested
//! jaxprs, like JAX), `_` for equation outputs nobody uses, literals as
//! `1.0:f32[]`, params as sorted `[key=value ...]`.

use super::atom::{Atom, Var};
use super::jaxpr::Jaxpr;
use super::params::Param;
use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write};

/// JAX's variable names: base 26 with digits a..z (`26 -> "ba"`).
pub fn var_name(mut n: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'a' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

struct Printer {
    counter: usize,
    out: String,
}

impl Printer {
    fn fresh(&mut self) -> String {
        let mut n = var_name(self.counter);
        self.counter += 1;
        // `inf` and `nan` are literals (`nan:f32[]`): as a variable's name
        // they would make the text ambiguous, so they are skipped (only
        // jaxprs of over 5,000 variables differ from JAX's naming).
        while n == "inf" || n == "nan" {
            n = var_name(self.counter);
            self.counter += 1;
        }
        n
    }

    fn jaxpr(&mut self, j: &Jaxpr, indent: usize) {
        let mut names: HashMap<Var, String> = HashMap::new();
        let pad = " ".repeat(indent);
        self.out.push_str("{ lambda ; ");
        let mut first = true;
        for v in &j.invars {
            let n = self.fresh();
            if !first {
                self.out.push(' ');
            }
            first = false;
            let _ = write!(self.out, "{n}:{}", j.ty(*v));
            names.insert(*v, n);
        }
        self.out.push_str(". let");
        let mut used: HashSet<Var> = HashSet::new();
        for e in &j.eqns {
            used.extend(e.inputs.iter().filter_map(Atom::as_var));
        }
        used.extend(j.outvars.iter().filter_map(Atom::as_var));
        if j.eqns.is_empty() {
            self.out.push(' ');
        }
        for e in &j.eqns {
            let _ = write!(self.out, "\n{pad}    ");
            for (i, o) in e.outputs.iter().enumerate() {
                if i > 0 {
                    self.out.push(' ');
                }
                let n = if used.contains(o) {
                    let n = self.fresh();
                    names.insert(*o, n.clone());
                    n
                } else {
                    "_".to_string()
                };
                let _ = write!(self.out, "{n}:{}", j.ty(*o));
            }
            let _ = write!(self.out, " = {}", e.prim.name());
            let multiline = e.params.values().any(has_jaxpr);
            if !e.params.is_empty() {
                self.out.push('[');
                for (i, (k, v)) in e.params.iter().enumerate() {
                    if multiline {
                        let _ = write!(self.out, "\n{pad}      ");
                    } else if i > 0 {
                        self.out.push(' ');
                    }
                    let _ = write!(self.out, "{k}=");
                    self.param(v, indent + 6);
                }
                if multiline {
                    let _ = write!(self.out, "\n{pad}    ");
                }
                self.out.push(']');
            }
            for a in &e.inputs {
                self.out.push(' ');
                self.atom(a, &names);
            }
        }
        let _ = write!(self.out, "\n{pad}  in (");
        for (i, a) in j.outvars.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.atom(a, &names);
        }
        if j.outvars.len() == 1 {
            self.out.push(',');
        }
        self.out.push_str(") }");
    }

    fn atom(&mut self, a: &Atom, names: &HashMap<Var, String>) {
        match a {
            Atom::Var(v) => match names.get(v) {
                Some(n) => self.out.push_str(n),
                None => {
                    let _ = write!(self.out, "<undefined {}>", v.0);
                }
            },
            Atom::Lit(l) => {
                let _ = write!(self.out, "{l}");
            }
        }
    }

    fn param(&mut self, p: &Param, indent: usize) {
        match p {
            Param::Dim(d) => {
                let _ = write!(self.out, "{d}");
            }
            Param::Bool(b) => self.out.push_str(if *b { "True" } else { "False" }),
            Param::Float(x) => {
                let _ = write!(self.out, "{x:?}");
            }
            Param::Word(w) => self.out.push_str(w),
            Param::Jaxpr(j) => self.jaxpr(j, indent),
            Param::Tuple(v) | Param::List(v) => {
                let (open, close) = if matches!(p, Param::Tuple(_)) {
                    ('(', ')')
                } else {
                    ('[', ']')
                };
                self.out.push(open);
                if v.iter().any(|x| matches!(x, Param::Jaxpr(_))) {
                    let pad = " ".repeat(indent);
                    for x in v {
                        let _ = write!(self.out, "\n{pad}  ");
                        self.param(x, indent + 2);
                    }
                    let _ = write!(self.out, "\n{pad}");
                } else {
                    for (i, x) in v.iter().enumerate() {
                        if i > 0 {
                            self.out.push_str(", ");
                        }
                        self.param(x, indent);
                    }
                    if v.len() == 1 && matches!(p, Param::Tuple(_)) {
                        self.out.push(',');
                    }
                }
                self.out.push(close);
            }
        }
    }
}

fn has_jaxpr(p: &Param) -> bool {
    match p {
        Param::Jaxpr(_) => true,
        Param::Tuple(v) | Param::List(v) => v.iter().any(has_jaxpr),
        _ => false,
    }
}

impl fmt::Display for Jaxpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut p = Printer {
            counter: 0,
            out: String::new(),
        };
        p.jaxpr(self, 0);
        f.write_str(&p.out)
    }
}

/// `[key=value ...]` as the jaxpr printer writes an equation's params
/// (empty for none); for other printers of equations (kernel IR).
pub(crate) fn params_text(params: &super::params::Params) -> String {
    let mut p = Printer {
        counter: 0,
        out: String::new(),
    };
    if !params.is_empty() {
        p.out.push('[');
        for (i, (k, v)) in params.iter().enumerate() {
            if i > 0 {
                p.out.push(' ');
            }
            let _ = write!(p.out, "{k}=");
            p.param(v, 0);
        }
        p.out.push(']');
    }
    p.out
}
