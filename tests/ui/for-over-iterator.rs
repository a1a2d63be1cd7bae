use rjax::prelude::*;
#[grad]
fn f(t: &Array<f32>) -> f32 {
    let mut s = 0.0;
    for v in t.as_slice() {
        s = s + v;
    }
    s
}

fn main() {}
