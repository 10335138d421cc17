//! Interpolating 100,000 `Vec3` variables per frame.
//!
//! Each object moves along its own straight line and the server sends 20 snapshots
//! per second. The histories are in the steady state of a client rendering 0.1 s
//! behind the newest snapshot: newest sample at 0.6 s, render times stepping at
//! 60 Hz through 0.5..0.583 s (then back, as a render clock correction would),
//! ~10 samples kept per variable after pruning (0.25 s margin). Every update is a
//! real interpolation between two samples.
//!
//! * `update_linear` / `update_hermite`: one `InterpTrack::update` (compute and
//!   store every value, prune) for all 100,000 variables.
//! * `value_at_each_by_key`: 100,000 `InterpTrack::value_at(object, field, t)`
//!   calls (hash lookup plus evaluation, nothing stored).
//! * `update_mostly_still`: one `update` of 100,000 variables of which 10,000 move
//!   (the others got one sample long ago and hold it: a zone where 10 % move).
//! * `record_snapshot`: recording one snapshot's sample for every variable
//!   (the client applying a snapshot of 100,000 objects); each timed snapshot is
//!   followed by an untimed update, so histories stay at their steady size.
//!
//! Run: `cargo bench -p pipes-runtime --bench interp`

use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use glam::Vec3;
use pipes::interp::{Curve, InterpConfig, InterpTrack};

const VARIABLES: u64 = 100_000;
const SNAPSHOT_INTERVAL: f64 = 0.05;
const SNAPSHOTS: u32 = 13; // 0.0 ..= 0.6 s
const DELAY: f64 = 0.1;

fn velocity(object: u64) -> Vec3 {
    let k = object as f32;
    Vec3::new((k * 0.37).sin(), (k * 0.11).cos(), (k * 0.05).sin()) * 3.0
}

fn record_snapshot(track: &mut InterpTrack<Vec3>, t: f64) {
    for object in 0..VARIABLES {
        let value = velocity(object) * t as f32;
        // Finite by construction; an error would only mean a bench bug.
        let _ = black_box(track.record(object, 0, t, value));
    }
}

fn filled_track(curve: Curve) -> InterpTrack<Vec3> {
    let mut track = InterpTrack::new(InterpConfig::default().with_curve(curve));
    for tick in 0..SNAPSHOTS {
        record_snapshot(&mut track, f64::from(tick) * SNAPSHOT_INTERVAL);
    }
    track.update(frame_time(0)); // prune to the steady state
    track
}

/// 100,000 variables: every tenth moves as in `filled_track`, the others hold the one
/// sample they got at time 0.
fn mostly_still_track() -> InterpTrack<Vec3> {
    let mut track = InterpTrack::new(InterpConfig::default());
    for tick in 0..SNAPSHOTS {
        let t = f64::from(tick) * SNAPSHOT_INTERVAL;
        for object in 0..VARIABLES {
            if tick == 0 || object % 10 == 0 {
                let _ = black_box(track.record(object, 0, t, velocity(object) * t as f32));
            }
        }
    }
    track.update(frame_time(0));
    track
}

/// Render time of frame `frame`: 60 Hz steps through 0.5..0.583 s, then back.
fn frame_time(frame: u64) -> f64 {
    0.5 + (frame % 6) as f64 / 60.0
}

fn interp(c: &mut Criterion) {
    let mut group = c.benchmark_group("interp_100k_vec3");
    group.throughput(Throughput::Elements(VARIABLES));
    for (name, curve) in [
        ("update_linear", Curve::Linear),
        ("update_hermite", Curve::Hermite),
    ] {
        let mut track = filled_track(curve);
        let mut frame = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                frame += 1;
                track.update(black_box(frame_time(frame)));
            })
        });
        black_box(track.get(7, 0));
    }

    let mut track = mostly_still_track();
    let mut frame = 0;
    group.bench_function("update_mostly_still", |b| {
        b.iter(|| {
            frame += 1;
            track.update(black_box(frame_time(frame)));
        })
    });
    black_box(track.get(7, 0));

    let track = filled_track(Curve::Linear);
    let mut frame = 0;
    group.bench_function("value_at_each_by_key", |b| {
        b.iter(|| {
            frame += 1;
            let t = frame_time(frame);
            let mut sum = Vec3::ZERO;
            for object in 0..VARIABLES {
                sum += track.value_at(object, 0, t).unwrap_or(Vec3::ZERO);
            }
            black_box(sum)
        })
    });

    let mut track = filled_track(Curve::Linear);
    let mut t = f64::from(SNAPSHOTS - 1) * SNAPSHOT_INTERVAL;
    group.bench_function("record_snapshot", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                t += SNAPSHOT_INTERVAL;
                let start = Instant::now();
                record_snapshot(&mut track, t);
                timed += start.elapsed();
                track.update(t - DELAY);
            }
            timed
        })
    });
    group.finish();
}

criterion_group!(benches, interp);
criterion_main!(benches);
