//! Collectives in annotated bodies: `psum(x, "data")`, `pmean`, `pmax`,
//! `pmin`, `all_gather`, `all_gather_tiled(x, "data", dim)`,
//! `psum_scatter`, `psum_scatter_tiled`, `ppermute(x, "data", &[(0, 1),
//! (1, 0)])` and `axis_index("data")` (mesh axes as a string literal or a
//! list of them) — the names and arguments of
//! `rjax::sharding`'s functions, so the primal stays valid Rust. They
//! lower to rjax-core's collective primitives; `pmean` is `psum` divided
//! by `psum 1.0`, the axis size, as in JAX.
//!
//! The axis names and other constant arguments are read from the syn
//! tree by `front::collective`; only the operand is an expression of the
//! body.

use proc_macro2::Span;
use rjax_core::rules::collectives::{names_param, perm_param, size_of};
use rjax_core::{Atom, Param, Params, ParamsExt, Prim};

use super::{LResult, Lowerer, Value};
use crate::front::ast::Expr;
use crate::front::collective::Coll;

impl Coll {
    fn names_param(&self) -> Param {
        let axes: Vec<&str> = self.axes.iter().map(String::as_str).collect();
        names_param(&axes)
    }

    /// `all_gather` / `reduce_scatter` params.
    fn gather_params(&self, dim_key: &str, tiled: bool) -> Params {
        let names: Vec<String> = self.axes.iter().map(|s| s.to_string()).collect();
        Params::from_pairs([
            ("axis_name", self.names_param()),
            (dim_key, Param::int(self.dim as i64)),
            ("axis_size", Param::Dim(size_of(&names))),
            ("tiled", Param::Bool(tiled)),
        ])
    }
}

impl Lowerer<'_> {
    /// Lowers a collective call; `args` holds the operand (if any).
    pub(crate) fn collective(&mut self, c: &Coll, args: &[Expr], span: Span) -> LResult<Value> {
        let axes = Params::from_pairs([("axes", c.names_param())]);
        if c.name == "axis_index" {
            let p = Params::from_pairs([("axis_name", c.names_param())]);
            let r = self.b.eqn1(Prim::AxisIndex, p, &[]);
            return Ok(Value::Atom(self.core(r, span)?));
        }
        let v = self.expr(&args[0])?;
        let x = self.atom(v, args[0].span)?;
        let r: rjax_core::Result<Atom> = (|| match c.name {
            "psum" => self.b.eqn1(Prim::Psum, axes, &[x]),
            "pmax" => self.b.eqn1(Prim::Pmax, axes, &[x]),
            "pmin" => self.b.eqn1(Prim::Pmin, axes, &[x]),
            "pmean" => {
                let dt = self.b.dtype(x);
                if !dt.is_float() {
                    return Err(rjax_core::Error::shape(
                        "pmean",
                        format!("needs a floating operand, got {}", self.b.ty(x)),
                    ));
                }
                let s = self.b.eqn1(Prim::Psum, axes.clone(), &[x])?;
                // The group size, as JAX computes it: psum of 1.
                let one = self.b.lit(1.0, dt);
                let n = self.b.eqn1(Prim::Psum, axes, &[one])?;
                self.b.div(s, n)
            }
            "all_gather" | "all_gather_tiled" => {
                let p = c.gather_params("all_gather_dimension", c.name == "all_gather_tiled");
                self.b.eqn1(Prim::AllGather, p, &[x])
            }
            "psum_scatter" | "psum_scatter_tiled" => {
                let p = c.gather_params("scatter_dimension", c.name == "psum_scatter_tiled");
                self.b.eqn1(Prim::ReduceScatter, p, &[x])
            }
            "ppermute" => {
                let p = Params::from_pairs([
                    ("axis_name", c.names_param()),
                    ("perm", perm_param(&c.perm)),
                ]);
                self.b.eqn1(Prim::Ppermute, p, &[x])
            }
            other => Err(rjax_core::Error::invalid(format!(
                "`{other}` is not a collective"
            ))),
        })();
        Ok(Value::Atom(self.core(r, span)?))
    }
}
