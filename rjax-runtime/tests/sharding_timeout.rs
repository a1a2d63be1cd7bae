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
