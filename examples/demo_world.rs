//! The demo's logic, shared by `examples/demo.rs` (the binary) and its test.
//!
//! One server and `clients` bot clients run in one thread over a real transport
//! (UDP on loopback by default, or in-memory). The server owns `objects` NPC avatars
//! walking circles in 4 zones and one chat object; each bot gets an avatar it owns
//! and moves (`setPos`, `ownsend`), chats (`say` → relayed as `said`) and changes its
//! interest zones. NPCs walk from the first tick until play ends (never teleporting,
//! so their true path is known at every server time). Every bot interpolates the NPCs
//! it sees through the runtime's binding (`Client::interpolate::<SetPos, DVec3>()`,
//! rendered at `Client::render_time`); the error of the interpolated position
//! against the server's true path is measured. At the end the world stops changing,
//! settles, and every client's objects and state are compared with the server's.

use crate::load_world::percentile;
use crate::schema::{distributed_avatar as avatar, distributed_chat as chat};
use crate::schema::{DistributedAvatar, DistributedChat, SCHEMA};
use glam::DVec3;
use pipes::client::{Client, ClientEvent};
use pipes::schema::FieldMessage as _;
use pipes::server::{OwnerUpdate, Server, ServerEvent, Target};
use pipes::transport::driver::{ClientDriver, Clock, ServerDriver};
use pipes::transport::memory::{MemoryLink, MemoryNetwork};
use pipes::transport::udp::{ClientAuth, Security, UdpClient, UdpConfig, UdpServer};
use pipes::transport::Transport;
use pipes::{Config, DoId, Location, Time};
use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::time::Duration;

/// Zones NPCs walk in (the chat object lives in zone 0).
const ZONES: u32 = 4;
/// Seconds between a bot's moves.
const MOVE_EVERY: f64 = 0.05;
/// Longest wait for every bot to connect.
const CONNECT_TIMEOUT: f64 = 10.0;

/// Which transport the demo uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportKind {
    /// UDP on 127.0.0.1 through renet (the default).
    Udp,
    /// In-process queues.
    Memory,
}

/// The demo's flags.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoOptions {
    /// `--clients N` (8).
    pub clients: usize,
    /// `--objects N`: NPC avatars (64).
    pub objects: usize,
    /// `--seconds S`: how long bots play before the world settles (5).
    pub seconds: f64,
    /// `--loss P`: loss on every receive path, 0..1 (0).
    pub loss: f64,
    /// `--latency-ms N`: one-way latency added on every receive path (0).
    pub latency_ms: u64,
    /// `--transport udp|memory` (udp).
    pub transport: TransportKind,
    /// `--seed N` (1).
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            clients: 8,
            objects: 64,
            seconds: 5.0,
            loss: 0.0,
            latency_ms: 0,
            transport: TransportKind::Udp,
            seed: 1,
        }
    }
}

impl DemoOptions {
    /// Parses the command-line flags (without the program name).
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<DemoOptions, String> {
        let mut o = DemoOptions::default();
        let mut it = args.into_iter();
        while let Some(flag) = it.next() {
            let mut value = || it.next().ok_or(format!("{flag} needs a value"));
            let bad = |v: &str| format!("{flag}: bad value `{v}`");
            match flag.as_str() {
                "--clients" => {
                    let v = value()?;
                    o.clients = v.parse().map_err(|_| bad(&v))?;
                }
                "--objects" => {
                    let v = value()?;
                    o.objects = v.parse().map_err(|_| bad(&v))?;
                }
                "--seconds" => {
                    let v = value()?;
                    o.seconds = v.parse().map_err(|_| bad(&v))?;
                }
                "--loss" => {
                    let v = value()?;
                    o.loss = v.parse().map_err(|_| bad(&v))?;
                }
                "--latency-ms" => {
                    let v = value()?;
                    o.latency_ms = v.parse().map_err(|_| bad(&v))?;
                }
                "--seed" => {
                    let v = value()?;
                    o.seed = v.parse().map_err(|_| bad(&v))?;
                }
                "--transport" => {
                    let v = value()?;
                    o.transport = match v.as_str() {
                        "udp" => TransportKind::Udp,
                        "memory" => TransportKind::Memory,
                        _ => return Err(bad(&v)),
                    };
                }
                "-h" | "--help" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown flag `{other}`\n{USAGE}")),
            }
        }
        if !(0.0..=1.0).contains(&o.loss) {
            return Err(format!("--loss must be within 0..1, got {}", o.loss));
        }
        if !(o.seconds.is_finite() && o.seconds > 0.0 && o.seconds <= 3600.0) {
            return Err(format!(
                "--seconds must be within (0, 3600], got {}",
                o.seconds
            ));
        }
        if o.clients == 0 || o.clients > 256 {
            return Err(format!(
                "--clients must be within 1..=256, got {}",
                o.clients
            ));
        }
        if o.objects > 100_000 {
            return Err(format!(
                "--objects must be at most 100000, got {}",
                o.objects
            ));
        }
        Ok(o)
    }
}

/// Usage text.
pub const USAGE: &str = "usage: demo [--clients N] [--objects N] [--seconds S] [--loss P] \
[--latency-ms N] [--transport udp|memory] [--seed N]";

/// What the demo measured.
#[derive(Clone, Debug, PartialEq)]
pub struct DemoSummary {
    /// Bots.
    pub clients: usize,
    /// NPC avatars.
    pub objects: usize,
    /// Server ticks run.
    pub ticks: u32,
    /// Server → client payload bytes per client per second.
    pub bytes_per_client_per_s: u64,
    /// Median server frame time (receive + update + game + send) of frames that ran a tick, µs.
    pub tick_us_p50: u64,
    /// 99th percentile of the same, µs.
    pub tick_us_p99: u64,
    /// Largest distance between an interpolated NPC position and its true path, mm.
    pub max_interp_error_mm: u64,
    /// 99th percentile of the same distance over every sample (each NPC a bot renders,
    /// each frame), mm: the maximum is one frame's worst case, this is the typical tail.
    pub interp_error_p99_mm: u64,
    /// Every client's final state equals the server's.
    pub converged: bool,
    /// Why not, when it did not converge.
    pub mismatches: Vec<String>,
}

impl DemoSummary {
    /// The last line the demo prints.
    pub fn line(&self) -> String {
        format!(
            "demo: clients={} objects={} ticks={} bytes_per_client_per_s={} server_tick_us_p50={} \
server_tick_us_p99={} max_interp_error={} interp_error_p99={} converged={}",
            self.clients,
            self.objects,
            self.ticks,
            self.bytes_per_client_per_s,
            self.tick_us_p50,
            self.tick_us_p99,
            self.max_interp_error_mm,
            self.interp_error_p99_mm,
            if self.converged { "yes" } else { "no" }
        )
    }
}

/// An NPC's true position at server time `t` (a circle per NPC).
fn npc_path(k: usize, t: f64) -> DVec3 {
    let phase = k as f64 * 0.7;
    let cx = (k % 8) as f64 * 10.0;
    let cy = (k / 8 % 8) as f64 * 10.0;
    let w = 0.8 + (k % 5) as f64 * 0.1;
    DVec3::new(
        cx + 3.0 * (w * t + phase).cos(),
        cy + 3.0 * (w * t + phase).sin(),
        0.0,
    )
}

fn pos_msg(p: DVec3) -> avatar::SetPos {
    avatar::SetPos {
        x: p.x,
        y: p.y,
        z: p.z,
    }
}

struct Bot {
    driver: ClientDriver<Box<dyn Transport>>,
    avatar: Option<DoId>,
    next_move: f64,
    next_chat: f64,
    next_zone: f64,
    step: u64,
    /// NPCs in view and the server time of their first sample (their entry): the
    /// error is measured once the render time reaches it.
    first_sample: BTreeMap<DoId, f64>,
    chats_heard: u64,
    /// Interpolation errors this bot saw.
    errors: InterpErrors,
}

struct World {
    npcs: BTreeMap<DoId, usize>,
    chat: DoId,
    avatars: BTreeMap<pipes::ClientId, DoId>,
}

/// A transport chosen at run time.
type AnyTransport = Box<dyn Transport>;

fn make_transports(o: &DemoOptions) -> Result<(AnyTransport, Vec<AnyTransport>), Box<dyn Error>> {
    let latency = Duration::from_millis(o.latency_ms);
    match o.transport {
        TransportKind::Udp => {
            let cfg = |seed: u64| UdpConfig {
                loss: o.loss,
                latency,
                seed,
                // Resend after about one round trip, never sooner than 40 ms.
                resend_time: Duration::from_millis(40.max(2 * o.latency_ms + 20)),
                ..UdpConfig::default()
            };
            let server = UdpServer::bind(
                ([127, 0, 0, 1], 0).into(),
                o.clients,
                Security::Unsecure,
                cfg(o.seed),
            )?;
            let addr = server.local_addr()?;
            let mut clients: Vec<Box<dyn Transport>> = Vec::new();
            for i in 0..o.clients {
                let auth = ClientAuth::Unsecure {
                    client_id: i as u64 + 1,
                };
                let seed = o.seed.wrapping_mul(1000).wrapping_add(i as u64 + 1);
                clients.push(Box::new(UdpClient::connect(addr, auth, cfg(seed))?));
            }
            Ok((Box::new(server), clients))
        }
        TransportKind::Memory => {
            let net = MemoryNetwork::new();
            let link = |seed: u64| MemoryLink {
                loss: o.loss,
                latency,
                seed,
                ..MemoryLink::default()
            };
            let server = net.listen(link(o.seed))?;
            let mut clients: Vec<Box<dyn Transport>> = Vec::new();
            for i in 0..o.clients {
                let seed = o.seed.wrapping_mul(1000).wrapping_add(i as u64 + 1);
                clients.push(Box::new(net.connect(link(seed))?));
            }
            Ok((Box::new(server), clients))
        }
    }
}

/// The server's net stats averaged over its clients (snapshot bytes/s sent and
/// delivered, budget, loss, choke), for progress lines.
pub fn net_line(server: &Server) -> String {
    let nets: Vec<pipes::server::NetStats> = server
        .clients()
        .filter_map(|c| server.client_info(c))
        .map(|i| i.net)
        .collect();
    let n = nets.len().max(1) as f64;
    let avg = |f: fn(&pipes::server::NetStats) -> f64| nets.iter().map(f).sum::<f64>() / n;
    format!(
        "net: sent={:.1} delivered={:.1} budget={:.0} KiB/s loss={:.1}% choke={:.1} KiB/s",
        avg(|s| s.sent_bytes_per_s) / 1024.0,
        avg(|s| s.delivered_bytes_per_s) / 1024.0,
        avg(|s| s.budget_bytes_per_s) / 1024.0,
        avg(|s| s.loss) * 100.0,
        avg(|s| s.choke_bytes_per_s) / 1024.0,
    )
}

/// Runs the demo; `progress` prints a line per second to stdout.
pub fn run(o: &DemoOptions, progress: bool) -> Result<DemoSummary, Box<dyn Error>> {
    let clock = Clock::new();
    let (server_transport, client_transports) = make_transports(o)?;
    let config = Config {
        max_clients: o.clients as u32,
        ..Config::default()
    };
    let mut server = ServerDriver::new(Server::new(&SCHEMA, config.clone()), server_transport);
    let mut world = World::generate(&mut server.server, o.objects)?;
    let mut bots = make_bots(client_transports, &config, clock)?;
    let mut rng = pipes::sim::Rng::new(o.seed);
    let mut meter = Meter::new(clock);
    let start = clock.now();
    let settle = 1.5 + 0.008 * o.latency_ms as f64 + if o.loss > 0.0 { 1.5 } else { 0.0 };
    let mut connected_at: Option<f64> = None;
    let end_play = loop {
        let now = clock.now();
        let elapsed = now.since(start).as_secs_f64();
        match connected_at {
            None if elapsed > CONNECT_TIMEOUT => return Err(not_connected(&bots).into()),
            Some(c) if elapsed >= c + o.seconds + settle => break c + o.seconds,
            _ => {}
        }
        let playing = connected_at.is_some_and(|c| elapsed < c + o.seconds);
        // NPCs walk from the start until play ends: no jump when play begins.
        let walking = connected_at.is_none() || playing;
        server_frame(&mut server, &mut world, now, playing, walking, &mut meter)?;
        for (i, bot) in bots.iter_mut().enumerate() {
            bot.driver.pump_at(now)?;
            bot_game(bot, i, &world, elapsed, playing, &mut rng, now)?;
            bot.driver.flush_at(now)?;
        }
        if connected_at.is_none() && bots.iter().all(|b| b.avatar.is_some()) {
            connected_at = Some(elapsed);
        }
        if progress && elapsed >= meter.next_report {
            meter.report(&server, &world, &bots, elapsed, playing);
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Ok(summarize(o, &server, &bots, meter, end_play, progress))
}

impl World {
    /// The world: a chat room in zone 0 and `objects` NPCs walking in every zone.
    fn generate(server: &mut Server, objects: usize) -> Result<World, Box<dyn Error>> {
        let chat = server.generate_default::<DistributedChat>(Location::zone(0), None)?;
        let mut npcs = BTreeMap::new();
        let t0 = server.tick_rate().tick_to_secs(server.current_tick());
        for k in 0..objects {
            let zone = Location::zone(k as u32 % ZONES);
            let id = server.generate_default::<DistributedAvatar>(zone, None)?;
            let name = format!("npc{k}");
            server.set(id, &avatar::SetName { name })?;
            server.set(id, &pos_msg(npc_path(k, t0)))?;
            npcs.insert(id, k);
        }
        Ok(World {
            npcs,
            chat,
            avatars: BTreeMap::new(),
        })
    }

    /// Moves every NPC to its path's point at the server's current tick.
    fn walk_npcs(&self, server: &mut Server) -> Result<(), Box<dyn Error>> {
        let t = server.tick_rate().tick_to_secs(server.current_tick());
        for (&id, &k) in &self.npcs {
            server.set(id, &pos_msg(npc_path(k, t)))?;
        }
        Ok(())
    }
}

/// A bot per client transport, interpolating the avatars it sees, on the demo's clock.
fn make_bots(
    transports: Vec<AnyTransport>,
    config: &Config,
    clock: Clock,
) -> Result<Vec<Bot>, Box<dyn Error>> {
    let mut bots = Vec::with_capacity(transports.len());
    for t in transports {
        let mut client = Client::new(&SCHEMA, config.clone());
        client.interpolate::<avatar::SetPos, DVec3>()?;
        bots.push(Bot {
            driver: ClientDriver::new(client, t).with_clock(clock),
            avatar: None,
            next_move: 0.0,
            next_chat: 0.0,
            next_zone: 0.0,
            step: 0,
            first_sample: BTreeMap::new(),
            chats_heard: 0,
            errors: InterpErrors::default(),
        });
    }
    Ok(bots)
}

/// The error when the bots did not all connect in time.
fn not_connected(bots: &[Bot]) -> String {
    let up = bots
        .iter()
        .filter(|b| b.driver.client.is_connected())
        .count();
    format!(
        "only {up} of {} bots connected within {CONNECT_TIMEOUT} s",
        bots.len()
    )
}

/// One server frame at `now`: receive, the game's events, the NPCs moved on a new
/// tick while `walking`, send. Frames that ran a tick are timed into `meter`.
fn server_frame(
    server: &mut ServerDriver<AnyTransport>,
    world: &mut World,
    now: Time,
    playing: bool,
    walking: bool,
    meter: &mut Meter,
) -> Result<(), Box<dyn Error>> {
    let tick_before = server.server.current_tick();
    server.pump_at(now)?;
    server_game(server, world, playing)?;
    let ticked = server.server.current_tick() != tick_before;
    if ticked && walking {
        world.walk_npcs(&mut server.server)?;
    }
    server.flush_at(now)?;
    if ticked {
        let took = meter.clock.now().since(now);
        meter.tick_us.push(took.as_micros() as u64);
    }
    Ok(())
}

/// What the run measures as it goes.
struct Meter {
    /// The run's clock (frame times are measured on it).
    clock: Clock,
    /// Durations of the server frames that ran a tick, µs.
    tick_us: Vec<u64>,
    /// When the next progress line is due (seconds since the start).
    next_report: f64,
    /// Server bytes sent at the last progress line.
    last_bytes: u64,
}

impl Meter {
    fn new(clock: Clock) -> Meter {
        Meter {
            clock,
            tick_us: Vec::new(),
            next_report: 1.0,
            last_bytes: 0,
        }
    }

    /// Prints the progress line for the last second.
    fn report(
        &mut self,
        server: &ServerDriver<AnyTransport>,
        world: &World,
        bots: &[Bot],
        elapsed: f64,
        playing: bool,
    ) {
        let sent = server.stats().bytes_sent;
        let up = bots
            .iter()
            .filter(|b| b.driver.client.is_connected())
            .count();
        let rtts: Vec<f64> = bots
            .iter()
            .filter_map(|b| b.driver.client.rtt())
            .map(|d| d.as_secs_f64() * 1000.0)
            .collect();
        let rtt = rtts.iter().sum::<f64>() / rtts.len().max(1) as f64;
        let per_client = (sent - self.last_bytes) as f64 / bots.len().max(1) as f64 / 1024.0;
        println!(
            "[{elapsed:4.1}s] clients={up}/{} objects={} ({} NPCs, {} avatars, 1 chat) \
down={per_client:.1} KiB/s per client rtt={rtt:.1} ms {}{}",
            bots.len(),
            server.server.object_count(),
            world.npcs.len(),
            world.avatars.len(),
            net_line(&server.server),
            if playing { "" } else { " (settling)" }
        );
        self.last_bytes = sent;
        self.next_report += 1.0;
    }
}

/// The summary after the run (printing the chat count and mismatches with `progress`).
fn summarize(
    o: &DemoOptions,
    server: &ServerDriver<AnyTransport>,
    bots: &[Bot],
    mut meter: Meter,
    end_play: f64,
    progress: bool,
) -> DemoSummary {
    let mismatches = compare(&server.server, bots);
    if progress {
        let heard: u64 = bots.iter().map(|b| b.chats_heard).sum();
        println!("chat lines heard by bots: {heard}");
        for m in mismatches.iter().take(10) {
            println!("mismatch: {m}");
        }
    }
    meter.tick_us.sort_unstable();
    let mut errors = InterpErrors::default();
    for bot in bots {
        errors.merge(&bot.errors);
    }
    let play_secs = end_play.max(1e-3);
    let sent = server.stats().bytes_sent as f64;
    DemoSummary {
        clients: o.clients,
        objects: o.objects,
        ticks: server.server.current_tick().0,
        bytes_per_client_per_s: (sent / o.clients as f64 / play_secs) as u64,
        tick_us_p50: percentile(&meter.tick_us, 0.5),
        tick_us_p99: percentile(&meter.tick_us, 0.99),
        max_interp_error_mm: errors.max_mm(),
        interp_error_p99_mm: errors.percentile_mm(0.99),
        converged: mismatches.is_empty(),
        mismatches,
    }
}

/// The server's game logic for one frame.
fn server_game(
    driver: &mut ServerDriver<Box<dyn Transport>>,
    world: &mut World,
    playing: bool,
) -> Result<(), Box<dyn Error>> {
    while let Some(e) = driver.poll_event() {
        let server = &mut driver.server;
        match &e {
            ServerEvent::ClientConnected { client, .. } => {
                let id = server.generate_default::<DistributedAvatar>(
                    Location::zone(client.0 % ZONES),
                    Some(*client),
                )?;
                server.set(
                    id,
                    &avatar::SetName {
                        name: format!("bot{}", client.0),
                    },
                )?;
                world.avatars.insert(*client, id);
            }
            ServerEvent::ClientDisconnected { client, .. } => {
                world.avatars.remove(client);
            }
            ServerEvent::Message {
                client,
                object,
                field,
                args,
            } => {
                if *field == avatar::SetPos::NUMBER && playing {
                    // The owner moved its avatar: accept the new state, or say why not.
                    let outcome = server.apply_owner_update(*client, *object, *field, args);
                    if let OwnerUpdate::Refused(why) = outcome {
                        tracing::info!("client {}: update refused: {why}", client.0);
                    }
                } else if let Some(Ok(say)) = e.decode::<chat::Say>() {
                    let said = chat::Said {
                        sender: world.avatars.get(client).map_or(0, |d| d.0),
                        text: say.text,
                    };
                    server.send_message(world.chat, &said, Target::Broadcast { except: None })?;
                }
            }
            ServerEvent::ClientRejected { .. } => {}
        }
    }
    Ok(())
}

/// A bot's game logic for one frame; records the interpolation error of every NPC it
/// renders.
fn bot_game(
    bot: &mut Bot,
    i: usize,
    world: &World,
    elapsed: f64,
    playing: bool,
    rng: &mut pipes::sim::Rng,
    now: Time,
) -> Result<(), Box<dyn Error>> {
    let rate = bot.driver.client.tick_rate();
    while let Some(e) = bot.driver.poll_event() {
        match &e {
            ClientEvent::Connected { .. } => {
                bot.driver
                    .client
                    .set_interest(&[Location::zone(0), Location::zone(i as u32 % ZONES)])?;
            }
            ClientEvent::ObjectGenerated {
                object,
                owned: true,
                ..
            } => bot.avatar = Some(*object),
            ClientEvent::ObjectGenerated { object, .. } if world.npcs.contains_key(object) => {
                // The entry carries the first sample (the runtime recorded it).
                let tick = bot.driver.client.object(*object).map(|o| o.state_tick());
                if let Some(tick) = tick {
                    bot.first_sample.insert(*object, rate.tick_to_secs(tick));
                }
            }
            ClientEvent::ObjectDeleted { object } => {
                bot.first_sample.remove(object);
            }
            ClientEvent::Message { .. } => {
                if let Some(Ok(_)) = e.decode::<chat::Said>() {
                    bot.chats_heard += 1;
                }
            }
            _ => {}
        }
    }
    let client = &mut bot.driver.client;
    if !client.is_connected() {
        return Ok(());
    }
    // Interpolation error against the NPCs' true paths (while they move), at the
    // render time the runtime computed the values for.
    let interval = 1.0 / f64::from(client.rates().update_rate.max(1));
    if let Some(render) = client.update_interpolation(now).filter(|_| playing) {
        for (&id, &first) in &bot.first_sample {
            let Some(&k) = world.npcs.get(&id) else {
                continue;
            };
            if render < first + interval {
                // Until one snapshot interval after its entry, an object has only its
                // entry sample (nothing to interpolate from yet).
                continue;
            }
            if let Some(v) = client.interpolated_of::<avatar::SetPos, DVec3>(id) {
                bot.errors.record(v.distance(npc_path(k, render)));
            }
        }
    }
    if !playing {
        return Ok(());
    }
    let Some(me) = bot.avatar else {
        return Ok(());
    };
    if elapsed >= bot.next_move {
        bot.next_move = elapsed + MOVE_EVERY;
        bot.step += 1;
        let a = bot.step as f64 * 0.1;
        let p = DVec3::new(50.0 + i as f64 + a.cos(), 50.0 + a.sin(), 0.0);
        client.send_message(me, &pos_msg(p))?;
    }
    if elapsed >= bot.next_chat {
        bot.next_chat = elapsed + 0.5 + rng.next_f64();
        let say = chat::Say {
            text: format!("bot {i} says hi at {elapsed:.1}s"),
        };
        if client.object(world.chat).is_some() {
            client.send_message(world.chat, &say)?;
        }
    }
    if elapsed >= bot.next_zone {
        bot.next_zone = elapsed + 1.0 + 2.0 * rng.next_f64();
        let z = rng.below(u64::from(ZONES)) as u32;
        client.set_interest(&[Location::zone(0), Location::zone(z)])?;
    }
    Ok(())
}

/// Interpolation errors as a histogram of whole millimetres (a sample costs no memory).
#[derive(Default)]
struct InterpErrors {
    /// Samples per millimetre; the last bucket holds everything from `ERROR_BUCKETS - 1` mm up.
    counts: Vec<u64>,
    /// Largest error seen, m.
    max_m: f64,
}

/// Millimetre buckets of [`InterpErrors`] (10 m and beyond share the last one).
const ERROR_BUCKETS: usize = 10_001;

impl InterpErrors {
    /// Records one sample, in metres.
    fn record(&mut self, err_m: f64) {
        let mm = (err_m * 1000.0)
            .round()
            .clamp(0.0, (ERROR_BUCKETS - 1) as f64) as usize;
        if self.counts.len() <= mm {
            self.counts.resize(mm + 1, 0);
        }
        self.counts[mm] += 1;
        self.max_m = self.max_m.max(err_m);
    }

    /// Adds another histogram's samples.
    fn merge(&mut self, other: &InterpErrors) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.max_m = self.max_m.max(other.max_m);
    }

    /// The largest sample, mm.
    fn max_mm(&self) -> u64 {
        (self.max_m * 1000.0).round() as u64
    }

    /// The `p` (0..=1) percentile of the samples, mm (0 without samples).
    fn percentile_mm(&self, p: f64) -> u64 {
        let total: u64 = self.counts.iter().sum();
        let rank = ((total as f64 * p).ceil() as u64).max(1);
        let mut seen = 0;
        for (mm, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return mm as u64;
            }
        }
        0
    }
}

/// Differences between each client's objects and what the server says it should see.
fn compare(server: &Server, bots: &[Bot]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, bot) in bots.iter().enumerate() {
        let c = &bot.driver.client;
        let Some(me) = c.id().filter(|_| c.is_connected()) else {
            out.push(format!("bot {i} is not connected"));
            continue;
        };
        let want: BTreeSet<DoId> = server.visible_to(me).into_iter().collect();
        let have: BTreeSet<DoId> = c.objects().map(|o| o.id()).collect();
        if want != have {
            out.push(format!(
                "bot {i}: sees {} objects, server says {} (missing {:?}, extra {:?})",
                have.len(),
                want.len(),
                want.difference(&have).take(5).collect::<Vec<_>>(),
                have.difference(&want).take(5).collect::<Vec<_>>()
            ));
            continue;
        }
        for id in want {
            let Some(o) = c.object(id) else { continue };
            if Some(o.location()) != server.location(id) {
                out.push(format!("bot {i}: object {} location differs", id.0));
            }
            for &n in o.class().ram {
                if o.field(n).map(|v| v.value.as_slice()) != server.field(id, n) {
                    out.push(format!("bot {i}: object {} field {n} differs", id.0));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::InterpErrors;

    #[test]
    fn interp_error_percentiles_come_from_every_sample() {
        let mut e = InterpErrors::default();
        assert_eq!(e.percentile_mm(0.99), 0, "no samples");
        for _ in 0..98 {
            e.record(0.002);
        }
        e.record(0.050);
        e.record(25.0);
        assert_eq!(e.percentile_mm(0.5), 2);
        assert_eq!(e.percentile_mm(0.99), 50);
        assert_eq!(
            e.percentile_mm(1.0),
            10_000,
            "beyond 10 m shares the last bucket"
        );
        assert_eq!(e.max_mm(), 25_000, "the maximum is exact");
        let mut all = InterpErrors::default();
        all.merge(&e);
        all.merge(&e);
        assert_eq!(all.percentile_mm(0.99), 50);
        assert_eq!(all.max_mm(), 25_000);
    }
}
