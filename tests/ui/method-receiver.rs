use rjax::prelude::*;
struct S;
impl S {
    #[grad]
    fn f(&self, x: f32) -> f32 {
        x * x
    }
}

fn main() {}
