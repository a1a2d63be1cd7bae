//! The reference interpreter's view of "the current device": a
//! per-thread [`AxisEnv`] that the collectives' evaluation rules ask for
//! this device's index and for the values of the other devices. The
//! interpreter itself stays mesh-free; whoever simulates a mesh (a test
//! running one thread per device) installs an environment on each thread.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::error::{Error, Result};
use crate::interp::Tensor;
use crate::ir::{DimExpr, Prim};

/// One device's link to the others, for evaluating collectives.
pub trait AxisEnv {
    /// This device's index along `axes` (major first) and the group size.
    fn index(&self, axes: &[String]) -> Result<(usize, usize)>;
    /// Every group member's `x` along `axes`, in index order (this
    /// device's own value included). Every member must call it with the
    /// same `axes`, in the same order of calls, like a real collective.
    fn exchange(&self, axes: &[String], x: &Tensor) -> Result<Vec<Tensor>>;
}

thread_local! {
    static ENV: RefCell<Option<Rc<dyn AxisEnv>>> = const { RefCell::new(None) };
}

/// Puts the previous environment back, also when `f` panics.
struct Restore(Option<Rc<dyn AxisEnv>>);

impl Drop for Restore {
    fn drop(&mut self) {
        let prev = self.0.take();
        ENV.with(|e| *e.borrow_mut() = prev);
    }
}

/// Runs `f` with `env` as this thread's axis environment.
pub fn with_axis_env<R>(env: Rc<dyn AxisEnv>, f: impl FnOnce() -> R) -> R {
    let prev = ENV.with(|e| e.borrow_mut().replace(env));
    let _restore = Restore(prev);
    f()
}

/// The current environment, or an error naming `prim`.
pub(super) fn current(prim: Prim) -> Result<Rc<dyn AxisEnv>> {
    ENV.with(|e| e.borrow().clone()).ok_or_else(|| {
        Error::Eval(format!(
            "{prim}: no axis environment; collectives are evaluated per device, inside with_axis_env (shard_map at run time)"
        ))
    })
}

/// `env` plus the group sizes `size_<axis>` that `d` mentions, read from
/// the current device's environment: the symbols a gathered shape or the
/// axis size of a `pmean` stand for, bound where the code runs.
pub(crate) fn with_axis_sizes(
    prim: Prim,
    d: &DimExpr,
    env: &HashMap<String, i64>,
) -> Result<HashMap<String, i64>> {
    let mut syms = Vec::new();
    d.symbols(&mut syms);
    let mut out = env.clone();
    for s in syms {
        if let (None, Some(axis)) = (env.get(&s), s.strip_prefix("size_")) {
            let (_, n) = current(prim)?.index(&[axis.to_string()])?;
            out.insert(s.clone(), n as i64);
        }
    }
    Ok(out)
}
