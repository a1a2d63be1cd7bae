//! The collective timeout: a device that is late past the (configurable)
//! timeout makes the waiting devices fail with an error naming it. Its own
//! binary because the timeout is a per-process setting.

use std::time::Duration;

use rjax_runtime::Array;
use rjax_runtime::P;
use rjax_runtime::sharding::{
    Mesh, axis_index, collective_timeout, devices, psum, set_collective_timeout,
    set_num_cpu_devices, shard_map,
};

#[test]
fn a_late_device_is_named_when_the_timeout_expires() {
    set_num_cpu_devices(2).unwrap();
    set_collective_timeout(Duration::from_millis(100));
    assert_eq!(collective_timeout(), Duration::from_millis(100));
    let mesh = Mesh::new(&devices()[..2], &[("data", 2)]).unwrap();
    let sm = shard_map(
        |xs: &[Array<f64>]| {
            if axis_index("data") == 1 {
                // Stuck well past the timeout (a stand-in for a hung device).
                std::thread::sleep(Duration::from_millis(800));
            }
            vec![psum(&xs[0], "data")]
        },
        &mesh,
        &[P!["data"]],
        &[P![]],
    );
    let x = Array::from_vec(vec![1.0, 2.0]);
    let err = sm.call(&[&x]).unwrap_err().to_string();
    assert!(
        err.contains("timed out after 100ms waiting for device cpu:1 at {data: 1}"),
        "{err}"
    );
}

/// A device that never arrives must not hold `call` past the timeout:
/// the straggler here waits until the test releases it, which the test does
/// only after `call` has returned, so a `call` that waited for it would
/// return only at the straggler's 60 s safety limit, with the flag set.
#[test]
fn call_returns_its_error_without_waiting_for_the_straggler() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    set_num_cpu_devices(2).unwrap();
    set_collective_timeout(Duration::from_millis(100));
    let mesh = Mesh::new(&devices()[..2], &[("data", 2)]).unwrap();
    let release = Arc::new(AtomicBool::new(false));
    let straggler_done = Arc::new(AtomicBool::new(false));
    let (r, d) = (release.clone(), straggler_done.clone());
    let sm = shard_map(
        move |xs: &[Array<f64>]| {
            if axis_index("data") == 1 {
                let limit = std::time::Instant::now() + Duration::from_secs(60);
                while !r.load(Ordering::SeqCst) && std::time::Instant::now() < limit {
                    std::thread::sleep(Duration::from_millis(5));
                }
                d.store(true, Ordering::SeqCst);
            }
            vec![psum(&xs[0], "data")]
        },
        &mesh,
        &[P!["data"]],
        &[P![]],
    );
    let x = Array::from_vec(vec![1.0, 2.0]);
    let err = sm.call(&[&x]).unwrap_err().to_string();
    assert!(
        !straggler_done.load(Ordering::SeqCst),
        "shard_map waited for the straggler"
    );
    assert!(err.contains("waiting for device cpu:1"), "{err}");
    release.store(true, Ordering::SeqCst);

    // The mesh stays usable: a later call gets fresh workers.
    let ok = shard_map(
        |xs: &[Array<f64>]| vec![psum(&xs[0], "data")],
        &mesh,
        &[P!["data"]],
        &[P![]],
    );
    assert_eq!(ok.call(&[&x]).unwrap()[0].gather().to_vec(), vec![3.0]);
}
