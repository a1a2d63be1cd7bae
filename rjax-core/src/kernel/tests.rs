//! Unit tests of the kernel pass on small jaxprs (the golden texts of
//! softmax and layer norm are in tests/golden/kernels_*.txt).

use std::collections::HashSet;

use super::*;
use crate::ir::Jaxpr;

fn sched(text: &str) -> Schedule {
    let j = Jaxpr::parse(text).unwrap();
    j.verify().unwrap();
    let s = schedule(&crate::passes::optimize(&j), &HashSet::new());
    s.jaxpr.verify().unwrap();
    s
}

const SOFTMAX: &str = "{ lambda ; a:f32[n,m]. let
    b:f32[n] = reduce_max[axes=(1,)] a
    c:f32[n,1] = expand_dims[dimensions=(1,)] b
    d:f32[n] = squeeze[dimensions=(1,)] c
    e:f32[n,m] = broadcast_in_dim[broadcast_dimensions=(0,) shape=(n, m)] d
    f:f32[n,m] = sub a e
    g:f32[n,m] = exp f
    h:f32[n] = reduce_sum[axes=(1,)] g
    i:f32[n,1] = expand_dims[dimensions=(1,)] h
    j:f32[n] = squeeze[dimensions=(1,)] i
    k:f32[n,m] = broadcast_in_dim[broadcast_dimensions=(0,) shape=(n, m)] j
    l:f32[n,m] = div g k
  in (l,) }";

#[test]
fn softmax_is_one_kernel_of_three_loops() {
    let s = sched(SOFTMAX);
    println!("{s}");
    assert_eq!(s.kernels.len(), 1);
    let k = &s.kernels[0];
    assert_eq!(k.members.len(), s.jaxpr.eqns.len());
    assert_eq!(k.loops().count(), 3);
    // exp is computed once: saved by the sum's loop, loaded by the last.
    let l: Vec<&Loop> = k.loops().collect();
    assert_eq!(l[1].saves.len(), 1);
    assert_eq!(l[2].loads, l[1].saves);
    assert_eq!(k.reads.len(), 1);
    assert_eq!(k.reads[0].access, Access::FULL.within(&k.space));
}

#[test]
fn column_softmax_reduces_the_outer_axis() {
    let s = sched(
        &SOFTMAX
            .replace("axes=(1,)", "axes=(0,)")
            .replace("dimensions=(1,)", "dimensions=(0,)")
            .replace("f32[n,1]", "f32[1,m]")
            .replace("f32[n]", "f32[m]")
            .replace("broadcast_dimensions=(0,)", "broadcast_dimensions=(1,)"),
    );
    println!("{s}");
    assert_eq!(s.kernels.len(), 1);
    let k = &s.kernels[0];
    assert!(k.space.is_trivial(Group::Outer));
    assert_eq!(k.space.reduced, 0..1);
    assert_eq!(k.loops().count(), 3);
}

#[test]
fn a_full_reduction_is_not_a_row_kernel() {
    let s = sched(
        "{ lambda ; a:f32[n,m]. let
            b:f32[n,m] = exp a
            c:f32[] = reduce_sum[axes=(0, 1)] b
          in (c,) }",
    );
    assert!(s.kernels.is_empty());
}

#[test]
fn a_consumer_that_feeds_the_kernel_back_is_left_out() {
    // d depends on the kernel's b and is read by it through e: the kernel
    // cannot run both before and after d, so e stays outside.
    let s = sched(
        "{ lambda ; a:f32[n,m] w:f32[m,m]. let
            b:f32[n] = reduce_max[axes=(1,)] a
            c:f32[n,m] = broadcast_in_dim[broadcast_dimensions=(0,) shape=(n, m)] b
            d:f32[n,m] = dot_general[dimension_numbers=(([1], [0]), ([], []))] c w
            e:f32[n,m] = sub a d
            f:f32[n] = reduce_sum[axes=(1,)] e
          in (f,) }",
    );
    println!("{s}");
    for k in &s.kernels {
        let dot = s
            .jaxpr
            .eqns
            .iter()
            .position(|e| e.prim == crate::Prim::DotGeneral)
            .unwrap();
        assert!(!k.members.contains(&dot));
    }
    // Each kernel's members are consecutive in the scheduled jaxpr.
    for k in &s.kernels {
        let (a, b) = (k.members[0], *k.members.last().unwrap());
        assert_eq!(k.members.len(), b - a + 1);
    }
}

#[test]
fn a_producer_whose_value_feeds_the_kernel_back_stays_outside() {
    // b is read by the reduction and, through the matmul c, by f: taking
    // b into the kernel would make the kernel need c, computed from b.
    let s = sched(
        "{ lambda ; a:f32[n,m] w:f32[m,m]. let
            b:f32[n,m] = exp a
            c:f32[n,m] = dot_general[dimension_numbers=(([1], [0]), ([], []))] b w
            d:f32[n,m] = mul b c
            e:f32[n] = reduce_sum[axes=(1,)] d
          in (e,) }",
    );
    println!("{s}");
    assert_eq!(s.kernels.len(), 1);
    let exp = s
        .jaxpr
        .eqns
        .iter()
        .position(|e| e.prim == crate::Prim::Exp)
        .unwrap();
    assert!(!s.kernels[0].members.contains(&exp));
    assert_eq!(s.kernels[0].reads.len(), 2);
}
