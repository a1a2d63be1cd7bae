// Under `#[jit]` the body is replaced by generated code, but reusing a key
// is still a compile error: rustc checks the moves of the body as written.
use rjax::prelude::*;

#[jit]
fn twice(x: &Array<f32>, key: Key) -> Array<f32> {
    let a = random::normal::<f32>(key, x.shape());
    let b = random::normal::<f32>(key, x.shape());
    &a + &b
}

fn main() {}
