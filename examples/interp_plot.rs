//! Plots what client interpolation does with a lossy, jittery stream of snapshots,
//! through the real runtime: a `pipes` server, the simulated network and a client.
//!
//! The server (60 ticks per second, `pipes::testing`'s example schema) moves one
//! avatar and sends its `setPos` 20 times per second over a seeded link (60 ms ±
//! 35 ms, 10 % loss, and a 0.45 s outage). The client binds `setPos` as a `Vec3`
//! (`client.interpolate::<SetPos, Vec3>()`); the runtime records each sample with the
//! server time of its tick, and every frame (60 fps) the game calls
//! `client.update_interpolation(now)` and reads `client.interpolated(..)`: linear,
//! rendered at `receive_time − interp_delay` (0.1 s). The Hermite curve evaluates the
//! same samples with `Curve::Hermite`. The plot shows the true position, the samples
//! received, both curves (drawn at the server time they show), the newest sample
//! without interpolation, and where the client extrapolated or held.
//!
//! ```sh
//! cargo run --release --example interp_plot                                  # → target/interpolation.svg
//! cargo run --release --example interp_plot -- --out docs/interpolation.svg  # refresh the committed one
//! ```
//!
//! The render clock is `Client::receive_time`: the server time of the ticks arriving
//! now (the clock sync's server time minus the one-way latency). Rendering at the
//! server's *present* time minus the delay would leave the delay to cover the latency
//! too, and the client would extrapolate most of the time.

use std::error::Error;
use std::path::PathBuf;
use std::time::Duration;

use glam::Vec3;
use pipes::client::{Client, ClientEvent};
use pipes::interp::{Curve, EvalKind, InterpConfig};
use pipes::server::Server;
use pipes::sim::{LinkConfig, SimNet};
use pipes::testing::{SetPos, AVATAR, SCHEMA, SET_POS};
use pipes::{Config, DoId, Location};
use pipes_examples::svg::{self, Plot};

const TICK_RATE: u16 = 60;
const DURATION: f64 = 4.0;
const CLIENT_FPS: f64 = 60.0;
/// The outage, in seconds of motion time.
const OUTAGE: (f64, f64) = (1.05, 1.5);
const LATENCY_MS: u64 = 60;
const JITTER_MS: u64 = 35;
const LOSS: f64 = 0.1;

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

/// One client frame (times are motion time: server time minus the start of motion).
struct Frame {
    render: f64,
    /// The time of the ticks arriving (render time + delay).
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
    frames: Vec<Frame>,
    dropped: u64,
    delay: f64,
}

fn link(loss: f64) -> LinkConfig {
    LinkConfig::new(LATENCY_MS, JITTER_MS, loss, 0.0)
}

fn simulate() -> Result<Run, Box<dyn Error>> {
    let config = Config {
        tick_rate: TICK_RATE,
        ..Config::default()
    };
    let mut sim = SimNet::new(Server::new(&SCHEMA, config.clone()), 7);
    let mut client = Client::new(&SCHEMA, config);
    client.interpolate::<SetPos, Vec3>()?;
    sim.add_client(client, link(LOSS));
    sim.run_for(Duration::from_secs(3))?;
    if !sim.clients[0].client.is_connected() {
        return Err(format!(
            "the client did not connect: {:?}",
            sim.clients[0].client.stage()
        )
        .into());
    }
    sim.clients[0].client.set_interest(&[Location::zone(0)])?;
    let id: DoId = sim.server.generate(AVATAR, Location::zone(0), None, &[])?;
    let rate = sim.server.tick_rate();
    // Motion starts at the next tick; times below are relative to it.
    let t0 = rate.tick_to_secs(sim.server.current_tick()) + rate.interval_secs();
    let hermite = InterpConfig::default().with_curve(Curve::Hermite);
    let delay = sim.clients[0].client.interp_delay();
    let mut run = Run {
        received: Vec::new(),
        frames: Vec::new(),
        dropped: 0,
        delay,
    };
    let frame_step = Duration::from_secs_f64(1.0 / CLIENT_FPS);
    let mut next_frame = sim.now() + frame_step;
    let end = DURATION + 0.5;
    let mut outage = false;
    loop {
        let next_tick = sim.server.poll_timeout().ok_or("server not started")?;
        if next_tick <= next_frame {
            // Server tick: move the avatar to its position at this tick's time.
            sim.run_until(next_tick)?;
            let t = rate.tick_to_secs(sim.server.current_tick()) - t0;
            let in_outage = (OUTAGE.0..OUTAGE.1).contains(&t);
            if in_outage != outage {
                outage = in_outage;
                sim.clients[0].link = link(if outage { 1.0 } else { LOSS });
            }
            if (0.0..=DURATION).contains(&t) {
                let x = true_x(t);
                sim.server.set(id, &SetPos { x, y: 0.0, z: 0.0 })?;
            }
            continue;
        }
        // Client frame.
        sim.run_until(next_frame)?;
        let now = next_frame;
        next_frame = next_frame + frame_step;
        for e in std::mem::take(&mut sim.clients[0].events) {
            if let ClientEvent::StateChanged { tick, fields, .. } = e {
                if fields.contains(&SET_POS) {
                    let c = &sim.clients[0].client;
                    // The sample as applied; the newest value may be of a later tick.
                    if let Some(v) = c.object(id).and_then(|o| o.field(SET_POS)) {
                        if v.tick == tick {
                            let p: SetPos = pipes::schema::FieldMessage::from_bytes(&v.value)?;
                            run.received.push((c.tick_time(tick) - t0, p.x));
                        }
                    }
                }
            }
        }
        let c = &mut sim.clients[0].client;
        let Some(render) = c.update_interpolation(now) else {
            continue;
        };
        if render - t0 > end {
            break;
        }
        let linear: Option<Vec3> = c.interpolated(id, SET_POS);
        let var = c
            .interpolators()
            .track::<Vec3>()
            .and_then(|t| t.variable(u64::from(id.0), SET_POS));
        let kind = var.and_then(|v| v.evaluate(render, c.interp_config()));
        let h = var.and_then(|v| v.value_at(render, &hermite));
        let raw = c.object(id).and_then(|o| o.get::<SetPos>()).transpose()?;
        if let (Some(l), Some(h), Some(kind), Some(raw)) = (linear, h, kind, raw) {
            if render - t0 >= 0.0 {
                run.frames.push(Frame {
                    render: render - t0,
                    estimate: render + delay - t0,
                    linear: f64::from(l.x),
                    hermite: f64::from(h.x),
                    raw: raw.x,
                    kind: kind.kind,
                });
            }
        }
    }
    run.dropped = sim.stats.dropped;
    Ok(run)
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
    "pipes server → SimNet → client: 20 Hz snapshots, 60 ms ± 35 ms, 10 % loss, outage 1.05–1.5 s; delay 0.1 s";

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
        "samples applied: {}; packets dropped by the link: {}; render delay {:.3} s",
        run.received.len(),
        run.dropped,
        run.delay
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
    pipes_examples::net::log_to_stderr(tracing::Level::INFO);
    // Examples must not modify the checkout unless asked: the default is under target/.
    let out: PathBuf = pipes_examples::net::arg("--out", PathBuf::from("target/interpolation.svg"));
    let run = simulate()?;
    report(&run);
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(&out, plot(&run)).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}
