// Drawing twice from one key would repeat the same random numbers, so every
// sampler takes the key by value: the second use is a move error. Fix: split
// the key first (`let [k1, k2] = random::split2(key);`).
use rjax::random;

fn draw_twice() {
    let key = random::key(0);
    let noise = random::normal::<f32>(key, &[3]);
    let more_noise = random::normal::<f32>(key, &[3]);
    assert_ne!(noise.as_slice(), more_noise.as_slice());
}

fn main() {}
