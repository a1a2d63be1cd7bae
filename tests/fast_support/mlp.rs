//! The MLP workload of issue 5 written with `rjax::runtime::kernels` kernels
//! by hand (what `#[jit]` of the loss and of its `#[grad]` should emit):
//! shared by benches/jit.rs (timing) and tests/fast_mlp.rs (checked
//! against finite differences of an independent f64 loss).

use rjax::runtime::kernels;

/// MLP 784-256-10 (tanh hidden layer, mean softmax cross-entropy), batch
/// 128, with all intermediate buffers planned once.
pub struct Mlp {
    pub w1: Vec<f32>,
    pub b1: Vec<f32>,
    pub w2: Vec<f32>,
    pub b2: Vec<f32>,
    pub x: Vec<f32>,
    pub y: Vec<f32>,
    pub h: Vec<f32>,
    pub logits: Vec<f32>,
    pub dlogits: Vec<f32>,
    pub dh: Vec<f32>,
    pub gw1: Vec<f32>,
    pub gb1: Vec<f32>,
    pub gw2: Vec<f32>,
    pub gb2: Vec<f32>,
}

pub const B: usize = 128;
pub const D: usize = 784;
pub const H: usize = 256;
pub const C: usize = 10;

impl Mlp {
    /// Parameters and data from `uniform(n, seed)` (values in [-1, 1)).
    pub fn new(uniform: fn(usize, u64) -> Vec<f32>) -> Self {
        let scaled = |n, seed, s: f32| uniform(n, seed).iter().map(|v| v * s).collect::<Vec<_>>();
        let mut y = vec![0.0f32; B * C];
        for r in 0..B {
            y[r * C + r % C] = 1.0;
        }
        Mlp {
            w1: scaled(D * H, 3, 0.05),
            b1: scaled(H, 4, 0.05),
            w2: scaled(H * C, 5, 0.1),
            b2: scaled(C, 6, 0.1),
            x: uniform(B * D, 7),
            y,
            h: vec![0.0; B * H],
            logits: vec![0.0; B * C],
            dlogits: vec![0.0; B * C],
            dh: vec![0.0; B * H],
            gw1: vec![0.0; D * H],
            gb1: vec![0.0; H],
            gw2: vec![0.0; H * C],
            gb2: vec![0.0; C],
        }
    }

    /// Forward pass; returns the loss and leaves h, logits in place.
    pub fn loss(&mut self) -> f32 {
        // h = tanh(x · w1 + b1) and logits = h · w2 + b2, bias and
        // activation applied per block of the product.
        kernels::gemm_fused(
            &self.x,
            &self.w1,
            B,
            D,
            H,
            false,
            false,
            [&self.b1[..]],
            [],
            [&mut self.h[..]],
            #[inline(always)]
            |v, [b], []| [kernels::tanh_f32(v + b)],
        );
        kernels::gemm_fused(
            &self.h,
            &self.w2,
            B,
            H,
            C,
            false,
            false,
            [&self.b2[..]],
            [],
            [&mut self.logits[..]],
            #[inline(always)]
            |v, [b], []| [v + b],
        );
        let mut total = 0.0f32;
        for (row, yrow) in self.logits.chunks_exact(C).zip(self.y.chunks_exact(C)) {
            let mx = row.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v));
            let lse = mx + kernels::ln_f32(row.iter().map(|&v| kernels::exp_f32(v - mx)).sum());
            total += row
                .iter()
                .zip(yrow)
                .map(|(&l, &t)| t * (lse - l))
                .sum::<f32>();
        }
        total / B as f32
    }

    /// Loss and gradient with respect to (w1, b1, w2, b2).
    pub fn grad(&mut self) -> f32 {
        let loss = self.loss();
        for ((d, row), yrow) in self
            .dlogits
            .chunks_exact_mut(C)
            .zip(self.logits.chunks_exact(C))
            .zip(self.y.chunks_exact(C))
        {
            let mx = row.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v));
            let mut z = 0.0;
            for (o, &v) in d.iter_mut().zip(row) {
                *o = kernels::exp_f32(v - mx);
                z += *o;
            }
            for (o, &t) in d.iter_mut().zip(yrow) {
                *o = (*o / z - t) / B as f32;
            }
        }
        kernels::gemm_ex_slice(
            &self.h,
            &self.dlogits,
            H,
            B,
            C,
            true,
            false,
            &mut self.gw2,
            |v| v,
        );
        self.gb2.fill(0.0);
        for d in self.dlogits.chunks_exact(C) {
            for (g, &v) in self.gb2.iter_mut().zip(d) {
                *g += v;
            }
        }
        // dh = dlogits · w2ᵀ, times tanh' = 1 - h^2 in the same pass.
        kernels::gemm_fused(
            &self.dlogits,
            &self.w2,
            B,
            C,
            H,
            false,
            true,
            [],
            [&self.h[..]],
            [&mut self.dh[..]],
            #[inline(always)]
            |d, [], [h]| [d * (1.0 - h * h)],
        );
        kernels::gemm_ex_slice(
            &self.x,
            &self.dh,
            D,
            B,
            H,
            true,
            false,
            &mut self.gw1,
            |v| v,
        );
        self.gb1.fill(0.0);
        for d in self.dh.chunks_exact(H) {
            for (g, &v) in self.gb1.iter_mut().zip(d) {
                *g += v;
            }
        }
        loss
    }
}
