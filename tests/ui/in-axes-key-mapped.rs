use rjax::prelude::*;
// A batch of keys is a `Vec<Key>` mapped along axis 0 (`in_axes = (0, 0)`
// is accepted); any other axis for a key is refused.
#[vmap(in_axes = (0, 1))]
fn f(x: f32, key: Key) -> f32 {
    x
}

fn main() {}
