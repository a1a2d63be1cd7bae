use rjax::prelude::*;
#[grad]
fn f<T: Copy>(x: T) -> T {
    x
}

fn main() {}
