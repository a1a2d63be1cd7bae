use rjax::prelude::*;
#[grad]
fn f(t: &Array<f32>) -> f32 {
    let mut u = t.clone();
    u[0] = 1.0;
    u.sum()
}

fn main() {}
