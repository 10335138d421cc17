//! Server tick cost and snapshot size, next to a naive full-state encoder.
//!
//! `cargo bench -p pipes-runtime --features testing --bench tick`
//!
//! * `busy`: 10,000 avatars in 100 zones, 64 clients each watching 10 zones (1,000
//!   objects), every client due every tick, 10 % of the objects changing per tick.
//!   One iteration = the game's 1,000 `set` calls + `update` (snapshots for 64
//!   clients) + processing the 64 clients' acks.
//! * `naive_full_state`: the same world encoded the way pipes does without deltas:
//!   every visible object's full state to every client, every tick.
//! * `busy_1000_uint32`: 1,000 objects of a one-`uint32` class in one zone, all
//!   changing every tick, 16 clients seeing all of them (naia's comparison shape).
//! * `idle`: 10,000 avatars, 16 clients, nothing changing: one `update`.
//! * `client_apply_1000_uint32`: one real `Client` in the 16 × 1000 world: one
//!   iteration = handing it one tick's snapshot packets (1,000 changed `uint32`s:
//!   decode, apply, events drained). The server's tick runs outside the timing.
//! * `busy_100_changes_1k` / `_80k`: 1,000 or 80,000 avatars in 100 zones, 16 clients
//!   each watching 10 zones, 100 objects changing per tick: the cost must follow the
//!   changes, not the world.
//! * `busy_100_changes_80k_hot`: the 80,000-object world, the 100 changes per tick
//!   cycling over 1,000 of its objects (as in the 1k world) instead of all 80,000: it
//!   separates the world's size from the cache misses of touching cold objects.
//!
//! Bytes per client per tick are printed before the timings.

use criterion::{criterion_group, criterion_main, Criterion};
use pipes::client::Client;
use pipes::protocol::{AckWindow, ClientMessage, Hello, InterestOp, Rates};
use pipes::server::Server;
use pipes::testing::{SetPos, AVATAR, EXAMPLE_HASH, SCHEMA};
use pipes::wire::{put_u16, put_u32};
use pipes::{Config, ConnectionId, DoId, InterestHandle, Location, Time};

/// The one-`uint32` class of the 16 × 1000 scenario.
#[allow(clippy::all, dead_code)]
mod counter {
    pipes::dc_schema!("benches/counter.dc");
}
use std::time::Duration;

const ZONES: u32 = 100;

struct World {
    server: Server,
    now: Time,
    conns: Vec<ConnectionId>,
    ids: Vec<DoId>,
    round: usize,
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

fn world(objects: usize, clients: usize, zones_each: u32) -> World {
    let mut server = Server::new(&SCHEMA, config());
    let now = Time::from_secs_f64(1.0);
    server.update(now);
    let ids = (0..objects)
        .map(|k| {
            let loc = Location::zone(k as u32 % ZONES);
            server.generate(AVATAR, loc, None, &[]).expect("generate")
        })
        .collect();
    connect(server, now, ids, clients, zones_each, EXAMPLE_HASH)
}

/// 1000 `Counter` objects in one zone seen by 16 clients (naia's comparison shape).
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
    connect(server, now, ids, 16, 0, counter::HASH)
}

/// The connection id of the real client added by [`with_client`].
const REAL: ConnectionId = ConnectionId(1000);

/// Connects a real `Client` (watching zone 0) to the world as connection [`REAL`].
fn with_client(w: &mut World, schema: &'static pipes::schema::SchemaInfo) -> Client {
    let mut client = Client::new(schema, config());
    client.connect(w.now);
    w.server.handle_connect(w.now, REAL);
    let mut packets = Vec::new();
    let mut step = |w: &mut World, client: &mut Client| {
        forward(w, client);
        route(w, &mut packets);
        for p in &packets {
            client.handle_datagram(w.now, p);
        }
    };
    for _ in 0..50 {
        step(w, &mut client);
        if client.is_connected() {
            break;
        }
    }
    client.set_interest(&[Location::zone(0)]).expect("interest");
    for _ in 0..10 {
        step(w, &mut client);
    }
    while client.poll_event().is_some() {}
    assert_eq!(
        client.objects().count(),
        w.ids.len(),
        "the client sees the world"
    );
    client
}

/// Hands the real client's packets to the server.
fn forward(w: &mut World, client: &mut Client) {
    while let Some(p) = client.poll_transmit() {
        w.server.handle_datagram(w.now, REAL, &p.payload);
    }
}

/// Runs a server tick, acks the simulated clients (one window each) and returns the
/// real client's packets in `out`.
fn route(w: &mut World, out: &mut Vec<Vec<u8>>) {
    out.clear();
    w.now = w.server.poll_timeout().expect("started");
    w.server.update(w.now);
    let mut acks: Vec<Option<AckWindow>> = vec![None; w.conns.len()];
    while let Some(t) = w.server.poll_transmit() {
        if t.connection == REAL {
            out.push(t.payload);
        } else if t.payload.first() == Some(&4) && t.payload.len() >= 11 {
            let seq = u16::from_le_bytes([t.payload[1], t.payload[2]]);
            let i = (t.connection.0 - 1) as usize;
            if let Some(a) = acks.get_mut(i) {
                a.get_or_insert(AckWindow::new(seq)).record(seq);
            }
        }
    }
    for (i, window) in acks.into_iter().enumerate() {
        if let Some(window) = window {
            let msg = ClientMessage::Ack {
                window,
                received: 0,
                delay: 0,
                max_delay_ms: 0,
            }
            .to_bytes();
            w.server.handle_datagram(w.now, w.conns[i], &msg);
        }
    }
}

/// Every counter changes (one `uint32` each).
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

fn connect(
    mut server: Server,
    now: Time,
    ids: Vec<DoId>,
    clients: usize,
    zones_each: u32,
    hash: u32,
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
        // zones_each = 0: everyone watches zone 0.
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
    };
    // Let every entry go out and be acknowledged.
    for _ in 0..5 {
        tick(&mut w);
    }
    w
}

/// Runs one tick, acks every snapshot packet at once; returns snapshot bytes sent.
fn tick(w: &mut World) -> usize {
    w.now = w.server.poll_timeout().expect("started");
    w.server.update(w.now);
    let mut acks: Vec<Option<AckWindow>> = vec![None; w.conns.len()];
    let mut bytes = 0;
    let ack = |w: &mut World, i: usize, window: AckWindow| {
        let msg = ClientMessage::Ack {
            window,
            received: 0,
            delay: 0,
            max_delay_ms: 0,
        }
        .to_bytes();
        w.server.handle_datagram(w.now, w.conns[i], &msg);
    };
    let mut sent = Vec::new();
    while let Some(t) = w.server.poll_transmit() {
        sent.push(t);
    }
    for t in sent {
        if t.payload.first() == Some(&4) && t.payload.len() >= 11 {
            bytes += t.payload.len();
            let seq = u16::from_le_bytes([t.payload[1], t.payload[2]]);
            let i = (t.connection.0 - 1) as usize;
            let window = acks[i].get_or_insert(AckWindow::new(seq));
            window.record(seq);
            // A window covers 33 packets: ack before it would slide past one.
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

/// Changes `fraction` of the objects (a rotating slice).
fn churn(w: &mut World, fraction: f64) {
    let n = (w.ids.len() as f64 * fraction) as usize;
    churn_n(w, n);
}

/// Changes `n` objects (a rotating slice).
fn churn_n(w: &mut World, n: usize) {
    let span = w.ids.len();
    churn_within(w, n, span);
}

/// Changes `n` objects (a rotating slice of the first `span`).
fn churn_within(w: &mut World, n: usize, span: usize) {
    w.round += 1;
    for k in 0..n {
        let id = w.ids[(w.round * n + k) % span.clamp(1, w.ids.len())];
        let v = (w.round % 1000) as f64 + k as f64 / 100.0;
        let pos = SetPos {
            x: v,
            y: -v,
            z: 0.5,
        };
        w.server.set(id, &pos).expect("set");
    }
}

/// Naive encoder: every visible object's full state to every client.
fn naive_full_state(w: &World, visible: &[Vec<DoId>], out: &mut Vec<u8>) -> usize {
    let ram = SCHEMA.class(AVATAR).expect("avatar").ram;
    let mut total = 0;
    for list in visible {
        out.clear();
        put_u32(out, 0);
        put_u16(out, list.len() as u16);
        for &id in list {
            put_u32(out, id.0);
            put_u16(out, ram.len() as u16);
            for &f in ram {
                put_u16(out, f);
                out.extend_from_slice(w.server.field(id, f).unwrap_or(&[]));
            }
        }
        total += out.len();
    }
    total
}

fn visible_lists(w: &World) -> Vec<Vec<DoId>> {
    w.server.clients().map(|c| w.server.visible_to(c)).collect()
}

fn report_sizes() {
    let mut w = world(10_000, 64, 10);
    let visible = visible_lists(&w);
    let seen: usize = visible.iter().map(Vec::len).sum();
    let mut delta = 0;
    let ticks = 50;
    for _ in 0..ticks {
        churn(&mut w, 0.10);
        delta += tick(&mut w);
    }
    let mut buf = Vec::new();
    let naive = naive_full_state(&w, &visible, &mut buf);
    let per_client = |b: usize| b as f64 / 64.0;
    println!(
        "busy world: {} objects seen per client; bytes per client per tick: delta {:.0}, naive full state {:.0}",
        seen / 64,
        per_client(delta) / ticks as f64,
        per_client(naive)
    );
    let mut idle = world(10_000, 16, 10);
    let mut bytes = 0;
    for _ in 0..ticks {
        bytes += tick(&mut idle);
    }
    println!(
        "idle world: bytes per client per tick {:.2} (empty keepalive parts only)",
        bytes as f64 / 16.0 / ticks as f64
    );
    let mut c = counters();
    let mut bytes = 0;
    for _ in 0..ticks {
        count_all(&mut c);
        bytes += tick(&mut c);
    }
    println!(
        "16 clients x 1000 changed uint32 objects: bytes per client per tick {:.0}",
        bytes as f64 / 16.0 / ticks as f64
    );
}

fn benches(c: &mut Criterion) {
    report_sizes();
    let mut g = c.benchmark_group("server_tick");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    let mut w = world(10_000, 64, 10);
    g.bench_function("busy_10k_objects_10pct_64_clients", |b| {
        b.iter(|| {
            churn(&mut w, 0.10);
            tick(&mut w)
        })
    });
    let visible = visible_lists(&w);
    let mut buf = Vec::new();
    g.bench_function("naive_full_state_10k_objects_64_clients", |b| {
        b.iter(|| naive_full_state(&w, &visible, &mut buf))
    });
    let mut c = counters();
    g.bench_function("busy_1000_uint32_all_changed_16_clients", |b| {
        b.iter(|| {
            count_all(&mut c);
            tick(&mut c)
        })
    });
    let mut c = counters();
    let mut client = with_client(&mut c, &counter::SCHEMA);
    let mut packets = Vec::new();
    let mut events = 0usize;
    g.bench_function("client_apply_1000_uint32", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                count_all(&mut c);
                // The server's side (untimed): the tick's packets for the client.
                forward(&mut c, &mut client);
                route(&mut c, &mut packets);
                let start = std::time::Instant::now();
                for p in &packets {
                    client.handle_datagram(c.now, p);
                }
                while client.poll_event().is_some() {
                    events += 1;
                }
                spent += start.elapsed();
            }
            spent
        })
    });
    // (`events` counts what the timed loop drained, if it ran.)
    let _ = events;
    let mut idle = world(10_000, 16, 10);
    g.bench_function("idle_10k_objects_16_clients", |b| {
        b.iter(|| tick(&mut idle))
    });
    // Issue 16 item 6: the same 100 changes per tick must cost the same in a world
    // 80 times larger (16 clients, each watching 10 of the 100 zones).
    for (name, objects, span) in [
        ("busy_100_changes_1k", 1_000, 1_000),
        ("busy_100_changes_80k", 80_000, 80_000),
        ("busy_100_changes_80k_hot", 80_000, 1_000),
    ] {
        let mut w = world(objects, 16, 10);
        g.bench_function(name, |b| {
            b.iter(|| {
                churn_within(&mut w, 100, span);
                tick(&mut w)
            })
        });
    }
    g.finish();
}

criterion_group!(tick_benches, benches);
criterion_main!(tick_benches);
