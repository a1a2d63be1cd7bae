// Only some `rjax::random` functions can be transformed; the error lists them.
use rjax::prelude::*;

#[jit]
fn shuffled(key: Key) -> Array<i32> {
    random::permutation(key, 5)
}

fn main() {}
