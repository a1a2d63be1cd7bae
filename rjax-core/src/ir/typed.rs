//! Params with structure, read and written in one place: the builder, the
//! rules, the passes and rjax-macros' emitter all go through these types
//! (never through `Param` trees by hand), so a malformed param is an
//! error naming the primitive, not a silent default.

use super::dim::DimExpr;
use super::params::{Param, Params, ParamsExt};
use crate::error::{Error, Result};

/// `dimension_numbers` as a tuple: ((lhs contract, rhs contract), (lhs
/// batch, rhs batch)).
pub type DimNums = ((Vec<usize>, Vec<usize>), (Vec<usize>, Vec<usize>));

/// The params of `dot_general`, printed as JAX does:
/// `dimension_numbers=(([1], [0]), ([], []))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotGeneralParams {
    /// Contracted axes of (lhs, rhs), pairwise.
    pub contract: (Vec<usize>, Vec<usize>),
    /// Batch axes of (lhs, rhs), pairwise.
    pub batch: (Vec<usize>, Vec<usize>),
}

impl DotGeneralParams {
    /// From slices of axes.
    pub fn new(contract: (&[usize], &[usize]), batch: (&[usize], &[usize])) -> Self {
        DotGeneralParams {
            contract: (contract.0.to_vec(), contract.1.to_vec()),
            batch: (batch.0.to_vec(), batch.1.to_vec()),
        }
    }

    /// Reads an equation's params.
    pub fn read(p: &Params) -> Result<Self> {
        let bad = || Error::invalid("dot_general: bad `dimension_numbers`");
        let pairs = |q: &Param| -> Result<(Vec<usize>, Vec<usize>)> {
            let axes = |r: &Param| -> Result<Vec<usize>> {
                r.elems()
                    .ok_or_else(bad)?
                    .iter()
                    .map(|x| match x.as_int() {
                        Some(i) if i >= 0 => Ok(i as usize),
                        _ => Err(bad()),
                    })
                    .collect()
            };
            match q.elems().ok_or_else(bad)? {
                [a, b] => Ok((axes(a)?, axes(b)?)),
                _ => Err(bad()),
            }
        };
        match p
            .get("dimension_numbers")
            .and_then(Param::elems)
            .ok_or_else(bad)?
        {
            [c, b] => Ok(DotGeneralParams {
                contract: pairs(c)?,
                batch: pairs(b)?,
            }),
            _ => Err(bad()),
        }
    }

    /// As params.
    pub fn params(&self) -> Params {
        let l = |v: &[usize]| Param::List(v.iter().map(|&x| Param::int(x as i64)).collect());
        Params::from_pairs([(
            "dimension_numbers",
            Param::Tuple(vec![
                Param::Tuple(vec![l(&self.contract.0), l(&self.contract.1)]),
                Param::Tuple(vec![l(&self.batch.0), l(&self.batch.1)]),
            ]),
        )])
    }

    /// As the tuple `((lc, rc), (lb, rb))`.
    pub fn nums(self) -> DimNums {
        (self.contract, self.batch)
    }
}

/// One axis of a `pad`: (low, high, interior) padding; low and high may
/// be negative (a pad that crops).
pub type PadDim = (DimExpr, DimExpr, DimExpr);

/// The params of `pad`: `padding_config=((lo, hi, interior), ...)`.
#[derive(Clone, Debug, PartialEq)]
pub struct PadConfig(pub Vec<PadDim>);

impl PadConfig {
    /// Reads an equation's params.
    pub fn read(p: &Params) -> Result<Self> {
        let bad =
            || Error::invalid("pad: parameter `padding_config` must be ((lo, hi, interior), ...)");
        let v = p
            .get("padding_config")
            .and_then(Param::elems)
            .ok_or_else(bad)?;
        v.iter()
            .map(|e| match e.elems().ok_or_else(bad)? {
                [l, h, i] => Ok((
                    l.as_dim().ok_or_else(bad)?,
                    h.as_dim().ok_or_else(bad)?,
                    i.as_dim().ok_or_else(bad)?,
                )),
                _ => Err(bad()),
            })
            .collect::<Result<_>>()
            .map(PadConfig)
    }

    /// As params.
    pub fn params(&self) -> Params {
        let cfg = Param::Tuple(
            self.0
                .iter()
                .map(|(l, h, i)| {
                    Param::Tuple(vec![
                        Param::Dim(l.clone()),
                        Param::Dim(h.clone()),
                        Param::Dim(i.clone()),
                    ])
                })
                .collect(),
        );
        Params::from_pairs([("padding_config", cfg)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_general_params_round_trip_through_text() {
        let d = DotGeneralParams::new((&[1], &[0]), (&[], &[]));
        let p = d.params();
        assert_eq!(DotGeneralParams::read(&p).unwrap(), d);
        let j: crate::Jaxpr = "{ lambda ; a:f32[2,3] b:f32[3,4]. let
            c:f32[2,4] = dot_general[dimension_numbers=(([1], [0]), ([], []))] a b
          in (c,) }"
            .parse()
            .unwrap();
        assert_eq!(DotGeneralParams::read(&j.eqns[0].params).unwrap(), d);
    }

    #[test]
    fn malformed_params_are_errors_naming_the_primitive() {
        let p = Params::from_pairs([("dimension_numbers", Param::ints(&[1, 0]))]);
        let e = DotGeneralParams::read(&p).unwrap_err().to_string();
        assert!(e.contains("dot_general"), "{e}");
        let p = Params::from_pairs([("padding_config", Param::ints(&[1, 0, 0]))]);
        let e = PadConfig::read(&p).unwrap_err().to_string();
        assert!(e.contains("pad"), "{e}");
        let c = PadConfig(vec![(
            DimExpr::Const(-1),
            DimExpr::Const(2),
            DimExpr::Const(0),
        )]);
        assert_eq!(PadConfig::read(&c.params()).unwrap(), c);
    }
}
