#[doc(hidden)]
#[allow(non_upper_case_globals)]
static __RJAX_JIT_CACHE_softmax: ::rjax::runtime::jit::SigCache = ::rjax::runtime::jit::SigCache::new(
    "softmax",
);
#[allow(dead_code)]
#[allow(unused_variables, unused_mut, unused_parens, unused_braces, clippy::all)]
fn softmax(x: &Array<f32>) -> Array<f32> {
    let __rjax_sig = [::rjax::runtime::jit::ArgSig::new(x.shape(), "f32")];
    if __RJAX_JIT_CACHE_softmax.enter(&__rjax_sig) {
        ::core::assert!(
            x.ndim() == 2usize,
            "softmax: `x` must have rank 2 (inferred at compile time; annotate `#[rank(k)] x` to choose another), got shape {:?}",
            x.shape()
        );
        __RJAX_JIT_CACHE_softmax.commit(&__rjax_sig);
    }
    let dim_n: usize = x.shape()[0usize];
    let dim_m: usize = x.shape()[1usize];
    let a: ::rjax::Array<f32> = x.clone();
    let (h,): (::rjax::Array<f32>,) = {
        let __k_outer: usize = dim_n;
        let __k_red: usize = dim_m;
        let __k_inner: usize = 1usize;
        ::core::assert!(
            a.shape() == [dim_n, dim_m],
            "reduce_max: operand shape {:?} differs from the expected {:?}", a.shape(),
            [dim_n, dim_m]
        );
        let __k_s_a = a.as_slice();
        let mut __k_out0 = ::rjax::runtime::jit::buffer::<f32>(None, &[dim_n, dim_m]);
        ::rjax::runtime::jit::grid::<
            f32,
            _,
            1usize,
            _,
            _,
        >(
            ::rjax::runtime::jit::Grid {
                outer: __k_outer,
                reduced: __k_red,
                inner: __k_inner,
            },
            [(__k_out0.as_mut_slice(), true)],
            || (::std::vec![< f32 as ::core::default::Default > ::default(); __k_red],),
            #[inline(always)]
            move |
                __k_state: &mut _,
                __k_o: usize,
                __k_i0: usize,
                __k_i1: usize,
                [mut __k_w0,
                ]: [::rjax::runtime::jit::Block<'_, f32>; 1usize]|
            {
                let (__k_c_e,) = __k_state;
                let __k_r_a = &__k_s_a[__k_o * __k_red..][..__k_red];
                let __k_c_e = &mut __k_c_e[..__k_red];
                let __k_f0 = &mut __k_w0.flat()[..__k_red];
                let mut __k_acc_b: [f32; ::rjax::runtime::jit::LANES] = [f32::NEG_INFINITY; ::rjax::runtime::jit::LANES];
                let __k_full = __k_red / ::rjax::runtime::jit::LANES
                    * ::rjax::runtime::jit::LANES;
                let mut __k_r0 = 0usize;
                while __k_r0 < __k_full {
                    let __k_r_a_ch = &__k_r_a[__k_r0..__k_r0
                        + ::rjax::runtime::jit::LANES];
                    for __k_l in 0..::rjax::runtime::jit::LANES {
                        let a: f32 = __k_r_a_ch[__k_l];
                        __k_acc_b[__k_l] = if __k_acc_b[__k_l].is_nan()
                            || __k_acc_b[__k_l] > a
                        {
                            __k_acc_b[__k_l]
                        } else {
                            a
                        };
                    }
                    __k_r0 += ::rjax::runtime::jit::LANES;
                }
                let mut b: f32 = f32::NEG_INFINITY;
                for __k_a in __k_acc_b {
                    b = if b.is_nan() || b > __k_a { b } else { __k_a };
                }
                for __k_r in __k_full..__k_red {
                    let a: f32 = __k_r_a[__k_r];
                    b = if b.is_nan() || b > a { b } else { a };
                }
                let mut __k_acc_f: [f32; ::rjax::runtime::jit::LANES] = [0f32; ::rjax::runtime::jit::LANES];
                let __k_full = __k_red / ::rjax::runtime::jit::LANES
                    * ::rjax::runtime::jit::LANES;
                let mut __k_r0 = 0usize;
                while __k_r0 < __k_full {
                    let __k_r_a_ch = &__k_r_a[__k_r0..__k_r0
                        + ::rjax::runtime::jit::LANES];
                    let __k_c_e_ch = &mut __k_c_e[__k_r0..__k_r0
                        + ::rjax::runtime::jit::LANES];
                    for __k_l in 0..::rjax::runtime::jit::LANES {
                        let a: f32 = __k_r_a_ch[__k_l];
                        let c: f32 = b;
                        let d: f32 = a - c;
                        let e: f32 = ::rjax::runtime::kernels::FastMath::fast_exp(d);
                        __k_c_e_ch[__k_l] = e;
                        __k_acc_f[__k_l] = __k_acc_f[__k_l] + e;
                    }
                    __k_r0 += ::rjax::runtime::jit::LANES;
                }
                let mut f: f32 = 0f32;
                for __k_a in __k_acc_f {
                    f = f + __k_a;
                }
                for __k_r in __k_full..__k_red {
                    let a: f32 = __k_r_a[__k_r];
                    let c: f32 = b;
                    let d: f32 = a - c;
                    let e: f32 = ::rjax::runtime::kernels::FastMath::fast_exp(d);
                    __k_c_e[__k_r] = e;
                    f = f + e;
                }
                for __k_r in 0..__k_red {
                    let e: f32 = __k_c_e[__k_r];
                    let g: f32 = f;
                    let h: f32 = e / g;
                    __k_f0[__k_r] = h;
                }
            },
        );
        (__k_out0,)
    };
    let (__ret_0,) = (h,);
    __ret_0
}
///Companions of the function of the same name: generated by rjax.
#[allow(
    dead_code,
    unused_variables,
    unused_mut,
    unused_imports,
    unused_macros,
    unused_parens,
    non_snake_case,
    clippy::all
)]
mod softmax {
    use super::*;
    /// The jaxpr of the function, with symbolic dimensions.
    pub fn jaxpr() -> ::rjax::core::Jaxpr {
        ::rjax::core::Jaxpr::parse(
                "{ lambda ; a:f32[n,m]. let\n    b:f32[n] = reduce_max[axes=(1,)] a\n    c:f32[n,1] = expand_dims[dimensions=(1,)] b\n    d:f32[n] = squeeze[dimensions=(1,)] c\n    e:f32[n,m] = broadcast_in_dim[broadcast_dimensions=(0,) shape=(n, m)] d\n    f:f32[n,m] = sub a e\n    g:f32[n,m] = exp f\n    h:f32[n] = reduce_sum[axes=(1,)] g\n    i:f32[n,1] = expand_dims[dimensions=(1,)] h\n    j:f32[n] = squeeze[dimensions=(1,)] i\n    k:f32[n,m] = broadcast_in_dim[broadcast_dimensions=(0,) shape=(n, m)] j\n    l:f32[n,m] = div g k\n  in (l,) }",
            )
            .expect("rjax: the jaxpr printed at compile time parses")
    }
    /// The jaxpr for these arguments' shapes.
    pub fn make_jaxpr(x: &Array<f32>) -> ::rjax::core::Jaxpr {
        ::core::assert!(
            x.ndim() == 2usize,
            "softmax: `x` must have rank 2 (inferred at compile time; annotate `#[rank(k)] x` to choose another), got shape {:?}",
            x.shape()
        );
        let dim_n: usize = x.shape()[0usize];
        let dim_m: usize = x.shape()[1usize];
        ::rjax::__private::specialize(&jaxpr(), &[("n", dim_n), ("m", dim_m)])
    }
    #[doc(hidden)]
    pub fn grad<'a, A>(_: A) -> !
    where
        &'a (): ::rjax::__private::ScalarOutput,
    {
        ::core::unreachable!()
    }
    ///Jacobian of the (first) output with respect to the first of `argnums`: shape out ++ in.
    pub fn jacobian(x: &Array<f32>) -> ::rjax::Array<f32> {
        ::core::assert!(
            x.ndim() == 2usize,
            "softmax: `x` must have rank 2 (inferred at compile time; annotate `#[rank(k)] x` to choose another), got shape {:?}",
            x.shape()
        );
        let dim_n: usize = x.shape()[0usize];
        let dim_m: usize = x.shape()[1usize];
        let a: ::rjax::Array<f32> = x.clone();
        let b: ::rjax::Array<f32> = ::rjax::runtime::lax::reduce_max(&a, &[1usize]);
        let c: ::rjax::Array<f32> = ::rjax::runtime::lax::broadcast_in_dim(
            &b,
            &[dim_n, dim_m],
            &[0usize],
        );
        let (e,): (::rjax::Array<f32>,) = {
            ::core::assert!(
                c.shape() == a.shape(), "eq: shapes {:?} and {:?} differ", a.shape(), c
                .shape()
            );
            let mut __out0 = ::rjax::runtime::jit::buffer::<f32>(None, a.shape());
            ::rjax::runtime::kernels::map_nm(
                [a.as_slice(), c.as_slice()],
                [__out0.as_mut_slice()],
                #[inline(always)]
                move |[a, c]: [f32; 2usize]| -> [f32; 1usize] {
                    let d: bool = a == c;
                    let e: f32 = if d { 1f32 } else { 0 as f32 };
                    [e]
                },
            );
            (__out0,)
        };
        let f: ::rjax::Array<f32> = ::rjax::runtime::lax::reduce_sum(&e, &[1usize]);
        let (h,): (::rjax::Array<f32>,) = {
            ::core::assert!(
                c.shape() == a.shape(), "sub: shapes {:?} and {:?} differ", a.shape(), c
                .shape()
            );
            let mut __out0 = ::rjax::runtime::jit::buffer::<f32>(None, a.shape());
            ::rjax::runtime::kernels::map_nm(
                [a.as_slice(), c.as_slice()],
                [__out0.as_mut_slice()],
                #[inline(always)]
                move |[a, c]: [f32; 2usize]| -> [f32; 1usize] {
                    let g: f32 = a - c;
                    let h: f32 = ::rjax::runtime::kernels::FastMath::fast_exp(g);
                    [h]
                },
            );
            (__out0,)
        };
        let i: ::rjax::Array<f32> = ::rjax::runtime::lax::reduce_sum(&h, &[1usize]);
        let j: ::rjax::Array<f32> = ::rjax::runtime::lax::broadcast_in_dim(
            &i,
            &[dim_n, dim_m],
            &[0usize],
        );
        let (m,): (::rjax::Array<f32>,) = {
            ::core::assert!(
                j.shape() == h.shape(), "div: shapes {:?} and {:?} differ", h.shape(), j
                .shape()
            );
            let mut __out0 = ::rjax::runtime::jit::buffer::<f32>(None, h.shape());
            ::rjax::runtime::kernels::map_nm(
                [h.as_slice(), j.as_slice()],
                [__out0.as_mut_slice()],
                #[inline(always)]
                move |[h, j]: [f32; 2usize]| -> [f32; 1usize] {
                    let k: f32 = h / j;
                    let l: f32 = k / j;
                    let m: f32 = -l;
                    [m]
                },
            );
            (__out0,)
        };
        let n: ::rjax::Array<i32> = ::rjax::runtime::lax::iota::<
            i32,
        >(
            &[
                ::rjax::__private::dim_size(
                    ::core::option::Option::Some(dim_m as i64)
                        .zip(::core::option::Option::Some(dim_n as i64))
                        .and_then(|(x, y)| x.checked_mul(y)),
                ),
                ::rjax::__private::dim_size(
                    ::core::option::Option::Some(dim_m as i64)
                        .zip(::core::option::Option::Some(dim_n as i64))
                        .and_then(|(x, y)| x.checked_mul(y)),
                ),
            ],
            0usize,
        );
        let o: ::rjax::Array<i32> = ::rjax::runtime::lax::iota::<
            i32,
        >(
            &[
                ::rjax::__private::dim_size(
                    ::core::option::Option::Some(dim_m as i64)
                        .zip(::core::option::Option::Some(dim_n as i64))
                        .and_then(|(x, y)| x.checked_mul(y)),
                ),
                ::rjax::__private::dim_size(
                    ::core::option::Option::Some(dim_m as i64)
                        .zip(::core::option::Option::Some(dim_n as i64))
                        .and_then(|(x, y)| x.checked_mul(y)),
                ),
            ],
            1usize,
        );
        let (q,): (::rjax::Array<f32>,) = {
            ::core::assert!(
                o.shape() == n.shape(), "eq: shapes {:?} and {:?} differ", n.shape(), o
                .shape()
            );
            let mut __out0 = ::rjax::runtime::jit::buffer::<f32>(None, n.shape());
            ::rjax::runtime::kernels::map_nm(
                [n.as_slice(), o.as_slice()],
                [__out0.as_mut_slice()],
                #[inline(always)]
                move |[n, o]: [i32; 2usize]| -> [f32; 1usize] {
                    let p: bool = n == o;
                    let q: f32 = if p { 1f32 } else { 0 as f32 };
                    [q]
                },
            );
            (__out0,)
        };
        let r: ::rjax::Array<f32> = ::rjax::runtime::lax::reshape(
            &q,
            &[
                ::rjax::__private::dim_size(
                    ::core::option::Option::Some(dim_m as i64)
                        .zip(::core::option::Option::Some(dim_n as i64))
                        .and_then(|(x, y)| x.checked_mul(y)),
                ),
                dim_n,
                dim_m,
            ],
        );
        let s: ::rjax::Array<f32> = ::rjax::runtime::lax::broadcast_in_dim(
            &m,
            &[
                ::rjax::__private::dim_size(
                    ::core::option::Option::Some(dim_m as i64)
                        .zip(::core::option::Option::Some(dim_n as i64))
                        .and_then(|(x, y)| x.checked_mul(y)),
                ),
                dim_n,
                dim_m,
            ],
            &[1usize, 2usize],
        );
        let u: ::rjax::Array<f32> = ::rjax::runtime::lax::broadcast_in_dim(
            &j,
            &[
                ::rjax::__private::dim_size(
                    ::core::option::Option::Some(dim_m as i64)
                        .zip(::core::option::Option::Some(dim_n as i64))
                        .and_then(|(x, y)| x.checked_mul(y)),
                ),
                dim_n,
                dim_m,
            ],
            &[1usize, 2usize],
        );
        let (t,): (::rjax::Array<f32>,) = {
            ::core::assert!(
                s.shape() == r.shape(), "mul: shapes {:?} and {:?} differ", r.shape(), s
                .shape()
            );
            let mut __out0 = ::rjax::runtime::jit::buffer::<f32>(None, r.shape());
            ::rjax::runtime::kernels::map_nm(
                [r.as_slice(), s.as_slice()],
                [__out0.as_mut_slice()],
                #[inline(always)]
                move |[r, s]: [f32; 2usize]| -> [f32; 1usize] {
                    let t: f32 = r * s;
                    [t]
                },
            );
            (__out0,)
        };
        let w: ::rjax::Array<f32> = ::rjax::runtime::lax::reduce_sum(&t, &[2usize]);
        let x: ::rjax::Array<f32> = ::rjax::runtime::lax::broadcast_in_dim(
            &w,
            &[
                ::rjax::__private::dim_size(
                    ::core::option::Option::Some(dim_m as i64)
                        .zip(::core::option::Option::Some(dim_n as i64))
                        .and_then(|(x, y)| x.checked_mul(y)),
                ),
                dim_n,
                dim_m,
            ],
            &[0usize, 1usize],
        );
        let z: ::rjax::Array<f32> = ::rjax::runtime::lax::broadcast_in_dim(
            &h,
            &[
                ::rjax::__private::dim_size(
                    ::core::option::Option::Some(dim_m as i64)
                        .zip(::core::option::Option::Some(dim_n as i64))
                        .and_then(|(x, y)| x.checked_mul(y)),
                ),
                dim_n,
                dim_m,
            ],
            &[1usize, 2usize],
        );
        let (ba, bb): (::rjax::Array<f32>, ::rjax::Array<f32>) = {
            ::core::assert!(
                u.shape() == r.shape(), "div: shapes {:?} and {:?} differ", r.shape(), u
                .shape()
            );
            ::core::assert!(
                x.shape() == r.shape(), "div: shapes {:?} and {:?} differ", r.shape(), x
                .shape()
            );
            ::core::assert!(
                z.shape() == r.shape(), "div: shapes {:?} and {:?} differ", r.shape(), z
                .shape()
            );
            let mut __out0 = ::rjax::runtime::jit::buffer::<f32>(None, r.shape());
            let mut __out1 = ::rjax::runtime::jit::buffer::<f32>(None, r.shape());
            ::rjax::runtime::kernels::map_nm(
                [r.as_slice(), u.as_slice(), x.as_slice(), z.as_slice()],
                [__out0.as_mut_slice(), __out1.as_mut_slice()],
                #[inline(always)]
                move |[r, u, x, z]: [f32; 4usize]| -> [f32; 2usize] {
                    let v: f32 = r / u;
                    let y: f32 = v + x;
                    let ba: f32 = y * z;
                    let bb: f32 = -ba;
                    [ba, bb]
                },
            );
            (__out0, __out1)
        };
        let bc: ::rjax::Array<f32> = ::rjax::runtime::lax::reduce_sum(&bb, &[2usize]);
        let bd: ::rjax::Array<f32> = ::rjax::runtime::lax::broadcast_in_dim(
            &f,
            &[
                ::rjax::__private::dim_size(
                    ::core::option::Option::Some(dim_m as i64)
                        .zip(::core::option::Option::Some(dim_n as i64))
                        .and_then(|(x, y)| x.checked_mul(y)),
                ),
                dim_n,
            ],
            &[1usize],
        );
        let (be,): (::rjax::Array<f32>,) = {
            ::core::assert!(
                bd.shape() == bc.shape(), "div: shapes {:?} and {:?} differ", bc.shape(),
                bd.shape()
            );
            let mut __out0 = ::rjax::runtime::jit::buffer::<f32>(None, bc.shape());
            ::rjax::runtime::kernels::map_nm(
                [bc.as_slice(), bd.as_slice()],
                [__out0.as_mut_slice()],
                #[inline(always)]
                move |[bc, bd]: [f32; 2usize]| -> [f32; 1usize] {
                    let be: f32 = bc / bd;
                    [be]
                },
            );
            (__out0,)
        };
        let bf: ::rjax::Array<f32> = ::rjax::runtime::lax::broadcast_in_dim(
            &be,
            &[
                ::rjax::__private::dim_size(
                    ::core::option::Option::Some(dim_m as i64)
                        .zip(::core::option::Option::Some(dim_n as i64))
                        .and_then(|(x, y)| x.checked_mul(y)),
                ),
                dim_n,
                dim_m,
            ],
            &[0usize, 1usize],
        );
        let bg: ::rjax::Array<f32> = ::rjax::runtime::lax::broadcast_in_dim(
            &e,
            &[
                ::rjax::__private::dim_size(
                    ::core::option::Option::Some(dim_m as i64)
                        .zip(::core::option::Option::Some(dim_n as i64))
                        .and_then(|(x, y)| x.checked_mul(y)),
                ),
                dim_n,
                dim_m,
            ],
            &[1usize, 2usize],
        );
        let (bi,): (::rjax::Array<f32>,) = {
            ::core::assert!(
                bg.shape() == bf.shape(), "mul: shapes {:?} and {:?} differ", bf.shape(),
                bg.shape()
            );
            ::core::assert!(
                ba.shape() == bf.shape(), "mul: shapes {:?} and {:?} differ", bf.shape(),
                ba.shape()
            );
            let mut __out0 = ::rjax::runtime::jit::buffer::<f32>(None, bf.shape());
            ::rjax::runtime::kernels::map_nm(
                [bf.as_slice(), bg.as_slice(), ba.as_slice()],
                [__out0.as_mut_slice()],
                #[inline(always)]
                move |[bf, bg, ba]: [f32; 3usize]| -> [f32; 1usize] {
                    let bh: f32 = bf * bg;
                    let bi: f32 = ba + bh;
                    [bi]
                },
            );
            (__out0,)
        };
        let bj: ::rjax::Array<f32> = ::rjax::runtime::lax::reshape(
            &bi,
            &[dim_n, dim_m, dim_n, dim_m],
        );
        let (__ret_0,) = (bj,);
        __ret_0
    }
    /// Forward mode: `(primal out, tangent out)` for tangents of the float parameters.
    pub fn jvp(
        primals: (&Array<f32>,),
        tangents: (&::rjax::Array<f32>,),
    ) -> (::rjax::Array<f32>, ::rjax::Array<f32>) {
        let (x,) = primals;
        let (x_dot,) = tangents;
        ::core::assert!(
            x.ndim() == 2usize,
            "softmax: `x` must have rank 2 (inferred at compile time; annotate `#[rank(k)] x` to choose another), got shape {:?}",
            x.shape()
        );
        let dim_n: usize = x.shape()[0usize];
        let dim_m: usize = x.shape()[1usize];
        let (a, b): (::rjax::Array<f32>, ::rjax::Array<f32>) = (
            x.clone(),
            x_dot.clone(),
        );
        let (u, z): (::rjax::Array<f32>, ::rjax::Array<f32>) = {
            let __k_outer: usize = dim_n;
            let __k_red: usize = dim_m;
            let __k_inner: usize = 1usize;
            ::core::assert!(
                a.shape() == [dim_n, dim_m],
                "reduce_max: operand shape {:?} differs from the expected {:?}", a
                .shape(), [dim_n, dim_m]
            );
            let __k_s_a = a.as_slice();
            ::core::assert!(
                b.shape() == [dim_n, dim_m],
                "reduce_max: operand shape {:?} differs from the expected {:?}", b
                .shape(), [dim_n, dim_m]
            );
            let __k_s_b = b.as_slice();
            let mut __k_out0 = ::rjax::runtime::jit::buffer::<
                f32,
            >(None, &[dim_n, dim_m]);
            let mut __k_out1 = ::rjax::runtime::jit::buffer::<
                f32,
            >(None, &[dim_n, dim_m]);
            ::rjax::runtime::jit::grid::<
                f32,
                _,
                2usize,
                _,
                _,
            >(
                ::rjax::runtime::jit::Grid {
                    outer: __k_outer,
                    reduced: __k_red,
                    inner: __k_inner,
                },
                [(__k_out0.as_mut_slice(), true), (__k_out1.as_mut_slice(), true)],
                || (
                    ::std::vec![
                        < f32 as ::core::default::Default > ::default(); __k_red
                    ],
                ),
                #[inline(always)]
                move |
                    __k_state: &mut _,
                    __k_o: usize,
                    __k_i0: usize,
                    __k_i1: usize,
                    [mut __k_w0,
                    mut __k_w1,
                    ]: [::rjax::runtime::jit::Block<'_, f32>; 2usize]|
                {
                    let (__k_c_o,) = __k_state;
                    let __k_r_a = &__k_s_a[__k_o * __k_red..][..__k_red];
                    let __k_r_b = &__k_s_b[__k_o * __k_red..][..__k_red];
                    let __k_c_o = &mut __k_c_o[..__k_red];
                    let __k_f0 = &mut __k_w0.flat()[..__k_red];
                    let __k_f1 = &mut __k_w1.flat()[..__k_red];
                    let mut __k_acc_c: [f32; ::rjax::runtime::jit::LANES] = [f32::NEG_INFINITY; ::rjax::runtime::jit::LANES];
                    let __k_full = __k_red / ::rjax::runtime::jit::LANES
                        * ::rjax::runtime::jit::LANES;
                    let mut __k_r0 = 0usize;
                    while __k_r0 < __k_full {
                        let __k_r_a_ch = &__k_r_a[__k_r0..__k_r0
                            + ::rjax::runtime::jit::LANES];
                        for __k_l in 0..::rjax::runtime::jit::LANES {
                            let a: f32 = __k_r_a_ch[__k_l];
                            __k_acc_c[__k_l] = if __k_acc_c[__k_l].is_nan()
                                || __k_acc_c[__k_l] > a
                            {
                                __k_acc_c[__k_l]
                            } else {
                                a
                            };
                        }
                        __k_r0 += ::rjax::runtime::jit::LANES;
                    }
                    let mut c: f32 = f32::NEG_INFINITY;
                    for __k_a in __k_acc_c {
                        c = if c.is_nan() || c > __k_a { c } else { __k_a };
                    }
                    for __k_r in __k_full..__k_red {
                        let a: f32 = __k_r_a[__k_r];
                        c = if c.is_nan() || c > a { c } else { a };
                    }
                    let mut __k_acc_g: [f32; ::rjax::runtime::jit::LANES] = [0f32; ::rjax::runtime::jit::LANES];
                    let mut __k_acc_i: [f32; ::rjax::runtime::jit::LANES] = [0f32; ::rjax::runtime::jit::LANES];
                    let mut __k_acc_q: [f32; ::rjax::runtime::jit::LANES] = [0f32; ::rjax::runtime::jit::LANES];
                    let __k_full = __k_red / ::rjax::runtime::jit::LANES
                        * ::rjax::runtime::jit::LANES;
                    let mut __k_r0 = 0usize;
                    while __k_r0 < __k_full {
                        let __k_r_a_ch = &__k_r_a[__k_r0..__k_r0
                            + ::rjax::runtime::jit::LANES];
                        let __k_r_b_ch = &__k_r_b[__k_r0..__k_r0
                            + ::rjax::runtime::jit::LANES];
                        let __k_c_o_ch = &mut __k_c_o[__k_r0..__k_r0
                            + ::rjax::runtime::jit::LANES];
                        for __k_l in 0..::rjax::runtime::jit::LANES {
                            let a: f32 = __k_r_a_ch[__k_l];
                            let b: f32 = __k_r_b_ch[__k_l];
                            let d: f32 = c;
                            let e: bool = a == d;
                            let f: f32 = if e { 1f32 } else { 0 as f32 };
                            let h: f32 = b * f;
                            let d: f32 = c;
                            let l: f32 = a - d;
                            let o: f32 = ::rjax::runtime::kernels::FastMath::fast_exp(l);
                            __k_c_o_ch[__k_l] = o;
                            __k_acc_g[__k_l] = __k_acc_g[__k_l] + f;
                            __k_acc_i[__k_l] = __k_acc_i[__k_l] + h;
                            __k_acc_q[__k_l] = __k_acc_q[__k_l] + o;
                        }
                        __k_r0 += ::rjax::runtime::jit::LANES;
                    }
                    let mut g: f32 = 0f32;
                    for __k_a in __k_acc_g {
                        g = g + __k_a;
                    }
                    let mut i: f32 = 0f32;
                    for __k_a in __k_acc_i {
                        i = i + __k_a;
                    }
                    let mut q: f32 = 0f32;
                    for __k_a in __k_acc_q {
                        q = q + __k_a;
                    }
                    for __k_r in __k_full..__k_red {
                        let a: f32 = __k_r_a[__k_r];
                        let b: f32 = __k_r_b[__k_r];
                        let d: f32 = c;
                        let e: bool = a == d;
                        let f: f32 = if e { 1f32 } else { 0 as f32 };
                        let h: f32 = b * f;
                        let d: f32 = c;
                        let l: f32 = a - d;
                        let o: f32 = ::rjax::runtime::kernels::FastMath::fast_exp(l);
                        __k_c_o[__k_r] = o;
                        g = g + f;
                        i = i + h;
                        q = q + o;
                    }
                    let j: f32 = i / g;
                    let mut __k_acc_r: [f32; ::rjax::runtime::jit::LANES] = [0f32; ::rjax::runtime::jit::LANES];
                    let __k_full = __k_red / ::rjax::runtime::jit::LANES
                        * ::rjax::runtime::jit::LANES;
                    let mut __k_r0 = 0usize;
                    while __k_r0 < __k_full {
                        let __k_r_b_ch = &__k_r_b[__k_r0..__k_r0
                            + ::rjax::runtime::jit::LANES];
                        let __k_c_o_ch = &__k_c_o[__k_r0..__k_r0
                            + ::rjax::runtime::jit::LANES];
                        let __k_f0_ch = &mut __k_f0[__k_r0..__k_r0
                            + ::rjax::runtime::jit::LANES];
                        for __k_l in 0..::rjax::runtime::jit::LANES {
                            let b: f32 = __k_r_b_ch[__k_l];
                            let o: f32 = __k_c_o_ch[__k_l];
                            let k: f32 = j;
                            let m: f32 = -k;
                            let n: f32 = b + m;
                            let p: f32 = n * o;
                            let s: f32 = q;
                            let u: f32 = o / s;
                            __k_f0_ch[__k_l] = u;
                            __k_acc_r[__k_l] = __k_acc_r[__k_l] + p;
                        }
                        __k_r0 += ::rjax::runtime::jit::LANES;
                    }
                    let mut r: f32 = 0f32;
                    for __k_a in __k_acc_r {
                        r = r + __k_a;
                    }
                    for __k_r in __k_full..__k_red {
                        let b: f32 = __k_r_b[__k_r];
                        let o: f32 = __k_c_o[__k_r];
                        let k: f32 = j;
                        let m: f32 = -k;
                        let n: f32 = b + m;
                        let p: f32 = n * o;
                        let s: f32 = q;
                        let u: f32 = o / s;
                        __k_f0[__k_r] = u;
                        r = r + p;
                    }
                    for __k_r in 0..__k_red {
                        let b: f32 = __k_r_b[__k_r];
                        let o: f32 = __k_c_o[__k_r];
                        let k: f32 = j;
                        let m: f32 = -k;
                        let n: f32 = b + m;
                        let p: f32 = n * o;
                        let s: f32 = q;
                        let u: f32 = o / s;
                        let s: f32 = q;
                        let v: f32 = p / s;
                        let s: f32 = q;
                        let w: f32 = u / s;
                        let x: f32 = -w;
                        let t: f32 = r;
                        let y: f32 = t * x;
                        let z: f32 = v + y;
                        __k_f1[__k_r] = z;
                    }
                },
            );
            (__k_out0, __k_out1)
        };
        let (__ret_0, __ret_1) = (u, z);
        (__ret_0, __ret_1)
    }
    /// Reverse mode: `(primal out, pullback)`; the pullback maps an output
    /// cotangent to the cotangents of the float parameters. It owns its
    /// residuals (`use<>`), so it outlives the borrowed arguments.
    pub fn vjp(
        x: &Array<f32>,
    ) -> (
        ::rjax::Array<f32>,
        impl Fn(&::rjax::Array<f32>) -> ::rjax::Array<f32> + use<>,
    ) {
        ::core::assert!(
            x.ndim() == 2usize,
            "softmax: `x` must have rank 2 (inferred at compile time; annotate `#[rank(k)] x` to choose another), got shape {:?}",
            x.shape()
        );
        let dim_n: usize = x.shape()[0usize];
        let dim_m: usize = x.shape()[1usize];
        let a: ::rjax::Array<f32> = x.clone();
        let b: ::rjax::Array<f32> = ::rjax::runtime::lax::reduce_max(&a, &[1usize]);
        let c: ::rjax::Array<f32> = ::rjax::runtime::lax::broadcast_in_dim(
            &b,
            &[dim_n, dim_m],
            &[0usize],
        );
        let (e,): (::rjax::Array<f32>,) = {
            ::core::assert!(
                c.shape() == a.shape(), "eq: shapes {:?} and {:?} differ", a.shape(), c
                .shape()
            );
            let mut __out0 = ::rjax::runtime::jit::buffer::<f32>(None, a.shape());
            ::rjax::runtime::kernels::map_nm(
                [a.as_slice(), c.as_slice()],
                [__out0.as_mut_slice()],
                #[inline(always)]
                move |[a, c]: [f32; 2usize]| -> [f32; 1usize] {
                    let d: bool = a == c;
                    let e: f32 = if d { 1f32 } else { 0 as f32 };
                    [e]
                },
            );
            (__out0,)
        };
        let f: ::rjax::Array<f32> = ::rjax::runtime::lax::reduce_sum(&e, &[1usize]);
        let g: ::rjax::Array<f32> = ::rjax::runtime::lax::expand_dims(&b, &[1usize]);
        let h: ::rjax::Array<f32> = ::rjax::runtime::lax::squeeze(&g, &[1usize]);
        let i: ::rjax::Array<f32> = ::rjax::runtime::lax::broadcast_in_dim(
            &h,
            &[dim_n, dim_m],
            &[0usize],
        );
        let (k,): (::rjax::Array<f32>,) = {
            ::core::assert!(
                i.shape() == a.shape(), "sub: shapes {:?} and {:?} differ", a.shape(), i
                .shape()
            );
            let mut __out0 = ::rjax::runtime::jit::buffer::<f32>(None, a.shape());
            ::rjax::runtime::kernels::map_nm(
                [a.as_slice(), i.as_slice()],
                [__out0.as_mut_slice()],
                #[inline(always)]
                move |[a, i]: [f32; 2usize]| -> [f32; 1usize] {
                    let j: f32 = a - i;
                    let k: f32 = ::rjax::runtime::kernels::FastMath::fast_exp(j);
                    [k]
                },
            );
            (__out0,)
        };
        let l: ::rjax::Array<f32> = ::rjax::runtime::lax::reduce_sum(&k, &[1usize]);
        let m: ::rjax::Array<f32> = ::rjax::runtime::lax::expand_dims(&l, &[1usize]);
        let n: ::rjax::Array<f32> = ::rjax::runtime::lax::squeeze(&m, &[1usize]);
        let o: ::rjax::Array<f32> = ::rjax::runtime::lax::broadcast_in_dim(
            &n,
            &[dim_n, dim_m],
            &[0usize],
        );
        let (p, r): (::rjax::Array<f32>, ::rjax::Array<f32>) = {
            ::core::assert!(
                o.shape() == k.shape(), "div: shapes {:?} and {:?} differ", k.shape(), o
                .shape()
            );
            let mut __out0 = ::rjax::runtime::jit::buffer::<f32>(None, k.shape());
            let mut __out1 = ::rjax::runtime::jit::buffer::<f32>(None, k.shape());
            ::rjax::runtime::kernels::map_nm(
                [k.as_slice(), o.as_slice()],
                [__out0.as_mut_slice(), __out1.as_mut_slice()],
                #[inline(always)]
                move |[k, o]: [f32; 2usize]| -> [f32; 2usize] {
                    let p: f32 = k / o;
                    let q: f32 = p / o;
                    let r: f32 = -q;
                    [p, r]
                },
            );
            (__out0, __out1)
        };
        let (__ret_0, __ret_1, __ret_2, __ret_3, __ret_4, __ret_5) = (p, e, f, k, o, r);
        let residual_0 = __ret_1;
        let residual_1 = __ret_2;
        let residual_2 = __ret_3;
        let residual_3 = __ret_4;
        let residual_4 = __ret_5;
        (
            __ret_0,
            move |ct_0: &::rjax::Array<f32>| -> ::rjax::Array<f32> {
                let dim_n: usize = residual_0.shape()[0usize];
                let dim_m: usize = residual_0.shape()[1usize];
                let (
                    a,
                    b,
                    c,
                    d,
                    e,
                    f,
                ): (
                    ::rjax::Array<f32>,
                    ::rjax::Array<f32>,
                    ::rjax::Array<f32>,
                    ::rjax::Array<f32>,
                    ::rjax::Array<f32>,
                    ::rjax::Array<f32>,
                ) = (
                    residual_0.clone(),
                    residual_1.clone(),
                    residual_2.clone(),
                    residual_3.clone(),
                    residual_4.clone(),
                    ct_0.clone(),
                );
                let (r,): (::rjax::Array<f32>,) = {
                    let __k_outer: usize = dim_n;
                    let __k_red: usize = dim_m;
                    let __k_inner: usize = 1usize;
                    ::core::assert!(
                        f.shape() == [dim_n, dim_m],
                        "mul: operand shape {:?} differs from the expected {:?}", f
                        .shape(), [dim_n, dim_m]
                    );
                    let __k_s_f = f.as_slice();
                    ::core::assert!(
                        e.shape() == [dim_n, dim_m],
                        "mul: operand shape {:?} differs from the expected {:?}", e
                        .shape(), [dim_n, dim_m]
                    );
                    let __k_s_e = e.as_slice();
                    ::core::assert!(
                        d.shape() == [dim_n, dim_m],
                        "mul: operand shape {:?} differs from the expected {:?}", d
                        .shape(), [dim_n, dim_m]
                    );
                    let __k_s_d = d.as_slice();
                    ::core::assert!(
                        c.shape() == [dim_n, dim_m],
                        "mul: operand shape {:?} differs from the expected {:?}", c
                        .shape(), [dim_n, dim_m]
                    );
                    let __k_s_c = c.as_slice();
                    ::core::assert!(
                        b.shape() == [dim_n],
                        "mul: operand shape {:?} differs from the expected {:?}", b
                        .shape(), [dim_n]
                    );
                    let __k_s_b = b.as_slice();
                    ::core::assert!(
                        a.shape() == [dim_n, dim_m],
                        "mul: operand shape {:?} differs from the expected {:?}", a
                        .shape(), [dim_n, dim_m]
                    );
                    let __k_s_a = a.as_slice();
                    let mut __k_out0 = ::rjax::runtime::jit::buffer::<
                        f32,
                    >(None, &[dim_n, dim_m]);
                    ::rjax::runtime::jit::grid::<
                        f32,
                        _,
                        1usize,
                        _,
                        _,
                    >(
                        ::rjax::runtime::jit::Grid {
                            outer: __k_outer,
                            reduced: __k_red,
                            inner: __k_inner,
                        },
                        [(__k_out0.as_mut_slice(), true)],
                        || (),
                        #[inline(always)]
                        move |
                            __k_state: &mut _,
                            __k_o: usize,
                            __k_i0: usize,
                            __k_i1: usize,
                            [mut __k_w0,
                            ]: [::rjax::runtime::jit::Block<'_, f32>; 1usize]|
                        {
                            let () = __k_state;
                            let b: f32 = __k_s_b[__k_o];
                            let __k_r_f = &__k_s_f[__k_o * __k_red..][..__k_red];
                            let __k_r_e = &__k_s_e[__k_o * __k_red..][..__k_red];
                            let __k_r_d = &__k_s_d[__k_o * __k_red..][..__k_red];
                            let __k_r_c = &__k_s_c[__k_o * __k_red..][..__k_red];
                            let __k_r_a = &__k_s_a[__k_o * __k_red..][..__k_red];
                            let __k_f0 = &mut __k_w0.flat()[..__k_red];
                            let mut __k_acc_i: [f32; ::rjax::runtime::jit::LANES] = [0f32; ::rjax::runtime::jit::LANES];
                            let __k_full = __k_red / ::rjax::runtime::jit::LANES
                                * ::rjax::runtime::jit::LANES;
                            let mut __k_r0 = 0usize;
                            while __k_r0 < __k_full {
                                let __k_r_f_ch = &__k_r_f[__k_r0..__k_r0
                                    + ::rjax::runtime::jit::LANES];
                                let __k_r_e_ch = &__k_r_e[__k_r0..__k_r0
                                    + ::rjax::runtime::jit::LANES];
                                for __k_l in 0..::rjax::runtime::jit::LANES {
                                    let f: f32 = __k_r_f_ch[__k_l];
                                    let e: f32 = __k_r_e_ch[__k_l];
                                    let g: f32 = f * e;
                                    __k_acc_i[__k_l] = __k_acc_i[__k_l] + g;
                                }
                                __k_r0 += ::rjax::runtime::jit::LANES;
                            }
                            let mut i: f32 = 0f32;
                            for __k_a in __k_acc_i {
                                i = i + __k_a;
                            }
                            for __k_r in __k_full..__k_red {
                                let f: f32 = __k_r_f[__k_r];
                                let e: f32 = __k_r_e[__k_r];
                                let g: f32 = f * e;
                                i = i + g;
                            }
                            let mut __k_acc_n: [f32; ::rjax::runtime::jit::LANES] = [0f32; ::rjax::runtime::jit::LANES];
                            let __k_full = __k_red / ::rjax::runtime::jit::LANES
                                * ::rjax::runtime::jit::LANES;
                            let mut __k_r0 = 0usize;
                            while __k_r0 < __k_full {
                                let __k_r_f_ch = &__k_r_f[__k_r0..__k_r0
                                    + ::rjax::runtime::jit::LANES];
                                let __k_r_d_ch = &__k_r_d[__k_r0..__k_r0
                                    + ::rjax::runtime::jit::LANES];
                                let __k_r_c_ch = &__k_r_c[__k_r0..__k_r0
                                    + ::rjax::runtime::jit::LANES];
                                for __k_l in 0..::rjax::runtime::jit::LANES {
                                    let f: f32 = __k_r_f_ch[__k_l];
                                    let d: f32 = __k_r_d_ch[__k_l];
                                    let c: f32 = __k_r_c_ch[__k_l];
                                    let h: f32 = f / d;
                                    let j: f32 = i;
                                    let k: f32 = h + j;
                                    let l: f32 = k * c;
                                    let m: f32 = -l;
                                    __k_acc_n[__k_l] = __k_acc_n[__k_l] + m;
                                }
                                __k_r0 += ::rjax::runtime::jit::LANES;
                            }
                            let mut n: f32 = 0f32;
                            for __k_a in __k_acc_n {
                                n = n + __k_a;
                            }
                            for __k_r in __k_full..__k_red {
                                let f: f32 = __k_r_f[__k_r];
                                let d: f32 = __k_r_d[__k_r];
                                let c: f32 = __k_r_c[__k_r];
                                let h: f32 = f / d;
                                let j: f32 = i;
                                let k: f32 = h + j;
                                let l: f32 = k * c;
                                let m: f32 = -l;
                                n = n + m;
                            }
                            let o: f32 = n / b;
                            for __k_r in 0..__k_red {
                                let f: f32 = __k_r_f[__k_r];
                                let d: f32 = __k_r_d[__k_r];
                                let c: f32 = __k_r_c[__k_r];
                                let a: f32 = __k_r_a[__k_r];
                                let h: f32 = f / d;
                                let j: f32 = i;
                                let k: f32 = h + j;
                                let l: f32 = k * c;
                                let p: f32 = o;
                                let q: f32 = p * a;
                                let r: f32 = l + q;
                                __k_f0[__k_r] = r;
                            }
                        },
                    );
                    (__k_out0,)
                };
                let (__ret_0,) = (r,);
                __ret_0
            },
        )
    }
    ///Batched over `in_axes` (default 0); outputs batched on `out_axes` (default 0).
    pub fn vmap(x: &Array<f32>) -> ::rjax::Array<f32> {
        ::core::assert!(
            x.ndim() == 3usize,
            "softmax::vmap: `x` must have rank 3 (rank 2 in `softmax` plus the mapped axis 0), got shape {:?}",
            x.shape()
        );
        let dim_b: usize = x.shape()[0usize];
        let dim_n: usize = x.shape()[1usize];
        let dim_m: usize = x.shape()[2usize];
        let a: ::rjax::Array<f32> = x.clone();
        let (h,): (::rjax::Array<f32>,) = {
            let __k_outer: usize = ::rjax::__private::dim_size(
                ::core::option::Option::Some(dim_b as i64)
                    .zip(::core::option::Option::Some(dim_n as i64))
                    .and_then(|(x, y)| x.checked_mul(y)),
            );
            let __k_red: usize = dim_m;
            let __k_inner: usize = 1usize;
            ::core::assert!(
                a.shape() == [dim_b, dim_n, dim_m],
                "reduce_max: operand shape {:?} differs from the expected {:?}", a
                .shape(), [dim_b, dim_n, dim_m]
            );
            let __k_s_a = a.as_slice();
            let mut __k_out0 = ::rjax::runtime::jit::buffer::<
                f32,
            >(None, &[dim_b, dim_n, dim_m]);
            ::rjax::runtime::jit::grid::<
                f32,
                _,
                1usize,
                _,
                _,
            >(
                ::rjax::runtime::jit::Grid {
                    outer: __k_outer,
                    reduced: __k_red,
                    inner: __k_inner,
                },
                [(__k_out0.as_mut_slice(), true)],
                || (
                    ::std::vec![
                        < f32 as ::core::default::Default > ::default(); __k_red
                    ],
                ),
                #[inline(always)]
                move |
                    __k_state: &mut _,
                    __k_o: usize,
                    __k_i0: usize,
                    __k_i1: usize,
                    [mut __k_w0,
                    ]: [::rjax::runtime::jit::Block<'_, f32>; 1usize]|
                {
                    let (__k_c_e,) = __k_state;
                    let __k_r_a = &__k_s_a[__k_o * __k_red..][..__k_red];
                    let __k_c_e = &mut __k_c_e[..__k_red];
                    let __k_f0 = &mut __k_w0.flat()[..__k_red];
                    let mut __k_acc_b: [f32; ::rjax::runtime::jit::LANES] = [f32::NEG_INFINITY; ::rjax::runtime::jit::LANES];
                    let __k_full = __k_red / ::rjax::runtime::jit::LANES
                        * ::rjax::runtime::jit::LANES;
                    let mut __k_r0 = 0usize;
                    while __k_r0 < __k_full {
                        let __k_r_a_ch = &__k_r_a[__k_r0..__k_r0
                            + ::rjax::runtime::jit::LANES];
                        for __k_l in 0..::rjax::runtime::jit::LANES {
                            let a: f32 = __k_r_a_ch[__k_l];
                            __k_acc_b[__k_l] = if __k_acc_b[__k_l].is_nan()
                                || __k_acc_b[__k_l] > a
                            {
                                __k_acc_b[__k_l]
                            } else {
                                a
                            };
                        }
                        __k_r0 += ::rjax::runtime::jit::LANES;
                    }
                    let mut b: f32 = f32::NEG_INFINITY;
                    for __k_a in __k_acc_b {
                        b = if b.is_nan() || b > __k_a { b } else { __k_a };
                    }
                    for __k_r in __k_full..__k_red {
                        let a: f32 = __k_r_a[__k_r];
                        b = if b.is_nan() || b > a { b } else { a };
                    }
                    let mut __k_acc_f: [f32; ::rjax::runtime::jit::LANES] = [0f32; ::rjax::runtime::jit::LANES];
                    let __k_full = __k_red / ::rjax::runtime::jit::LANES
                        * ::rjax::runtime::jit::LANES;
                    let mut __k_r0 = 0usize;
                    while __k_r0 < __k_full {
                        let __k_r_a_ch = &__k_r_a[__k_r0..__k_r0
                            + ::rjax::runtime::jit::LANES];
                        let __k_c_e_ch = &mut __k_c_e[__k_r0..__k_r0
                            + ::rjax::runtime::jit::LANES];
                        for __k_l in 0..::rjax::runtime::jit::LANES {
                            let a: f32 = __k_r_a_ch[__k_l];
                            let c: f32 = b;
                            let d: f32 = a - c;
                            let e: f32 = ::rjax::runtime::kernels::FastMath::fast_exp(d);
                            __k_c_e_ch[__k_l] = e;
                            __k_acc_f[__k_l] = __k_acc_f[__k_l] + e;
                        }
                        __k_r0 += ::rjax::runtime::jit::LANES;
                    }
                    let mut f: f32 = 0f32;
                    for __k_a in __k_acc_f {
                        f = f + __k_a;
                    }
                    for __k_r in __k_full..__k_red {
                        let a: f32 = __k_r_a[__k_r];
                        let c: f32 = b;
                        let d: f32 = a - c;
                        let e: f32 = ::rjax::runtime::kernels::FastMath::fast_exp(d);
                        __k_c_e[__k_r] = e;
                        f = f + e;
                    }
                    for __k_r in 0..__k_red {
                        let e: f32 = __k_c_e[__k_r];
                        let g: f32 = f;
                        let h: f32 = e / g;
                        __k_f0[__k_r] = h;
                    }
                },
            );
            (__k_out0,)
        };
        let (__ret_0,) = (h,);
        __ret_0
    }
    /// Signature-cache counts of the `#[jit]` function: `hits` (calls
    /// with a signature seen before) and `misses` (new signatures).
    pub fn cache_stats() -> ::rjax::runtime::jit::CacheStats {
        super::__RJAX_JIT_CACHE_softmax.stats()
    }
    /// Hands this function's tokens to the macro of a caller.
    #[doc(hidden)]
    #[macro_export]
    macro_rules! __rjax_export_softmax_f738ee63e5faca05 {
        ({ $($caller:tt)* } { $($callees:tt)* } { $($pending:tt)* }) => {
            ::rjax::__compose! { { $($caller)* } { $($callees)* { { #[::rjax::jit()] fn
            softmax(#[rank(2)] x : & Array < f32 >) -> Array < f32 > { let z = x - x
            .max_axes(& [1], true); let e = z.exp(); e.clone() / e.sum_axes(& [1], true)
            } } } } { $($pending)* } }
        };
    }
    #[doc(hidden)]
    pub use __rjax_export_softmax_f738ee63e5faca05 as __rjax_export;
}
