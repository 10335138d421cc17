//! `load --scenario relay`: every client owns objects in one shared zone and updates
//! them; everyone sees everything.
//!
//! `clients` clients each own `objects` `RelayObject`s (`examples/load.dc`) in zone 1 and
//! watch zone 1, so each sees all `clients × objects`. Once every client sees every
//! object and a warm-up second passed, for `seconds` each object is updated `rate` times
//! per second: by its owner (`--updates-by client`, a `setValue` command the server
//! applies) or by the server on the owner's behalf (`--updates-by server`: the snapshot
//! pipeline alone, without the command budget). Each update carries a sequence number
//! and its send time; a receiver counts an update of an object it does not own as
//! delivered when its value changed and records its latency (send → client event).
//! After the load stops, the harness waits (at most `drain` seconds) until the server
//! sends no more than keepalives (at most [`KEEPALIVE_BYTES`] per client per 100 ms).
//!
//! Note: the server's command budget is `cmd_rate` per client per second, at most 255,
//! and a client sends at [`COMMAND_PACE`] of it; with `--updates-by client` a client
//! offering more (`rate × objects`) has its waiting values replaced by newer ones (only
//! the newest of each object leaves), which `applied_per_s` against `sent_per_s` shows.

use crate::load_schema::{relay_object, RelayObject, SCHEMA};
use crate::load_world::{
    join_client_threads, parse_flag_pairs, percentile, thread_cpu_ns, transports, value, BadValue,
    ClientTransport, ServerTransport, TransportKind,
};
use pipes::client::COMMAND_PACE;
use pipes::client::{Client, ClientEvent};
use pipes::schema::FieldMessage as _;
use pipes::server::{Server, ServerEvent};
use pipes::transport::driver::{ClientDriver, Clock, ServerDriver};
use pipes::{ClientId, Config, DoId, Location, Time};
use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The zone every relay object lives in.
const ZONE: u32 = 1;
/// Longest wait for every client to connect and see every object.
const CONNECT_TIMEOUT: f64 = 60.0;
/// Seconds between "everyone sees everything" and the load.
const WARMUP: f64 = 1.0;
/// Server bytes per client per 100 ms window at or below which it counts as idle
/// (keepalive parts and pongs are a few dozen bytes per 0.5 s).
pub const KEEPALIVE_BYTES: u64 = 64;
/// Window over which the drain checks the server's output, seconds.
const DRAIN_WINDOW: f64 = 0.1;

/// Who applies the updates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdatesBy {
    /// The owning client sends a `setValue` command; the server applies it.
    Client,
    /// The server sets the value itself (no command budget involved).
    Server,
}

/// The relay scenario's flags.
#[derive(Clone, Debug, PartialEq)]
pub struct RelayOptions {
    /// `--clients C` (32).
    pub clients: usize,
    /// `--objects O`: objects each client owns (100).
    pub objects: usize,
    /// `--rate R`: updates per object per second (1).
    pub rate: f64,
    /// `--update-rate U`: snapshots per second each client asks for (66).
    pub update_rate: u8,
    /// `--seconds S`: how long the load lasts (5).
    pub seconds: f64,
    /// `--drain S`: longest wait for the server to be back to keepalives (10).
    pub drain: f64,
    /// `--transport memory|udp` (udp).
    pub transport: TransportKind,
    /// `--client-threads T` (2).
    pub client_threads: usize,
    /// `--updates-by client|server` (client).
    pub updates_by: UpdatesBy,
}

impl Default for RelayOptions {
    fn default() -> Self {
        RelayOptions {
            clients: 32,
            objects: 100,
            rate: 1.0,
            update_rate: 66,
            seconds: 5.0,
            drain: 10.0,
            transport: TransportKind::Udp,
            client_threads: 2,
            updates_by: UpdatesBy::Client,
        }
    }
}

/// Usage text.
pub const USAGE: &str = "usage: load --scenario relay [--clients C] [--objects O] [--rate R] \
[--update-rate U] [--seconds S] [--drain S] [--transport memory|udp] [--client-threads T] \
[--updates-by client|server]";

impl RelayOptions {
    /// Parses the flags after `--scenario relay`.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<RelayOptions, String> {
        let mut o = RelayOptions::default();
        parse_flag_pairs(args, USAGE, |flag, v| {
            match flag {
                "--clients" => o.clients = value(v)?,
                "--objects" => o.objects = value(v)?,
                "--rate" => o.rate = value(v)?,
                "--update-rate" => o.update_rate = value(v)?,
                "--seconds" => o.seconds = value(v)?,
                "--drain" => o.drain = value(v)?,
                "--client-threads" => o.client_threads = value(v)?,
                "--transport" => o.transport = value(v)?,
                "--updates-by" => {
                    o.updates_by = match v {
                        "client" => UpdatesBy::Client,
                        "server" => UpdatesBy::Server,
                        _ => return Err(BadValue),
                    }
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        o.check()?;
        Ok(o)
    }

    /// Refuses values the scenario cannot run with, naming the flag.
    pub fn check(&self) -> Result<(), String> {
        if self.clients == 0 || self.clients > 256 {
            return Err(format!(
                "--clients must be within 1..=256, got {}",
                self.clients
            ));
        }
        if self.objects == 0 || self.objects > 10_000 {
            return Err(format!(
                "--objects must be within 1..=10000, got {}",
                self.objects
            ));
        }
        if !(self.rate.is_finite() && self.rate > 0.0 && self.rate <= 1000.0) {
            return Err(format!(
                "--rate must be within (0, 1000], got {}",
                self.rate
            ));
        }
        if self.update_rate == 0 {
            return Err("--update-rate must be at least 1".to_owned());
        }
        for (name, v) in [("--seconds", self.seconds), ("--drain", self.drain)] {
            if !(v.is_finite() && v > 0.0 && v <= 600.0) {
                return Err(format!("{name} must be within (0, 600], got {v}"));
            }
        }
        if self.client_threads == 0 || self.client_threads > 64 {
            return Err(format!(
                "--client-threads must be within 1..=64, got {}",
                self.client_threads
            ));
        }
        Ok(())
    }
}

/// What the relay scenario measured.
#[derive(Clone, Debug, PartialEq)]
pub struct RelaySummary {
    /// The options it ran with.
    pub options: RelayOptions,
    /// Clients that saw every object at the end.
    pub connected: usize,
    /// Seconds the load lasted.
    pub seconds: f64,
    /// Updates sent per second (commands by clients, or the server's own sets).
    pub sent_per_s: f64,
    /// Updates the server applied per second of load (those applied while draining,
    /// in flight when the load stopped, included).
    pub applied_per_s: f64,
    /// Updates delivered to non-owning clients, per second of load.
    pub delivered_per_s: f64,
    /// Delivered / (applied × (clients − 1)).
    pub delivered_ratio: f64,
    /// Server → clients payload bytes per second during the load (all clients).
    pub server_bytes_per_s: u64,
    /// Sum of the clients' bandwidth budgets, bytes per second, averaged over the frames
    /// of the load (the congestion response moves them; compare with
    /// `server_bytes_per_s`, measured over the same time).
    pub budget_bytes_per_s: u64,
    /// Server thread CPU time over wall time during the load, % of one core.
    pub server_cpu_pct: f64,
    /// Latency of delivered updates (send → receiving client's event), ms, p50.
    pub latency_ms_p50: f64,
    /// The same, p99.
    pub latency_ms_p99: f64,
    /// Seconds from the end of the load to the start of the first 100 ms window in
    /// which the server sent only keepalives; −1 if none within `--drain` seconds.
    pub recovered_after_s: f64,
}

impl RelaySummary {
    /// The summary line: `load: scenario=relay ...`.
    pub fn line(&self) -> String {
        let o = &self.options;
        format!(
            "load: scenario=relay transport={} updates_by={} clients={} connected={} objects={} \
rate={} update_rate={} seconds={:.1} sent_per_s={:.0} applied_per_s={:.0} delivered_per_s={:.0} \
delivered_ratio={:.3} server_bytes_per_s={} budget_bytes_per_s={} server_cpu_pct={:.1} \
latency_ms_p50={:.1} latency_ms_p99={:.1} recovered_after_s={:.2}",
            o.transport.name(),
            match o.updates_by {
                UpdatesBy::Client => "client",
                UpdatesBy::Server => "server",
            },
            o.clients,
            self.connected,
            o.objects,
            o.rate,
            o.update_rate,
            self.seconds,
            self.sent_per_s,
            self.applied_per_s,
            self.delivered_per_s,
            self.delivered_ratio,
            self.server_bytes_per_s,
            self.budget_bytes_per_s,
            self.server_cpu_pct,
            self.latency_ms_p50,
            self.latency_ms_p99,
            self.recovered_after_s
        )
    }
}

/// The sum of every client's bandwidth budget in bytes per second, as the server
/// holds it now (after congestion control has adjusted it).
pub fn budget_bytes_per_s(server: &Server) -> u64 {
    server
        .clients()
        .filter_map(|c| server.client_info(c))
        .map(|info| info.net.budget_bytes_per_s)
        .sum::<f64>() as u64
}

/// Phases, as shared with the client threads.
const CONNECTING: u8 = 0;
const WARMING: u8 = 1;
const LOADING: u8 = 2;
const DRAINING: u8 = 3;
const STOPPED: u8 = 4;

/// What the client threads share with the server thread.
struct Shared {
    phase: AtomicU8,
    /// Clients that see every object.
    ready: AtomicUsize,
    /// Updates sent (client commands) while loading.
    sent: AtomicU64,
    /// Updates delivered to non-owners while loading or draining.
    delivered: AtomicU64,
    /// Latency samples, µs.
    latencies: Mutex<Vec<u64>>,
}

/// Microseconds since the clock's epoch, wrapped to 32 bits (as the field carries it).
fn stamp(now: Time) -> u32 {
    now.0 as u32
}

/// Runs the relay scenario; `progress` prints a line per second.
pub fn run(o: &RelayOptions, progress: bool) -> Result<RelaySummary, Box<dyn Error>> {
    o.check()?;
    let clock = Clock::new();
    let (server_transport, client_transports) = transports(o.transport, o.clients)?;
    let cmd_rate = (o.rate * o.objects as f64 / COMMAND_PACE)
        .ceil()
        .clamp(1.0, 255.0) as u8;
    let config = Config {
        max_clients: o.clients as u32,
        update_rate: o.update_rate,
        cmd_rate,
        ..Config::default()
    };
    let mut server = ServerDriver::new(Server::new(&SCHEMA, config.clone()), server_transport);
    let shared = Arc::new(Shared {
        phase: AtomicU8::new(CONNECTING),
        ready: AtomicUsize::new(0),
        sent: AtomicU64::new(0),
        delivered: AtomicU64::new(0),
        latencies: Mutex::new(Vec::new()),
    });
    let mut groups: Vec<Vec<ClientTransport>> = (0..o.client_threads).map(|_| Vec::new()).collect();
    for (i, t) in client_transports.into_iter().enumerate() {
        groups[i % o.client_threads].push(t);
    }
    let limit = CONNECT_TIMEOUT + WARMUP + o.seconds + o.drain + 10.0;
    let handles: Vec<_> = groups
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|ts| {
            let shared = Arc::clone(&shared);
            let o = o.clone();
            let config = config.clone();
            std::thread::spawn(move || {
                let bots = ts
                    .into_iter()
                    .map(|t| Bot {
                        driver: ClientDriver::new(Client::new(&SCHEMA, config.clone()), t)
                            .with_clock(clock),
                        owned: Vec::new(),
                        seen: HashMap::new(),
                        ready: false,
                        next: 0.0,
                        seq: 0,
                        rr: 0,
                    })
                    .collect();
                client_thread(bots, &o, &shared, clock, limit)
            })
        })
        .collect();
    let result = server_loop(&mut server, o, &shared, clock, progress);
    shared.phase.store(STOPPED, Ordering::Relaxed);
    let connected = join_client_threads(handles);
    let mut summary = result?;
    summary.connected = connected?;
    let mut lat = std::mem::take(
        &mut *shared
            .latencies
            .lock()
            .map_err(|_| "latency samples poisoned")?,
    );
    lat.sort_unstable();
    summary.latency_ms_p50 = percentile(&lat, 0.5) as f64 / 1000.0;
    summary.latency_ms_p99 = percentile(&lat, 0.99) as f64 / 1000.0;
    Ok(summary)
}

/// The server's side: connect, warm up, load, drain.
fn server_loop(
    server: &mut ServerDriver<ServerTransport>,
    o: &RelayOptions,
    shared: &Shared,
    clock: Clock,
    progress: bool,
) -> Result<RelaySummary, Box<dyn Error>> {
    let start = clock.now();
    let secs = |t: Time| t.since(start).as_secs_f64();
    let total = o.clients * o.objects;
    let mut owned: BTreeMap<ClientId, Vec<DoId>> = BTreeMap::new();
    let mut all: Vec<(DoId, u32)> = Vec::with_capacity(total);
    let mut applied = 0u64;
    // Sum of the budgets, added every frame of the load, and the frames counted.
    let (mut budget_sum, mut budget_frames) = (0.0f64, 0u64);
    let mut phase_at = 0.0;
    let mut load_start = (0u64, None::<u64>);
    let mut load_end = (0u64, None::<u64>);
    let mut played = 0.0;
    let mut recovered = -1.0;
    let mut window = (0.0, 0u64);
    let mut server_due = 0.0f64;
    let mut rr = 0usize;
    let mut next_report = 1.0;
    let mut last_sent = 0u64;
    loop {
        let now = clock.now();
        let elapsed = secs(now);
        let phase = shared.phase.load(Ordering::Relaxed);
        match phase {
            CONNECTING => {
                if shared.ready.load(Ordering::Relaxed) >= o.clients {
                    shared.phase.store(WARMING, Ordering::Relaxed);
                    phase_at = elapsed;
                } else if elapsed > CONNECT_TIMEOUT {
                    return Err(format!(
                        "only {} of {} clients saw every object within {CONNECT_TIMEOUT} s",
                        shared.ready.load(Ordering::Relaxed),
                        o.clients
                    )
                    .into());
                }
            }
            WARMING if elapsed >= phase_at + WARMUP => {
                shared.phase.store(LOADING, Ordering::Relaxed);
                phase_at = elapsed;
                load_start = (server.stats().bytes_sent, thread_cpu_ns());
                server_due = elapsed;
            }
            LOADING if elapsed >= phase_at + o.seconds => {
                shared.phase.store(DRAINING, Ordering::Relaxed);
                played = elapsed - phase_at;
                load_end = (server.stats().bytes_sent, thread_cpu_ns());
                phase_at = elapsed;
                window = (elapsed, server.stats().bytes_sent);
            }
            DRAINING => {
                if elapsed >= window.0 + DRAIN_WINDOW {
                    let sent = server.stats().bytes_sent;
                    if sent - window.1 <= KEEPALIVE_BYTES * o.clients as u64 {
                        recovered = window.0 - phase_at;
                        break;
                    }
                    window = (elapsed, sent);
                }
                if elapsed >= phase_at + o.drain {
                    break;
                }
            }
            _ => {}
        }

        server.pump_at(now)?;
        while let Some(e) = server.poll_event() {
            let srv = &mut server.server;
            match e {
                ServerEvent::ClientConnected { client, .. } => {
                    let mut mine = Vec::with_capacity(o.objects);
                    for _ in 0..o.objects {
                        let id = srv
                            .generate_default::<RelayObject>(Location::zone(ZONE), Some(client))?;
                        mine.push(id);
                        all.push((id, 0));
                    }
                    owned.insert(client, mine);
                }
                ServerEvent::Message {
                    client,
                    object,
                    field,
                    args,
                } => {
                    let ok = field == relay_object::SetValue::NUMBER
                        && srv.owner(object) == Some(client)
                        && srv.set_field(object, field, &args).is_ok();
                    let counting =
                        matches!(shared.phase.load(Ordering::Relaxed), LOADING | DRAINING);
                    applied += u64::from(ok && counting);
                }
                _ => {}
            }
        }
        if o.updates_by == UpdatesBy::Server && phase == LOADING && !all.is_empty() {
            // Updates due by now at `rate` per object per second, round-robin.
            let interval = 1.0 / (o.rate * all.len() as f64);
            let mut budget = all.len();
            let t = stamp(clock.now());
            while server_due <= elapsed && budget > 0 {
                let n = all.len();
                let slot = &mut all[rr % n];
                slot.1 = slot.1.wrapping_add(1);
                let v = relay_object::SetValue {
                    seq: slot.1,
                    sent_us: t,
                };
                server.server.set(slot.0, &v)?;
                applied += 1;
                shared.sent.fetch_add(1, Ordering::Relaxed);
                rr += 1;
                budget -= 1;
                server_due += interval;
            }
            server_due = server_due.max(elapsed - 1.0);
        }
        server.flush_at(now)?;
        if phase == LOADING {
            budget_sum += budget_bytes_per_s(&server.server) as f64;
            budget_frames += 1;
        }

        if progress && elapsed >= next_report {
            next_report = elapsed + 1.0;
            let sent = server.stats().bytes_sent;
            let what = match phase {
                CONNECTING => "connecting",
                WARMING => "warming up",
                LOADING => "loading",
                _ => "draining",
            };
            println!(
                "[{elapsed:5.1}s] {what}: ready={}/{} server={:.0} KiB/s delivered={}",
                shared.ready.load(Ordering::Relaxed),
                o.clients,
                (sent - last_sent) as f64 / 1024.0,
                shared.delivered.load(Ordering::Relaxed),
            );
            last_sent = sent;
        }
        if let Some(due) = server.server.poll_timeout() {
            let now = clock.now();
            if due > now {
                std::thread::sleep(due.since(now).min(Duration::from_millis(2)));
            }
        }
    }
    if played == 0.0 {
        return Err("the relay load never ran".into());
    }
    let (bytes0, cpu0) = load_start;
    let (bytes1, cpu1) = load_end;
    let delivered = shared.delivered.load(Ordering::Relaxed);
    let expected = applied as f64 * (o.clients.saturating_sub(1)) as f64;
    Ok(RelaySummary {
        options: o.clone(),
        connected: 0,
        seconds: played,
        sent_per_s: shared.sent.load(Ordering::Relaxed) as f64 / played,
        applied_per_s: applied as f64 / played,
        delivered_per_s: delivered as f64 / played,
        delivered_ratio: if expected > 0.0 {
            delivered as f64 / expected
        } else {
            0.0
        },
        server_bytes_per_s: ((bytes1 - bytes0) as f64 / played) as u64,
        budget_bytes_per_s: if budget_frames > 0 {
            (budget_sum / budget_frames as f64) as u64
        } else {
            budget_bytes_per_s(&server.server)
        },
        server_cpu_pct: match (cpu0, cpu1) {
            (Some(a), Some(b)) => b.saturating_sub(a) as f64 / 1e9 / played * 100.0,
            _ => 0.0,
        },
        // Filled in by `run` once the client threads handed in their samples.
        latency_ms_p50: 0.0,
        latency_ms_p99: 0.0,
        recovered_after_s: recovered,
    })
}

/// One relay client.
struct Bot {
    driver: ClientDriver<ClientTransport>,
    owned: Vec<DoId>,
    /// Last sequence number seen per object.
    seen: HashMap<DoId, u32>,
    ready: bool,
    next: f64,
    seq: u32,
    rr: usize,
}

/// A client thread: pumps its clients until told to stop; returns how many saw every
/// object at the end.
fn client_thread(
    mut bots: Vec<Bot>,
    o: &RelayOptions,
    shared: &Shared,
    clock: Clock,
    limit: f64,
) -> Result<usize, String> {
    let start = clock.now();
    let total = o.clients * o.objects;
    let interval = 1.0 / (o.rate * o.objects as f64);
    let mut lat = Vec::new();
    loop {
        let phase = shared.phase.load(Ordering::Relaxed);
        if phase == STOPPED {
            break;
        }
        let now = clock.now();
        let elapsed = now.since(start).as_secs_f64();
        if elapsed > limit {
            return Err(format!(
                "relay client thread still running after {limit:.0} s"
            ));
        }
        for (i, bot) in bots.iter_mut().enumerate() {
            bot.driver
                .pump_at(now)
                .map_err(|e| format!("client {i}: {e}"))?;
            let counting = phase == LOADING || phase == DRAINING;
            while let Some(e) = bot.driver.poll_event() {
                match e {
                    ClientEvent::Connected { .. } => {
                        bot.driver
                            .client
                            .set_interest(&[Location::zone(ZONE)])
                            .map_err(|e| e.to_string())?;
                    }
                    ClientEvent::ObjectGenerated {
                        object,
                        owned: true,
                        ..
                    } => bot.owned.push(object),
                    ClientEvent::StateChanged { object, .. } if counting => {
                        let Some(obj) = bot.driver.client.object(object) else {
                            continue;
                        };
                        if obj.owned() {
                            continue;
                        }
                        let Some(Ok(v)) = obj.get::<relay_object::SetValue>() else {
                            continue;
                        };
                        if bot.seen.insert(object, v.seq) != Some(v.seq) {
                            shared.delivered.fetch_add(1, Ordering::Relaxed);
                            let us = stamp(now).wrapping_sub(v.sent_us);
                            lat.push(u64::from(us));
                        }
                    }
                    _ => {}
                }
            }
            if !bot.ready
                && bot.owned.len() == o.objects
                && bot.driver.client.objects().count() >= total
            {
                bot.ready = true;
                shared.ready.fetch_add(1, Ordering::Relaxed);
            }
            if phase == LOADING && o.updates_by == UpdatesBy::Client && !bot.owned.is_empty() {
                if bot.next == 0.0 {
                    bot.next = elapsed;
                }
                let mut budget = bot.owned.len();
                while bot.next <= elapsed && budget > 0 {
                    bot.seq = bot.seq.wrapping_add(1);
                    let id = bot.owned[bot.rr % bot.owned.len()];
                    bot.rr += 1;
                    budget -= 1;
                    bot.next += interval;
                    let v = relay_object::SetValue {
                        seq: bot.seq,
                        sent_us: stamp(now),
                    };
                    if bot.driver.client.send_message(id, &v).is_ok() {
                        shared.sent.fetch_add(1, Ordering::Relaxed);
                    }
                }
                bot.next = bot.next.max(elapsed - 1.0);
            }
            bot.driver
                .flush_at(now)
                .map_err(|e| format!("client {i}: {e}"))?;
        }
        if clock.now().since(now) < Duration::from_millis(1) {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    if let Ok(mut all) = shared.latencies.lock() {
        all.extend(lat);
    }
    Ok(bots
        .iter()
        .filter(|b| b.ready && b.driver.client.is_connected())
        .count())
}
