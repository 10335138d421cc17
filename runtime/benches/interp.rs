//! Interpolating 100,000 `Vec3` variables per frame.
//!
//! Each object moves along its own straight line; the server sent 20 snapshots per
//! second for one second, so each variable starts with 20 samples. Every frame
//! advances the render time by 1/60 s through the middle of that history (cycling
//! back after 0.1 s, as a render clock correction would), so each update is a real
//! interpolation and the history stays at its pruned steady-state size.
//!
//! Run: `cargo bench -p pipes --bench interp`

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use glam::Vec3;
use pipes::interp::{Curve, InterpConfig, InterpTrack};

const VARIABLES: u64 = 100_000;
const SNAPSHOT_INTERVAL: f64 = 0.05;

fn velocity(object: u64) -> Vec3 {
    let k = object as f32;
    Vec3::new((k * 0.37).sin(), (k * 0.11).cos(), (k * 0.05).sin()) * 3.0
}

fn filled_track(curve: Curve) -> InterpTrack<Vec3> {
    let mut track = InterpTrack::new(InterpConfig::default().with_curve(curve));
    for tick in 0..20 {
        let t = f64::from(tick) * SNAPSHOT_INTERVAL;
        for object in 0..VARIABLES {
            let value = velocity(object) * t as f32;
            track.record(object, 0, t, value).expect("finite sample");
        }
    }
    track
}

/// Render times for successive frames: 60 Hz through 0.5..0.6 s, then back.
fn frame_time(frame: u64) -> f64 {
    0.5 + (frame % 6) as f64 / 60.0
}

fn update_all(c: &mut Criterion) {
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

    let base = filled_track(Curve::Linear);
    group.bench_function("record_one_snapshot", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |track| {
                for object in 0..VARIABLES {
                    let value = velocity(object) * 1.0;
                    let _ = track.record(object, 0, 1.0, value);
                }
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, update_all);
criterion_main!(benches);
