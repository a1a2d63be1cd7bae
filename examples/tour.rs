//! A tour of rjax: the seed article ("JAX in a nutshell": jaxprs, jit,
//! grad, hessian, jacobian, vmap) replayed in Rust, where every
//! transformation happens at compile time.
//!
//! Run with `cargo run --release --example tour`.
use std::time::Instant;

use rjax::prelude::*;

/// The article's first traced function, on integers.
#[jit]
fn trace_demo(a: i32, b: i32) -> i32 {
    (a + b).pow(2)
}

/// f(t) = sin(t0) cos(t1) t2.
#[grad]
fn f(t: &Array<f32>) -> f32 {
    let (x, y, z) = (t[0], t[1], t[2]);
    x.sin() * y.cos() * z
}

/// 100 steps of x <- tanh(x x^T), compiled.
#[jit]
fn test_fn(x: &Array<f32>) -> Array<f32> {
    let mut x = x.clone();
    for _ in 0..100 {
        x = x.dot(&x.t()).tanh();
    }
    x
}

/// The same loop, run op by op on the arrays.
fn test_fn_eager(x: &Array<f32>) -> Array<f32> {
    let mut x = x.clone();
    for _ in 0..100 {
        x = x.dot(&x.t()).tanh();
    }
    x
}

/// R^3 -> R^2.
#[grad]
fn field(t: &Array<f32>) -> Array<f32> {
    let (x, y, z) = (t[0], t[1], t[2]);
    array![x * y, z.sin() + x * x]
}

/// A scalar function for composed derivatives.
#[grad]
#[vmap]
fn g(x: f32) -> f32 {
    x.sin() * x
}

/// grad(grad g): the gradient of a function that calls `g::grad`.
#[grad]
fn dg(x: f32) -> f32 {
    g::grad(x)
}

/// vmap(grad f): per-example gradients.
#[vmap]
fn per_example(t: &Array<f32>) -> Array<f32> {
    f::grad(t)
}

/// Batched over the rows of a matrix.
#[vmap]
fn row_norm2(v: &Array<f32>) -> f32 {
    (v.clone() * v.clone()).sum()
}

fn df(t: &[f32]) -> [f32; 3] {
    let (x, y, z) = (t[0], t[1], t[2]);
    [
        x.cos() * y.cos() * z,
        -x.sin() * y.sin() * z,
        x.sin() * y.cos(),
    ]
}

fn ddf(t: &[f32]) -> [[f32; 3]; 3] {
    let (x, y, z) = (t[0], t[1], t[2]);
    [
        [
            -x.sin() * y.cos() * z,
            -x.cos() * y.sin() * z,
            x.cos() * y.cos(),
        ],
        [
            -x.cos() * y.sin() * z,
            -x.sin() * y.cos() * z,
            -x.sin() * y.sin(),
        ],
        [x.cos() * y.cos(), -x.sin() * y.sin(), 0.0],
    ]
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-5 * (1.0 + b.abs())
}

fn main() {
    println!("== jaxprs (built at compile time)");
    println!("trace_demo(2, 3) = {}", trace_demo(2, 3));
    println!("{}", trace_demo::jaxpr());
    let t = Array::from_vec(vec![1.622_642_2_f32, 2.025_264_7, -0.433_594_43]);
    println!("{}", f::make_jaxpr(&t));

    println!("\n== jit: 100 x tanh(x . x^T) on a 64x64 matrix");
    let n = 64;
    let data: Vec<f32> = (0..n * n)
        .map(|i| ((i as f32) * 0.618).sin() * 0.1)
        .collect();
    let x = Array::from_shape_vec(vec![n, n], data).unwrap();
    // Best of 5 runs each (the first run also warms caches and threads).
    let time = |run: &dyn Fn() -> Array<f32>| {
        (0..5)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(run());
                start.elapsed()
            })
            .min()
            .unwrap()
    };
    let (eager, jitted) = (test_fn_eager(&x), test_fn(&x));
    let t_eager = time(&|| test_fn_eager(&x));
    let t_jit = time(&|| test_fn(&x));
    println!("eager: {t_eager:?}   jit: {t_jit:?}   (best of 5)");
    println!(
        "jit == eager (1e-5): {}",
        jitted.allclose(&eager, 1e-5, 1e-5)
    );

    println!("\n== grad and hessian of f(t) = sin(t0) cos(t1) t2");
    let g1 = f::grad(&t);
    let h = f::hessian(&t);
    println!("f(t) = {}", f(&t));
    println!("grad f(t) = {:?}", g1.to_vec());
    println!("hessian f(t) = {:?}", h.to_vec());
    let first = (0..3).all(|i| close(g1[i], df(t.as_slice())[i]));
    let second = (0..9).all(|k| close(h.as_slice()[k], ddf(t.as_slice())[k / 3][k % 3]));
    println!("Check the first order derivatives: {first}");
    println!("Check the second order derivatives: {second}");

    println!("\n== jacobian of R^3 -> R^2");
    let j = field::jacobian(&t);
    println!("shape {:?}: {:?}", j.shape(), j.to_vec());

    println!("\n== composition");
    let x0 = 0.7f32;
    println!(
        "grad g({x0}) = {}  (analytic {})",
        g::grad(x0),
        x0.cos() * x0 + x0.sin()
    );
    println!(
        "grad(grad g)({x0}) = {}  (hessian {}, analytic {})",
        dg::grad(x0),
        g::hessian(x0),
        2.0 * x0.cos() - x0.sin() * x0
    );
    let batch = Array::from_shape_vec(vec![2, 3], vec![1.0f32, 2.0, 3.0, 0.5, -0.5, 1.5]).unwrap();
    println!(
        "vmap(grad f) over 2 rows = {:?}",
        per_example::vmap(&batch).to_vec()
    );
    let xs = Array::from_vec(vec![0.0f32, 0.5, 1.0, 1.5]);
    println!(
        "vmap g over {:?} = {:?}",
        xs.to_vec(),
        g::vmap(&xs).to_vec()
    );

    println!("\n== vmap");
    let m = Array::from_shape_vec(vec![3, 2], vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    println!(
        "row_norm2 over rows of {:?} = {:?}",
        m.shape(),
        row_norm2::vmap(&m).to_vec()
    );
}
