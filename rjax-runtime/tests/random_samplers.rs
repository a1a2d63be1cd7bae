//! Sampler behaviour that does not depend on JAX's exact bits: shapes,
//! ranges, moments against the analytic values, and the partitionable
//! layout (element i depends only on i, so big parallel draws extend small
//! ones).

use rjax_runtime::Array;
use rjax_runtime::random;

fn moments(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    (m, x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n)
}

fn f64s<T: Copy + Into<f64>>(a: &[T]) -> Vec<f64> {
    a.iter().map(|&v| v.into()).collect()
}

const N: usize = 200_000; // above the parallel threshold

#[test]
fn large_parallel_draws_extend_small_serial_ones() {
    let big = random::normal::<f32>(random::key(1), &[N]);
    let small = random::normal::<f32>(random::key(1), &[1000]);
    assert_eq!(&big.as_slice()[..1000], small.as_slice());
    let big = random::bits::<u64>(random::key(2), &[N]);
    let small = random::bits::<u64>(random::key(2), &[33]);
    assert_eq!(&big.as_slice()[..33], small.as_slice());
    // The shape only arranges the same stream.
    let m = random::uniform::<f64>(random::key(3), &[2, 5], 0.0, 1.0);
    let v = random::uniform::<f64>(random::key(3), &[10], 0.0, 1.0);
    assert_eq!(m.shape(), &[2, 5]);
    assert_eq!(m.as_slice(), v.as_slice());
}

#[test]
fn normal_and_uniform_moments() {
    let (m, v) = moments(&f64s(
        random::normal::<f32>(random::key(0), &[N]).as_slice(),
    ));
    assert!(m.abs() < 0.01 && (v - 1.0).abs() < 0.01, "{m} {v}");
    let u = random::uniform::<f64>(random::key(0), &[N], -2.0, 5.0);
    assert!(u.as_slice().iter().all(|&x| (-2.0..5.0).contains(&x)));
    let (m, v) = moments(u.as_slice());
    assert!(
        (m - 1.5).abs() < 0.02 && (v - 49.0 / 12.0).abs() < 0.03,
        "{m} {v}"
    );
}

#[test]
fn truncated_normal_stays_inside_and_has_the_right_mean() {
    let t = random::truncated_normal::<f64>(random::key(5), -1.0, 2.0, &[N]);
    assert!(t.as_slice().iter().all(|&x| -1.0 < x && x < 2.0));
    // Mean of N(0,1) truncated to (a, b): (phi(a) - phi(b)) / (Phi(b) - Phi(a)).
    let phi = |x: f64| (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let want = (phi(-1.0) - phi(2.0)) / (0.977_249_868_051_820_8 - 0.158_655_253_931_457_05);
    let (m, _) = moments(t.as_slice());
    assert!((m - want).abs() < 0.01, "{m} vs {want}");
}

#[test]
fn gumbel_and_exponential_moments() {
    let (m, v) = moments(&f64s(
        random::gumbel::<f32>(random::key(6), &[N]).as_slice(),
    ));
    let euler = 0.577_215_664_901_532_9;
    let pi2_6 = std::f64::consts::PI.powi(2) / 6.0;
    assert!(
        (m - euler).abs() < 0.01 && (v - pi2_6).abs() < 0.03,
        "{m} {v}"
    );
    let e = random::exponential::<f64>(random::key(7), &[N]);
    assert!(e.as_slice().iter().all(|&x| x >= 0.0));
    let (m, v) = moments(e.as_slice());
    assert!((m - 1.0).abs() < 0.01 && (v - 1.0).abs() < 0.03, "{m} {v}");
}

#[test]
fn bernoulli_and_randint_frequencies() {
    let b = random::bernoulli(random::key(8), 0.3f32, &[N]);
    let freq = b.as_slice().iter().filter(|&&x| x).count() as f64 / N as f64;
    assert!((freq - 0.3).abs() < 0.005, "{freq}");
    let r = random::randint(random::key(9), &[N], -3, 7);
    let mut counts = [0usize; 10];
    for &v in r.as_slice() {
        counts[(v + 3) as usize] += 1;
    }
    assert!(
        counts
            .iter()
            .all(|&c| (c as f64 / N as f64 - 0.1).abs() < 0.005)
    );
    // Empty and inverted ranges give minval, as in JAX.
    assert!(
        random::randint(random::key(1), &[5], 4, 4)
            .as_slice()
            .iter()
            .all(|&v| v == 4)
    );
    assert!(
        random::randint(random::key(1), &[5], 9, 2)
            .as_slice()
            .iter()
            .all(|&v| v == 9)
    );
    // The full i32 range works without overflow.
    let full = random::randint(random::key(2), &[1000], i32::MIN, i32::MAX);
    assert!(full.as_slice().iter().any(|&v| v < 0) && full.as_slice().iter().any(|&v| v > 0));
    let w = random::randint_i64(random::key(3), &[1000], -(1 << 40), 1 << 40);
    assert!(
        w.as_slice()
            .iter()
            .all(|&v| (-(1 << 40)..1 << 40).contains(&v))
    );
}

#[test]
fn permutations_and_choices() {
    let mut p = random::permutation(random::key(0), 1000).to_vec();
    assert_ne!(p, (0..1000).collect::<Vec<i32>>());
    p.sort();
    assert_eq!(p, (0..1000).collect::<Vec<i32>>());

    let x = Array::from_shape_vec(vec![4, 3], (0..12).map(|v| v as f64).collect()).unwrap();
    let y = random::permute_rows(random::key(1), &x);
    let order = random::permutation(random::key(1), 4);
    for (r, &src) in order.as_slice().iter().enumerate() {
        let s = src as usize;
        assert_eq!(
            &y.as_slice()[r * 3..r * 3 + 3],
            &x.as_slice()[s * 3..s * 3 + 3]
        );
    }

    let c = random::choice(random::key(2), 50, &[5, 4], false);
    assert_eq!(c.shape(), &[5, 4]);
    let mut seen = c.to_vec();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 20);
    let with = random::choice(random::key(2), 3, &[100], true);
    assert!(with.as_slice().iter().all(|&v| (0..3).contains(&v)));
    let err = random::try_choice(random::key(2), 3, &[4], false)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("choice:") && err.contains("[4]"), "{err}");
    let err = random::try_permute_rows(random::key(2), &Array::scalar(1.0f32)).unwrap_err();
    assert!(err.to_string().contains("shape []"));
}

#[test]
fn categorical_follows_softmax_along_the_axis() {
    let probs = [0.1f64, 0.2, 0.3, 0.4];
    // Logits along axis 0 of a [4, 2] array: both columns share the
    // distribution.
    let logits: Vec<f64> = probs.iter().flat_map(|p| [p.ln(), p.ln()]).collect();
    let logits = Array::from_shape_vec(vec![4, 2], logits).unwrap();
    let c = random::categorical(random::key(3), &logits, 0, Some(&[50_000, 2]));
    assert_eq!(c.shape(), &[50_000, 2]);
    let mut counts = [0usize; 4];
    for &v in c.as_slice() {
        counts[v as usize] += 1;
    }
    for (k, &p) in probs.iter().enumerate() {
        assert!(
            (counts[k] as f64 / 100_000.0 - p).abs() < 0.01,
            "{counts:?}"
        );
    }
    let err = random::try_categorical(random::key(0), &logits, 2, None).unwrap_err();
    assert!(err.to_string().contains("[4, 2]"), "{err}");
    let err = random::try_categorical(random::key(0), &logits, 0, Some(&[3])).unwrap_err();
    assert!(err.to_string().contains("batch shape [2]"), "{err}");
}

#[test]
fn weighted_choice_follows_p() {
    let p = [1.0f64, 0.0, 3.0, 4.0]; // unnormalised, one impossible entry
    let c = random::choice_weighted(random::key(4), &p, &[80_000], true);
    let mut counts = [0usize; 4];
    for &v in c.as_slice() {
        counts[v as usize] += 1;
    }
    assert_eq!(counts[1], 0);
    for (k, &w) in p.iter().enumerate() {
        assert!(
            (counts[k] as f64 / 80_000.0 - w / 8.0).abs() < 0.01,
            "{counts:?}"
        );
    }
    let once = random::choice_weighted(random::key(5), &[0.5f32, 0.2, 0.3], &[3], false);
    let mut seen = once.to_vec();
    seen.sort();
    assert_eq!(seen, vec![0, 1, 2]);
    let err = random::try_choice_weighted(random::key(5), &[0.5f32], &[2], false).unwrap_err();
    assert!(err.to_string().contains("without replacement"), "{err}");
}

#[test]
fn sixty_four_bit_draws_are_arrays() {
    // The typed bindings are the point: 64-bit results are `Array`s.
    let w: Array<u64> = random::bits::<u64>(random::key(8), &[2, 3]);
    assert_eq!(w.shape(), &[2, 3]);
    let r: Array<i64> = random::randint_i64(random::key(8), &[4], -(1 << 40), 1 << 40);
    assert_eq!(r.shape(), &[4]);
    assert!(
        r.as_slice()
            .iter()
            .all(|v| (-(1 << 40)..1 << 40).contains(v))
    );
    assert_eq!(
        <u64 as rjax_runtime::Element>::DTYPE,
        rjax_runtime::DType::U64
    );
}
