//! The load harness's logic, shared by `examples/load.rs` (the binary) and its test.
//!
//! One server (this thread) and `clients` clients (in `client_threads` worker
//! threads) over the memory transport or UDP on loopback. The server owns `objects`
//! avatars spread round-robin over `zones` zones; a `moving_fraction` of them walk
//! circles (one `setPos` each per tick). Each client watches `interest` consecutive
//! zones, owns an avatar in the first of them and sends `setPos` for it at its command
//! rate; the server accepts the owner's moves. After every client is connected and a
//! warm-up second (the entries go out), the harness measures for `seconds`:
//!
//! * bytes per client per second, server → client and client → server (payload bytes
//!   handed to and taken from the server's transport: snapshots, messages, acks, pings);
//! * the same server → client figure for a naive full-state encoder (every visible
//!   object's full state in every snapshot: the layout of `runtime/benches/tick.rs`),
//!   sampled once per second on the live server's visible sets;
//! * server CPU per tick: wall time of the server's frame (receive + game events +
//!   `update` + the movers' `set` calls + send), divided by the ticks it ran;
//! * memory, through an optional [`MemoryProbe`] (the binary installs a counting global
//!   allocator) and the process's peak RSS (`VmHWM`).

use crate::schema::distributed_avatar as avatar;
use crate::schema::{DistributedAvatar, SCHEMA};
use pipes::client::{Client, ClientEvent};
use pipes::schema::FieldMessage as _;
use pipes::server::{OwnerUpdate, Server, ServerEvent};
use pipes::transport::driver::{ClientDriver, Clock, ServerDriver};
use pipes::transport::memory::{MemoryLink, MemoryNetwork};
use pipes::transport::udp::{ClientAuth, Security, UdpClient, UdpConfig, UdpServer};
use pipes::transport::Transport;
use pipes::wire::{put_u16, put_u32};
use pipes::{ClientId, Config, DoId, Location, Time};
use std::collections::BTreeMap;
use std::error::Error;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest wait for every client to connect and own its avatar.
const CONNECT_TIMEOUT: f64 = 30.0;
/// Seconds between "everyone connected" and the start of measuring (entries go out).
const WARMUP: f64 = 1.0;
/// Extra seconds a client thread may run past the planned end before giving up.
const THREAD_SLACK: f64 = 10.0;

/// Which transport the harness uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportKind {
    /// In-process queues (the default).
    Memory,
    /// UDP on 127.0.0.1 through renet.
    Udp,
}

impl std::str::FromStr for TransportKind {
    type Err = BadValue;

    fn from_str(v: &str) -> Result<TransportKind, BadValue> {
        match v {
            "memory" => Ok(TransportKind::Memory),
            "udp" => Ok(TransportKind::Udp),
            _ => Err(BadValue),
        }
    }
}

/// A flag's value that its setter in [`parse_flag_pairs`] cannot use.
#[derive(Debug)]
pub struct BadValue;

/// Parses a flag's value ([`parse_flag_pairs`] names the flag if it fails).
pub fn value<T: std::str::FromStr>(v: &str) -> Result<T, BadValue> {
    v.parse().map_err(|_| BadValue)
}

/// Reads the `--flag value` pairs of a load scenario: `set(flag, value)` stores one and
/// returns `Ok(false)` for a flag it does not know. `-h`/`--help`, a missing value, an
/// unknown flag and a bad value end the parse with an error naming the flag (and
/// `usage` where it helps).
pub fn parse_flag_pairs(
    args: impl IntoIterator<Item = String>,
    usage: &str,
    mut set: impl FnMut(&str, &str) -> Result<bool, BadValue>,
) -> Result<(), String> {
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(usage.to_owned());
        }
        let Some(v) = it.next() else {
            return Err(format!("{flag} needs a value\n{usage}"));
        };
        match set(&flag, &v) {
            Ok(true) => {}
            Ok(false) => return Err(format!("unknown flag `{flag}`\n{usage}")),
            Err(BadValue) => return Err(format!("{flag}: bad value `{v}`")),
        }
    }
    Ok(())
}

impl TransportKind {
    /// `memory` or `udp`.
    pub fn name(self) -> &'static str {
        match self {
            TransportKind::Memory => "memory",
            TransportKind::Udp => "udp",
        }
    }
}

/// The harness's flags.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadOptions {
    /// `--clients N` (200).
    pub clients: usize,
    /// `--objects N`: server-owned avatars besides the clients' own (10000).
    pub objects: usize,
    /// `--moving-fraction F`: share of the objects moving every tick, 0..1 (0.1).
    pub moving_fraction: f64,
    /// `--zones Z`: zones the objects are spread over (100).
    pub zones: u32,
    /// `--interest K`: consecutive zones each client watches (5).
    pub interest: u32,
    /// `--seconds S`: how long to measure, after connecting and warming up (10).
    pub seconds: f64,
    /// `--transport memory|udp` (memory).
    pub transport: TransportKind,
    /// `--update-rate R`: snapshots per second each client asks for (20).
    pub update_rate: u8,
    /// `--cmd-rate C`: `setPos` commands per second each client sends (30).
    pub cmd_rate: u8,
    /// `--client-threads T`: threads running the clients (1).
    pub client_threads: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            clients: 200,
            objects: 10_000,
            moving_fraction: 0.1,
            zones: 100,
            interest: 5,
            seconds: 10.0,
            transport: TransportKind::Memory,
            update_rate: 20,
            cmd_rate: 30,
            client_threads: 1,
        }
    }
}

/// Usage text.
pub const USAGE: &str =
    "usage: load [--clients N] [--objects N] [--moving-fraction F] [--zones Z] \
[--interest K] [--seconds S] [--transport memory|udp] [--update-rate R] [--cmd-rate C] \
[--client-threads T]";

impl LoadOptions {
    /// Parses the command-line flags (without the program name).
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<LoadOptions, String> {
        let mut o = LoadOptions::default();
        parse_flag_pairs(args, USAGE, |flag, v| {
            match flag {
                "--clients" => o.clients = value(v)?,
                "--objects" => o.objects = value(v)?,
                "--moving-fraction" => o.moving_fraction = value(v)?,
                "--zones" => o.zones = value(v)?,
                "--interest" => o.interest = value(v)?,
                "--seconds" => o.seconds = value(v)?,
                "--update-rate" => o.update_rate = value(v)?,
                "--cmd-rate" => o.cmd_rate = value(v)?,
                "--client-threads" => o.client_threads = value(v)?,
                "--transport" => o.transport = value(v)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        o.check()?;
        Ok(o)
    }

    /// Refuses values the harness cannot run with, naming the flag.
    pub fn check(&self) -> Result<(), String> {
        if self.clients == 0 || self.clients > 4096 {
            return Err(format!(
                "--clients must be within 1..=4096, got {}",
                self.clients
            ));
        }
        if self.transport == TransportKind::Udp && self.clients > 1024 {
            return Err(format!(
                "--clients must be at most 1024 over udp, got {}",
                self.clients
            ));
        }
        if self.objects > 1_000_000 {
            return Err(format!(
                "--objects must be at most 1000000, got {}",
                self.objects
            ));
        }
        if !(0.0..=1.0).contains(&self.moving_fraction) {
            return Err(format!(
                "--moving-fraction must be within 0..1, got {}",
                self.moving_fraction
            ));
        }
        if self.zones == 0 || self.zones > 1_000_000 {
            return Err(format!(
                "--zones must be within 1..=1000000, got {}",
                self.zones
            ));
        }
        if self.interest == 0 || self.interest > self.zones {
            return Err(format!(
                "--interest must be within 1..=zones ({}), got {}",
                self.zones, self.interest
            ));
        }
        if !(self.seconds.is_finite() && self.seconds > 0.0 && self.seconds <= 3600.0) {
            return Err(format!(
                "--seconds must be within (0, 3600], got {}",
                self.seconds
            ));
        }
        if self.update_rate == 0 {
            return Err("--update-rate must be at least 1".to_owned());
        }
        if self.cmd_rate == 0 {
            return Err("--cmd-rate must be at least 1".to_owned());
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

/// Reads the process's heap use; the binary backs it with a counting global allocator.
#[derive(Clone, Copy, Debug)]
pub struct MemoryProbe {
    /// Bytes allocated and not yet freed, now.
    pub live: fn() -> usize,
    /// The largest `live` value seen since the process started.
    pub peak: fn() -> usize,
}

/// What the harness measured.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadSummary {
    /// `memory` or `udp`.
    pub transport: String,
    /// Clients started.
    pub clients: usize,
    /// Clients connected and owning their avatar at the end.
    pub connected: usize,
    /// Server-owned objects (besides the clients' avatars).
    pub objects: usize,
    /// Zones.
    pub zones: u32,
    /// Share of the objects moving every tick.
    pub moving_fraction: f64,
    /// Snapshots per second each client asked for.
    pub update_rate: u8,
    /// Commands per second each client aimed for.
    pub cmd_rate: u8,
    /// Seconds measured.
    pub seconds: f64,
    /// Server ticks run while measuring.
    pub ticks: u64,
    /// Mean objects visible per client (server's view, sampled once per second).
    pub visible_per_client: u64,
    /// Server → client payload bytes per client per second.
    pub down_bytes_per_client_per_s: u64,
    /// Client → server payload bytes per client per second.
    pub up_bytes_per_client_per_s: u64,
    /// Server → client bytes per client per second a naive full-state encoder would send
    /// (the client's whole visible set in each of its snapshots).
    pub naive_down_bytes_per_client_per_s: u64,
    /// Commands (`setPos`) the clients actually sent, per client per second.
    pub cmds_per_client_per_s: u64,
    /// Median server CPU (wall time of its frame) per tick, µs.
    pub tick_us_p50: u64,
    /// 99th percentile of the same, µs.
    pub tick_us_p99: u64,
    /// Largest of the same, µs.
    pub tick_us_max: u64,
    /// The server thread's CPU time while measuring (`/proc/thread-self/schedstat`),
    /// less the naive encoder's and the reports', per tick, µs: unlike the wall-time
    /// percentiles it does not grow when other processes take the CPU; 0 where unknown.
    pub cpu_us_per_tick: u64,
    /// Heap bytes live (whole process: server, clients, transport) after warm-up; 0 without a probe.
    pub mem_live_bytes: u64,
    /// Largest heap bytes live at any time (whole process); 0 without a probe.
    pub mem_peak_bytes: u64,
    /// Heap bytes live after the clients were stopped and dropped, the server still
    /// holding its world and per-client state: the server's share; 0 without a probe.
    pub server_live_bytes: u64,
    /// Peak resident set of the process (`VmHWM`), KiB; 0 where unknown.
    pub rss_peak_kib: u64,
}

impl LoadSummary {
    /// The last line the harness prints: `load: scenario=zoned key=value ...`.
    pub fn line(&self) -> String {
        format!(
            "load: scenario=zoned transport={} clients={} connected={} objects={} zones={} moving={} update_rate={} \
cmd_rate={} seconds={} ticks={} visible_per_client={} down_bytes_per_client_per_s={} \
up_bytes_per_client_per_s={} naive_down_bytes_per_client_per_s={} cmds_per_client_per_s={} \
server_tick_us_p50={} server_tick_us_p99={} server_tick_us_max={} server_cpu_us_per_tick={} \
mem_live_bytes={} \
mem_peak_bytes={} server_live_bytes={} rss_peak_kib={}",
            self.transport,
            self.clients,
            self.connected,
            self.objects,
            self.zones,
            self.moving_fraction,
            self.update_rate,
            self.cmd_rate,
            self.seconds,
            self.ticks,
            self.visible_per_client,
            self.down_bytes_per_client_per_s,
            self.up_bytes_per_client_per_s,
            self.naive_down_bytes_per_client_per_s,
            self.cmds_per_client_per_s,
            self.tick_us_p50,
            self.tick_us_p99,
            self.tick_us_max,
            self.cpu_us_per_tick,
            self.mem_live_bytes,
            self.mem_peak_bytes,
            self.server_live_bytes,
            self.rss_peak_kib
        )
    }
}

/// Splits a summary line (`load: k=v k=v ...`) into its pairs, in order.
pub fn parse_line(line: &str) -> Result<Vec<(String, String)>, String> {
    let rest = line
        .trim()
        .strip_prefix("load:")
        .ok_or_else(|| format!("summary line must start with `load:`: `{line}`"))?;
    rest.split_whitespace()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| format!("`{kv}` is not key=value"))
        })
        .collect()
}

/// One client and what it did.
struct Bot {
    driver: ClientDriver<ClientTransport>,
    avatar: Option<DoId>,
    next_cmd: f64,
    step: u64,
}

/// What the client threads share with the server thread.
struct Shared {
    /// Clients connected and owning their avatar.
    ready: AtomicUsize,
    /// Commands sent so far, all clients.
    cmds: AtomicUsize,
    /// Set by the server thread when measuring ended.
    stop: AtomicBool,
}

/// The zones client `id` watches (its avatar lives in the first).
fn interest_of(id: ClientId, o: &LoadOptions) -> Vec<Location> {
    let first = (u64::from(id.0) * u64::from(o.interest)) % u64::from(o.zones);
    (0..u64::from(o.interest))
        .map(|k| Location::zone(((first + k) % u64::from(o.zones)) as u32))
        .collect()
}

/// A moving object's position at server time `t` (a circle per object).
fn path(k: usize, t: f64) -> avatar::SetPos {
    let phase = k as f64 * 0.7;
    let cx = (k % 32) as f64 * 10.0;
    let cy = (k / 32 % 32) as f64 * 10.0;
    avatar::SetPos {
        x: cx + 3.0 * (t + phase).cos(),
        y: cy + 3.0 * (t + phase).sin(),
        z: 0.0,
    }
}

pub(crate) type ServerTransport = Box<dyn Transport>;
pub(crate) type ClientTransport = Box<dyn Transport + Send>;

fn make_transports(
    o: &LoadOptions,
) -> Result<(ServerTransport, Vec<ClientTransport>), Box<dyn Error>> {
    transports(o.transport, o.clients)
}

/// A server transport and `clients` client transports over `kind` (UDP: unsecure, on
/// 127.0.0.1, an ephemeral port).
pub(crate) fn transports(
    kind: TransportKind,
    clients: usize,
) -> Result<(ServerTransport, Vec<ClientTransport>), Box<dyn Error>> {
    let o = LoadOptions {
        transport: kind,
        clients,
        ..LoadOptions::default()
    };
    match o.transport {
        TransportKind::Udp => {
            let cfg = |seed: u64| UdpConfig {
                seed,
                ..UdpConfig::default()
            };
            let server = UdpServer::bind(
                ([127, 0, 0, 1], 0).into(),
                o.clients,
                Security::Unsecure,
                cfg(1),
            )?;
            let addr = server.local_addr()?;
            let mut clients: Vec<ClientTransport> = Vec::with_capacity(o.clients);
            for i in 0..o.clients {
                let auth = ClientAuth::Unsecure {
                    client_id: i as u64 + 1,
                };
                clients.push(Box::new(UdpClient::connect(addr, auth, cfg(i as u64 + 2))?));
            }
            Ok((Box::new(server), clients))
        }
        TransportKind::Memory => {
            let net = MemoryNetwork::new();
            let server = net.listen(MemoryLink::default())?;
            let mut clients: Vec<ClientTransport> = Vec::with_capacity(o.clients);
            for i in 0..o.clients {
                let link = MemoryLink {
                    seed: i as u64 + 2,
                    ..MemoryLink::default()
                };
                clients.push(Box::new(net.connect(link)?));
            }
            Ok((Box::new(server), clients))
        }
    }
}

/// `p` (0..=1) percentile of sorted values.
pub(crate) fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Peak resident set size from `/proc/self/status` (`VmHWM`), KiB; 0 where unknown.
pub fn rss_peak_kib() -> u64 {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// CPU time this thread has run, ns (`/proc/thread-self/schedstat`); `None` where unknown.
pub fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Naive full-state encoding of one client's visible set (as `runtime/benches/tick.rs`:
/// tick, count, then per object its id, field count and every ram field with its
/// number); returns its size.
fn naive_snapshot(server: &Server, visible: &[DoId], out: &mut Vec<u8>) -> usize {
    out.clear();
    put_u32(out, server.current_tick().0);
    put_u16(out, visible.len().min(usize::from(u16::MAX)) as u16);
    for &id in visible {
        let ram = server
            .class_of(id)
            .and_then(|c| SCHEMA.class(c))
            .map_or(&[][..], |c| c.ram);
        put_u32(out, id.0);
        put_u16(out, ram.len() as u16);
        for &f in ram {
            put_u16(out, f);
            out.extend_from_slice(server.field(id, f).unwrap_or(&[]));
        }
    }
    out.len()
}

/// Runs the harness; `progress` prints a line per second to stdout.
pub fn run(
    o: &LoadOptions,
    progress: bool,
    memory: Option<MemoryProbe>,
) -> Result<LoadSummary, Box<dyn Error>> {
    o.check()?;
    let clock = Clock::new();
    let (server_transport, client_transports) = make_transports(o)?;
    let config = Config {
        max_clients: o.clients as u32,
        update_rate: o.update_rate,
        cmd_rate: o.cmd_rate,
        ..Config::default()
    };
    let mut server = ServerDriver::new(Server::new(&SCHEMA, config.clone()), server_transport);

    // The world: objects round-robin over the zones; the first `movers` walk.
    let mut ids = Vec::with_capacity(o.objects);
    for k in 0..o.objects {
        let id = server
            .server
            .generate_default::<DistributedAvatar>(Location::zone(k as u32 % o.zones), None)?;
        server.server.set(id, &path(k, 0.0))?;
        ids.push(id);
    }
    let movers = ((o.objects as f64 * o.moving_fraction).round() as usize).min(o.objects);

    // Client transports, dealt round-robin to the threads (a `Client` is not `Send`:
    // each thread makes its own).
    let shared = Arc::new(Shared {
        ready: AtomicUsize::new(0),
        cmds: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
    });
    let mut groups: Vec<Vec<ClientTransport>> = (0..o.client_threads).map(|_| Vec::new()).collect();
    for (i, t) in client_transports.into_iter().enumerate() {
        groups[i % o.client_threads].push(t);
    }
    let limit = CONNECT_TIMEOUT + WARMUP + o.seconds + THREAD_SLACK;
    let handles: Vec<_> = groups
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|transports| {
            let shared = Arc::clone(&shared);
            let o = o.clone();
            let config = config.clone();
            std::thread::spawn(move || {
                let bots = transports
                    .into_iter()
                    .map(|t| Bot {
                        driver: ClientDriver::new(Client::new(&SCHEMA, config.clone()), t)
                            .with_clock(clock),
                        avatar: None,
                        next_cmd: 0.0,
                        step: 0,
                    })
                    .collect();
                client_thread(bots, &o, &shared, clock, limit)
            })
        })
        .collect();

    let result = server_loop(
        &mut server,
        o,
        &ids,
        movers,
        &shared,
        clock,
        progress,
        memory,
    );
    shared.stop.store(true, Ordering::Relaxed);
    let connected = join_client_threads(handles);
    let mut summary = result?;
    summary.connected = connected?;
    if let Some(m) = memory {
        summary.server_live_bytes = (m.live)() as u64;
        summary.mem_peak_bytes = (m.peak)() as u64;
    }
    summary.rss_peak_kib = rss_peak_kib();
    drop(server);
    Ok(summary)
}

/// Where the server loop is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    Connecting,
    /// Since this many seconds.
    WarmingUp(f64),
    /// Since this many seconds.
    Measuring(f64),
}

/// Counter values when measuring began.
#[derive(Default)]
struct Baseline {
    bytes_sent: u64,
    bytes_received: u64,
    cmds: usize,
    tick: u32,
    cpu_ns: Option<u64>,
}

/// The server's side: frames until connected, warmed up and measured.
#[allow(clippy::too_many_arguments)]
fn server_loop(
    server: &mut ServerDriver<ServerTransport>,
    o: &LoadOptions,
    ids: &[DoId],
    movers: usize,
    shared: &Shared,
    clock: Clock,
    progress: bool,
    memory: Option<MemoryProbe>,
) -> Result<LoadSummary, Box<dyn Error>> {
    let start = clock.now();
    let secs = |t: Time| t.since(start).as_secs_f64();
    let mut avatars: BTreeMap<ClientId, DoId> = BTreeMap::new();
    let mut phase = Phase::Connecting;
    let mut base = Baseline::default();
    let mut mem_live = 0u64;
    let mut tick_us: Vec<u64> = Vec::new();
    let mut next_report = 1.0;
    let mut last_sent = 0u64;
    let mut naive_samples: Vec<f64> = Vec::new();
    let mut visible_samples: Vec<f64> = Vec::new();
    let mut buf = Vec::new();
    let mut not_server_ns = 0u64;
    // Snapshots per second a client gets: its rate, at most one per tick.
    let snapshot_rate = f64::from(o.update_rate).min(f64::from(server.server.tick_rate().hz()));
    let played;
    let cpu_end;
    loop {
        let now = clock.now();
        let elapsed = secs(now);
        match phase {
            Phase::Connecting => {
                if shared.ready.load(Ordering::Relaxed) >= o.clients {
                    phase = Phase::WarmingUp(elapsed);
                } else if elapsed > CONNECT_TIMEOUT {
                    return Err(format!(
                        "only {} of {} clients connected within {CONNECT_TIMEOUT} s",
                        shared.ready.load(Ordering::Relaxed),
                        o.clients
                    )
                    .into());
                }
            }
            Phase::WarmingUp(since) if elapsed >= since + WARMUP => {
                phase = Phase::Measuring(elapsed);
                let stats = server.stats();
                base = Baseline {
                    bytes_sent: stats.bytes_sent,
                    bytes_received: stats.bytes_received,
                    cmds: shared.cmds.load(Ordering::Relaxed),
                    tick: server.server.current_tick().0,
                    cpu_ns: thread_cpu_ns(),
                };
                last_sent = stats.bytes_sent;
                next_report = elapsed + 1.0;
                mem_live = memory.map_or(0, |m| (m.live)() as u64);
            }
            Phase::Measuring(since) if elapsed >= since + o.seconds => {
                played = elapsed - since;
                cpu_end = thread_cpu_ns();
                break;
            }
            _ => {}
        }

        // The server's frame, timed: receive, game, update, movers, send.
        let t0 = Instant::now();
        let tick_before = server.server.current_tick();
        server.pump_at(now)?;
        server_game(server, &mut avatars, o)?;
        let ran = server.server.current_tick().0.wrapping_sub(tick_before.0);
        if ran > 0 {
            let t = server
                .server
                .tick_rate()
                .tick_to_secs(server.server.current_tick());
            for (k, &id) in ids.iter().take(movers).enumerate() {
                server.server.set(id, &path(k, t))?;
            }
        }
        server.flush_at(now)?;
        if ran > 0 && matches!(phase, Phase::Measuring(_)) {
            let us = t0.elapsed().as_micros() as u64 / u64::from(ran);
            tick_us.extend(std::iter::repeat_n(us, ran as usize));
        }

        // Once a second: the naive encoder on the live visible sets, and progress.
        if elapsed >= next_report {
            next_report = elapsed + 1.0;
            if matches!(phase, Phase::Measuring(_)) {
                // Not server work: its CPU time is taken out of the server's.
                let cpu0 = thread_cpu_ns();
                let (naive, visible) = naive_sample(&server.server, &mut buf);
                naive_samples.push(naive);
                visible_samples.push(visible);
                if let (Some(a), Some(b)) = (cpu0, thread_cpu_ns()) {
                    not_server_ns += b.saturating_sub(a);
                }
            }
            if progress {
                let sent = server.stats().bytes_sent;
                let what = match phase {
                    Phase::Connecting => "connecting",
                    Phase::WarmingUp(_) => "warming up",
                    Phase::Measuring(_) => "measuring",
                };
                let mut sorted = tick_us.clone();
                sorted.sort_unstable();
                println!(
                    "[{elapsed:5.1}s] {what}: clients={}/{} ticks={} down={:.1} KiB/s per client \
tick p50={} µs p99={} µs",
                    shared.ready.load(Ordering::Relaxed),
                    o.clients,
                    server.server.current_tick().0,
                    (sent - last_sent) as f64 / o.clients as f64 / 1024.0,
                    percentile(&sorted, 0.5),
                    percentile(&sorted, 0.99),
                );
                last_sent = sent;
            }
        }

        // Sleep until the next tick is due (at most 5 ms: client messages wait meanwhile).
        if let Some(due) = server.server.poll_timeout() {
            let now = clock.now();
            if due > now {
                std::thread::sleep(due.since(now).min(Duration::from_millis(5)));
            }
        }
    }
    if naive_samples.is_empty() {
        let (naive, visible) = naive_sample(&server.server, &mut buf);
        naive_samples.push(naive);
        visible_samples.push(visible);
    }

    let stats = server.stats();
    let per_client_s = |bytes: u64| (bytes as f64 / o.clients as f64 / played.max(1e-3)) as u64;
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    tick_us.sort_unstable();
    let cmds = shared
        .cmds
        .load(Ordering::Relaxed)
        .saturating_sub(base.cmds);
    let ticks = u64::from(server.server.current_tick().0.wrapping_sub(base.tick));
    let cpu_us_per_tick = match (base.cpu_ns, cpu_end) {
        (Some(a), Some(b)) => {
            b.saturating_sub(a).saturating_sub(not_server_ns) / 1000 / ticks.max(1)
        }
        _ => 0,
    };
    Ok(LoadSummary {
        transport: o.transport.name().to_owned(),
        clients: o.clients,
        connected: 0,
        objects: o.objects,
        zones: o.zones,
        moving_fraction: o.moving_fraction,
        update_rate: o.update_rate,
        cmd_rate: o.cmd_rate,
        seconds: (played * 10.0).round() / 10.0,
        ticks,
        visible_per_client: mean(&visible_samples).round() as u64,
        down_bytes_per_client_per_s: per_client_s(stats.bytes_sent - base.bytes_sent),
        up_bytes_per_client_per_s: per_client_s(stats.bytes_received - base.bytes_received),
        naive_down_bytes_per_client_per_s: (mean(&naive_samples) * snapshot_rate).round() as u64,
        cmds_per_client_per_s: per_client_s(cmds as u64),
        tick_us_p50: percentile(&tick_us, 0.5),
        tick_us_p99: percentile(&tick_us, 0.99),
        tick_us_max: tick_us.last().copied().unwrap_or(0),
        cpu_us_per_tick,
        mem_live_bytes: mem_live,
        mem_peak_bytes: 0,
        server_live_bytes: 0,
        rss_peak_kib: 0,
    })
}

/// Mean naive full-state snapshot size per client and mean visible objects per client.
fn naive_sample(server: &Server, buf: &mut Vec<u8>) -> (f64, f64) {
    let clients: Vec<ClientId> = server.clients().collect();
    let mut bytes = 0usize;
    let mut seen = 0usize;
    for &c in &clients {
        let visible = server.visible_to(c);
        seen += visible.len();
        bytes += naive_snapshot(server, &visible, buf);
    }
    let n = clients.len().max(1) as f64;
    (bytes as f64 / n, seen as f64 / n)
}

/// The server's game logic for one frame: avatars for new clients, owners' moves.
fn server_game(
    driver: &mut ServerDriver<ServerTransport>,
    avatars: &mut BTreeMap<ClientId, DoId>,
    o: &LoadOptions,
) -> Result<(), Box<dyn Error>> {
    while let Some(e) = driver.poll_event() {
        let server = &mut driver.server;
        match &e {
            ServerEvent::ClientConnected { client, .. } => {
                let zone = interest_of(*client, o)[0];
                let id = server.generate_default::<DistributedAvatar>(zone, Some(*client))?;
                avatars.insert(*client, id);
            }
            ServerEvent::ClientDisconnected { client, .. } => {
                avatars.remove(client);
            }
            ServerEvent::Message {
                client,
                object,
                field,
                args,
            } => {
                if *field == avatar::SetPos::NUMBER {
                    let outcome = server.apply_owner_update(*client, *object, *field, args);
                    if let OwnerUpdate::Refused(why) = outcome {
                        tracing::info!("client {}: update refused: {why}", client.0);
                    }
                }
            }
            ServerEvent::ClientRejected { .. } => {}
        }
    }
    Ok(())
}

/// A client thread: pumps its clients until told to stop (or `limit` seconds passed);
/// returns how many were connected and owned their avatar at the end (the clients are
/// dropped then, so that what stays live is the server's).
/// Waits for every client thread and adds up the clients each had connected; the
/// first thread error (or panic) is the result instead, after all have ended.
pub fn join_client_threads(
    handles: Vec<std::thread::JoinHandle<Result<usize, String>>>,
) -> Result<usize, String> {
    let mut connected = 0;
    let mut thread_error = None;
    for h in handles {
        match h.join() {
            Ok(Ok(n)) => connected += n,
            Ok(Err(e)) => thread_error = thread_error.or(Some(e)),
            Err(_) => thread_error = thread_error.or(Some("a client thread panicked".to_owned())),
        }
    }
    thread_error.map_or(Ok(connected), Err)
}

fn client_thread(
    mut bots: Vec<Bot>,
    o: &LoadOptions,
    shared: &Shared,
    clock: Clock,
    limit: f64,
) -> Result<usize, String> {
    let start = clock.now();
    let interval = 1.0 / f64::from(o.cmd_rate);
    while !shared.stop.load(Ordering::Relaxed) {
        let now = clock.now();
        let elapsed = now.since(start).as_secs_f64();
        if elapsed > limit {
            return Err(format!("client thread still running after {limit:.0} s"));
        }
        for (i, bot) in bots.iter_mut().enumerate() {
            bot.driver
                .pump_at(now)
                .map_err(|e| format!("client {i}: {e}"))?;
            bot_frame(bot, o, shared, elapsed, interval).map_err(|e| format!("client {i}: {e}"))?;
            bot.driver
                .flush_at(now)
                .map_err(|e| format!("client {i}: {e}"))?;
        }
        if clock.now().since(now) < Duration::from_millis(1) {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    Ok(bots
        .iter()
        .filter(|b| b.avatar.is_some() && b.driver.client.is_connected())
        .count())
}

/// One client's game logic for one frame.
fn bot_frame(
    bot: &mut Bot,
    o: &LoadOptions,
    shared: &Shared,
    elapsed: f64,
    interval: f64,
) -> Result<(), Box<dyn Error>> {
    while let Some(e) = bot.driver.poll_event() {
        match e {
            ClientEvent::Connected { client } => {
                bot.driver.client.set_interest(&interest_of(client, o))?;
            }
            ClientEvent::ObjectGenerated {
                object,
                owned: true,
                ..
            } if bot.avatar.is_none() => {
                bot.avatar = Some(object);
                shared.ready.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
    let Some(me) = bot.avatar else {
        return Ok(());
    };
    if elapsed >= bot.next_cmd && bot.driver.client.is_connected() {
        // At most one command per frame; a slow frame lowers the rate (reported).
        bot.next_cmd = (bot.next_cmd + interval).max(elapsed);
        bot.step += 1;
        let a = bot.step as f64 * 0.05;
        let pos = avatar::SetPos {
            x: 500.0 + a.cos(),
            y: 500.0 + a.sin(),
            z: 0.0,
        };
        bot.driver.client.send_message(me, &pos)?;
        shared.cmds.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}
