//! A library crate of annotated functions, written the way a user would
//! publish them: `#[grad] pub fn ..`, nothing else. tests/cross_crate.rs
//! (in the dependent crate `rjax`'s tests) calls them and their companions
//! inside its own annotated bodies, so their IR has to cross the crate
//! boundary (see docs/ARCHITECTURE.md, "Composition").
use rjax::prelude::*;

pub mod matrix;

/// Potential energy of a chain of pendulums with a global coupling:
/// E(q) = sum(1 - cos q) + (sum q)^2 / 2.
/// grad E = sin q + sum q; hessian E = diag(cos q) + ones.
#[grad]
pub fn energy(q: &Array<f64>) -> f64 {
    let s = q.sum();
    (-q.cos() + 1.0).sum() + 0.5 * s * s
}

/// Kinetic energy p.p / (2 m).
#[grad]
pub fn kinetic(p: &Array<f64>, m: f64) -> f64 {
    (p * p).sum() / (2.0 * m)
}

/// H(q, p) = E(q) + K(p, 1): a callee that itself calls two callees of
/// its crate, so a caller in another crate receives all three.
#[grad(argnums = (0, 1))]
pub fn hamiltonian(q: &Array<f64>, p: &Array<f64>) -> f64 {
    energy(q) + kinetic(p, 1.0)
}

/// log(1 + e^x) with the stable derivative rule below.
#[custom_jvp(jvp = softplus_jvp)]
pub fn softplus(x: f64) -> f64 {
    (1.0 + x.exp()).ln()
}

/// d softplus = x_dot / (1 + e^-x), finite for every x.
#[jit]
pub fn softplus_jvp(x: f64, x_dot: f64) -> (f64, f64) {
    ((1.0 + x.exp()).ln(), x_dot / (1.0 + (-x).exp()))
}

/// Callees one module down: reached as `physics::springs::..`.
pub mod springs {
    use rjax::prelude::*;

    /// An anharmonic spring: k x^2 / 2 + x^4 / 4.
    #[grad]
    pub fn spring(x: f64, k: f64) -> f64 {
        0.5 * k * x * x + 0.25 * x.powi(4)
    }

    /// Squared distance between two points, batched over the first.
    #[vmap(in_axes = (0, None))]
    pub fn dist2(a: &Array<f64>, b: &Array<f64>) -> f64 {
        let d = a - b;
        (&d * &d).sum()
    }
}

/// A parameter struct: its gradient is a `Spring` too.
#[derive(Tree, Clone, Debug)]
pub struct Spring {
    /// Stiffness.
    pub k: f64,
    /// Rest length.
    pub x0: f64,
}

/// k (x - x0)^2 / 2.
#[grad]
pub fn spring_energy(s: &Spring, x: f64) -> f64 {
    let d = x - s.x0;
    0.5 * s.k * d * d
}
