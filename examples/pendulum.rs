//! A pendulum integrated from `grad` of its Hamiltonian.
//!
//! H(q, p) = p²/(2 m l²) + m g l (1 − cos q); `hamiltonian::grad` gives
//! (∂H/∂q, ∂H/∂p), i.e. Hamilton's equations q' = ∂H/∂p, p' = −∂H/∂q. The
//! Störmer–Verlet (leapfrog) scheme is symplectic, so its energy error
//! stays bounded; explicit Euler is shown for contrast (its energy grows).
//! The measured period of a large swing is compared with the exact one,
//! 4 K(sin(q0/2)) √(l/g) (K by the arithmetic–geometric mean).
//!
//! Writes `pendulum.png` (phase portrait of both integrators, and q(t) of
//! leapfrog) into the current directory, or into `$RJAX_PLOT_DIR`.
//! `cargo run --release --example pendulum` (`--small`: fewer steps).
#[path = "common/font.rs"]
mod font;

use plotters::prelude::*;
use rjax::prelude::*;

const M: f64 = 1.0;
const L: f64 = 1.0;
const G: f64 = 9.81;

/// The Hamiltonian of state s = [q, p].
#[grad]
fn hamiltonian(s: &Array<f64>) -> f64 {
    let (q, p) = (s[0], s[1]);
    p * p / (2.0 * 1.0 * 1.0) + 1.0 * 9.81 * 1.0 * (1.0 - q.cos())
}

fn state(q: f64, p: f64) -> Array<f64> {
    Array::from_vec(vec![q, p])
}

/// One Störmer–Verlet step: half kick, drift, half kick.
fn leapfrog(q: f64, p: f64, dt: f64) -> (f64, f64) {
    let dh = hamiltonian::grad(&state(q, p));
    let p_half = p - 0.5 * dt * dh[0];
    let dh = hamiltonian::grad(&state(q, p_half));
    let q1 = q + dt * dh[1];
    let dh = hamiltonian::grad(&state(q1, p_half));
    (q1, p_half - 0.5 * dt * dh[0])
}

fn euler(q: f64, p: f64, dt: f64) -> (f64, f64) {
    let dh = hamiltonian::grad(&state(q, p));
    (q + dt * dh[1], p - dt * dh[0])
}

/// K(k) = π / (2 AGM(1, √(1−k²))).
fn elliptic_k(k: f64) -> f64 {
    let (mut a, mut b) = (1.0f64, (1.0 - k * k).sqrt());
    while (a - b).abs() > 1e-15 {
        (a, b) = ((a + b) / 2.0, (a * b).sqrt());
    }
    std::f64::consts::PI / (2.0 * a)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let small =
        std::env::args().any(|a| a == "--small") || std::env::var_os("RJAX_SMALL").is_some();
    let steps = if small { 2_000 } else { 50_000 };
    let dt = 0.01;
    let q0 = 2.5; // a large swing (143°): far from the small-angle regime
    let e0 = hamiltonian(&state(q0, 0.0));
    let (mut lf, mut eu) = ((q0, 0.0), (q0, 0.0));
    let mut lf_path = vec![lf];
    let mut eu_path = vec![eu];
    let (mut max_lf, mut max_eu) = (0.0f64, 0.0f64);
    let mut crossings = Vec::new();
    for i in 0..steps {
        let prev = lf.1;
        lf = leapfrog(lf.0, lf.1, dt);
        eu = euler(eu.0, eu.1, dt);
        // p changes sign from + to − once per period (at q's maximum)
        if prev > 0.0 && lf.1 <= 0.0 {
            crossings.push((i as f64 + prev / (prev - lf.1)) * dt);
        }
        max_lf = max_lf.max((hamiltonian(&state(lf.0, lf.1)) - e0).abs() / e0);
        max_eu = max_eu.max((hamiltonian(&state(eu.0, eu.1)) - e0).abs() / e0);
        lf_path.push(lf);
        eu_path.push(eu);
    }
    let t_end = steps as f64 * dt;
    println!("pendulum q0 = {q0} rad, dt = {dt}, {steps} steps (t = {t_end} s), E0 = {e0:.6} J");
    println!("leapfrog (symplectic): max relative energy error {max_lf:.3e}");
    println!("explicit Euler:        max relative energy error {max_eu:.3e}");
    let exact = 4.0 * elliptic_k((q0 / 2.0).sin()) * (L / G).sqrt();
    if crossings.len() >= 2 {
        let measured =
            (crossings[crossings.len() - 1] - crossings[0]) / (crossings.len() - 1) as f64;
        println!(
            "period: measured {measured:.5} s over {} swings, exact 4K(sin(q0/2))·sqrt(l/g) = {exact:.5} s (small-angle 2π·sqrt(l/g) = {:.5} s)",
            crossings.len() - 1,
            2.0 * std::f64::consts::PI * (L / G).sqrt()
        );
    }
    let _ = M;

    let dir = std::env::var("RJAX_PLOT_DIR").unwrap_or_else(|_| ".".into());
    let path = format!("{dir}/pendulum.png");
    font::register();
    let root = BitMapBackend::new(&path, (1200, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(500);
    // Phase portrait over the first 10 s: leapfrog (blue) stays on its closed
    // curve, Euler (red) spirals outwards.
    let n10 = ((10.0 / dt) as usize).min(lf_path.len());
    let (eu10, lf10) = (&eu_path[..n10], &lf_path[..n10]);
    let pmax = eu10
        .iter()
        .chain(lf10)
        .map(|s| s.1.abs())
        .fold(0.0, f64::max)
        * 1.05;
    let qmax = eu10
        .iter()
        .chain(lf10)
        .map(|s| s.0.abs())
        .fold(0.0, f64::max)
        * 1.05;
    let mut phase = ChartBuilder::on(&left)
        .margin(20)
        .caption(
            "phase portrait (blue leapfrog, red Euler)",
            ("sans-serif", 18),
        )
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(-qmax..qmax, -pmax..pmax)?;
    phase
        .configure_mesh()
        .x_desc("angle q [rad]")
        .y_desc("momentum p")
        .draw()?;
    phase.draw_series(LineSeries::new(eu10.iter().copied(), &RED))?;
    phase.draw_series(LineSeries::new(lf10.iter().copied(), &BLUE))?;
    // q(t) of leapfrog over the first 10 s.
    let mut qt = ChartBuilder::on(&right)
        .margin(20)
        .caption("leapfrog angle over time", ("sans-serif", 18))
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0..n10 as f64 * dt, -3.2..3.2)?;
    qt.configure_mesh()
        .x_desc("time t [s]")
        .y_desc("angle q [rad]")
        .draw()?;
    qt.draw_series(LineSeries::new(
        (0..n10).map(|i| (i as f64 * dt, lf_path[i].0)),
        &BLUE,
    ))?;
    qt.draw_series(LineSeries::new(
        [(0.0, 0.0), (n10 as f64 * dt, 0.0)],
        &BLACK,
    ))?;
    root.present()?;
    println!(
        "wrote {path} (left: phase portrait q–p over 10 s, blue leapfrog, red Euler; right: q(t), 10 s)"
    );
    Ok(())
}
