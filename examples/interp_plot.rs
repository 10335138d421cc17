//! Plots what client interpolation does with a lossy, jittery stream of snapshots.
//!
//! A server moves one object at 60 ticks per second and sends its position 20 times
//! per second over a seeded link (60 ms ± 35 ms, 10 % loss, and a 0.45 s outage).
//! The client records every sample that arrives with the server time it describes
//! and renders at `server time − interpolation_delay(0.1, 2, 20)` = 0.1 s behind,
//! with a linear and a Hermite track. The plot shows the true position, the samples
//! received and lost, both interpolated curves (drawn at the server time they
//! show), and where the client extrapolated or held.
//!
//! ```sh
//! cargo run --release --example interp_plot [-- OUTPUT.svg]   # default docs/interpolation.svg
//! ```
//!
//! The client's estimate of the server clock is the server time its snapshots carry
//! as they arrive: the true server time minus the mean one-way latency (what a clock
//! sync on snapshot stamps converges to; in the runtime, the clock sync provides it).
//! Estimating the server's *present* time instead would leave the render delay to
//! cover the latency too, and the client would extrapolate most of the time.

use std::error::Error;
use std::path::PathBuf;

use glam::Vec3;
use pipes::interp::{interpolation_delay, render_time, Curve, EvalKind, InterpConfig, InterpTrack};
use pipes_examples::link::{Fate, LinkConfig, LossyLink};
use pipes_examples::svg::{self, Plot};

const TICK_RATE: f64 = 60.0;
const TICKS_PER_SNAPSHOT: u64 = 3;
const DURATION: f64 = 4.0;
const CLIENT_FPS: f64 = 60.0;
const OBJECT: u64 = 1;
const POSITION: u16 = 0;
const OUTAGE: (f64, f64) = (1.05, 1.5);
const LATENCY: f64 = 0.06;

/// The server's true position at time `t`: a sine, then a straight run, then a sudden stop.
fn true_x(t: f64) -> f64 {
    let sine = |t: f64| 3.0 * (2.4 * t).sin();
    let (turn, stop): (f64, f64) = (2.2, 2.9);
    let v = 3.0 * 2.4 * (2.4 * turn).cos();
    if t < turn {
        sine(t)
    } else {
        sine(turn) + v * (t.min(stop) - turn)
    }
}

/// One client frame: render time and the value each curve showed.
struct Frame {
    render: f64,
    /// The client's server time estimate (render time + delay).
    estimate: f64,
    linear: f64,
    hermite: f64,
    /// Without interpolation: the newest sample received so far, shown at once.
    raw: f64,
    kind: EvalKind,
}

/// Everything the run produced.
struct Run {
    received: Vec<(f64, f64)>,
    lost: Vec<(f64, f64)>,
    frames: Vec<Frame>,
    late_inserts: usize,
}

fn simulate() -> Run {
    let link_config = LinkConfig {
        latency: LATENCY,
        jitter: 0.035,
        loss: 0.1,
        outages: vec![OUTAGE],
    };
    let mut link = LossyLink::new(link_config, 7);
    let mut linear = InterpTrack::<Vec3>::new(InterpConfig::default());
    let mut hermite = InterpTrack::<Vec3>::new(InterpConfig::default().with_curve(Curve::Hermite));
    let delay = interpolation_delay(0.1, 2.0, 20.0);
    let mut run = Run {
        received: Vec::new(),
        lost: Vec::new(),
        frames: Vec::new(),
        late_inserts: 0,
    };

    let mut tick = 0u64;
    let frames = ((DURATION + LATENCY + delay) * CLIENT_FPS) as u64;
    for frame in 0..=frames {
        let now = frame as f64 / CLIENT_FPS;
        // Server: run every tick up to now, sending a snapshot every third one.
        while (tick as f64) / TICK_RATE <= now && (tick as f64) / TICK_RATE <= DURATION {
            let t = tick as f64 / TICK_RATE;
            if tick % TICKS_PER_SNAPSHOT == 0 {
                let sample = (t, Vec3::new(true_x(t) as f32, 0.0, 0.0));
                match link.send(t, sample) {
                    Fate::Arrives(_) => run.received.push((t, true_x(t))),
                    Fate::Lost => run.lost.push((t, true_x(t))),
                }
            }
            tick += 1;
        }
        // Client: apply what arrived, then render.
        for (t, value) in link.receive(now) {
            let outcome = linear.record(OBJECT, POSITION, t, value);
            if outcome == Ok(pipes::interp::Recorded::Inserted) {
                run.late_inserts += 1;
            }
            let _ = hermite.record(OBJECT, POSITION, t, value);
        }
        let server_time_estimate = now - LATENCY;
        let render = render_time(server_time_estimate, delay);
        let raw = linear
            .variable(OBJECT, POSITION)
            .and_then(|v| v.newest())
            .map(|s| f64::from(s.value.x));
        let kind = linear
            .variable(OBJECT, POSITION)
            .and_then(|v| v.evaluate(render, linear.config()))
            .map(|e| e.kind);
        linear.update(render);
        hermite.update(render);
        if let (Some(kind), Some(l), Some(h), Some(raw)) = (
            kind,
            linear.get(OBJECT, POSITION),
            hermite.get(OBJECT, POSITION),
            raw,
        ) {
            if render >= 0.0 {
                run.frames.push(Frame {
                    render,
                    estimate: server_time_estimate,
                    linear: f64::from(l.x),
                    hermite: f64::from(h.x),
                    raw,
                    kind,
                });
            }
        }
    }
    run
}

/// Contiguous render-time spans where the linear curve had this kind.
fn spans(frames: &[Frame], kind: EvalKind) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    let step = 1.0 / CLIENT_FPS;
    for f in frames.iter().filter(|f| f.kind == kind) {
        match out.last_mut() {
            Some(last) if f.render - last.1 <= step * 1.5 => last.1 = f.render,
            _ => out.push((f.render, f.render)),
        }
    }
    out.into_iter()
        .map(|(a, b)| (a - step / 2.0, b + step / 2.0))
        .collect()
}

const WIDTH: f64 = 1000.0;
const TITLE: &str =
    "pipes::interp: 20 Hz snapshots, 60 ms ± 35 ms, 10 % loss, outage 1.05–1.5 s; delay 0.1 s";

fn shade(p: &mut Plot, run: &Run) {
    for (a, b) in spans(&run.frames, EvalKind::Extrapolated) {
        p.band(a, b, "#fff1c2");
    }
    for (a, b) in spans(&run.frames, EvalKind::Held) {
        p.band(a, b, "#fbd3d3");
    }
}

/// Position over time: truth, samples, the raw newest sample and both curves.
fn position_plot(run: &Run) -> String {
    let mut p = Plot::new(WIDTH, 500.0, (0.0, DURATION), (-3.5, 3.5))
        .id("position")
        .legend_at(WIDTH - 330.0, 500.0 - 50.0 - 180.0);
    shade(&mut p, run);
    let truth: Vec<(f64, f64)> = (0..=800)
        .map(|i| f64::from(i) * DURATION / 800.0)
        .map(|t| (t, true_x(t)))
        .collect();
    p.line("server's true position", &truth, "#9a9a9a", 5.0, "");
    let raw: Vec<(f64, f64)> = run.frames.iter().map(|f| (f.estimate, f.raw)).collect();
    p.line("no interpolation (newest sample)", &raw, "#9b59b6", 1.0, "");
    p.line(
        "client, linear (60 fps)",
        &curve(run, |f| f.linear),
        "#1f5fbf",
        1.6,
        "",
    );
    p.line(
        "client, Hermite (60 fps)",
        &curve(run, |f| f.hermite),
        "#e07b00",
        1.6,
        "5 3",
    );
    p.dots("snapshot received", &run.received, 3.5, "black");
    p.crosses("snapshot lost", &run.lost, 4.0, "#d62728");
    p.band_legend("extrapolating (cap 0.25 s)", "#fff1c2");
    p.band_legend("holding after the cap", "#fbd3d3");
    p.finish(TITLE, "server time shown (s)", "x position", 0.5, 1.0)
}

/// Error against the true position at the time shown, for the same three curves.
fn error_plot(run: &Run) -> String {
    let mut p = Plot::new(WIDTH, 260.0, (0.0, DURATION), (-0.4, 0.4))
        .id("error")
        .legend_at(WIDTH - 330.0, 50.0 + 4.0);
    shade(&mut p, run);
    let err = |at: fn(&Frame) -> f64, pick: fn(&Frame) -> f64| -> Vec<(f64, f64)> {
        run.frames
            .iter()
            .map(|f| (at(f), pick(f) - true_x(at(f))))
            .collect()
    };
    p.line(
        "no interpolation",
        &err(|f| f.estimate, |f| f.raw),
        "#9b59b6",
        1.0,
        "",
    );
    p.line(
        "linear",
        &err(|f| f.render, |f| f.linear),
        "#1f5fbf",
        1.6,
        "",
    );
    p.line(
        "Hermite",
        &err(|f| f.render, |f| f.hermite),
        "#e07b00",
        1.6,
        "5 3",
    );
    p.finish(
        "error: shown − true position at the server time shown (clipped to ±0.4)",
        "server time shown (s)",
        "error",
        0.5,
        0.2,
    )
}

fn curve(run: &Run, pick: fn(&Frame) -> f64) -> Vec<(f64, f64)> {
    run.frames.iter().map(|f| (f.render, pick(f))).collect()
}

fn plot(run: &Run) -> String {
    svg::stack(
        WIDTH,
        &[(position_plot(run), 500.0), (error_plot(run), 260.0)],
    )
}

fn report(run: &Run) {
    let errors = |pick: fn(&Frame) -> f64, interpolated: bool| {
        let e: Vec<f64> = run
            .frames
            .iter()
            .filter(|f| (f.kind == EvalKind::Interpolated) == interpolated)
            .map(|f| (pick(f) - true_x(f.render)).abs())
            .collect();
        let max = e.iter().copied().fold(0.0, f64::max);
        let rms = (e.iter().map(|x| x * x).sum::<f64>() / e.len().max(1) as f64).sqrt();
        (e.len(), rms, max)
    };
    println!(
        "snapshots: {} received, {} lost, {} arrived out of order",
        run.received.len(),
        run.lost.len(),
        run.late_inserts
    );
    for (name, pick) in [
        ("linear", (|f: &Frame| f.linear) as fn(&Frame) -> f64),
        ("hermite", |f: &Frame| f.hermite),
    ] {
        let (n, rms, max) = errors(pick, true);
        let (m, erms, emax) = errors(pick, false);
        println!(
            "{name:>7}: interpolating {n} frames, error rms {rms:.3} max {max:.3}; \
             extrapolating/holding {m} frames, error rms {erms:.3} max {emax:.3}"
        );
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("docs/interpolation.svg"));
    let run = simulate();
    report(&run);
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(&out, plot(&run)).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}
