use rjax::prelude::*;

#[jit]
fn h(t: &Array<f32>) -> Array<f32> {
    t.sin()
}

fn main() {
    let t = Array::from_vec(vec![1.0f32, 2.0]);
    let _g = h::grad(&t);
}
