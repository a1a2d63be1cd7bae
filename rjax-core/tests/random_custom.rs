//! random_bits against JAX's bits (../shared/reference/random_f32.json),
//! and user-defined derivative rules (custom_jvp_call, custom_vjp_call).

mod common;
use common::*;
use rjax_core::interp::Tensor;
use rjax_core::rules::control_flow::sub_jaxpr;
use rjax_core::{Builder, DType, Param, Params, ParamsExt, Prim, TensorType, transforms};

#[test]
fn random_bits_match_jax() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/reference/random_f32.json"
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = r["cases"].as_array().unwrap();
    let mut checked = 0;
    for c in cases
        .iter()
        .filter(|c| c["name"].as_str().unwrap().starts_with("bits32_"))
    {
        let seed: u64 = c["name"].as_str().unwrap()["bits32_".len()..]
            .parse()
            .unwrap();
        let want: Vec<f64> = c["result"]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let mut b = Builder::new();
        let k = b.input(DType::U32, [2]);
        let bits = b
            .eqn1(
                Prim::RandomBits,
                Params::from_pairs([
                    ("bit_width", Param::int(32)),
                    ("shape", Param::usizes(&[want.len()])),
                ]),
                &[k.into()],
            )
            .unwrap();
        let j = b.build(&[bits]);
        // key(seed) is the key data [seed >> 32, seed & 0xffffffff].
        let key = Tensor::vector(
            &[(seed >> 32) as f64, (seed & 0xffff_ffff) as f64],
            DType::U32,
        );
        assert_eq!(run(&j, &[key])[0].data, want, "bits for key({seed})");
        checked += 1;
    }
    assert!(checked >= 3);
}

#[test]
fn custom_jvp_rule_is_used() {
    // f(x) = x³ with a (deliberately different) declared derivative 5·t,
    // so we can see the rule is used instead of differentiating the body.
    let s = TensorType::scalar(DType::F64);
    let call = sub_jaxpr(std::slice::from_ref(&s), |b, a| {
        Ok(vec![b.integer_pow(a[0], 3)?])
    })
    .unwrap();
    let jvp = sub_jaxpr(&[s.clone(), s.clone()], |b, a| {
        let y = b.integer_pow(a[0], 3)?;
        Ok(vec![y, b.mul(a[1], b.lit(5.0, DType::F64))?])
    })
    .unwrap();
    let mut b = Builder::new();
    let x = b.input(DType::F64, []);
    let y = b
        .eqn1(
            Prim::CustomJvpCall,
            Params::from_pairs([
                ("call_jaxpr", Param::jaxpr(call)),
                ("jvp_jaxpr", Param::jaxpr(jvp)),
            ]),
            &[x.into()],
        )
        .unwrap();
    let f = b.build(&[y]);
    let x0 = Tensor::scalar(2.0, DType::F64);
    assert_eq!(run(&f, std::slice::from_ref(&x0))[0].item(), 8.0);
    let g = transforms::grad(&f, &[0], false).unwrap();
    assert_eq!(run(&g, std::slice::from_ref(&x0))[0].item(), 5.0);
    let vg = transforms::vmap(&g, &[Some(0)], &[Some(0)]).unwrap();
    assert_eq!(
        run(&vg, &[Tensor::vector(&[1.0, 3.0], DType::F64)])[0].data,
        vec![5.0, 5.0]
    );
}

#[test]
fn custom_vjp_rule_is_used() {
    // f(x) = sin(x) whose backward clips the cotangent times cos(x) to [-0.1, 0.1].
    let s = TensorType::scalar(DType::F64);
    let call = sub_jaxpr(std::slice::from_ref(&s), |b, a| Ok(vec![b.sin(a[0])?])).unwrap();
    let fwd = sub_jaxpr(std::slice::from_ref(&s), |b, a| {
        Ok(vec![b.sin(a[0])?, b.cos(a[0])?])
    })
    .unwrap();
    let bwd = sub_jaxpr(&[s.clone(), s.clone()], |b, a| {
        let g = b.mul(a[0], a[1])?;
        let g = b.binary(Prim::Min, g, b.lit(0.1, DType::F64))?;
        Ok(vec![b.binary(Prim::Max, g, b.lit(-0.1, DType::F64))?])
    })
    .unwrap();
    let mut b = Builder::new();
    let x = b.input(DType::F64, []);
    let y = b
        .eqn1(
            Prim::CustomVjpCall,
            Params::from_pairs([
                ("bwd_jaxpr", Param::jaxpr(bwd)),
                ("call_jaxpr", Param::jaxpr(call)),
                ("fwd_jaxpr", Param::jaxpr(fwd)),
            ]),
            &[x.into()],
        )
        .unwrap();
    let y2 = b.mul(y, b.lit(3.0, DType::F64)).unwrap();
    let f = b.build(&[y2]);
    let g = transforms::grad(&f, &[0], false).unwrap();
    // 3·cos(0.2) is clipped to 0.1; at x = 1.5, 3·cos(1.5) ≈ 0.212 too.
    for x0 in [0.2, 1.5, 1.56] {
        let want = (3.0 * f64::cos(x0)).clamp(-0.1, 0.1);
        close(
            &run(&g, &[Tensor::scalar(x0, DType::F64)])[0].data,
            &[want],
            1e-12,
            0.0,
        );
    }
    // Pure forward mode through a custom VJP is refused at evaluation.
    let jf = transforms::jvp(&f).unwrap();
    assert!(
        rjax_core::interp::eval_jaxpr(
            &jf,
            &[
                Tensor::scalar(0.1, DType::F64),
                Tensor::scalar(1.0, DType::F64)
            ]
        )
        .is_err()
    );
}
