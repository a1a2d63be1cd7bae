use rjax::prelude::*;
#[grad(argnums = 3)]
fn f(x: f32) -> f32 {
    let c = |v: f32| v;
    let y = x.sinh();
    match y {
        _ => c(y),
    }
}

fn main() {}
