//! rjax's records go through the `log` facade: an application that installs
//! a logger sees each new jit signature once (target `rjax::jit`) and the
//! kernels picked for this CPU (target `rjax::kernels`). Its own binary,
//! since a logger is installed once per process.

use std::sync::Mutex;

use rjax::prelude::*;

/// A logger that keeps every record's target and text.
struct Keep(Mutex<Vec<(String, String)>>);

impl log::Log for Keep {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, r: &log::Record) {
        self.0
            .lock()
            .unwrap()
            .push((r.target().to_string(), r.args().to_string()));
    }
    fn flush(&self) {}
}

static KEEP: Keep = Keep(Mutex::new(Vec::new()));

#[jit]
fn scaled_sum(x: &Array<f32>) -> f32 {
    (x * 2.0).sum()
}

#[test]
fn jit_misses_and_the_kernel_choice_reach_the_applications_logger() {
    log::set_logger(&KEEP).unwrap();
    log::set_max_level(log::LevelFilter::Debug);
    let a = Array::<f32>::ones(&[4]);
    assert_eq!(scaled_sum(&a), 8.0);
    assert_eq!(scaled_sum(&a), 8.0);
    // A big enough product to go through the dispatched kernels.
    let m = Array::<f32>::ones(&[64, 64]);
    let _ = m.matmul(&m);
    let records = KEEP.0.lock().unwrap().clone();
    let jit: Vec<&str> = records
        .iter()
        .filter(|(t, _)| t == "rjax::jit")
        .map(|(_, m)| m.as_str())
        .collect();
    assert_eq!(jit, vec!["compiling scaled_sum for [4]:f32"], "{records:?}");
    assert!(
        records
            .iter()
            .any(|(t, m)| t == "rjax::kernels" && m.starts_with("kernels for ")),
        "{records:?}"
    );
}
