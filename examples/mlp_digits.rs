//! Handwritten digits (UCI 8×8, 1797 images, examples/data/digits.csv — see
//! DIGITS_LICENSE.md) classified by a one-hidden-layer MLP trained with
//! minibatch SGD with momentum. The parameters are a `#[derive(Tree)]`
//! struct passed directly to the annotated functions; the `#[jit]` step
//! calls `loss::grad`, which returns a `Params` of gradients, and the
//! parameter update is `tree_zip` over the leaves.
//! The data are shuffled with rjax keys (`random::permutation`), split
//! 80/20, and the test accuracy is printed; the loss curve goes to
//! `mlp_digits_loss.png` (current directory or `$RJAX_PLOT_DIR`).
//!
//! `cargo run --release --example mlp_digits` (`--small`: 5 epochs).
#[path = "common/font.rs"]
mod font;

use plotters::prelude::*;
use rjax::prelude::*;
use rjax::runtime::tree::{tree_map, tree_zip};

const HIDDEN: usize = 64;
const CLASSES: usize = 10;
const FEATURES: usize = 64;

/// The parameters as one tree: gradients and momentum have the same
/// shape. `#[rank(2)]` fixes the weight matrices' rank for the macros.
#[derive(Tree, Clone)]
struct Params {
    #[rank(2)]
    w1: Array<f32>,
    b1: Array<f32>,
    #[rank(2)]
    w2: Array<f32>,
    b2: Array<f32>,
}

/// Mean cross-entropy of a tanh MLP; `scale` is 1 / batch size.
#[grad]
fn loss(p: &Params, #[rank(2)] x: &Array<f32>, #[rank(2)] y: &Array<f32>, scale: f32) -> f32 {
    let h = (x.matmul(&p.w1) + &p.b1).tanh();
    let logits = h.matmul(&p.w2) + &p.b2;
    // log-softmax, shifted by the largest logit for stability
    let z = logits.clone() - logits.max();
    let lse = z.exp().sum_axes(&[1], true).log();
    let logp = z - lse;
    -(y * logp).sum() * scale
}

/// One momentum step, compiled as a whole: `loss::grad` over the `Params`
/// tree is fused into the update `v' = momentum v + grad`.
#[jit]
fn velocity_step(
    p: &Params,
    v: &Params,
    #[rank(2)] x: &Array<f32>,
    #[rank(2)] y: &Array<f32>,
    scale: f32,
    momentum: f32,
) -> Params {
    let g = loss::grad(p, x, y, scale);
    Params {
        w1: &v.w1 * momentum + &g.w1,
        b1: &v.b1 * momentum + &g.b1,
        w2: &v.w2 * momentum + &g.w2,
        b2: &v.b2 * momentum + &g.b2,
    }
}

/// Logits of a batch.
#[jit]
fn predict(p: &Params, #[rank(2)] x: &Array<f32>) -> Array<f32> {
    let h = (x.matmul(&p.w1) + &p.b1).tanh();
    h.matmul(&p.w2) + &p.b2
}

struct Data {
    x: Vec<f32>,
    labels: Vec<usize>,
}

fn load() -> Data {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/digits.csv");
    let text = std::fs::read_to_string(path).expect("examples/data/digits.csv");
    let (mut x, mut labels) = (Vec::new(), Vec::new());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Vec<f32> = line
            .split(',')
            .map(|s| s.trim().parse().expect("a number"))
            .collect();
        assert_eq!(
            v.len(),
            FEATURES + 1,
            "digits.csv: 64 pixels and a label per line"
        );
        x.extend(v[..FEATURES].iter().map(|p| p / 16.0));
        labels.push(v[FEATURES] as usize);
    }
    Data { x, labels }
}

/// Rows `idx` of the data as (x [b,64], one-hot y [b,10]).
fn batch(d: &Data, idx: &[usize]) -> (Array<f32>, Array<f32>) {
    let mut x = Vec::with_capacity(idx.len() * FEATURES);
    let mut y = vec![0.0f32; idx.len() * CLASSES];
    for (r, &i) in idx.iter().enumerate() {
        x.extend_from_slice(&d.x[i * FEATURES..(i + 1) * FEATURES]);
        y[r * CLASSES + d.labels[i]] = 1.0;
    }
    (
        Array::from_shape_vec(vec![idx.len(), FEATURES], x).unwrap(),
        Array::from_shape_vec(vec![idx.len(), CLASSES], y).unwrap(),
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let small =
        std::env::args().any(|a| a == "--small") || std::env::var_os("RJAX_SMALL").is_some();
    let epochs = if small { 5 } else { 60 };
    let (bs, lr, momentum) = (32usize, 0.05f32, 0.9f32);
    let data = load();
    let n = data.labels.len();
    let root = random::key(0);
    let [k_split, k_init, k_epochs] = {
        let ks = random::split(root, 3);
        let mut it = ks.into_iter();
        [it.next().unwrap(), it.next().unwrap(), it.next().unwrap()]
    };
    let order: Vec<usize> = random::permutation(k_split, n)
        .to_vec()
        .iter()
        .map(|&i| i as usize)
        .collect();
    let n_test = n / 5;
    let (test_idx, train_idx) = order.split_at(n_test);
    println!(
        "digits: {n} images, {} train / {} test, MLP 64-{HIDDEN}-10 (tanh), SGD lr {lr} momentum {momentum}, batch {bs}, {epochs} epochs",
        train_idx.len(),
        n_test
    );

    let [k1, k2] = random::split2(k_init);
    let mut params = Params {
        w1: random::normal::<f32>(k1, &[FEATURES, HIDDEN]) * (1.0 / (FEATURES as f32).sqrt()),
        b1: Array::<f32>::zeros(&[HIDDEN]),
        w2: random::normal::<f32>(k2, &[HIDDEN, CLASSES]) * (1.0 / (HIDDEN as f32).sqrt()),
        b2: Array::<f32>::zeros(&[CLASSES]),
    };
    // SGD with momentum, leaf by leaf over the tree.
    let mut velocity = tree_map(&params, |p| p * 0.0);

    let (x_test, _) = batch(&data, test_idx);
    let accuracy = |p: &Params| {
        let logits = predict(p, &x_test);
        let pred = logits.argmax_axis(1, false).to_vec();
        let right = pred
            .iter()
            .zip(test_idx)
            .filter(|(p, i)| **p as usize == data.labels[**i])
            .count();
        right as f64 / n_test as f64
    };

    let mut curve = Vec::new();
    for (epoch, key) in random::split(k_epochs, epochs).into_iter().enumerate() {
        let perm = random::permutation(key, train_idx.len()).to_vec();
        let mut total = 0.0f64;
        let mut batches = 0;
        for chunk in perm.chunks(bs) {
            let idx: Vec<usize> = chunk.iter().map(|&j| train_idx[j as usize]).collect();
            let (x, y) = batch(&data, &idx);
            let scale = 1.0 / idx.len() as f32;
            total += loss(&params, &x, &y, scale) as f64;
            batches += 1;
            velocity = velocity_step(&params, &velocity, &x, &y, scale, momentum);
            params = tree_zip(&params, &velocity, |p, v| p - &(v * lr));
        }
        let mean = total / batches as f64;
        curve.push(mean);
        if epoch % 5 == 4 || epoch == epochs - 1 || epoch == 0 {
            println!(
                "epoch {:>3}: train loss {mean:.4}, test accuracy {:.2}%",
                epoch + 1,
                100.0 * accuracy(&params)
            );
        }
    }
    let acc = accuracy(&params);
    println!(
        "final test accuracy: {:.2}% ({} of {n_test})",
        100.0 * acc,
        (acc * n_test as f64).round()
    );

    let dir = std::env::var("RJAX_PLOT_DIR").unwrap_or_else(|_| ".".into());
    let path = format!("{dir}/mlp_digits_loss.png");
    font::register();
    let area = BitMapBackend::new(&path, (800, 500)).into_drawing_area();
    area.fill(&WHITE)?;
    let top = curve.iter().cloned().fold(0.0, f64::max) * 1.05;
    let mut chart = ChartBuilder::on(&area)
        .margin(20)
        .caption("MLP on 8x8 digits: training loss", ("sans-serif", 22))
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(1.0..epochs as f64, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("mean cross-entropy")
        .draw()?;
    chart.draw_series(LineSeries::new(
        curve.iter().enumerate().map(|(i, l)| (i as f64 + 1.0, *l)),
        &BLUE,
    ))?;
    area.present()?;
    println!("wrote {path} (mean training loss per epoch)");
    Ok(())
}
