//! The text form of a schedule: equations outside kernels as the jaxpr
//! prints them, each kernel as its loops. Variables have the jaxpr
//! printer's names, so the two read side by side. For softmax:
//!
//! ```text
//! kernel [n,m] o=[n] r=[m]
//!   read a:f32[n,m] [o,r]
//!   loop r
//!     b:f32[n] = reduce_max[axes=(1,)] a
//!   loop r
//!     d:f32[n,m] = sub a c
//!     e:f32[n,m] = exp d
//!     save e
//!     f:f32[n] = reduce_sum[axes=(1,)] e
//!   loop r
//!     load e
//!     h:f32[n,m] = div e g
//!     store h
//!   view c:f32[n,m] = b
//!   ...
//! ```

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write};

use super::ir::{Kernel, Space, Step};
use super::space::{Access, Group};
use crate::ir::print::{params_text, var_name};
use crate::ir::{Atom, Eqn, Jaxpr, Var};

struct Names {
    names: HashMap<Var, String>,
}

impl Names {
    /// The jaxpr printer's names (inputs, then used results in order).
    fn new(j: &Jaxpr) -> Self {
        let mut used: HashSet<Var> = j.outvars.iter().filter_map(Atom::as_var).collect();
        for e in &j.eqns {
            used.extend(e.inputs.iter().filter_map(Atom::as_var));
        }
        let mut names = HashMap::new();
        let mut k = 0;
        for v in &j.invars {
            names.insert(*v, var_name(k));
            k += 1;
        }
        for e in &j.eqns {
            for o in &e.outputs {
                if used.contains(o) {
                    names.insert(*o, var_name(k));
                    k += 1;
                }
            }
        }
        Names { names }
    }
    fn var(&self, v: Var) -> String {
        self.names.get(&v).cloned().unwrap_or_else(|| "_".into())
    }
    fn atom(&self, a: &Atom) -> String {
        match a {
            Atom::Var(v) => self.var(*v),
            Atom::Lit(l) => l.to_string(),
        }
    }
    fn typed(&self, j: &Jaxpr, v: Var) -> String {
        format!("{}:{}", self.var(v), j.ty(v))
    }
    fn eqn(&self, j: &Jaxpr, e: &Eqn) -> String {
        let outs: Vec<String> = e.outputs.iter().map(|o| self.typed(j, *o)).collect();
        let ins: Vec<String> = e.inputs.iter().map(|a| self.atom(a)).collect();
        let mut s = format!(
            "{} = {}{}",
            outs.join(" "),
            e.prim.name(),
            params_text(&e.params)
        );
        for i in ins {
            s.push(' ');
            s.push_str(&i);
        }
        s
    }
}

pub(super) fn print(j: &Jaxpr, kernels: &[Kernel], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let names = Names::new(j);
    let mut i = 0;
    while i < j.eqns.len() {
        if let Some(k) = kernels.iter().find(|k| k.members.first() == Some(&i)) {
            kernel(j, k, &names, f)?;
            i = k.members.last().map_or(i + 1, |l| l + 1);
        } else {
            writeln!(f, "{}", names.eqn(j, &j.eqns[i]))?;
            i += 1;
        }
    }
    let outs: Vec<String> = j.outvars.iter().map(|a| names.atom(a)).collect();
    writeln!(f, "in ({})", outs.join(", "))
}

fn kernel(j: &Jaxpr, k: &Kernel, n: &Names, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let sp = &k.space;
    let mut head = format!("kernel {}", crate::ir::Shape(sp.dims.clone()));
    for g in Group::ALL {
        if !sp.is_trivial(g) {
            let dims = crate::ir::Shape(sp.dims[sp.axes(g)].to_vec());
            let _ = write!(head, " {}={dims}", g.letter());
        }
    }
    writeln!(f, "{head}")?;
    for r in &k.reads {
        let alias = if r.var == r.array {
            String::new()
        } else {
            format!(" as {}", n.var(r.var))
        };
        writeln!(f, "  read {} {}{alias}", n.typed(j, r.array), r.access)?;
    }
    for s in &k.scalars {
        writeln!(f, "  scalar {}", n.typed(j, *s))?;
    }
    for w in &k.views {
        let absorbed = k.members.contains(&w.eqn);
        let note = if absorbed {
            ""
        } else {
            " (also built outside)"
        };
        // What the view reads in the end, and by which index.
        let base = k.base(w.var);
        let index = match base {
            Atom::Lit(_) => String::new(),
            Atom::Var(b) => match (k.spaces.get(&b), k.read_of(b)) {
                (Some(Space::Full), _) => Access::FULL.within(sp).to_string(),
                (Some(Space::Row), _) => Access::ROW.within(sp).to_string(),
                (None, Some(r)) => r.access.to_string(),
                (None, None) => String::new(),
            },
        };
        writeln!(
            f,
            "  view {} = {}{index}{note}",
            n.typed(j, w.var),
            n.atom(&base)
        )?;
    }
    for s in &k.steps {
        match s {
            Step::Loop(l) => {
                writeln!(f, "  loop r")?;
                for v in &l.loads {
                    writeln!(f, "    load {}", n.var(*v))?;
                }
                for &e in &l.body {
                    writeln!(f, "    {}", n.eqn(j, &j.eqns[e]))?;
                }
                for v in &l.saves {
                    writeln!(f, "    save {}", n.var(*v))?;
                }
                for &e in &l.reduces {
                    writeln!(f, "    {}", n.eqn(j, &j.eqns[e]))?;
                }
                for v in &l.stores {
                    writeln!(f, "    store {}", n.var(*v))?;
                }
            }
            Step::Row(es) => {
                writeln!(f, "  row")?;
                for &e in es {
                    writeln!(f, "    {}", n.eqn(j, &j.eqns[e]))?;
                }
            }
        }
    }
    let outs: Vec<String> = k.outputs.iter().map(|o| n.typed(j, *o)).collect();
    writeln!(f, "  out {}", outs.join(" "))
}
