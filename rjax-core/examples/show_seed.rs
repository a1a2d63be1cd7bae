//! Prints the seed function's jaxpr and its transformations.
use rjax_core::{Builder, DType, transforms};

fn main() {
    let mut b = Builder::new();
    let t = b.input(DType::F32, [3]);
    let x = b.index(t.into(), 0).unwrap();
    let y = b.index(t.into(), 1).unwrap();
    let z = b.index(t.into(), 2).unwrap();
    let (s, c) = (b.sin(x).unwrap(), b.cos(y).unwrap());
    let p = b.mul(s, c).unwrap();
    let f = b.mul(p, z).unwrap();
    let f = b.build(&[f]);
    println!("f:\n{f}\n");
    println!("grad f:\n{}\n", transforms::grad(&f, &[0], false).unwrap());
    println!(
        "vmap(grad f):\n{}\n",
        transforms::vmap(
            &transforms::grad(&f, &[0], false).unwrap(),
            &[Some(0)],
            &[Some(0)]
        )
        .unwrap()
    );
    println!("hessian f:\n{}", transforms::hessian(&f, 0).unwrap());
}
