//! Unit tests of the kernel pass on small jaxprs (the golden texts of
//! softmax and layer norm are in tests/golden/kernels_*.txt).

use std::collections::HashSet;

use super::*;
use crate::ir::Jaxpr;

/// The schedule of `text` (optimised), checked against the interpreter:
/// the kernels evaluated as their IR says equal the jaxpr's values.
fn sched(text: &str) -> Schedule {
    let j = Jaxpr::parse(text).unwrap();
    j.verify().unwrap();
    let s = schedule(&crate::passes::optimize(&j), &HashSet::new());
    s.jaxpr.verify().unwrap();
    for sizes in [[3, 5, 4], [1, 1, 1], [2, 1, 7], [7, 2, 1]] {
        let args = inputs(&j, sizes);
        let want = crate::interp::eval_jaxpr(&j, &args).unwrap();
        let got = eval_schedule(&s, &args).unwrap();
        for (a, b) in got.iter().zip(&want) {
            assert_eq!(a.shape, b.shape);
            for (x, y) in a.data.iter().zip(&b.data) {
                assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0), "{x} vs {y}\n{s}");
            }
        }
    }
    s
}

/// Inputs for `j` with n, m, b bound to `sizes`: deterministic values in
/// [-2, 2).
fn inputs(j: &Jaxpr, sizes: [i64; 3]) -> Vec<crate::interp::Tensor> {
    let env: std::collections::HashMap<String, i64> =
        [("n", sizes[0]), ("m", sizes[1]), ("b", sizes[2])]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
    let mut seed = 12345u32;
    j.in_types()
        .iter()
        .map(|t| {
            let shape = t.shape.eval(&env).unwrap();
            let n: usize = shape.iter().product();
            let data = (0..n)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    (seed >> 8) as f64 / (1u32 << 24) as f64 * 4.0 - 2.0
                })
                .collect();
            crate::interp::Tensor::new(t.dtype, shape, data)
                .unwrap()
                .rounded()
        })
        .collect()
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

#[test]
fn three_d_over_the_middle_axis_and_layer_norm_over_the_last() {
    let s = sched(
        "{ lambda ; a:f32[b,n,m]. let
            c:f32[b,m] = reduce_max[axes=(1,)] a
            d:f32[b,n,m] = broadcast_in_dim[broadcast_dimensions=(0, 2) shape=(b, n, m)] c
            e:f32[b,n,m] = sub a d
            f:f32[b,n,m] = exp e
            g:f32[b,m] = reduce_sum[axes=(1,)] f
            h:f32[b,1,m] = expand_dims[dimensions=(1,)] g
            i:f32[b,1,m] = log h
            j:f32[b,n,m] = broadcast_in_dim[broadcast_dimensions=(0, 1, 2) shape=(b, n, m)] i
            k:f32[b,n,m] = sub e j
            l:f32[b,n] = reduce_sum[axes=(2,)] k
            m:f32[b,n,1] = expand_dims[dimensions=(2,)] l
            o:f32[b,n,m] = broadcast_in_dim[broadcast_dimensions=(0, 1, 2) shape=(b, n, m)] m
            p:f32[b,n,m] = sub k o
          in (p, g) }",
    );
    println!("{s}");
    assert_eq!(s.kernels.len(), 2);
    assert!(!s.kernels[0].space.is_trivial(Group::Inner));
    assert!(s.kernels[1].space.is_trivial(Group::Inner));
}

#[test]
fn vectors_along_the_reduced_axes_and_per_row_values_are_reads() {
    // Layer norm's scale g[m], a per-row bias y[n] and a rank-0 scale t.
    let s = sched(
        "{ lambda ; a:f32[n,m] g:f32[m] y:f32[n] t:f32[]. let
            c:f32[n,m] = broadcast_in_dim[broadcast_dimensions=(1,) shape=(n, m)] g
            d:f32[n,m] = mul a c
            e:f32[n,m] = broadcast_in_dim[broadcast_dimensions=(0,) shape=(n, m)] y
            f:f32[n,m] = add d e
            h:f32[n,m] = mul f t
            i:f32[n] = reduce_sum[axes=(1,)] h
            j:f32[n] = mul i y
          in (j,) }",
    );
    println!("{s}");
    assert_eq!(s.kernels.len(), 1);
    let k = &s.kernels[0];
    assert_eq!(k.reads.len(), 3);
    assert_eq!(k.scalars.len(), 1);
    assert_eq!(k.members.len(), s.jaxpr.eqns.len());
}
