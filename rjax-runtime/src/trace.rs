//! What rjax reports about itself (a jit signature compiled, the kernels
//! picked for this CPU), through the `log` facade so that an application's
//! logger routes it like its own records. Targets: `rjax::jit`,
//! `rjax::kernels`.
//!
//! `RJAX_LOG=1` is a shortcut for programs with no logger: the same lines
//! go to stderr. With a logger installed, they go only to the logger.

/// Reports `message` at debug level under `target`, or on stderr when no
/// logger takes debug records and `RJAX_LOG` is set (and not `0`).
pub(crate) fn debug(target: &str, message: impl FnOnce() -> String) {
    if log::log_enabled!(target: target, log::Level::Debug) {
        log::debug!(target: target, "{}", message());
    } else if shortcut() {
        eprintln!("{}", message());
    }
}

/// `RJAX_LOG` set to anything but `0` or the empty string.
fn shortcut() -> bool {
    // `var_os` of an unset variable allocates nothing.
    std::env::var_os("RJAX_LOG").is_some_and(|v| v != "0" && !v.is_empty())
}
