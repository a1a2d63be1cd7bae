//! Generates `$OUT_DIR/cases.rs`: random scalar functions, each as plain
//! Rust, over dual numbers, annotated with `#[jit] #[grad] #[vmap]`, and
//! a `check_case_k` comparing every compiled form with the plain one and
//! the dual numbers. Deterministic for a seed (`RJAX_FUZZ_SEED`, default
//! below); `RJAX_FUZZ_CASES` sets how many functions.

use std::fmt::Write;

/// Names a parameter or local may take: plain ones, and the identifiers
/// the macros introduce in what they emit (grep rjax-macros/src/expand for
/// `format_ident!`): tangents `x_dot`, dimensions `dim_n`, cotangents
/// `ct_0`, outputs, residuals, helper names, and the jaxpr-style names the
/// emitter gives intermediate values (`a`, `b`, .., `ba`).
const NAMES: &[&str] = &[
    "x",
    "y",
    "z",
    "w",
    "x_dot",
    "y_dot",
    "z_dot",
    "dim_n",
    "dim_m",
    "dim_k",
    "n",
    "m",
    "k",
    "ct",
    "ct_0",
    "ct_1",
    "out_0",
    "out_1",
    "residual_0",
    "iter",
    "fast_x",
    "__vals",
    "__out0",
    "__ret_0",
    "__blk_0",
    "__rjax_tree_0",
    "__rjax_flat_0",
    "__rjax_col_0",
    "a",
    "b",
    "c",
    "d",
    "ba",
    "t",
    "v",
    "e",
    "g",
    "s",
    "key",
    "ret",
    "result",
    "inputs",
    "outs",
    "shape_of",
    "grad",
    "jvp",
    "primal",
    "tangent",
    "cache",
    "sig",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // SplitMix64.
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// A literal with two decimals in [lo, hi].
    fn lit(&mut self, lo: f64, hi: f64) -> f64 {
        ((lo + (hi - lo) * self.unit()) * 100.0).round() / 100.0
    }
}

#[derive(Clone)]
enum E {
    Var(String),
    Lit(f64),
    /// `e.sin()`, `e.cos()`, `e.tanh()`.
    Method(&'static str, Box<E>),
    /// `e.powi(k)`.
    Powi(Box<E>, i32),
    /// `e.sin().exp()`: exp of a bounded argument.
    ExpSin(Box<E>),
    /// `(e * e + 1.0).ln()`.
    LnSq(Box<E>),
    /// `(e * e + 0.25).sqrt()`.
    SqrtSq(Box<E>),
    Bin(char, Box<E>, Box<E>),
    /// `a / (1.0 + b * b)`.
    Div(Box<E>, Box<E>),
    Neg(Box<E>),
    /// `if c0 { v0 } else if c1 { v1 } .. else { last }`.
    If(Vec<(Cond, E)>, Box<E>),
}

#[derive(Clone)]
struct Cond(E, &'static str, E);

struct Gen<'r> {
    rng: &'r mut Rng,
    vars: Vec<String>,
}

impl Gen<'_> {
    fn var(&mut self) -> E {
        E::Var(self.vars[self.rng.below(self.vars.len())].clone())
    }

    fn expr(&mut self, depth: usize) -> E {
        if depth == 0 {
            return if self.rng.below(4) == 0 {
                E::Lit(self.rng.lit(-2.0, 2.0))
            } else {
                self.var()
            };
        }
        let b = |g: &mut Self| Box::new(g.expr(depth - 1));
        match self.rng.below(14) {
            0 => E::Method("sin", b(self)),
            1 => E::Method("cos", b(self)),
            2 => E::Method("tanh", b(self)),
            3 => E::Powi(b(self), 2 + self.rng.below(2) as i32),
            4 => E::ExpSin(b(self)),
            5 => E::LnSq(b(self)),
            6 => E::SqrtSq(b(self)),
            7 => E::Div(b(self), b(self)),
            8 => E::Neg(b(self)),
            9 if depth >= 2 => self.if_chain(depth - 1),
            10 => E::Bin('-', b(self), b(self)),
            11 | 12 => E::Bin('*', b(self), b(self)),
            _ => E::Bin('+', b(self), b(self)),
        }
    }

    fn cond(&mut self, depth: usize) -> Cond {
        let op = ["<", ">", "<=", ">="][self.rng.below(4)];
        let rhs = if self.rng.below(2) == 0 {
            E::Lit(self.rng.lit(-1.5, 1.5))
        } else {
            self.expr(depth.min(1))
        };
        Cond(self.expr(depth.min(2)), op, rhs)
    }

    /// An `else if` chain of 1..=6 tests, or nested `if`s in the `then`
    /// side.
    fn if_chain(&mut self, depth: usize) -> E {
        if self.rng.below(3) == 0 {
            // Nested: if c { if c' { .. } else { .. } } else { .. }.
            let levels = 1 + self.rng.below(4);
            let mut inner = self.expr(depth);
            for _ in 0..levels {
                let c = self.cond(depth);
                let other = self.expr(depth);
                inner = E::If(vec![(c, inner)], Box::new(other));
            }
            return inner;
        }
        let n = 1 + self.rng.below(6);
        let arms = (0..n)
            .map(|_| (self.cond(depth), self.expr(depth)))
            .collect();
        E::If(arms, Box::new(self.expr(depth)))
    }
}

fn lit(x: f64, dual: bool) -> String {
    // Typed: a literal may be a method's receiver (`(0.5f64).sin()`).
    let s = format!("{x:?}f64");
    if dual {
        format!("D::c({s})")
    } else if x < 0.0 {
        format!("({s})")
    } else {
        s
    }
}

fn render(e: &E, dual: bool) -> String {
    let r = |x: &E| render(x, dual);
    match e {
        E::Var(n) => n.clone(),
        E::Lit(x) => lit(*x, dual),
        E::Method(m, a) => format!("({}).{m}()", r(a)),
        E::Powi(a, k) => format!("({}).powi({k})", r(a)),
        E::ExpSin(a) => format!("({}).sin().exp()", r(a)),
        E::LnSq(a) => {
            let a = r(a);
            format!("({a} * {a} + {}).ln()", lit(1.0, dual))
        }
        E::SqrtSq(a) => {
            let a = r(a);
            format!("({a} * {a} + {}).sqrt()", lit(0.25, dual))
        }
        E::Bin(op, a, b) => format!("({} {op} {})", r(a), r(b)),
        E::Div(a, b) => {
            let b = r(b);
            format!("({} / ({} + {b} * {b}))", r(a), lit(1.0, dual))
        }
        E::Neg(a) => format!("(-{})", r(a)),
        E::If(arms, last) => {
            let mut s = String::from("(");
            for (k, (Cond(a, op, b), v)) in arms.iter().enumerate() {
                if k > 0 {
                    s.push_str(" else ");
                }
                let _ = write!(s, "if {} {op} {} {{ {} }}", r(a), r(b), r(v));
            }
            let _ = write!(s, " else {{ {} }})", r(last));
            s
        }
    }
}

enum Stmt {
    Let(String, E),
    /// `let mut acc = init; for _ in 0..k { acc = step; }`.
    Loop(String, E, usize, E),
    /// `let mut s = init; if c { s = a; } else if .. { s = b; }`.
    IfAssign(String, E, Vec<(Cond, E)>, Option<E>),
}

fn render_stmt(s: &Stmt, dual: bool) -> String {
    let r = |x: &E| render(x, dual);
    match s {
        Stmt::Let(n, e) => format!("    let {n} = {};\n", r(e)),
        Stmt::Loop(n, init, k, step) => format!(
            "    let mut {n} = {};\n    for _ in 0..{k} {{\n        {n} = {};\n    }}\n",
            r(init),
            r(step)
        ),
        Stmt::IfAssign(n, init, arms, last) => {
            let mut s = format!("    let mut {n} = {};\n    ", r(init));
            for (k, (Cond(a, op, b), v)) in arms.iter().enumerate() {
                if k > 0 {
                    s.push_str(" else ");
                }
                let _ = write!(
                    s,
                    "if {} {op} {} {{\n        {n} = {};\n    }}",
                    r(a),
                    r(b),
                    r(v)
                );
            }
            if let Some(v) = last {
                let _ = write!(s, " else {{\n        {n} = {};\n    }}", r(v));
            }
            s.push('\n');
            s
        }
    }
}

struct Case {
    params: Vec<String>,
    stmts: Vec<Stmt>,
    tail: E,
}

fn case(rng: &mut Rng) -> Case {
    let np = 1 + rng.below(3);
    let mut pool: Vec<&str> = NAMES.to_vec();
    let mut params: Vec<String> = Vec::new();
    for _ in 0..np {
        params.push(pool.swap_remove(rng.below(pool.len())).to_string());
    }
    // Often a parameter and its tangent's generated name (`x`, `x_dot`).
    if np < 3 && rng.below(3) == 0 {
        let dot = format!("{}_dot", params[0]);
        pool.retain(|n| *n != dot);
        params.push(dot);
    }
    let np = params.len();
    let _ = np;
    let mut g = Gen {
        rng,
        vars: params.clone(),
    };
    let mut stmts = Vec::new();
    for _ in 0..g.rng.below(4) {
        // A fresh name, or (sometimes) shadowing a parameter.
        let name = if g.rng.below(5) == 0 {
            params[g.rng.below(params.len())].clone()
        } else {
            pool.swap_remove(g.rng.below(pool.len())).to_string()
        };
        let depth = 1 + g.rng.below(3);
        let s = match g.rng.below(4) {
            0 => {
                let init = g.expr(depth);
                g.vars.push(name.clone());
                let step = g.expr(depth);
                g.vars.pop();
                // The carried value stays bounded: a contraction of it
                // plus a bounded term.
                let step = E::Bin(
                    '+',
                    Box::new(E::Bin(
                        '*',
                        Box::new(E::Lit(0.5)),
                        Box::new(E::Var(name.clone())),
                    )),
                    Box::new(E::Method("tanh", Box::new(step))),
                );
                Stmt::Loop(name.clone(), init, 1 + g.rng.below(4), step)
            }
            1 => {
                let init = g.expr(depth);
                let n = 1 + g.rng.below(4);
                g.vars.push(name.clone());
                let arms = (0..n).map(|_| (g.cond(depth), g.expr(depth))).collect();
                let last = if g.rng.below(2) == 0 {
                    Some(g.expr(depth))
                } else {
                    None
                };
                g.vars.pop();
                Stmt::IfAssign(name.clone(), init, arms, last)
            }
            _ => Stmt::Let(name.clone(), g.expr(depth)),
        };
        stmts.push(s);
        if !g.vars.contains(&name) {
            g.vars.push(name);
        }
    }
    let tail = if g.rng.below(3) == 0 {
        g.if_chain(2)
    } else {
        g.expr(3)
    };
    Case {
        params,
        stmts,
        tail,
    }
}

fn body(c: &Case, dual: bool) -> String {
    let mut s = String::new();
    for st in &c.stmts {
        s.push_str(&render_stmt(st, dual));
    }
    let _ = writeln!(s, "    {}", render(&c.tail, dual));
    s
}

fn emit(out: &mut String, k: usize, c: &Case, rng: &mut Rng) {
    let np = c.params.len();
    let decl = |ty: &str| {
        c.params
            .iter()
            .map(|p| format!("{p}: {ty}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let plain_body = body(c, false);
    let dual_body = body(c, true);
    let allow = "#[allow(unused_parens, unused_mut, unused_variables, unused_assignments, non_snake_case, clippy::all)]";
    let argnums = if np == 1 {
        String::new()
    } else {
        format!(
            "(argnums = ({}))",
            (0..np)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let _ = write!(
        out,
        "{allow}\npub fn case_{k}_plain({}) -> f64 {{\n{plain_body}}}\n\n\
         {allow}\npub fn case_{k}_dual({}) -> D {{\n{dual_body}}}\n\n\
         #[jit]\n#[grad{argnums}]\n#[vmap]\n{allow}\npub fn case_{k}({}) -> f64 {{\n{plain_body}}}\n\n",
        decl("f64"),
        decl("D"),
        decl("f64"),
    );
    // Points and a tangent direction.
    let pts: Vec<Vec<f64>> = (0..4)
        .map(|_| (0..np).map(|_| rng.lit(-2.0, 2.0)).collect())
        .collect();
    let dir: Vec<f64> = (0..np).map(|_| rng.lit(-1.0, 1.0)).collect();
    let show = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let args = (0..np)
        .map(|i| format!("p[{i}]"))
        .collect::<Vec<_>>()
        .join(", ");
    let tuple = |xs: &str| {
        if np == 1 {
            format!("({xs},)")
        } else {
            format!("({xs})")
        }
    };
    let grads = if np == 1 {
        format!("[case_{k}::grad({args})]")
    } else {
        let g = (0..np)
            .map(|i| format!("g.{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("{{ let g = case_{k}::grad({args}); [{g}] }}")
    };
    let duals = (0..np)
        .map(|i| {
            let a = (0..np)
                .map(|j| {
                    if i == j {
                        format!("D::var(p[{j}])")
                    } else {
                        format!("D::c(p[{j}])")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("case_{k}_dual({a}).d")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let dir_duals = (0..np)
        .map(|j| format!("D {{ v: p[{j}], d: dir[{j}] }}"))
        .collect::<Vec<_>>()
        .join(", ");
    let dirs = (0..np)
        .map(|j| format!("dir[{j}]"))
        .collect::<Vec<_>>()
        .join(", ");
    let cols = (0..np)
        .map(|j| format!("Array::from_vec(pts.iter().map(|p| p[{j}]).collect())"))
        .collect::<Vec<_>>();
    let col_refs = (0..np)
        .map(|j| format!("&cols[{j}]"))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = write!(
        out,
        "/// Checks case {k} at its points; the number of points checked.\n\
         pub fn check_case_{k}() -> Result<usize, String> {{\n\
         \x20   let pts: [[f64; {np}]; 4] = [{}];\n\
         \x20   let dir: [f64; {np}] = [{}];\n\
         \x20   let mut checked = 0;\n\
         \x20   for p in &pts {{\n\
         \x20       let want = case_{k}_plain({args});\n\
         \x20       let exact: [f64; {np}] = [{duals}];\n\
         \x20       let along = case_{k}_dual({dir_duals}).d;\n\
         \x20       if !want.is_finite() || want.abs() > 1e12 || exact.iter().any(|g| !g.is_finite() || g.abs() > 1e12) {{\n\
         \x20           continue;\n\
         \x20       }}\n\
         \x20       let at = format!(\"at {{p:?}}\");\n\
         \x20       close(&format!(\"jit {{at}}\"), case_{k}({args}), want, 1e-10)?;\n\
         \x20       let grads: [f64; {np}] = {grads};\n\
         \x20       for (i, (g, e)) in grads.iter().zip(&exact).enumerate() {{\n\
         \x20           close(&format!(\"grad[{{i}}] {{at}}\"), *g, *e, 1e-8)?;\n\
         \x20       }}\n\
         \x20       let (y, dy) = case_{k}::jvp({}, {});\n\
         \x20       close(&format!(\"jvp primal {{at}}\"), y, want, 1e-10)?;\n\
         \x20       close(&format!(\"jvp tangent {{at}}\"), dy, along, 1e-8)?;\n\
         \x20       checked += 1;\n\
         \x20   }}\n\
         \x20   let cols = [{}];\n\
         \x20   let ys = case_{k}::vmap({col_refs});\n\
         \x20   for (r, p) in pts.iter().enumerate() {{\n\
         \x20       let want = case_{k}_plain({args});\n\
         \x20       if want.is_finite() && want.abs() <= 1e12 {{\n\
         \x20           close(&format!(\"vmap row {{r}} at {{p:?}}\"), ys.to_vec()[r], want, 1e-10)?;\n\
         \x20       }}\n\
         \x20   }}\n\
         \x20   Ok(checked)\n\
         }}\n\n",
        pts.iter()
            .map(|p| format!("[{}]", show(p)))
            .collect::<Vec<_>>()
            .join(", "),
        show(&dir),
        tuple(&args),
        tuple(&dirs),
        cols.join(", "),
    );
    let _ = (plain_body, np);
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RJAX_FUZZ_SEED");
    println!("cargo:rerun-if-env-changed=RJAX_FUZZ_CASES");
    let seed: u64 = std::env::var("RJAX_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5AFE_0021);
    let n: usize = std::env::var("RJAX_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let mut rng = Rng(seed);
    let mut out = format!("// Generated by build.rs, seed {seed}, {n} cases.\n\n");
    let mut table = String::new();
    for k in 0..n {
        let c = case(&mut rng);
        emit(&mut out, k, &c, &mut rng);
        let _ = writeln!(
            table,
            "    Case {{ name: \"case_{k}\", check: check_case_{k}, source: {:?} }},",
            format!(
                "fn case_{k}({}) -> f64 {{\n{}}}",
                c.params.join(": f64, ") + ": f64",
                body(&c, false)
            )
        );
    }
    let _ = write!(
        out,
        "/// Every generated case.\n\
         pub const CASES: &[Case] = &[\n{table}];\n"
    );
    let dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    std::fs::write(format!("{dir}/cases.rs"), out).expect("write cases.rs");
}
