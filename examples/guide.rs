//! Coin Rush, the game `docs/GUIDE.md` walks through, whole: an arena with chat, players
//! owned by their clients, coins the server scatters and players pick up. A server and
//! three bots run in one process (alice and bob play; mallory cheats and is kicked),
//! then every bot's view is compared with the server's.
//!
//! ```sh
//! cargo run -p pipes-examples --example guide                      # UDP loopback, 4 s
//! cargo run -p pipes-examples --example guide -- --transport memory --loss 0.05 --latency-ms 40
//! cargo run -p pipes-examples --example guide -- --transport sim --loss 0.1 --latency-ms 60 --seed 7
//! ```

// ANCHOR: uses
use pipes::client::{Client, ClientDisconnect, ClientError, ClientEvent, IntoInterpolated};
use pipes::glam::Vec2;
use pipes::schema::FieldMessage as _;
use pipes::server::{Hooks, Server, ServerError, ServerEvent, Target};
use pipes::sim::{LinkConfig, Rng, SimNet};
use pipes::transport::driver::{ClientDriver, ServerDriver};
use pipes::transport::memory::{MemoryLink, MemoryNetwork, MemoryTransport};
use pipes::transport::udp::{ClientAuth, Security, UdpClient, UdpConfig, UdpServer};
use pipes::transport::Transport;
use pipes::{ClientId, Config, ConnectionId, DoId, InterestHandle, Location, Time};
use std::collections::BTreeMap;
use std::error::Error;
use std::time::{Duration, Instant};
// ANCHOR_END: uses

// ANCHOR: schema
/// The schema's generated module, written by `examples/build.rs` (`pipes-build`).
#[allow(clippy::all, dead_code)] // a binary uses only part of what is generated
mod game {
    pipes::include_schema!("guide");
}

/// The same module generated in place, without a build script.
#[allow(clippy::all, dead_code)]
mod game_inline {
    pipes::dc_schema!("guide.dc");
}

use game::{distributed_arena as arena, distributed_coin as coin, distributed_player as player};
// ANCHOR_END: schema

// ANCHOR: structs
/// A player as the server's game logic keeps it; `sync` sends what changed.
#[derive(pipes::DistributedObject, Clone, Debug, Default, PartialEq)]
#[dclass(DistributedPlayer, schema = "guide.dc", module = crate::game)]
struct Player {
    name: String, // setName(string(1-32) name)
    pos: Vec2,    // setPos(int32/100 x, int32/100 y)
    score: u32,   // setScore(uint32 score)
    purse: u32,   // setPurse(uint32 coins): only the owner receives it
    strikes: u8,  // setStrikes(uint8 strikes): ram only, stays on the server
}

/// A coin lying in the field.
#[derive(pipes::DistributedObject, Clone, Debug, Default, PartialEq)]
#[dclass(DistributedCoin, schema = "guide.dc", module = crate::game)]
struct Coin {
    pos: Vec2,
    value: u8,
}
// ANCHOR_END: structs

// ANCHOR: names
/// The chat room lives in zone 0, players and coins in zone 1.
const CHAT_ZONE: Location = Location::zone(0);
const FIELD_ZONE: Location = Location::zone(1);
const COINS: usize = 6;
/// Longest move the server accepts in one `setPos` (metres).
const MAX_STEP: f32 = 2.0;
const PICK_UP: f32 = 1.0;
/// The bots: name, and whether it cheats.
const PLAYERS: [(&str, bool); 3] = [("alice", false), ("bob", false), ("mallory", true)];

/// A server driver and the bots' client drivers.
type Endpoints<S, C> = (ServerDriver<S>, Vec<ClientDriver<C>>);

/// A random client id for unsecure mode (secure mode takes it from the connect token).
fn fresh_id() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let count = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Rng::new(nanos ^ (u64::from(std::process::id()) << 32) ^ count).next_u64() | 1
}

/// The value after `name` on the command line, or `default`.
fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == name);
    let value = at
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok());
    value.unwrap_or(default)
}
// ANCHOR_END: names

// ANCHOR: hooks
/// Who may play: a client answers the challenge with `name:code`. The verified name
/// reaches the game as the identity in `ServerEvent::ClientConnected`.
struct Tickets;

impl Hooks for Tickets {
    // `admit` (ban lists) keeps its default: everyone may try.
    fn challenge(&mut self, connection: ConnectionId) -> Option<Vec<u8>> {
        Some(connection.0.to_le_bytes().to_vec())
    }

    fn verify(
        &mut self,
        _connection: ConnectionId,
        challenge: &[u8],
        answer: &[u8],
    ) -> Result<Option<String>, String> {
        let text = std::str::from_utf8(answer).map_err(|_| "the ticket is not text")?;
        let (name, code) = text.split_once(':').ok_or("the ticket is not name:code")?;
        if code != ticket_code(name, challenge) {
            return Err(format!("wrong code for {name}"));
        }
        Ok(Some(name.to_owned()))
    }

    fn allow_interest(&mut self, _client: ClientId, location: Location) -> bool {
        location == CHAT_ZONE || location == FIELD_ZONE
    }
}

/// A toy signature (a real game checks a token from its login service).
fn ticket_code(name: &str, challenge: &[u8]) -> String {
    let bytes = name.bytes().chain(challenge.iter().copied());
    let hash = bytes.fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!("{hash:08x}")
}
// ANCHOR_END: hooks

// ANCHOR: server_game
/// The server's game logic: it reacts to events and changes the world between pumps.
struct ServerGame {
    arena: DoId,
    players: BTreeMap<ClientId, (DoId, Player)>,
    coins: BTreeMap<DoId, Coin>,
    rng: Rng,
    picked: u32,
    kicked: Vec<String>,
}
// ANCHOR_END: server_game

impl ServerGame {
    // ANCHOR: world
    /// Creates the arena (zone 0) and the first coins (zone 1).
    fn new(server: &mut Server, seed: u64) -> Result<ServerGame, ServerError> {
        let arena = server.generate_default::<game::DistributedArena>(CHAT_ZONE, None)?;
        server.set(arena, &arena::SetRound { round: 1 })?;
        let mut game = ServerGame {
            arena,
            players: BTreeMap::new(),
            coins: BTreeMap::new(),
            rng: Rng::new(seed),
            picked: 0,
            kicked: Vec::new(),
        };
        for _ in 0..COINS {
            game.drop_coin(server)?;
        }
        Ok(game)
    }

    fn drop_coin(&mut self, server: &mut Server) -> Result<(), ServerError> {
        let mut place = || (self.rng.next_f64() as f32 - 0.5) * 20.0;
        let coin = Coin {
            pos: Vec2::new(place(), place()),
            value: 1 + (self.rng.next_u64() % 9) as u8,
        };
        let id = server.spawn(&coin, FIELD_ZONE, None)?;
        self.coins.insert(id, coin);
        Ok(())
    }
    // ANCHOR_END: world
}

impl ServerGame {
    // ANCHOR: server_events
    fn on_event(&mut self, server: &mut Server, event: &ServerEvent) -> Result<(), ServerError> {
        match event {
            ServerEvent::ClientConnected {
                client, identity, ..
            } => {
                let name = identity
                    .clone()
                    .unwrap_or_else(|| format!("guest{}", client.0));
                let start = Vec2::new(4.0 * (client.0 % 4) as f32 - 6.0, 0.0);
                let me = Player {
                    name,
                    pos: start,
                    ..Player::default()
                };
                // The client owns its player: it may send the `ownsend` fields.
                let id = server.spawn(&me, FIELD_ZONE, Some(*client))?;
                println!("server: {} joined, player {}", me.name, id.0);
                self.players.insert(*client, (id, me));
            }
            ServerEvent::ClientDisconnected { client, reason } => {
                // `delete_owned_on_disconnect` (on by default) deleted its player already.
                if let Some((_, me)) = self.players.remove(client) {
                    println!("server: {} left ({reason:?})", me.name);
                }
            }
            ServerEvent::ClientRejected { connection, reason } => {
                println!("server: connection {} refused: {reason}", connection.0);
            }
            ServerEvent::Message { client, object, .. } => {
                if let Some(Ok(say)) = event.decode::<arena::Say>() {
                    let speaker = self.players.get(client).map_or(0, |(id, _)| id.0);
                    let said = arena::Said {
                        player: speaker,
                        text: say.text,
                    };
                    server.send_message(self.arena, &said, Target::Broadcast { except: None })?;
                } else if let Some(Ok(step)) = event.decode::<player::SetPos>() {
                    self.move_player(server, *client, *object, &step)?;
                }
            }
        }
        Ok(())
    }
    // ANCHOR_END: server_events
}

impl ServerGame {
    // ANCHOR: move
    /// The owner proposes a move (`setPos` is `ownsend`); the server decides.
    fn move_player(
        &mut self,
        server: &mut Server,
        client: ClientId,
        object: DoId,
        step: &player::SetPos,
    ) -> Result<(), ServerError> {
        // Only the owner gets this far (the server ejected anyone else), but the
        // object must still be the one this game gave it.
        let Some((id, me)) = self.players.get_mut(&client) else {
            return Ok(());
        };
        if *id != object {
            return Ok(());
        }
        let to = Vec2::new(step.x as f32, step.y as f32);
        if to.distance(me.pos) <= MAX_STEP {
            me.pos = to;
            return Ok(());
        }
        me.strikes += 1;
        if me.strikes >= 3 {
            let why = format!("moved {:.1} m in one step", to.distance(me.pos));
            self.kicked.push(me.name.clone());
            self.players.remove(&client);
            server.kick(client, &why)?;
        }
        Ok(())
    }
    // ANCHOR_END: move
}

impl ServerGame {
    // ANCHOR: update
    /// Once per frame: pick-ups, then `sync` each player (only changed fields travel).
    fn update(&mut self, server: &mut Server) -> Result<(), ServerError> {
        let mut taken = Vec::new();
        for (id, me) in self.players.values_mut() {
            for (coin_id, coin) in &self.coins {
                if me.pos.distance(coin.pos) < PICK_UP && !taken.contains(coin_id) {
                    taken.push(*coin_id);
                    me.score += u32::from(coin.value);
                    me.purse += 1;
                    let notice = player::Notice {
                        text: format!("+{} points", coin.value),
                    };
                    server.send_message(*id, &notice, Target::Owner)?;
                }
            }
            server.sync(*id, me)?;
        }
        for id in taken {
            server.delete(id)?;
            self.coins.remove(&id);
            self.picked += 1;
            self.drop_coin(server)?;
        }
        Ok(())
    }
    // ANCHOR_END: update
}

// ANCHOR: interp_impl
/// How a `setPos` becomes the value the client interpolates.
impl IntoInterpolated<Vec2> for player::SetPos {
    fn into_interpolated(self) -> Vec2 {
        Vec2::new(self.x as f32, self.y as f32)
    }
}
// ANCHOR_END: interp_impl

// ANCHOR: new_client
/// A client core for the game: its schema (checked by hash at the handshake), its
/// config, and other players' positions bound for interpolation.
fn new_client(config: &Config) -> Result<Client, Box<dyn Error>> {
    let mut client = Client::new(&game::SCHEMA, config.clone());
    client.interpolate::<player::SetPos, Vec2>()?;
    Ok(client)
}
// ANCHOR_END: new_client

// ANCHOR: bot
/// One bot's game logic on top of a client core.
struct Bot {
    name: &'static str,
    cheat: bool,
    interest: Option<InterestHandle>,
    loaded: bool,
    arena: Option<DoId>,
    me: Option<DoId>,
    pos: Vec2,
    score: u32,
    next_move: f64,
    stop_at: f64,
    heard: usize,
    notices: usize,
    ended: Option<ClientDisconnect>,
}

impl Bot {
    fn new(name: &'static str, cheat: bool, stop_at: f64) -> Bot {
        Bot {
            name,
            cheat,
            interest: None,
            loaded: false,
            arena: None,
            me: None,
            pos: Vec2::ZERO,
            score: 0,
            next_move: 0.0,
            stop_at,
            heard: 0,
            notices: 0,
            ended: None,
        }
    }
}
// ANCHOR_END: bot

impl Bot {
    // ANCHOR: client_events
    fn on_event(&mut self, client: &mut Client, event: &ClientEvent) -> Result<(), ClientError> {
        match event {
            ClientEvent::AuthChallenge(challenge) => {
                let ticket = format!("{}:{}", self.name, ticket_code(self.name, challenge));
                client.answer_auth(ticket.as_bytes())?;
            }
            ClientEvent::Connected { .. } => {
                // Everything in both zones; the handle comes back once it all arrived.
                self.interest = Some(client.set_interest(&[CHAT_ZONE, FIELD_ZONE])?);
            }
            ClientEvent::ObjectGenerated {
                object,
                class,
                owned,
            } => {
                if *owned {
                    self.me = Some(*object);
                    self.pos = client.read_object::<Player>(*object)?.pos;
                } else if *class == arena::ID {
                    self.arena = Some(*object);
                }
            }
            ClientEvent::InterestComplete(handle) if Some(*handle) == self.interest => {
                self.loaded = true;
                if let Some(arena) = self.arena {
                    let hello = arena::Say {
                        text: format!("hi, {} here", self.name),
                    };
                    client.send_message(arena, &hello)?;
                }
            }
            ClientEvent::StateChanged { object, fields, .. }
                if Some(*object) == self.me && fields.contains(&player::SetScore::NUMBER) =>
            {
                // `fields` lists the fields whose value changed (a value resent
                // after a lost ack that equals what the client has is left out).
                let me: Player = client.read_object(*object)?;
                self.score = me.score;
                println!(
                    "client {}: score {} ({} coins)",
                    self.name, me.score, me.purse
                );
            }
            ClientEvent::Message { .. } => {
                if let Some(Ok(_said)) = event.decode::<arena::Said>() {
                    self.heard += 1;
                } else if let Some(Ok(_notice)) = event.decode::<player::Notice>() {
                    self.notices += 1;
                }
            }
            ClientEvent::Disconnected(why) => {
                println!("client {}: disconnected: {why:?}", self.name);
                self.ended = Some(why.clone());
            }
            _ => {}
        }
        Ok(())
    }
    // ANCHOR_END: client_events
}

impl Bot {
    // ANCHOR: client_frame
    /// One frame at `t` seconds: interpolate, then (10 times a second) walk towards
    /// the nearest coin this client sees.
    fn frame(&mut self, client: &mut Client, t: f64, now: Time) -> Result<(), ClientError> {
        client.update_interpolation(now);
        let (Some(me), true) = (self.me, self.loaded && client.is_connected()) else {
            return Ok(());
        };
        if t < self.next_move || t > self.stop_at {
            return Ok(());
        }
        self.next_move = t + 0.1;
        let coins = client.objects().filter(|o| o.class().number == coin::ID);
        let nearest = coins
            .filter_map(|o| o.get::<coin::SetPos>()?.ok())
            .map(|p| Vec2::new(p.x as f32, p.y as f32))
            .min_by(|a, b| a.distance(self.pos).total_cmp(&b.distance(self.pos)));
        if let Some(coin) = nearest {
            self.pos += (coin - self.pos).clamp_length_max(1.0);
        }
        if self.cheat && t > 1.0 {
            self.pos.x += 25.0; // a teleport: the server counts strikes, then kicks
        }
        let step = player::SetPos {
            x: f64::from(self.pos.x),
            y: f64::from(self.pos.y),
        };
        client.send_message(me, &step)?;
        Ok(())
    }
    // ANCHOR_END: client_frame
}

impl Bot {
    // ANCHOR: refused
    /// What the client refuses locally, before the server would eject it.
    fn try_forbidden(&self, client: &mut Client) {
        let Some(arena) = self.arena else { return };
        match client.send_message(arena, &arena::SetRound { round: 99 }) {
            Err(ClientError::NotSendable(field)) => {
                println!("client {}: {field} refused locally (not clsend)", self.name);
            }
            other => println!("client {}: unexpected {other:?}", self.name),
        }
    }
    // ANCHOR_END: refused
}

// ANCHOR: others
/// Other players where this client draws them now (interpolated).
fn others(client: &Client, me: Option<DoId>) -> Vec<(DoId, Vec2)> {
    let players = client.objects().filter(|o| o.class().number == player::ID);
    players
        .filter(|o| Some(o.id()) != me)
        .filter_map(|o| {
            Some((
                o.id(),
                client.interpolated_of::<player::SetPos, Vec2>(o.id())?,
            ))
        })
        .collect()
}
// ANCHOR_END: others

/// Whether every client still playing sees exactly the server's players (name, score,
/// position) and coins.
fn converged(game: &ServerGame, clients: &[(&Client, &Bot)]) -> bool {
    clients
        .iter()
        .filter(|(c, _)| c.is_connected())
        .all(|(c, _)| {
            let players = game.players.values().all(|(id, p)| {
                c.read_object::<Player>(*id).is_ok_and(|seen| {
                    (seen.name.as_str(), seen.score, seen.pos) == (p.name.as_str(), p.score, p.pos)
                })
            });
            let coins = c.objects().filter(|o| o.class().number == coin::ID);
            let coin_ids: Vec<DoId> = coins.map(|o| o.id()).collect();
            let mut server_coins: Vec<DoId> = game.coins.keys().copied().collect();
            let mut seen = coin_ids.clone();
            seen.sort();
            server_coins.sort();
            players && seen == server_coins
        })
}

// ANCHOR: config
/// The pipes defaults, then `PIPES_*` environment variables (`PIPES_UPDATERATE=30`).
fn config() -> Result<Config, Box<dyn Error>> {
    let mut config = Config::from_env()?;
    config.max_clients = 8;
    Ok(config)
}
// ANCHOR_END: config

// ANCHOR: udp
/// The server and the bots' clients over UDP on loopback (unsecure mode: no
/// connect tokens; use `Security::Secure` on the internet).
fn udp(config: &Config) -> Result<Endpoints<UdpServer, UdpClient>, Box<dyn Error>> {
    let max = config.max_clients as usize;
    let udp = UdpServer::bind(
        ([127, 0, 0, 1], 0).into(),
        max,
        Security::Unsecure,
        UdpConfig::default(),
    )?;
    let addr = udp.local_addr()?;
    let server = ServerDriver::new(Server::new(&game::SCHEMA, config.clone()), udp);
    let mut clients = Vec::new();
    for _ in PLAYERS {
        let auth = ClientAuth::Unsecure {
            client_id: fresh_id(),
        };
        let transport = UdpClient::connect(addr, auth, UdpConfig::default())?;
        clients.push(ClientDriver::new(new_client(config)?, transport));
    }
    Ok((server, clients))
}
// ANCHOR_END: udp

// ANCHOR: memory
/// The same over in-process connections, with seeded loss and latency on every
/// receive path (reliable messages are delayed, never lost).
fn memory(
    config: &Config,
    loss: f64,
    latency: Duration,
    seed: u64,
) -> Result<Endpoints<MemoryTransport, MemoryTransport>, Box<dyn Error>> {
    let link = |seed| MemoryLink {
        loss,
        latency,
        seed,
        ..MemoryLink::default()
    };
    let network = MemoryNetwork::new();
    let server = Server::new(&game::SCHEMA, config.clone());
    let server = ServerDriver::new(server, network.listen(link(seed))?);
    let mut clients = Vec::new();
    for i in 0..PLAYERS.len() as u64 {
        let transport = network.connect(link(seed + 1 + i))?;
        clients.push(ClientDriver::new(new_client(config)?, transport));
    }
    Ok((server, clients))
}
// ANCHOR_END: memory

// ANCHOR: frame_loop
/// Runs the game for `seconds` of wall-clock time: each frame pumps the server,
/// hands its events to the game, updates the world, sends, then does the same for
/// every client.
fn run_driven<S: Transport, C: Transport>(
    mut server: ServerDriver<S>,
    mut clients: Vec<ClientDriver<C>>,
    seconds: f64,
    seed: u64,
) -> Result<String, Box<dyn Error>> {
    server.server.set_hooks(Box::new(Tickets));
    let mut game = ServerGame::new(&mut server.server, seed)?;
    let mut bots: Vec<Bot> = PLAYERS
        .iter()
        .map(|(n, c)| Bot::new(n, *c, seconds - 1.0))
        .collect();
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < seconds {
        server.pump()?;
        while let Some(event) = server.poll_event() {
            game.on_event(&mut server.server, &event)?;
        }
        game.update(&mut server.server)?;
        server.flush()?;
        let t = start.elapsed().as_secs_f64();
        for (driver, bot) in clients.iter_mut().zip(&mut bots) {
            driver.pump()?;
            while let Some(event) = driver.poll_event() {
                bot.on_event(&mut driver.client, &event)?;
            }
            let now = driver.clock().now();
            bot.frame(&mut driver.client, t, now)?;
            driver.flush()?;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    // ANCHOR_END: frame_loop
    if let (Some(driver), Some(bot)) = (clients.get_mut(1), bots.get(1)) {
        bot.try_forbidden(&mut driver.client);
    }
    let pairs: Vec<(&Client, &Bot)> = clients.iter().map(|d| &d.client).zip(&bots).collect();
    let summary = summarize(&game, &pairs);
    // Leave politely; the server sees `Left`.
    for driver in &mut clients {
        driver.client.disconnect();
        driver.flush()?;
    }
    for _ in 0..40 {
        server.pump()?;
        while let Some(event) = server.poll_event() {
            game.on_event(&mut server.server, &event)?;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(summary)
}

// ANCHOR: sim
/// The whole game on the simulated network: a driven clock, seeded latency, jitter,
/// loss and duplication on every link. Same seed, same run.
fn run_simulated(
    config: &Config,
    link: LinkConfig,
    seconds: f64,
    seed: u64,
) -> Result<String, Box<dyn Error>> {
    let mut server = Server::new(&game::SCHEMA, config.clone());
    server.set_hooks(Box::new(Tickets));
    let mut game = ServerGame::new(&mut server, seed)?;
    let mut sim = SimNet::new(server, seed);
    let mut bots = Vec::new();
    for (name, cheat) in PLAYERS {
        sim.add_client(new_client(config)?, link);
        bots.push(Bot::new(name, cheat, seconds - 1.0));
    }
    let start = sim.now();
    let frames = (seconds * 100.0) as u32;
    for _ in 0..frames {
        sim.run_for(Duration::from_millis(10))?;
        for event in std::mem::take(&mut sim.server_events) {
            game.on_event(&mut sim.server, &event)?;
        }
        game.update(&mut sim.server)?;
        let (now, t) = (sim.now(), sim.now().since(start).as_secs_f64());
        for (c, bot) in sim.clients.iter_mut().zip(&mut bots) {
            for event in std::mem::take(&mut c.events) {
                bot.on_event(&mut c.client, &event)?;
            }
            bot.frame(&mut c.client, t, now)?;
        }
    }
    // ANCHOR_END: sim
    if let (Some(c), Some(bot)) = (sim.clients.get_mut(1), bots.get(1)) {
        bot.try_forbidden(&mut c.client);
    }
    let pairs: Vec<(&Client, &Bot)> = sim.clients.iter().map(|c| &c.client).zip(&bots).collect();
    Ok(summarize(&game, &pairs))
}

/// The summary lines: what each bot saw, then one line the test checks.
fn summarize(game: &ServerGame, clients: &[(&Client, &Bot)]) -> String {
    let mut out = String::new();
    for (client, bot) in clients {
        let drawn = others(client, bot.me);
        let first = drawn.first().map_or(String::from("nobody"), |(id, p)| {
            format!("player {} at ({:.1}, {:.1})", id.0, p.x, p.y)
        });
        out += &format!(
            "client {}: heard {} chat lines, {} notices, draws {first}\n",
            bot.name, bot.heard, bot.notices
        );
    }
    let kicked = clients
        .iter()
        .filter(|(_, b)| matches!(&b.ended, Some(ClientDisconnect::Ejected { .. })))
        .map(|(_, b)| b.name)
        .collect::<Vec<_>>()
        .join(",");
    let scores: Vec<String> = game
        .players
        .values()
        .map(|(_, p)| format!("{}={}", p.name, p.score))
        .collect();
    out += &format!(
        "guide: players={} scores={} coins_picked={} kicked={kicked} converged={}",
        game.players.len(),
        scores.join(","),
        game.picked,
        if converged(game, clients) {
            "yes"
        } else {
            "no"
        }
    );
    out
}

fn main() -> Result<(), Box<dyn Error>> {
    // The runtime logs ejects and refused connections: show them (RUST_LOG=debug for more).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let transport = arg("--transport", String::from("udp"));
    let seconds = arg("--seconds", 4.0f64).clamp(2.0, 600.0);
    let loss = arg("--loss", 0.0f64).clamp(0.0, 0.5);
    let latency_ms = arg("--latency-ms", 0u64).min(1000);
    let seed = arg("--seed", 1u64);
    assert_eq!(
        game::HASH,
        game_inline::HASH,
        "build.rs and dc_schema! agree"
    );
    let config = config()?;
    let summary = match transport.as_str() {
        "udp" => {
            let (server, clients) = udp(&config)?;
            run_driven(server, clients, seconds, seed)?
        }
        "memory" => {
            let (server, clients) = memory(&config, loss, Duration::from_millis(latency_ms), seed)?;
            run_driven(server, clients, seconds, seed)?
        }
        "sim" => {
            let link = LinkConfig::new(latency_ms, latency_ms / 4, loss, loss / 2.0);
            run_simulated(&config, link, seconds, seed)?
        }
        other => return Err(format!("unknown --transport {other} (udp, memory, sim)").into()),
    };
    println!("{summary}");
    Ok(())
}
