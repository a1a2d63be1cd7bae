//! A device that panics, returns early or runs a different collective makes
//! the others fail at once with an error naming it; nothing hangs. (The
//! collective timeout is left at its default of 60 s, so these pass only
//! because the failure is detected, not because a wait ran out.)

use rjax::Array;
use rjax::runtime::P;
use rjax::runtime::sharding::{
    Mesh, all_gather, axis_index, devices, psum, set_num_cpu_devices, shard_map,
};

fn mesh(n: usize) -> Mesh {
    set_num_cpu_devices(4).unwrap();
    Mesh::new(&devices()[..n], &[("data", n)]).unwrap()
}

#[test]
fn a_panicking_device_is_named_and_the_others_are_released() {
    for n in [2, 4] {
        let sm = shard_map(
            |xs: &[Array<f32>]| {
                if axis_index("data") == 1 {
                    panic!("bad shard");
                }
                // The others block here until device 1's panic releases them.
                let s = psum(&xs[0], "data");
                vec![psum(&s, "data")]
            },
            &mesh(n),
            &[P!["data"]],
            &[P![]],
        );
        let x = Array::from_vec(vec![1.0f32; 2 * n]);
        let err = sm.call(&[&x]).unwrap_err().to_string();
        assert!(
            err.contains("device cpu:1 at {data: 1} panicked: bad shard"),
            "{err}"
        );
    }
}

#[test]
fn a_device_that_skips_a_collective_is_named() {
    let sm = shard_map(
        |xs: &[Array<f32>]| {
            if axis_index("data") == 2 {
                return vec![xs[0].clone()];
            }
            vec![psum(&xs[0], "data")]
        },
        &mesh(4),
        &[P!["data"]],
        &[P!["data"]],
    );
    let x = Array::from_vec(vec![1.0f32; 4]);
    let err = sm.call(&[&x]).unwrap_err().to_string();
    assert!(
        err.contains("device cpu:2 at {data: 2} returned without joining it"),
        "{err}"
    );
}

#[test]
fn devices_running_different_collectives_is_an_error() {
    let sm = shard_map(
        |xs: &[Array<f32>]| {
            if axis_index("data") == 0 {
                vec![psum(&xs[0], "data")]
            } else {
                let g = all_gather(&xs[0], "data");
                vec![Array::from_vec(g.to_vec()[..1].to_vec())]
            }
        },
        &mesh(2),
        &[P!["data"]],
        &[P!["data"]],
    );
    let x = Array::from_vec(vec![1.0f32; 2]);
    let err = sm.call(&[&x]).unwrap_err().to_string();
    assert!(err.contains("diverged"), "{err}");
}

#[test]
fn the_same_mesh_works_again_after_a_failure() {
    let m = mesh(2);
    let bad = shard_map(
        |_: &[Array<f32>]| -> Vec<Array<f32>> { panic!("boom") },
        &m,
        &[P![]],
        &[P![]],
    );
    let x = Array::from_vec(vec![1.0f32, 2.0]);
    assert!(bad.call(&[&x]).is_err());
    let good = shard_map(
        |xs: &[Array<f32>]| vec![psum(&xs[0], "data")],
        &m,
        &[P!["data"]],
        &[P![]],
    );
    assert_eq!(good.call(&[&x]).unwrap()[0].gather().to_vec(), vec![3.0]);
}

#[test]
fn a_mesh_with_no_devices_or_an_empty_axis_is_refused() {
    set_num_cpu_devices(4).unwrap();
    // Before, `Mesh::new(&[], &[("data", 0)])` was accepted and a later
    // shard_map divided by zero.
    let e = Mesh::new(&[], &[("data", 0)]).unwrap_err().to_string();
    assert!(
        e.starts_with("Mesh::new: a mesh needs at least one device"),
        "{e}"
    );
    let e = Mesh::new(&devices()[..1], &[("data", 1), ("model", 0)]).unwrap_err();
    assert!(e.to_string().contains("axes of size >= 1"), "{e}");
    // Sizes whose product overflows say how many devices they need.
    let e = Mesh::new(&devices()[..1], &[("a", usize::MAX), ("b", 2)]).unwrap_err();
    assert!(e.to_string().contains("devices but 1 were given"), "{e}");
}
