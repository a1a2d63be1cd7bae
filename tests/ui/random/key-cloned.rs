// A key cannot be duplicated behind the user's back either: `Key` is not
// `Clone`. Split it to get independent keys.
use rjax::random;

fn clone_key() {
    let key = random::key(0);
    let copy = key.clone();
    let _ = (random::uniform::<f32>(key, &[2], 0.0, 1.0), copy);
}

fn main() {}
