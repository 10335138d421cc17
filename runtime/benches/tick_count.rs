//! The server tick scenarios of `tick.rs`, run a fixed number of times without
//! criterion: for instruction counts under `valgrind --tool=callgrind`, which are
//! repeatable on a loaded machine where wall times are not, and for same-run A/B
//! comparisons against older builds (the same scenarios ported to their API).
//!
//! ```text
//! cargo bench -p pipes-runtime --features testing --bench tick_count --no-run
//! valgrind --tool=callgrind --toggle-collect='*timed_iterations*' \
//!     target/release/deps/tick_count-HASH c16x1000 200
//! ```
//!
//! Scenarios (one iteration = the game's changes + `update` + the acks, as in `tick.rs`):
//! `c16x1000` (1,000 one-`uint32` objects all changed, 16 clients seeing all),
//! `busy10k64` (10,000 avatars, 64 clients watching 1,000 each, 10 % changed),
//! `idle10k16` (nothing changed), `busy100_1k` and `busy100_80k` (100 changes per
//! tick, 16 clients watching 10 of 100 zones). Prints the snapshot bytes per client
//! per tick and the wall time per iteration; with a third argument `digest`, also a
//! digest of every snapshot packet sent (setup included), to show that two builds
//! send the same bytes.

use pipes::protocol::{AckWindow, ClientMessage, Hello, InterestOp, Rates};
use pipes::server::Server;
use pipes::testing::{SetPos, AVATAR, EXAMPLE_HASH, SCHEMA};
use pipes::{Config, ConnectionId, DoId, InterestHandle, Location, Time};

/// The one-`uint32` class of the 16 × 1000 scenario.
#[allow(clippy::all, dead_code)]
mod counter {
    pipes::dc_schema!("benches/counter.dc");
}

const ZONES: u32 = 100;

struct World {
    server: Server,
    now: Time,
    conns: Vec<ConnectionId>,
    ids: Vec<DoId>,
    round: usize,
    /// The game's changes of one iteration.
    change: fn(&mut World),
    /// A digest of every snapshot packet sent (connection and bytes), when asked
    /// for: equal digests say two builds sent the same bytes.
    digest: Option<u64>,
}

fn config() -> Config {
    Config {
        update_rate: 66,
        max_clients: 1000,
        max_snapshot_bytes: 64 << 20,
        max_rate: 1 << 30,
        ..Config::default()
    }
}

fn avatars(objects: usize, clients: usize, zones_each: u32, change: fn(&mut World)) -> World {
    let mut server = Server::new(&SCHEMA, config());
    let now = Time::from_secs_f64(1.0);
    server.update(now);
    let ids = (0..objects)
        .map(|k| {
            let loc = Location::zone(k as u32 % ZONES);
            server.generate(AVATAR, loc, None, &[]).expect("generate")
        })
        .collect();
    connect(server, now, ids, clients, zones_each, EXAMPLE_HASH, change)
}

fn counters() -> World {
    let mut server = Server::new(&counter::SCHEMA, config());
    let now = Time::from_secs_f64(1.0);
    server.update(now);
    let class = counter::SCHEMA
        .class_by_name("Counter")
        .expect("Counter")
        .number;
    let ids = (0..1000)
        .map(|_| {
            server
                .generate(class, Location::zone(0), None, &[])
                .expect("generate")
        })
        .collect();
    connect(server, now, ids, 16, 0, counter::HASH, count_all)
}

fn connect(
    mut server: Server,
    now: Time,
    ids: Vec<DoId>,
    clients: usize,
    zones_each: u32,
    hash: u32,
    change: fn(&mut World),
) -> World {
    let hello = ClientMessage::Hello(Hello {
        version: pipes::protocol::PROTOCOL_VERSION,
        schema_hash: hash,
        password: "",
        rates: Rates {
            update_rate: 66,
            cmd_rate: 100,
            interp: 0.1,
            rate: 1 << 30,
        },
    })
    .to_bytes();
    let mut conns = Vec::new();
    for c in 0..clients {
        let conn = ConnectionId(c as u64 + 1);
        server.handle_connect(now, conn);
        server.handle_datagram(now, conn, &hello);
        let locations = (0..zones_each.max(1))
            .map(|k| Location::zone((c as u32 * zones_each + k) % ZONES))
            .collect();
        let interest = ClientMessage::Interest {
            op: InterestOp::Set,
            handle: InterestHandle(1),
            locations,
        };
        server.handle_datagram(now, conn, &interest.to_bytes());
        conns.push(conn);
    }
    let mut w = World {
        server,
        now,
        conns,
        ids,
        round: 0,
        change,
        digest: std::env::args().any(|a| a == "digest").then_some(0),
    };
    for _ in 0..5 {
        tick(&mut w);
    }
    w
}

/// Runs one tick and acks every snapshot packet at once; returns snapshot bytes sent.
fn tick(w: &mut World) -> usize {
    w.now = w.server.poll_timeout().expect("started");
    w.server.update(w.now);
    let mut acks: Vec<Option<AckWindow>> = vec![None; w.conns.len()];
    let mut bytes = 0;
    let mut sent = Vec::new();
    while let Some(t) = w.server.poll_transmit() {
        sent.push(t);
    }
    for t in sent {
        if t.payload.first() == Some(&4) && t.payload.len() >= 11 {
            bytes += t.payload.len();
            if let Some(d) = w.digest.as_mut() {
                *d = t.payload.iter().fold(
                    (*d ^ t.connection.0).wrapping_mul(0x100_0000_01b3),
                    |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3),
                );
            }
            let seq = u16::from_le_bytes([t.payload[1], t.payload[2]]);
            let i = (t.connection.0 - 1) as usize;
            let window = acks[i].get_or_insert(AckWindow::new(seq));
            window.record(seq);
            if window.bits.count_ones() == 32 {
                let full = *window;
                acks[i] = None;
                ack(w, i, full);
            }
        }
    }
    for (i, window) in acks.into_iter().enumerate() {
        if let Some(window) = window {
            ack(w, i, window);
        }
    }
    while w.server.poll_transmit().is_some() {}
    bytes
}

fn ack(w: &mut World, i: usize, window: AckWindow) {
    let msg = ClientMessage::Ack {
        window,
        received: 0,
        delay: 0,
        max_delay_ms: 0,
    }
    .to_bytes();
    w.server.handle_datagram(w.now, w.conns[i], &msg);
}

fn count_all(w: &mut World) {
    w.round += 1;
    let field = counter::SCHEMA
        .class_by_name("Counter")
        .and_then(|c| counter::SCHEMA.field_by_name(c, "setValue"))
        .expect("setValue")
        .number;
    for (k, &id) in w.ids.iter().enumerate() {
        let v = (w.round * 7 + k) as u32;
        w.server
            .set_field(id, field, &v.to_le_bytes())
            .expect("set");
    }
}

/// Changes `n` objects (a rotating slice).
fn churn(w: &mut World, n: usize) {
    w.round += 1;
    for k in 0..n {
        let id = w.ids[(w.round * n + k) % w.ids.len()];
        let v = (w.round % 1000) as f64 + k as f64 / 100.0;
        let pos = SetPos {
            x: v,
            y: -v,
            z: 0.5,
        };
        w.server.set(id, &pos).expect("set");
    }
}

/// The timed part: `iters` iterations; returns the snapshot bytes sent.
#[inline(never)]
fn timed_iterations(w: &mut World, iters: usize) -> usize {
    let mut bytes = 0;
    for _ in 0..iters {
        (w.change)(w);
        bytes += tick(w);
    }
    bytes
}

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench" && a != "digest");
    let scenario = args.next().unwrap_or_else(|| "c16x1000".into());
    let iters: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let mut w = match scenario.as_str() {
        "c16x1000" => counters(),
        "busy10k64" => avatars(10_000, 64, 10, |w| churn(w, 1000)),
        "idle10k16" => avatars(10_000, 16, 10, |_| {}),
        "busy100_1k" => avatars(1_000, 16, 10, |w| churn(w, 100)),
        "busy100_80k" => avatars(80_000, 16, 10, |w| churn(w, 100)),
        other => panic!("unknown scenario {other}"),
    };
    // Warm up (buffers grown, steady state).
    timed_iterations(&mut w, 20);
    let start = std::time::Instant::now();
    let bytes = timed_iterations(&mut w, iters);
    let spent = start.elapsed();
    println!(
        "{scenario}: {iters} iterations, {:.1} us each, {:.0} bytes per client per tick{}",
        spent.as_secs_f64() * 1e6 / iters as f64,
        bytes as f64 / w.conns.len() as f64 / iters as f64,
        w.digest
            .map_or(String::new(), |d| format!(", digest {d:016x}"))
    );
}
