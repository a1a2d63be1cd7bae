//! Stages of a fused elementwise loop: where the jit emitter cuts a group
//! holding several transcendentals into short loops over a block.
//!
//! One loop body holding, say, `sin`, `exp` and `tanh` is one long
//! dependency chain per element; the CPU overlaps only as many iterations
//! as its reorder window holds, so the loop is latency-bound. Cut after
//! each transcendental, every stage is a short body the CPU overlaps
//! freely, and the values carried from one stage to a later one live in
//! block-sized buffers that stay in L1 (see `kernels::map_nm_blocks` in
//! rjax-runtime).

use std::collections::HashSet;

use crate::ir::{Jaxpr, Prim, Var};

/// True for the elementwise primitives that cost tens of instructions per
/// element (a range reduction and a polynomial, or a libm call): the
/// table's transcendentals.
pub fn is_transcendental(p: Prim) -> bool {
    p.is_transcendental()
}

/// One stage of a fused loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// Its equations (indices into the jaxpr), in order.
    pub eqns: Vec<usize>,
    /// Values it reads that an earlier stage of the same loop defines.
    pub carried: Vec<Var>,
}

/// Splits the equations of one fused elementwise group (in execution
/// order) into stages, each ending at a transcendental; the equations
/// after the last one join the last stage. A group with fewer than two
/// transcendentals stays one stage (one loop is then as fast).
pub fn loop_stages(j: &Jaxpr, eqns: &[usize]) -> Vec<Stage> {
    let heavy = |i: &usize| is_transcendental(j.eqns[*i].prim);
    let mut cuts: Vec<Vec<usize>> = Vec::new();
    if eqns.iter().filter(|i| heavy(i)).count() < 2 {
        cuts.push(eqns.to_vec());
    } else {
        let mut cur = Vec::new();
        for &i in eqns {
            cur.push(i);
            if heavy(&i) {
                cuts.push(std::mem::take(&mut cur));
            }
        }
        if !cur.is_empty() {
            cuts.last_mut().expect("two cuts at least").extend(cur);
        }
    }
    let mut defined: HashSet<Var> = HashSet::new();
    cuts.into_iter()
        .map(|eqns| {
            let mut carried = Vec::new();
            for &i in &eqns {
                for v in j.eqns[i].inputs.iter().filter_map(|a| a.as_var()) {
                    if defined.contains(&v) && !carried.contains(&v) {
                        carried.push(v);
                    }
                }
            }
            defined.extend(eqns.iter().flat_map(|&i| j.eqns[i].outputs.iter().copied()));
            Stage { eqns, carried }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stages_of(text: &str) -> (Jaxpr, Vec<Stage>) {
        let j = Jaxpr::parse(text).unwrap();
        let all: Vec<usize> = (0..j.eqns.len()).collect();
        let s = loop_stages(&j, &all);
        // The stages partition the equations, in order.
        let flat: Vec<usize> = s.iter().flat_map(|s| s.eqns.clone()).collect();
        assert_eq!(flat, all);
        (j, s)
    }

    #[test]
    fn the_chain_is_cut_after_each_transcendental() {
        let (j, s) = stages_of(
            "{ lambda ; a:f32[n]. let
                b:f32[n] = sin a
                c:f32[n] = mul b 2.0:f32[]
                d:f32[n] = add c 1.0:f32[]
                e:f32[n] = exp d
                f:f32[n] = tanh e
                g:f32[n] = neg f
              in (g,) }",
        );
        let eqns: Vec<Vec<usize>> = s.iter().map(|s| s.eqns.clone()).collect();
        assert_eq!(eqns, vec![vec![0], vec![1, 2, 3], vec![4, 5]]);
        // Stage 2 reads sin's result, stage 3 exp's.
        assert_eq!(s[0].carried, vec![]);
        assert_eq!(s[1].carried, vec![j.eqns[0].outputs[0]]);
        assert_eq!(s[2].carried, vec![j.eqns[3].outputs[0]]);
    }

    #[test]
    fn one_transcendental_stays_one_loop() {
        let (_, s) = stages_of(
            "{ lambda ; a:f32[n] b:f32[n]. let
                c:f32[n] = mul a b
                d:f32[n] = tanh c
                e:f32[n] = sub 1.0:f32[] d
              in (e,) }",
        );
        assert_eq!(s.len(), 1);
        assert!(s[0].carried.is_empty());
    }

    #[test]
    fn values_used_two_stages_later_are_carried_there() {
        let (j, s) = stages_of(
            "{ lambda ; a:f32[n]. let
                b:f32[n] = mul a 2.0:f32[]
                c:f32[n] = sin b
                d:f32[n] = cos b
                e:f32[n] = mul c d
                f:f32[n] = add e b
              in (f,) }",
        );
        let eqns: Vec<Vec<usize>> = s.iter().map(|s| s.eqns.clone()).collect();
        assert_eq!(eqns, vec![vec![0, 1], vec![2, 3, 4]]);
        let (b, c) = (j.eqns[0].outputs[0], j.eqns[1].outputs[0]);
        // cos and the last add read b, the mul reads c: each carried once.
        assert_eq!(s[1].carried, vec![b, c]);
    }
}
