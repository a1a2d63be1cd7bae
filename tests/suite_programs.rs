//! The benchmark suite's user programs (benches/programs/defs.rs): each
//! `#[jit]` result equals the same maths evaluated eagerly (plain Rust on
//! the eager API, or the un-jitted companions), at smaller sizes.
#![allow(dead_code, clippy::needless_range_loop)]

#[path = "../benches/programs/defs.rs"]
mod defs;
use defs::*;
use rjax::prelude::*;

#[path = "support/xorshift.rs"]
mod xorshift;

fn rand(shape: &[usize], seed: u32, scale: f64) -> Array<f32> {
    let n = shape.iter().product();
    let v = xorshift::uniform::<f32>(n, seed, -scale, scale);
    Array::from_shape_vec(shape.to_vec(), v).unwrap()
}

fn close(got: &[f32], want: &[f32], rtol: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let scale = want.iter().fold(1e-6f32, |m, x| m.max(x.abs()));
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= rtol * scale,
            "{what}[{k}]: jit {g} eager {w}"
        );
    }
}

#[test]
fn mlp_step_equals_the_eager_update() {
    let (d, h, o, b) = (20, 16, 10, 8);
    let p = Mlp {
        w1: rand(&[d, h], 1, 0.3),
        b1: rand(&[h], 2, 0.1),
        w2: rand(&[h, h], 3, 0.3),
        b2: rand(&[h], 4, 0.1),
        w3: rand(&[h, o], 5, 0.3),
        b3: rand(&[o], 6, 0.1),
    };
    let x = rand(&[b, d], 7, 1.0);
    let mut y = vec![0.0f32; b * o];
    for i in 0..b {
        y[i * o + (i * 7) % o] = 1.0;
    }
    let y = Array::from_shape_vec(vec![b, o], y).unwrap();
    let next = mlp_step(&p, &x, &y, 0.1);
    let g = mlp_loss::grad(&p, &x, &y);
    let eager = |w: &Array<f32>, g: &Array<f32>| (w - &(g * 0.1)).to_vec();
    close(&next.w1.to_vec(), &eager(&p.w1, &g.w1), 1e-5, "w1");
    close(&next.b1.to_vec(), &eager(&p.b1, &g.b1), 1e-5, "b1");
    close(&next.w3.to_vec(), &eager(&p.w3, &g.w3), 1e-5, "w3");
    close(&next.b3.to_vec(), &eager(&p.b3, &g.b3), 1e-5, "b3");
    assert!(
        mlp_loss(&next, &x, &y) < mlp_loss(&p, &x, &y),
        "a step lowers the loss"
    );
}

#[test]
fn rnn_grad_equals_the_eager_gradient() {
    let w = rand(&[8, 8], 11, 0.4);
    let xs = rand(&[100, 4, 8], 12, 1.0);
    close(
        &rnn_grad(&w, &xs).to_vec(),
        &rnn_loss::grad(&w, &xs).to_vec(),
        1e-4,
        "rnn",
    );
}

#[test]
fn per_example_grads_equal_a_loop() {
    let (n, d) = (37, 12);
    let w = rand(&[d], 21, 0.5);
    let xs = rand(&[n, d], 22, 1.0);
    let ys = Array::from_vec(
        (0..n)
            .map(|i| if i % 3 == 0 { 1.0 } else { -1.0 })
            .collect(),
    );
    let got = per_example_grads(&w, &xs, &ys);
    assert_eq!(got.shape(), &[n, d]);
    for i in 0..n {
        // d/dw log(1 + exp(-y x.w)) = -y x sigmoid(-y x.w)
        let x = xs.index(i);
        let z: f32 = x.to_vec().iter().zip(w.to_vec()).map(|(a, b)| a * b).sum();
        let s = 1.0 / (1.0 + (ys[i] * z).exp());
        let want: Vec<f32> = x.to_vec().iter().map(|xk| -ys[i] * xk * s).collect();
        close(&got.index(i).to_vec(), &want, 1e-5, "example grad");
    }
}

#[test]
fn rosenbrock_hessian_is_the_analytic_one() {
    let xv: Vec<f64> = (0..16).map(|i| 0.1 * i as f64 - 0.7).collect();
    let h = rosenbrock_hessian(&Array::from_vec(xv.clone()));
    assert_eq!(h.shape(), &[16, 16]);
    let mut want = vec![0.0; 256];
    for i in 0..8 {
        let (a, b) = (xv[2 * i], xv[2 * i + 1]);
        let (j, k) = (2 * i, 2 * i + 1);
        want[j * 16 + j] = 1200.0 * a * a - 400.0 * b + 2.0;
        want[j * 16 + k] = -400.0 * a;
        want[k * 16 + j] = -400.0 * a;
        want[k * 16 + k] = 200.0;
    }
    for (g, w) in h.to_vec().iter().zip(&want) {
        assert!((g - w).abs() <= 1e-9 * (1.0 + w.abs()), "{g} vs {w}");
    }
}

#[test]
fn adam_equals_the_eager_update() {
    let n = 1000;
    let (p, g) = (rand(&[n], 31, 1.0), rand(&[n], 32, 1.0));
    let (m, v) = (rand(&[n], 33, 0.1), rand(&[n], 34, 0.1).abs());
    let (np, nm, nv) = adam(&p, &g, &m, &v, 3.0);
    let mut want = (vec![], vec![], vec![]);
    for k in 0..n {
        let mk = 0.9 * m[k] + 0.1 * g[k];
        let vk = 0.999 * v[k] + 0.001 * g[k] * g[k];
        let mhat = mk / (1.0 - 0.9f32.powf(3.0));
        let vhat = vk / (1.0 - 0.999f32.powf(3.0));
        want.0.push(p[k] - 0.001 * mhat / (vhat.sqrt() + 1e-8));
        want.1.push(mk);
        want.2.push(vk);
    }
    close(&np.to_vec(), &want.0, 1e-6, "p");
    close(&nm.to_vec(), &want.1, 1e-6, "m");
    close(&nv.to_vec(), &want.2, 1e-6, "v");
}

#[test]
fn kmeans_assign_picks_the_nearest_centre() {
    let x = rand(&[300, 5], 41, 1.0);
    let c = rand(&[7, 5], 42, 1.0);
    let got = kmeans_assign(&x, &c).to_vec();
    for i in 0..300 {
        let dist = |j: usize| -> f32 {
            (0..5)
                .map(|k| (x.get(&[i, k]) - c.get(&[j, k])).powi(2))
                .sum()
        };
        let best = (0..7).min_by(|&a, &b| dist(a).total_cmp(&dist(b))).unwrap();
        // Ties or near-ties may pick either centre.
        assert!(dist(got[i] as usize) <= dist(best) + 1e-5, "point {i}");
    }
}

#[test]
fn nbody_equals_a_loop() {
    let n = 40;
    let xs = rand(&[n, 3], 51, 2.0);
    let ms = rand(&[n], 52, 1.0).abs();
    let got = nbody(&xs, &ms);
    assert_eq!(got.shape(), &[n, 3]);
    for i in 0..n {
        let mut a = [0.0f32; 3];
        for j in 0..n {
            let d: Vec<f32> = (0..3).map(|k| xs.get(&[j, k]) - xs.get(&[i, k])).collect();
            let r2 = d.iter().map(|v| v * v).sum::<f32>() + 0.01;
            let w = ms[j] / (r2 * r2.sqrt());
            for k in 0..3 {
                a[k] += d[k] * w;
            }
        }
        close(&got.index(i).to_vec(), &a, 1e-5, "accel");
    }
}
