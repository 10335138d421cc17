//! The server: an authoritative, deterministic state machine with no I/O.
//!
//! # How a driver feeds it
//!
//! The server never reads a clock or a socket. A driver (UDP, Steam, the in-process
//! [`crate::sim`] network) owns the transport and calls, from one thread:
//!
//! 1. [`Server::handle_connect`] when a transport connection opens, and
//!    [`Server::handle_disconnect`] when it is lost;
//! 2. [`Server::handle_datagram`] for every message received, with the time `now`;
//! 3. [`Server::update`] at least at [`Server::poll_timeout`]: it runs due ticks and
//!    builds the snapshots of clients due for one;
//! 4. then drains [`Server::poll_transmit`] (send each payload on its channel, close
//!    the connection after one marked `close_after`) and [`Server::poll_event`].
//!
//! The game changes the world between those calls ([`Server::generate`],
//! [`Server::set_field`], [`Server::send`], ...). Changes are stamped with
//! [`Server::current_tick`]; the snapshot of that tick goes out when the tick ends.
//!
//! # Replication model
//!
//! Each state field remembers the tick it last changed. Per client and per visible
//! object the server remembers the latest tick the client acknowledged; a snapshot
//! carries, per object, either an *enter* record with full state (entry not yet
//! acknowledged), an *update* with the fields changed since that tick, or a *leave*.
//! Snapshot packets travel unreliably with a sequence number; the client acks with the
//! newest one and a bitfield of the 32 before it. Each client has a byte budget
//! (`pipes-rate`, lowered by a congestion response) and what does not fit waits, by
//! accumulated priority (see `snapshot.rs` and `budget.rs`). Only objects with
//! unsent or unacknowledged changes are visited, so an idle tick costs O(clients).
//! Clients that would get the same bytes (same view, same baselines) share one
//! written snapshot (`share.rs`).

mod api;
mod backlog;
mod budget;
mod commands;
mod error;
mod events;
mod history;
mod inbound;
mod objects;
mod owner;
mod past;
mod peer;
mod replicated;
mod share;
mod snapshot;
mod visibility;
mod zones;

pub use budget::NetStats;
pub use commands::{Command, CommandStats};
pub use error::ServerError;
pub use events::{DisconnectReason, HelloInfo, Hooks, OpenDoor, ServerEvent, Target, Transmit};
pub use history::HistoryConfig;
pub use owner::{OwnerUpdate, Refusal};

use crate::config::Config;
use crate::ids::{ClientId, ConnectionId, DetMap};
use crate::protocol::{EjectReason, Reliability, ServerMessage};
use crate::schema::SchemaInfo;
use crate::time::{Tick, TickRate, Time};
use objects::ObjectStore;
use peer::Peer;
use std::collections::VecDeque;
use std::time::Duration;
use zones::ZoneIndex;

/// Most ticks one [`Server::update`] call runs; a server further behind skips ahead.
const MAX_CATCH_UP: u32 = 16;
/// Most commands per stream released per tick run: a client's stream drains a burst
/// (jitter) at twice the tick rate, and cannot run its object faster than that.
const COMMANDS_PER_TICK: u32 = 2;

/// Public facts about a connected client.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientInfo {
    /// The client's id.
    pub id: ClientId,
    /// Its connection.
    pub connection: ConnectionId,
    /// Snapshot rate in force (clamped).
    pub update_rate: u8,
    /// Command rate in force (clamped).
    pub cmd_rate: u8,
    /// The client's interpolation delay, seconds (for lag compensation).
    pub interp: f64,
    /// Round-trip time measured from snapshot acks (average of the last 5).
    pub rtt: Option<Duration>,
    /// Field messages and pings dropped because the client sent faster than its
    /// command rate (a pipes client paces itself, so this stays 0 for one).
    pub commands_dropped: u64,
    /// Input command streams: received, applied, late, dropped (see [`Command`]).
    pub command_stats: CommandStats,
    /// Snapshot bandwidth: sent and delivered bytes/s, budget, loss, RTT, choke.
    pub net: NetStats,
}

/// The server core. See the module documentation for the call order.
pub struct Server {
    schema: &'static SchemaInfo,
    config: Config,
    rate: TickRate,
    start: Option<Time>,
    tick: Tick,
    objects: ObjectStore,
    zones: ZoneIndex,
    peers: DetMap<ConnectionId, Peer>,
    clients: DetMap<ClientId, ConnectionId>,
    next_client: u32,
    hooks: Box<dyn Hooks>,
    priorities: snapshot::Priorities,
    /// The snapshots written this tick, copied to clients with the same plan.
    pub(crate) shared: share::SharedSnapshots,
    /// Reused by `end_tick`: the connections due for a snapshot.
    due: Vec<ConnectionId>,
    transmits: VecDeque<Transmit>,
    /// Reused by `set` to pack a typed value (no allocation per call).
    set_buf: Vec<u8>,
    events: VecDeque<ServerEvent>,
    commands: VecDeque<Command>,
    history: history::History,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("tick", &self.tick)
            .field("objects", &self.objects.len())
            .field("connections", &self.peers.len())
            .finish()
    }
}

impl Server {
    /// A server for `schema` with `config`.
    pub fn new(schema: &'static SchemaInfo, config: Config) -> Server {
        Server {
            schema,
            rate: TickRate::new(config.tick_rate),
            config,
            start: None,
            tick: Tick(0),
            objects: ObjectStore::default(),
            zones: ZoneIndex::default(),
            peers: DetMap::default(),
            clients: DetMap::default(),
            next_client: 0,
            hooks: Box::new(OpenDoor),
            priorities: snapshot::Priorities {
                class: DetMap::default(),
                relevance: None,
            },
            shared: share::SharedSnapshots::default(),
            due: Vec::new(),
            transmits: VecDeque::new(),
            set_buf: Vec::new(),
            events: VecDeque::new(),
            commands: VecDeque::new(),
            history: history::History::default(),
        }
    }

    /// Installs the game's admission/authentication/interest policy.
    pub fn set_hooks(&mut self, hooks: Box<dyn Hooks>) {
        self.hooks = hooks;
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The schema served.
    pub fn schema(&self) -> &'static SchemaInfo {
        self.schema
    }

    /// The tick being simulated: changes made now are stamped with it.
    pub fn current_tick(&self) -> Tick {
        self.tick
    }

    /// The tick clock.
    pub fn tick_rate(&self) -> TickRate {
        self.rate
    }

    /// Server time in microseconds on the tick timeline (tick `n` starts at `n / rate`).
    pub fn server_time(&self, now: Time) -> u64 {
        self.start.map_or(0, |s| now.0.saturating_sub(s.0))
    }

    fn tick_start(&self, t: Tick) -> Time {
        let start = self.start.unwrap_or(Time::ZERO);
        let micros = u64::from(t.0) * 1_000_000 / u64::from(self.rate.hz());
        Time(start.0.saturating_add(micros))
    }

    /// When [`Server::update`] must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Time> {
        self.start?;
        Some(self.tick_start(self.tick.next()))
    }

    /// Runs the ticks that ended by `now`: snapshots for due clients, handshake
    /// timeouts. The first call fixes the start of the tick timeline.
    pub fn update(&mut self, now: Time) {
        if self.start.is_none() {
            self.start = Some(now);
        }
        self.expire_handshakes(now);
        let mut ran = 0;
        while now >= self.tick_start(self.tick.next()) {
            if ran == MAX_CATCH_UP {
                let behind = self
                    .rate
                    .secs_to_ticks(now.since(self.tick_start(self.tick)).as_secs_f64());
                tracing::warn!("server is {behind:.0} ticks behind; skipping ahead");
                // Jump so that the tick containing `now` is current.
                let start = self.start.unwrap_or(now);
                let elapsed = now.since(start).as_secs_f64();
                self.tick = Tick(self.rate.secs_to_ticks(elapsed).floor() as u32);
                break;
            }
            let tick_span = tracing::info_span!("tick", tick = self.tick.0);
            tick_span.in_scope(|| self.end_tick(now));
            self.tick = self.tick.next();
            ran += 1;
        }
        if ran > 0 {
            self.prune_streams();
            self.release_commands(ran * COMMANDS_PER_TICK);
        }
    }

    /// Sends the snapshot of the current tick to every client due for one.
    fn end_tick(&mut self, now: Time) {
        self.record_tick();
        self.shared.clear();
        let t = f64::from(self.tick.0);
        let mut conns = std::mem::take(&mut self.due);
        conns.clear();
        conns.extend(
            self.peers
                .values()
                .filter(|p| p.is_active() && p.next_update <= t)
                .map(|p| p.conn),
        );
        for &conn in &conns {
            let _client = self.client_span(conn).entered();
            self.send_snapshot(now, conn);
            self.send_command_acks(conn);
            if let Some(p) = self.peers.get_mut(&conn) {
                let step = f64::from(self.rate.hz()) / f64::from(p.rates.update_rate.max(1));
                p.next_update = (p.next_update + step).max(t + 1.0);
            }
        }
        self.due = conns;
        let oldest = self
            .tick
            .saturating_sub(self.config.snapshot_history.saturating_mul(2));
        for p in self.peers.values_mut() {
            p.prune_recent(oldest);
            p.trim_working_sets();
        }
    }

    fn expire_handshakes(&mut self, now: Time) {
        let limit = Duration::from_secs_f64(self.config.handshake_timeout);
        let late: Vec<ConnectionId> = self
            .peers
            .values()
            .filter(|p| !p.is_active() && now.since(p.connected_at) > limit)
            .map(|p| p.conn)
            .collect();
        for conn in late {
            self.eject(
                conn,
                EjectReason::HandshakeTimeout,
                "no hello in time".into(),
            );
        }
    }

    /// The next message to send, if any.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event for the game, if any.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    /// A transport connection opened; the client must now send its hello.
    pub fn handle_connect(&mut self, now: Time, connection: ConnectionId) {
        if self.start.is_none() {
            self.start = Some(now);
        }
        self.peers
            .entry(connection)
            .or_insert_with(|| Peer::new(connection, now));
    }

    /// The transport lost a connection.
    pub fn handle_disconnect(&mut self, _now: Time, connection: ConnectionId) {
        let _client = self.client_span(connection).entered();
        self.drop_peer(connection, DisconnectReason::TransportLost);
    }

    /// Facts about a connected client.
    pub fn client_info(&self, client: ClientId) -> Option<ClientInfo> {
        let p = self.peers.get(self.clients.get(&client)?)?;
        Some(ClientInfo {
            id: p.id,
            connection: p.conn,
            update_rate: p.rates.update_rate,
            cmd_rate: p.rates.cmd_rate,
            interp: f64::from(p.rates.interp),
            rtt: p.rtt.average(),
            commands_dropped: p.commands_dropped,
            command_stats: p.command_stats,
            net: p.budget.stats(),
        })
    }

    /// Ids of the connected clients.
    pub fn clients(&self) -> impl Iterator<Item = ClientId> + '_ {
        self.clients.keys().copied()
    }

    /// Ends a client's connection with [`EjectReason::Kicked`].
    pub fn kick(&mut self, client: ClientId, detail: &str) -> Result<(), ServerError> {
        let conn = *self
            .clients
            .get(&client)
            .ok_or(ServerError::UnknownClient(client))?;
        let _client = self.client_span(conn).entered();
        self.eject(conn, EjectReason::Kicked, detail.to_owned());
        Ok(())
    }

    fn push(&mut self, connection: ConnectionId, msg: &ServerMessage<'_>) {
        let payload = msg.to_bytes();
        self.transmits.push_back(Transmit {
            connection,
            payload,
            reliability: msg.reliability(),
            close_after: false,
        });
    }

    fn push_raw(&mut self, connection: ConnectionId, payload: Vec<u8>, reliability: Reliability) {
        self.transmits.push_back(Transmit {
            connection,
            payload,
            reliability,
            close_after: false,
        });
    }

    /// The `client` span for log lines about one connection: its connection number and,
    /// once verified, its client id. Free when no `tracing` subscriber is installed.
    fn client_span(&self, conn: ConnectionId) -> tracing::Span {
        let client = self
            .peers
            .get(&conn)
            .filter(|p| p.is_active())
            .map(|p| p.id.0);
        tracing::info_span!("client", conn = conn.0, id = ?client)
    }

    /// Ends a connection: tells the client why, logs, cleans up.
    fn eject(&mut self, conn: ConnectionId, reason: EjectReason, detail: String) {
        let who = match self.peers.get(&conn) {
            Some(p) if p.is_active() => format!("client {}", p.id.0),
            Some(_) => "unverified connection".to_owned(),
            None => return,
        };
        tracing::warn!("ejecting {who} (connection {}): {reason}: {detail}", conn.0);
        let msg = ServerMessage::Disconnect { reason, detail };
        self.transmits.push_back(Transmit {
            connection: conn,
            payload: msg.to_bytes(),
            reliability: Reliability::Reliable,
            close_after: true,
        });
        self.drop_peer(conn, DisconnectReason::Ejected(reason));
    }
}
