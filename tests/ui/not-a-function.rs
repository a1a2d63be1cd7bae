use rjax::prelude::*;
#[grad]
struct S;

fn main() {}
