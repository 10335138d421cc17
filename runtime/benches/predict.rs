//! Costs of lag compensation (server) and reconciliation (client), issue 14.
//!
//! `nice cargo bench -p pipes-runtime --features testing --bench predict`
//!
//! * `rewind_64_targets`: 64 avatars (one per client) moving every tick, 1 s of
//!   `setPos` history at 66 Hz; one iteration = one shot judged against all 64: a
//!   `rewind` of each to a view time 150 ms back plus a distance test.
//! * `record_tick_64`: the history's share of a tick: 64 avatars move, `update` runs
//!   one tick (no clients, so no snapshots: the tick is the recording).
//! * `reconcile_6_unacked`: one acknowledgement reconciled on the client with 6
//!   unacknowledged commands to replay (decode the state, drop acked commands, replay,
//!   compare).
//!
//! History memory per object is printed before the timings.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use pipes::client::{CommandAck, PredictConfig, Predictor};
use pipes::glam::DVec3;
use pipes::server::{HistoryConfig, Server};
use pipes::testing::{SetPos, AVATAR, SCHEMA};
use pipes::{Config, DoId, Location, Tick, Time};

const AVATARS: usize = 64;

fn moving_world() -> (Server, Vec<DoId>, Time) {
    let mut server = Server::new(&SCHEMA, Config::default());
    server
        .record_history(SetPos::NUMBER, HistoryConfig::default())
        .expect("setPos is state");
    let mut now = Time::from_secs_f64(1.0);
    server.update(now);
    let ids: Vec<DoId> = (0..AVATARS)
        .map(|k| {
            server
                .generate(AVATAR, Location::zone(k as u32 % 4), None, &[])
                .expect("generate")
        })
        .collect();
    for _ in 0..80 {
        now = step(&mut server, &ids, now);
    }
    (server, ids, now)
}

/// Moves every avatar a little and runs one tick.
fn step(server: &mut Server, ids: &[DoId], now: Time) -> Time {
    let t = server.current_tick().0 as f64 * 0.05;
    for (k, &id) in ids.iter().enumerate() {
        let pos = SetPos {
            x: (t + k as f64).sin() * 10.0,
            y: (t * 0.7 + k as f64).cos() * 10.0,
            z: 0.0,
        };
        server.set(id, &pos).expect("set");
    }
    let next = now + server.tick_rate().interval();
    server.update(next);
    next
}

/// Input of the reconciliation bench: a velocity in m/s.
#[derive(Clone, Copy)]
struct Walk(DVec3);

fn walk(s: DVec3, c: &Walk, dt: f64) -> DVec3 {
    s + c.0 * dt
}

use pipes::schema::FieldMessage;

fn benches(c: &mut Criterion) {
    let (mut server, ids, mut now) = moving_world();
    println!(
        "history: {} avatars, {} bytes ({} bytes per object for 1 s at 66 Hz)",
        AVATARS,
        server.history_bytes(),
        server.history_bytes() / AVATARS
    );
    let view = server.server_time(now).saturating_sub(150_000);
    c.bench_function("rewind_64_targets", |b| {
        let aim = DVec3::new(1.0, 2.0, 0.0);
        b.iter(|| {
            let mut hits = 0;
            for &id in &ids {
                let p: Option<DVec3> = server.rewind::<SetPos, DVec3>(id, black_box(view));
                hits += u32::from(p.is_some_and(|p| p.distance(aim) < 0.5));
            }
            hits
        })
    });
    c.bench_function("record_tick_64", |b| {
        b.iter(|| now = step(&mut server, &ids, now))
    });

    let dt = 1.0 / 66.0;
    let mut pred = Predictor::new(DVec3::ZERO, dt, walk, PredictConfig::default());
    for seq in 1..=1000u32 {
        pred.apply(seq, Walk(DVec3::new(1.0, 0.5, 0.0)));
    }
    let state = SetPos {
        x: 12.0,
        y: 6.0,
        z: 0.0,
    }
    .to_bytes()
    .expect("packs");
    let mut tick = 0u32;
    c.bench_function("reconcile_6_unacked", |b| {
        b.iter_batched(
            || {
                let mut p = Predictor::new(pred.predicted(), dt, walk, PredictConfig::default());
                for seq in 995..=1000u32 {
                    p.apply(seq, Walk(DVec3::new(1.0, 0.5, 0.0)));
                }
                tick += 1;
                let ack = CommandAck {
                    tick: Tick(tick),
                    last: 994,
                    state: vec![(SetPos::NUMBER, state.clone())],
                };
                (p, ack)
            },
            |(mut p, ack)| {
                let corrected = p.reconcile::<SetPos>(Time::from_secs_f64(2.0), &ack);
                assert_eq!(p.unacknowledged(), 6);
                corrected
            },
            criterion::BatchSize::SmallInput,
        )
    });
}

criterion_group!(predict_benches, benches);
criterion_main!(predict_benches);
