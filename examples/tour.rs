//! A tour of rjax (placeholder until the macros land): builds arrays.
use rjax::prelude::*;

fn main() {
    let t = Array::from_vec(vec![1.0f32, 2.0, 3.0]);
    println!("t = {t:?}");
}
