//! Keys as a user handles them: deriving, batching, and replaying.

use rjax_runtime::random::{self, Key};

fn data(keys: &[Key]) -> Vec<[u32; 2]> {
    keys.iter().map(Key::data).collect()
}

#[test]
fn split_is_a_prefix_family_and_fold_in_picks_a_row() {
    let five = data(&random::split(random::key(3), 5));
    let two = data(&random::split(random::key(3), 2));
    assert_eq!(&five[..2], &two[..]);
    let [a, b] = random::split2(random::key(3));
    assert_eq!([a.data(), b.data()], [five[0], five[1]]);
    for (i, row) in five.iter().enumerate() {
        assert_eq!(random::fold_in(random::key(3), i as u32).data(), *row);
    }
    // All distinct, and distinct from the parent.
    let mut all = five.clone();
    all.push(random::key(3).data());
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 6);
}

#[test]
fn seeds_use_both_words_like_jax_x64() {
    assert_eq!(random::key(7).data(), [0, 7]);
    assert_eq!(random::key((1 << 32) + 5).data(), [1, 5]);
    assert_eq!(random::key_x32((1 << 32) + 5).data(), [0, 5]);
    assert_eq!(random::key_data(&random::key(u64::MAX)), [u32::MAX; 2]);
}

#[test]
fn a_batch_of_keys_round_trips_through_an_array_and_replays_draws() {
    let keys = random::split(random::key(0), 8);
    let arr = random::keys_to_array(keys);
    assert_eq!(arr.shape(), &[8, 2]);
    // Draw per key, twice, from the same key data: identical results.
    let draws = |arr| -> Vec<Vec<f32>> {
        random::keys_from_array(arr)
            .unwrap()
            .into_iter()
            .map(|k| random::normal::<f32>(k, &[4]).to_vec())
            .collect()
    };
    let first = draws(&arr);
    assert_eq!(first, draws(&arr));
    // Each key gives different numbers.
    for i in 1..8 {
        assert_ne!(first[0], first[i]);
    }
}

#[test]
fn keys_from_array_names_the_shape_it_needed() {
    let bad = rjax_runtime::Array::from_shape_vec(vec![2, 3], vec![0u32; 6]).unwrap();
    let err = random::keys_from_array(&bad).unwrap_err().to_string();
    assert!(
        err.contains("keys_from_array") && err.contains("[2, 3]"),
        "{err}"
    );
}

#[test]
fn from_data_is_wrap_key_data() {
    let k = random::split2(random::key(11))[1].data();
    let a = random::uniform::<f64>(Key::from_data(k), &[3], 0.0, 1.0);
    let [_, again] = random::split2(random::key(11));
    let b = random::uniform::<f64>(again, &[3], 0.0, 1.0);
    assert_eq!(a.as_slice(), b.as_slice());
}

/// JAX's `k1, k2, k3 = random.split(key, 3)`, written the way it reads:
/// the keys JAX 0.10.2 gives (shared/reference, case `split3_0`).
#[test]
fn split_n_destructures_into_jaxs_keys() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/reference/random_f32.json"
    ))
    .expect("../shared/reference/random_f32.json beside the repository");
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap();
    let case = reference["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "split3_0")
        .expect("case split3_0");
    let want: Vec<u32> = case["result"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    let [k1, k2, k3] = random::split_n(random::key(0));
    let got: Vec<u32> = [k1, k2, k3].iter().flat_map(Key::data).collect();
    assert_eq!(got, want);
    let four: [Key; 4] = random::split_n(random::key(0));
    assert_eq!(data(&four[..3]), data(&random::split(random::key(0), 3)));
}
