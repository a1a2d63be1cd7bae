//! The composition table of docs/ARCHITECTURE.md: each way of calling an
//! annotated function inside a body (`h(..)`, `h::grad`,
//! `h::value_and_grad`, `h::hessian`, `h::jacobian`, `h::jvp`, `h::vjp`,
//! `h::vmap`), with the callee in the same module, in another module and
//! in another crate (tests/crates/physics/src/matrix.rs), under each caller
//! transformation at once: every caller is `#[jit] #[grad] #[vmap]`, so
//! `use_x(..)` is the jit-compiled body, `use_x::grad` differentiates
//! through the call and `use_x::vmap` batches it. Each is compared with the
//! same body as plain Rust (`eager_x`, calling the callees' companions
//! eagerly): jit against it, grad against its central differences, vmap
//! against a loop over it.
//!
//! The callers are stamped out by `callers!` for each location: the
//! prefix is the path to the module holding `p`, `v` and `r`.
use rjax::prelude::*;

/// The eight callers and their eager twins, calling `$($m::)* p` etc.
macro_rules! callers {
    ($($m:ident)::*) => {
        #[jit]
        #[grad]
        #[vmap]
        pub fn use_call(x: &Array<f64>) -> f64 {
            $($m::)* p(x) * $($m::)* p(x)
        }

        pub fn eager_call(x: &Array<f64>) -> f64 {
            $($m::)* p(x) * $($m::)* p(x)
        }

        #[jit]
        #[grad]
        #[vmap]
        pub fn use_grad(x: &Array<f64>) -> f64 {
            let g = $($m::)* p::grad(x);
            (&g * &g).sum()
        }

        pub fn eager_grad(x: &Array<f64>) -> f64 {
            let g = $($m::)* p::grad(x);
            (&g * &g).sum()
        }

        #[jit]
        #[grad]
        #[vmap]
        pub fn use_value_and_grad(x: &Array<f64>) -> f64 {
            let (y, g) = $($m::)* p::value_and_grad(x);
            y * g.sum()
        }

        pub fn eager_value_and_grad(x: &Array<f64>) -> f64 {
            let (y, g) = $($m::)* p::value_and_grad(x);
            y * g.sum()
        }

        #[jit]
        #[grad]
        #[vmap]
        pub fn use_hessian(x: &Array<f64>) -> f64 {
            let h = $($m::)* p::hessian(x);
            (&h * &h).sum()
        }

        pub fn eager_hessian(x: &Array<f64>) -> f64 {
            let h = $($m::)* p::hessian(x);
            (&h * &h).sum()
        }

        #[jit]
        #[grad]
        #[vmap]
        pub fn use_jacobian(x: &Array<f64>) -> f64 {
            let j = $($m::)* v::jacobian(x);
            (&j * &j).sum()
        }

        pub fn eager_jacobian(x: &Array<f64>) -> f64 {
            let j = $($m::)* v::jacobian(x);
            (&j * &j).sum()
        }

        #[jit]
        #[grad]
        #[vmap]
        pub fn use_jvp(x: &Array<f64>) -> f64 {
            let (y, t) = $($m::)* p::jvp((x,), (x,));
            y * t
        }

        pub fn eager_jvp(x: &Array<f64>) -> f64 {
            let (y, t) = $($m::)* p::jvp((x,), (x,));
            y * t
        }

        #[jit]
        #[grad]
        #[vmap]
        pub fn use_vjp(x: &Array<f64>) -> f64 {
            let (y, pullback) = $($m::)* v::vjp(x);
            let g = pullback(&y);
            g.sum()
        }

        pub fn eager_vjp(x: &Array<f64>) -> f64 {
            let (y, pullback) = $($m::)* v::vjp(x);
            let g = pullback(&y);
            g.sum()
        }

        #[jit]
        #[grad]
        #[vmap]
        pub fn use_vmap(x: &Array<f64>) -> f64 {
            $($m::)* r::vmap(x, x).sum()
        }

        pub fn eager_vmap(x: &Array<f64>) -> f64 {
            $($m::)* r::vmap(x, x).sum()
        }

        /// (name, jit, grad, vmap, eager) for each pattern.
        pub fn cases() -> Vec<Case> {
            vec![
                ("h(..)", use_call, use_call::grad, use_call::vmap, eager_call),
                ("h::grad", use_grad, use_grad::grad, use_grad::vmap, eager_grad),
                (
                    "h::value_and_grad",
                    use_value_and_grad,
                    use_value_and_grad::grad,
                    use_value_and_grad::vmap,
                    eager_value_and_grad,
                ),
                ("h::hessian", use_hessian, use_hessian::grad, use_hessian::vmap, eager_hessian),
                (
                    "h::jacobian",
                    use_jacobian,
                    use_jacobian::grad,
                    use_jacobian::vmap,
                    eager_jacobian,
                ),
                ("h::jvp", use_jvp, use_jvp::grad, use_jvp::vmap, eager_jvp),
                ("h::vjp", use_vjp, use_vjp::grad, use_vjp::vmap, eager_vjp),
                ("h::vmap", use_vmap, use_vmap::grad, use_vmap::vmap, eager_vmap),
            ]
        }
    };
}

type Case = (
    &'static str,
    fn(&Array<f64>) -> f64,
    fn(&Array<f64>) -> Array<f64>,
    fn(&Array<f64>) -> Array<f64>,
    fn(&Array<f64>) -> f64,
);

/// Callees and callers in one module.
mod same_module {
    use super::Case;
    use rjax::prelude::*;

    /// Scalar callee: p(x) = sum(sin(x) * x).
    #[grad]
    fn p(x: &Array<f64>) -> f64 {
        (x.sin() * x).sum()
    }

    /// Vector callee: v(x) = sin(x) * x[0].
    #[grad]
    fn v(x: &Array<f64>) -> Array<f64> {
        x.sin() * x[0]
    }

    /// Batched callee: r(x, s) = sum(sin(x * s)), mapped over `s` only.
    #[vmap(in_axes = (None, 0))]
    fn r(x: &Array<f64>, s: f64) -> f64 {
        (x * s).sin().sum()
    }

    callers!();
}

/// The callees of the other-module column.
mod callees {
    use rjax::prelude::*;

    /// Scalar callee: p(x) = sum(sin(x) * x).
    #[grad]
    pub fn p(x: &Array<f64>) -> f64 {
        (x.sin() * x).sum()
    }

    /// Vector callee: v(x) = sin(x) * x[0].
    #[grad]
    pub fn v(x: &Array<f64>) -> Array<f64> {
        x.sin() * x[0]
    }

    /// Batched callee: r(x, s) = sum(sin(x * s)), mapped over `s` only.
    #[vmap(in_axes = (None, 0))]
    pub fn r(x: &Array<f64>, s: f64) -> f64 {
        (x * s).sin().sum()
    }
}

mod other_module {
    use super::Case;
    use rjax::prelude::*;

    callers!(super::callees);
}

mod other_crate {
    use super::Case;
    use rjax::prelude::*;

    callers!(physics::matrix);
}

const X: [f64; 3] = [0.4, -1.3, 0.9];
const BATCH: [[f64; 3]; 3] = [[0.4, -1.3, 0.9], [1.1, 0.2, -0.6], [-0.8, 2.0, 0.3]];

fn a(v: &[f64]) -> Array<f64> {
    Array::from_vec(v.to_vec())
}

/// jit == eager; grad == central differences of eager; vmap == loop.
fn check(at: &str, (what, jit, grad, vmap, eager): Case) {
    let x = a(&X);
    let want = eager(&x);
    let got = jit(&x);
    assert!(
        (got - want).abs() <= 1e-12 * (1.0 + want.abs()),
        "{what} ({at}): jit {got} vs eager {want}"
    );
    let g = grad(&x);
    for i in 0..X.len() {
        let h = 1e-5;
        let (mut up, mut dn) = (X, X);
        up[i] += h;
        dn[i] -= h;
        let fd = (eager(&a(&up)) - eager(&a(&dn))) / (2.0 * h);
        assert!(
            (g[i] - fd).abs() <= 1e-6 * (1.0 + fd.abs()),
            "{what} ({at}): grad[{i}] {} vs differences {fd}",
            g[i]
        );
    }
    let flat: Vec<f64> = BATCH.iter().flatten().copied().collect();
    let got = vmap(&Array::from_shape_vec(vec![3, 3], flat).unwrap());
    assert_eq!(got.shape(), &[3], "{what} ({at}): vmap shape");
    for (k, row) in BATCH.iter().enumerate() {
        let want = eager(&a(row));
        assert!(
            (got[k] - want).abs() <= 1e-12 * (1.0 + want.abs()),
            "{what} ({at}): vmap[{k}] {} vs loop {want}",
            got[k]
        );
    }
}

#[test]
fn callee_in_the_same_module() {
    let cases = same_module::cases();
    assert_eq!(cases.len(), 8);
    cases.into_iter().for_each(|c| check("same module", c));
}

#[test]
fn callee_in_another_module() {
    let cases = other_module::cases();
    assert_eq!(cases.len(), 8);
    cases.into_iter().for_each(|c| check("other module", c));
}

#[test]
fn callee_in_another_crate() {
    let cases = other_crate::cases();
    assert_eq!(cases.len(), 8);
    cases.into_iter().for_each(|c| check("other crate", c));
}
