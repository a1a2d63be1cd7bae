// Noise is drawn from the key, but the key itself has no derivative:
// `argnums` pointing at it is refused with a message.
use rjax::prelude::*;

#[grad(argnums = 1)]
fn loss(w: &Array<f32>, key: Key) -> f32 {
    let noise = random::normal::<f32>(key, w.shape());
    (w + &noise).sum()
}

fn main() {}
