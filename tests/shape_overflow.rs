//! Shapes whose element count overflows `usize` are refused where they
//! enter, with the op and the shape named: before, `zeros(&[1 << 63, 2])`
//! wrapped to an empty array and a later matmul wrote into it (a segfault
//! from safe code), and `broadcast_to` grew memory until the process died.

use rjax::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The panic message of `f`, which must panic.
fn panic_text(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

fn assert_overflow(text: &str, op: &str) {
    assert!(
        text.starts_with(&format!("{op}: ")) && text.contains("more elements than fit in usize"),
        "expected an overflow error from {op}, got: {text}"
    );
}

const HUGE: usize = 1 << 63;

#[test]
fn constructors_refuse_shapes_that_overflow() {
    assert_overflow(
        &panic_text(|| drop(Array::<f32>::zeros(&[HUGE, 2]))),
        "zeros",
    );
    assert_overflow(&panic_text(|| drop(Array::<f64>::ones(&[HUGE, 4]))), "ones");
    assert_overflow(
        &panic_text(|| drop(Array::full(&[3, HUGE, 2], 1i32))),
        "full",
    );
    assert_overflow(&panic_text(|| drop(Array::<f32>::eye(1 << 33))), "eye");
    let e = Array::from_shape_vec(vec![HUGE + 1, 2], vec![1.0f32, 2.0]).unwrap_err();
    assert_overflow(&e.to_string(), "from_shape_vec");
    // An empty array may have huge axes: its count is 0, not a wrap.
    let empty = Array::<f32>::zeros(&[HUGE, 0]);
    assert_eq!(empty.size(), 0);
}

#[test]
fn shape_ops_refuse_results_that_overflow() {
    let x = Array::from_vec(vec![1.0f32, 2.0]);
    assert_overflow(
        &x.try_broadcast_to(&[HUGE, 2]).unwrap_err().to_string(),
        "broadcast_to",
    );
    assert_overflow(
        &x.try_reshape(&[HUGE, 4]).unwrap_err().to_string(),
        "reshape",
    );
    // Concatenating empty arrays whose axis sizes add past usize.
    let c = Array::<f32>::zeros(&[0, HUGE]);
    let e = Array::try_concatenate(&[&c, &c], 1)
        .unwrap_err()
        .to_string();
    assert_overflow(&e, "concatenate");
}

#[test]
fn a_product_of_empty_operands_that_overflows_is_an_error_not_a_segfault() {
    // [2^40, 0] x [0, 2^40]: both operands are empty, the product is not.
    let a = Array::<f32>::zeros(&[1 << 40, 0]);
    let b = Array::<f32>::zeros(&[0, 1 << 40]);
    let t = panic_text(|| drop(a.matmul(&b)));
    assert!(t.contains("more elements than fit in usize"), "{t}");
    let t = panic_text(|| drop(a.dot(&b)));
    assert!(t.contains("more elements than fit in usize"), "{t}");
    // A valid empty product still works.
    let z = Array::<f32>::zeros(&[3, 0]).matmul(&Array::zeros(&[0, 2]));
    assert_eq!((z.shape(), z.to_vec()), (&[3usize, 2][..], vec![0.0; 6]));
}

#[jit]
fn gram(x: &Array<f32>) -> Array<f32> {
    x.dot(&x.t())
}

#[jit]
fn gram_tanh(x: &Array<f64>) -> Array<f64> {
    x.dot(&x.t()).tanh()
}

#[test]
fn jit_products_of_empty_operands_that_overflow_are_errors() {
    let t = panic_text(|| drop(gram(&Array::zeros(&[1 << 40, 0]))));
    assert!(t.contains("more elements than fit in usize"), "{t}");
    let t = panic_text(|| drop(gram_tanh(&Array::zeros(&[1 << 33, 0]))));
    assert!(t.contains("more elements than fit in usize"), "{t}");
    // The same functions on ordinary inputs equal the eager product.
    let x = Array::from_shape_vec(vec![2, 3], vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    assert_eq!(gram(&x).to_vec(), x.dot(&x.t()).to_vec());
    let e = Array::<f32>::zeros(&[3, 0]);
    assert_eq!(gram(&e).to_vec(), vec![0.0; 9]);
}

#[test]
fn random_shapes_that_overflow_are_errors() {
    let t = panic_text(|| drop(random::normal::<f32>(random::key(0), &[HUGE, 2])));
    assert!(t.contains("more elements than fit in usize"), "{t}");
    let t = panic_text(|| drop(random::uniform::<f64>(random::key(1), &[HUGE, 4], 0.0, 1.0)));
    assert!(t.contains("more elements than fit in usize"), "{t}");
}

#[test]
fn raw_kernel_entry_points_check_their_lengths() {
    // m = 2^32, k = 0: a wrapped m * m is 0, which an empty output matched.
    let mut out: [f32; 0] = [];
    let t = panic_text(|| {
        rjax::runtime::kernels::syrk_epilogue_slice(&[], 1 << 32, 0, &mut out, |v| v)
    });
    assert!(t.contains("more elements than fit in usize"), "{t}");
    let t = panic_text(|| {
        rjax::runtime::kernels::gemm_epilogue_slice(
            &[],
            &[],
            1 << 32,
            0,
            1 << 32,
            false,
            &mut out,
            |v| v,
        )
    });
    assert!(t.contains("more elements than fit in usize"), "{t}");
}
