//! The eager ops and `#[jit]` code compute each transcendental with the
//! same kernel (`rjax::runtime::kernels`), so they agree bit for bit: a
//! `#[jit]` function and the same body run eagerly (`Array` methods) give
//! identical bits for every input, including arguments past each
//! vectorised range (sin/cos beyond the f32 reduction's 1e5 and the f64
//! reduction's limits), exp's overflow and underflow, subnormals, signed
//! zeros, infinities and NaN (any NaN matches any NaN), at lengths that
//! take the serial, the parallel, the checked and the staged loops.
use rjax::prelude::*;
use rjax::runtime::Float;

#[path = "support/xorshift.rs"]
mod xorshift;

/// Typical and extreme arguments: uniform values in ranges from 1 to
/// 1e9 wide, then special values spread through the array (so that
/// blocks of the checked loops hold both kinds).
fn inputs<T: rjax::Element + Float>(n: usize, seed: u32) -> Vec<T> {
    let ranges = [
        (-4.0, 4.0),
        (-40.0, 40.0),
        (-800.0, 800.0),
        (-2.0e5, 2.0e5),
        (-4.0e7, 4.0e7),
        (-1.0e9, 1.0e9),
    ];
    let per = n.div_ceil(ranges.len());
    let mut v: Vec<T> = ranges
        .iter()
        .enumerate()
        .flat_map(|(k, &(lo, hi))| xorshift::uniform::<T>(per, seed + k as u32, lo, hi))
        .take(n)
        .collect();
    let special = [
        0.0,
        -0.0,
        1e-40,
        -1e-310,
        1e-30,
        1.0e5,
        1.000_01e5,
        -2.6e7,
        1.6e6,
        1.600_001e6,
        88.5,
        89.0,
        -104.0,
        709.0,
        710.0,
        -745.5,
        1e30,
        -1e300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -1.0,
        -0.5,
    ];
    for (k, &s) in special.iter().enumerate() {
        let i = (k * 7919 + seed as usize * 31) % n.max(1);
        if i < n {
            v[i] = T::from_f64(s);
        }
    }
    v
}

/// Lengths: below the vector width, around the checked loops' block
/// (1024), and past the parallel threshold (32768).
const LENGTHS: [usize; 5] = [5, 1000, 1025, 4099, 100_003];

fn same_bits<T: rjax::Element + Float>(got: &Array<T>, want: &Array<T>, what: &str) {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes");
    for (i, (&g, &w)) in got.as_slice().iter().zip(want.as_slice()).enumerate() {
        let same = g.to_f64().to_bits() == w.to_f64().to_bits() || (g.is_nan() && w.is_nan());
        assert!(same, "{what}: element {i}: jit {g:?} vs eager {w:?}");
    }
}

macro_rules! unary_cases {
    ($test:ident, $t:ident, $($name:ident => $method:ident),* $(,)?) => {
        $(
            #[jit]
            fn $name(x: &Array<$t>) -> Array<$t> {
                x.$method()
            }
        )*

        #[test]
        fn $test() {
            for n in LENGTHS {
                let x = Array::from_vec(inputs::<$t>(n, n as u32));
                $(
                    same_bits(&$name(&x), &x.$method(), &format!("{} n={n}", stringify!($method)));
                )*
            }
        }
    };
}

unary_cases!(
    each_f32_unary_op_matches_eager, f32,
    sin32 => sin, cos32 => cos, tan32 => tan, tanh32 => tanh, exp32 => exp,
    log32 => log, log1p32 => log1p, expm1_32 => expm1, sqrt32 => sqrt,
    rsqrt32 => rsqrt, logistic32 => logistic,
);

unary_cases!(
    each_f64_unary_op_matches_eager, f64,
    sin64 => sin, cos64 => cos, tan64 => tan, tanh64 => tanh, exp64 => exp,
    log64 => log, log1p64 => log1p, expm1_64 => expm1, sqrt64 => sqrt,
    rsqrt64 => rsqrt, logistic64 => logistic,
);

/// Several transcendentals in one fused group: `#[jit]` runs it as a
/// staged loop (one short loop per transcendental, f32 sin through the
/// f32 reduction first, the rest per element), with exp and tanh in their
/// range-specialised forms; the eager ops run one op at a time.
#[jit]
fn chain32(x: &Array<f32>) -> Array<f32> {
    (x.sin() * 2.0 + 1.0).exp().tanh()
}

#[jit]
fn chain64(x: &Array<f64>) -> Array<f64> {
    (x.cos() * 0.5).exp().log1p() + x.tanh()
}

#[jit]
fn two_results(x: &Array<f32>, y: &Array<f32>) -> (Array<f32>, Array<f32>) {
    let a = x * y;
    (a.sin() + y, (x * 1.0e3).cos().logistic())
}

#[test]
fn fused_chains_match_eager() {
    for n in LENGTHS {
        let x = Array::from_vec(inputs::<f32>(n, 7));
        same_bits(
            &chain32(&x),
            &(x.sin() * 2.0 + 1.0).exp().tanh(),
            &format!("chain32 n={n}"),
        );
        let y = Array::from_vec(xorshift::uniform::<f32>(n, 8, -2.0, 2.0));
        let (a, b) = two_results(&x, &y);
        let p = &x * &y;
        same_bits(&a, &(p.sin() + &y), &format!("sin(x y) + y n={n}"));
        same_bits(
            &b,
            &(&x * 1.0e3).cos().logistic(),
            &format!("logistic(cos(1e3 x)) n={n}"),
        );
        let x = Array::from_vec(inputs::<f64>(n, 9));
        same_bits(
            &chain64(&x),
            &((x.cos() * 0.5).exp().log1p() + x.tanh()),
            &format!("chain64 n={n}"),
        );
    }
}

/// A function of a few elements runs as one scalar kernel under `#[jit]`;
/// its transcendentals are `Float`'s, which the eager ops are built on.
#[jit]
fn scalar_kernel(t: &Array<f64>) -> f64 {
    let (x, y) = (t[0], t[1]);
    x.sin() * y.exp() + x.cos().tanh() + y.ln_1p()
}

#[jit]
fn scalar_kernel32(t: &Array<f32>) -> f32 {
    let (x, y) = (t[0], t[1]);
    x.sin() * y.exp() + x.cos().tanh() + y.ln_1p()
}

#[test]
fn scalar_kernels_match_eager() {
    let xs = inputs::<f64>(400, 11);
    let ys = xorshift::uniform::<f64>(400, 12, -0.9, 30.0);
    for (&x, &y) in xs.iter().zip(&ys) {
        let got = scalar_kernel(&Array::from_vec(vec![x, y]));
        let (ax, ay) = (Array::from_vec(vec![x]), Array::from_vec(vec![y]));
        let want = &(&(&ax.sin() * &ay.exp()) + &ax.cos().tanh()) + &ay.log1p();
        let want = want.as_slice()[0];
        assert!(
            got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
            "f64 at ({x:e}, {y:e}): jit {got:e} vs eager {want:e}"
        );
        let (x, y) = (x as f32, y as f32);
        let got = scalar_kernel32(&Array::from_vec(vec![x, y]));
        let want = Float::sin(x) * Float::exp(y) + Float::tanh(Float::cos(x)) + Float::ln_1p(y);
        assert!(
            got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
            "f32 at ({x:e}, {y:e}): jit {got:e} vs Float {want:e}"
        );
    }
}

/// An eager op's result and the scalar function it must match.
type ArrayAndScalar = (Array<f32>, fn(f32) -> f32);

/// The scalar `Float` functions are the slice kernels' bits too.
#[test]
fn float_scalars_match_the_array_ops() {
    let x = inputs::<f32>(50_000, 13);
    let a = Array::from_vec(x.clone());
    let pairs: [ArrayAndScalar; 6] = [
        (a.sin(), Float::sin),
        (a.cos(), Float::cos),
        (a.exp(), Float::exp),
        (a.log(), Float::ln),
        (a.tanh(), Float::tanh),
        (a.logistic(), Float::logistic),
    ];
    for (k, (arr, f)) in pairs.iter().enumerate() {
        for (i, (&v, &got)) in x.iter().zip(arr.as_slice()).enumerate() {
            let want = f(v);
            assert!(
                got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                "op {k} element {i} ({v:e}): array {got:e} vs scalar {want:e}"
            );
        }
    }
}
