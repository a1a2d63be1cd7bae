// A static nalgebra vector: scalar leaves, no allocation.
#[grad]
fn norm2(t: &SVector<f64, 3>) -> f64 {
    t[0] * t[0] + t[1] * t[1] + t[2].sin()
}
