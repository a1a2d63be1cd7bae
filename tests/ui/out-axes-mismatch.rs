use rjax::prelude::*;

// Two entries for a function returning one array.
#[vmap(out_axes = (0, 1))]
fn f(t: &Array<f32>) -> Array<f32> {
    t.sin()
}

// A batch of nalgebra vectors is a Vec: its batch is axis 0.
#[vmap(out_axes = 1)]
fn g(t: &Array<f32>) -> SVector<f32, 2> {
    SVector::<f32, 2>::new(t[0], t[1])
}

// A batched scalar is 1-d.
#[vmap(out_axes = 1)]
fn h(t: &Array<f32>) -> f32 {
    t.sum()
}

// An axis beyond the batched array's rank (1 + 1).
#[vmap(out_axes = 2)]
fn k(t: &Array<f32>) -> Array<f32> {
    t.cos()
}

fn main() {}
