//! Newton's method with `f::hessian` against gradient descent with
//! `f::grad`, on two non-convex functions of the plane: Rosenbrock's valley
//! and Himmelblau's four-minimum function.
//!
//! Newton step: solve `H d = -g` (a 2×2 system, nalgebra's LU); where `H`
//! is not positive definite (non-convex regions) the step is damped with
//! `H + λI` until it is, then a backtracking line search keeps `f`
//! decreasing. Gradient descent uses the same line search.
//!
//! `cargo run --release --example newton` (`--small` caps gradient descent
//! at 2 000 iterations for CI).
use nalgebra::{Matrix2, Vector2};
use rjax::prelude::*;

#[grad]
fn rosenbrock(p: &Array<f64>) -> f64 {
    let (x, y) = (p[0], p[1]);
    (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x)
}

#[grad]
fn himmelblau(p: &Array<f64>) -> f64 {
    let (x, y) = (p[0], p[1]);
    let a = x * x + y - 11.0;
    let b = x + y * y - 7.0;
    a * a + b * b
}

type Fun = fn(&Array<f64>) -> f64;
type Grad = fn(&Array<f64>) -> Array<f64>;

struct Problem {
    name: &'static str,
    f: Fun,
    grad: Grad,
    hessian: Grad,
    start: [f64; 2],
}

fn v(p: Vector2<f64>) -> Array<f64> {
    Array::from_vec(vec![p[0], p[1]])
}

fn vec2(a: &Array<f64>) -> Vector2<f64> {
    Vector2::new(a[0], a[1])
}

/// Backtracking (Armijo) line search along `d` from `p`.
fn line_search(f: Fun, p: Vector2<f64>, g: Vector2<f64>, d: Vector2<f64>) -> Vector2<f64> {
    let f0 = f(&v(p));
    let slope = g.dot(&d);
    let mut t = 1.0;
    while t > 1e-12 {
        let q = p + d * t;
        if f(&v(q)) <= f0 + 1e-4 * t * slope {
            return q;
        }
        t *= 0.5;
    }
    p
}

/// Iterations until |grad| < tol (or `max`), and the final point.
fn newton(pb: &Problem, tol: f64, max: usize) -> (usize, Vector2<f64>) {
    let mut p = Vector2::from(pb.start);
    for it in 0..max {
        let g = vec2(&(pb.grad)(&v(p)));
        if g.norm() < tol {
            return (it, p);
        }
        let h = (pb.hessian)(&v(p));
        let h = Matrix2::new(
            h.as_slice()[0],
            h.as_slice()[1],
            h.as_slice()[2],
            h.as_slice()[3],
        );
        // Damp until H + λI is positive definite (Cholesky succeeds).
        let mut lambda = 0.0;
        let d = loop {
            let m = h + Matrix2::identity() * lambda;
            if let Some(c) = m.cholesky() {
                break -c.solve(&g);
            }
            lambda = if lambda == 0.0 { 1e-3 } else { lambda * 10.0 };
        };
        p = line_search(pb.f, p, g, d);
    }
    (max, p)
}

fn gradient_descent(pb: &Problem, tol: f64, max: usize) -> (usize, Vector2<f64>) {
    let mut p = Vector2::from(pb.start);
    for it in 0..max {
        let g = vec2(&(pb.grad)(&v(p)));
        if g.norm() < tol {
            return (it, p);
        }
        p = line_search(pb.f, p, g, -g);
    }
    (max, p)
}

fn main() {
    let small =
        std::env::args().any(|a| a == "--small") || std::env::var_os("RJAX_SMALL").is_some();
    let max_gd = if small { 2_000 } else { 200_000 };
    let tol = 1e-8;
    let problems = [
        Problem {
            name: "rosenbrock",
            f: rosenbrock,
            grad: rosenbrock::grad,
            hessian: rosenbrock::hessian,
            start: [-1.2, 1.0],
        },
        Problem {
            name: "himmelblau",
            f: himmelblau,
            grad: himmelblau::grad,
            hessian: himmelblau::hessian,
            start: [-0.27, -0.9],
        },
    ];
    println!("minimising to |grad f| < {tol:e} (gradient descent capped at {max_gd} iterations)");
    for pb in &problems {
        let (nn, pn) = newton(pb, tol, 100);
        let (ng, pg) = gradient_descent(pb, tol, max_gd);
        println!(
            "{:<11} start ({:+.2}, {:+.2}): newton {:>6} iterations -> ({:+.6}, {:+.6}) f = {:.3e}",
            pb.name,
            pb.start[0],
            pb.start[1],
            nn,
            pn[0],
            pn[1],
            (pb.f)(&v(pn))
        );
        let capped = if ng == max_gd { " (cap reached)" } else { "" };
        println!(
            "{:<11}                   gradient descent {:>6} iterations -> ({:+.6}, {:+.6}) f = {:.3e}{capped}",
            "",
            ng,
            pg[0],
            pg[1],
            (pb.f)(&v(pg))
        );
    }
}
