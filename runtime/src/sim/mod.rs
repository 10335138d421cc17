//! A simulated network: one server and many clients in one process, with a driven
//! clock and per-link latency, jitter, loss, duplication and reordering, all seeded.
//!
//! It is also the reference driver: it shows the whole I/O boundary of the cores.
//! Reliable messages are modelled as a transport delivers them: in order, never lost,
//! but late by one retransmission timeout per loss. Unreliable ones are dropped with
//! the loss probability, duplicated with the duplication probability, and reordered
//! by jitter.

mod rng;

pub use rng::Rng;

use crate::client::{Client, ClientEvent};
use crate::ids::ConnectionId;
use crate::protocol::Reliability;
use crate::server::{Server, ServerEvent};
use crate::time::Time;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::time::Duration;

/// Most retransmissions of one reliable message before the model gives up retrying.
const MAX_RETRIES: u32 = 30;
/// Most steps one `run_until` call takes before reporting a runaway simulation.
const MAX_STEPS: u64 = 10_000_000;

/// Behaviour of one client's link (both directions).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkConfig {
    /// One-way base latency.
    pub latency: Duration,
    /// Uniform jitter added to each packet's latency, in `[-jitter, +jitter]`.
    pub jitter: Duration,
    /// Probability a packet is lost (reliable ones are then delayed by a retransmission).
    pub loss: f64,
    /// Probability an unreliable packet is delivered twice.
    pub duplicate: f64,
    /// A bottleneck on the server→client direction: bytes per second the link
    /// carries (`None`: unlimited). Packets queue behind each other at this rate.
    pub down_rate: Option<u64>,
    /// Bytes the bottleneck's queue holds; an unreliable packet arriving at a full
    /// queue is dropped (tail drop), a reliable one waits (its transport retries).
    pub down_queue: usize,
}

impl LinkConfig {
    /// 1 ms, no jitter, no loss.
    pub fn perfect() -> LinkConfig {
        LinkConfig {
            latency: Duration::from_millis(1),
            jitter: Duration::ZERO,
            loss: 0.0,
            duplicate: 0.0,
            down_rate: None,
            down_queue: 0,
        }
    }

    /// A link with the given latency and jitter (ms), loss and duplication.
    pub fn new(latency_ms: u64, jitter_ms: u64, loss: f64, duplicate: f64) -> LinkConfig {
        LinkConfig {
            latency: Duration::from_millis(latency_ms),
            jitter: Duration::from_millis(jitter_ms),
            loss,
            duplicate,
            down_rate: None,
            down_queue: 0,
        }
    }

    /// This link with a server→client bottleneck of `bytes_per_s` and a queue of
    /// `queue` bytes.
    pub fn bottleneck(mut self, bytes_per_s: u64, queue: usize) -> LinkConfig {
        self.down_rate = Some(bytes_per_s.max(1));
        self.down_queue = queue;
        self
    }
}

/// A client in the simulation, with the events it produced.
#[derive(Debug)]
pub struct SimClient {
    /// The client core.
    pub client: Client,
    /// Its current connection.
    pub connection: ConnectionId,
    /// Its link.
    pub link: LinkConfig,
    /// Events drained from the client, in order.
    pub events: Vec<ClientEvent>,
    open: bool,
    last_up: Time,
    last_down: Time,
    stalled: bool,
    held: Vec<InFlight>,
    held_bytes: usize,
    /// When the down bottleneck has sent everything queued so far.
    down_free_at: Time,
}

impl SimClient {
    /// Whether its connection is open.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Messages (and their bytes) that reached this stalled client but were not read
    /// yet: what its transport would be buffering.
    pub fn held(&self) -> (usize, usize) {
        (self.held.len(), self.held_bytes)
    }
}

/// Bytes carried by the simulated network.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Bytes the server sent (before loss).
    pub server_bytes: u64,
    /// Bytes clients sent (before loss).
    pub client_bytes: u64,
    /// Packets dropped by the loss model (unreliable only).
    pub dropped: u64,
    /// Packets dropped by a full bottleneck queue (unreliable only).
    pub queue_dropped: u64,
    /// Packets the server sent.
    pub server_packets: u64,
    /// Snapshot packets the server sent with value deltas (a baseline in the header).
    pub delta_parts: u64,
}

/// The simulation ran past its step budget (a livelock in the code under test).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Runaway {
    /// Simulated time reached.
    pub at: Time,
}

impl fmt::Display for Runaway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "simulation exceeded {MAX_STEPS} steps at {:?}", self.at)
    }
}

impl std::error::Error for Runaway {}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct InFlight {
    at: Time,
    seq: u64,
    to_server: bool,
    client: usize,
    conn: ConnectionId,
    bytes: Vec<u8>,
    close: bool,
}

/// One server, many clients, one driven clock.
#[derive(Debug)]
pub struct SimNet {
    now: Time,
    rng: Rng,
    seq: u64,
    next_conn: u64,
    queue: BinaryHeap<Reverse<InFlight>>,
    /// The server core.
    pub server: Server,
    /// Events drained from the server, in order.
    pub server_events: Vec<ServerEvent>,
    /// The clients, by index.
    pub clients: Vec<SimClient>,
    /// Traffic counters.
    pub stats: NetStats,
}

impl SimNet {
    /// A simulation of `server` whose randomness comes from `seed`.
    pub fn new(mut server: Server, seed: u64) -> SimNet {
        let now = Time::from_secs_f64(1.0);
        server.update(now);
        SimNet {
            now,
            rng: Rng::new(seed),
            seq: 0,
            next_conn: 1,
            queue: BinaryHeap::new(),
            server,
            server_events: Vec::new(),
            clients: Vec::new(),
            stats: NetStats::default(),
        }
    }

    /// The simulated time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// The generator (for tests that need more randomness from the same seed).
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// Connects a client over `link`; returns its index.
    pub fn add_client(&mut self, client: Client, link: LinkConfig) -> usize {
        let i = self.clients.len();
        self.clients.push(SimClient {
            client,
            connection: ConnectionId(0),
            link,
            events: Vec::new(),
            open: false,
            last_up: self.now,
            last_down: self.now,
            stalled: false,
            held: Vec::new(),
            held_bytes: 0,
            down_free_at: self.now,
        });
        self.open(i);
        i
    }

    /// Replaces client `i` by a new one on a fresh connection (after a disconnect).
    pub fn reconnect(&mut self, i: usize, client: Client) {
        self.clients[i].client = client;
        self.open(i);
    }

    fn open(&mut self, i: usize) {
        let conn = ConnectionId(self.next_conn);
        self.next_conn += 1;
        let now = self.now;
        let c = &mut self.clients[i];
        c.connection = conn;
        c.open = true;
        self.server.handle_connect(now, conn);
        c.client.connect(now);
        self.pump();
    }

    /// Freezes (`true`) or resumes client `i`, as a process that stops running its
    /// loop: while stalled it reads nothing (arriving messages are held, see
    /// [`SimClient::held`]) and sends nothing; resuming hands it the held messages.
    pub fn stall(&mut self, i: usize, stalled: bool) {
        self.clients[i].stalled = stalled;
        if !stalled {
            let held = std::mem::take(&mut self.clients[i].held);
            self.clients[i].held_bytes = 0;
            for m in held {
                self.deliver(m);
            }
        }
    }

    /// Cuts client `i`'s connection as a transport failure would (both sides notified).
    pub fn cut(&mut self, i: usize) {
        let now = self.now;
        let c = &mut self.clients[i];
        c.open = false;
        c.client.handle_transport_lost();
        self.server.handle_disconnect(now, c.connection);
        self.pump();
    }

    /// Moves everything the cores produced into the network and the event logs.
    pub fn pump(&mut self) {
        while let Some(t) = self.server.poll_transmit() {
            let Some(i) = self
                .clients
                .iter()
                .position(|c| c.connection == t.connection)
            else {
                continue;
            };
            self.stats.server_bytes += t.payload.len() as u64;
            self.stats.server_packets += 1;
            if let Ok(crate::protocol::ServerMessage::Snapshot { delta_back, .. }) =
                crate::protocol::ServerMessage::decode(&t.payload)
            {
                self.stats.delta_parts += u64::from(delta_back != 0);
            }
            self.send(
                false,
                i,
                t.connection,
                t.payload,
                t.reliability,
                t.close_after,
            );
        }
        while let Some(e) = self.server.poll_event() {
            self.server_events.push(e);
        }
        for i in 0..self.clients.len() {
            while let Some(p) = self.clients[i].client.poll_transmit() {
                let conn = self.clients[i].connection;
                if !self.clients[i].open {
                    continue;
                }
                self.stats.client_bytes += p.payload.len() as u64;
                self.send(true, i, conn, p.payload, p.reliability, false);
            }
            while let Some(e) = self.clients[i].client.poll_event() {
                self.clients[i].events.push(e);
            }
        }
    }

    fn jittered(&mut self, link: &LinkConfig) -> Duration {
        let j = link.jitter.as_micros() as u64;
        let base = link.latency.as_micros() as u64;
        let offset = self.rng.below(2 * j + 1);
        Duration::from_micros((base + offset).saturating_sub(j))
    }

    fn send(
        &mut self,
        to_server: bool,
        client: usize,
        conn: ConnectionId,
        bytes: Vec<u8>,
        reliability: Reliability,
        close: bool,
    ) {
        let link = self.clients[client].link;
        // The bottleneck: a packet waits for those queued before it, or is dropped
        // when the queue is full.
        let mut queued = Duration::ZERO;
        if let (false, Some(rate)) = (to_server, link.down_rate) {
            let c = &mut self.clients[client];
            let start = c.down_free_at.max(self.now);
            let backlog = start.since(self.now).as_secs_f64() * rate as f64;
            if backlog + bytes.len() as f64 > link.down_queue as f64
                && reliability == Reliability::Unreliable
            {
                self.stats.queue_dropped += 1;
                return;
            }
            let serialize = Duration::from_secs_f64(bytes.len() as f64 / rate as f64);
            c.down_free_at = start + serialize;
            queued = c.down_free_at.since(self.now);
        }
        let mut copies = Vec::new();
        match reliability {
            Reliability::Reliable => {
                let mut retries = 0;
                while retries < MAX_RETRIES && self.rng.chance(link.loss) {
                    retries += 1;
                }
                let rto = link.latency * 2 + link.jitter * 2 + Duration::from_millis(20);
                let mut at = self.now + queued + self.jittered(&link) + rto * retries;
                let c = &mut self.clients[client];
                let last = if to_server {
                    &mut c.last_up
                } else {
                    &mut c.last_down
                };
                at = at.max(*last);
                *last = at;
                copies.push(at);
            }
            Reliability::Unreliable => {
                if self.rng.chance(link.loss) {
                    self.stats.dropped += 1;
                    return;
                }
                copies.push(self.now + queued + self.jittered(&link));
                if self.rng.chance(link.duplicate) {
                    copies.push(self.now + queued + self.jittered(&link));
                }
            }
        }
        for at in copies {
            self.seq += 1;
            self.queue.push(Reverse(InFlight {
                at,
                seq: self.seq,
                to_server,
                client,
                conn,
                bytes: bytes.clone(),
                close,
            }));
        }
    }

    fn next_wake(&self) -> Option<Time> {
        let mut next = self.queue.peek().map(|r| r.0.at);
        let mut consider = |t: Option<Time>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        consider(self.server.poll_timeout());
        for c in self.clients.iter().filter(|c| !c.stalled) {
            consider(c.client.poll_timeout());
        }
        next
    }

    /// Advances to the next wake-up (no later than `limit`); false when there was none
    /// before `limit` (the clock is then at `limit`).
    pub fn step(&mut self, limit: Time) -> bool {
        self.pump();
        let next = match self.next_wake() {
            Some(t) if t <= limit => t.max(self.now),
            _ => {
                self.now = self.now.max(limit);
                self.server.update(self.now);
                self.pump();
                return false;
            }
        };
        self.now = next;
        while self.queue.peek().is_some_and(|r| r.0.at <= self.now) {
            let Some(Reverse(m)) = self.queue.pop() else {
                break;
            };
            self.deliver(m);
        }
        self.server.update(self.now);
        for c in self.clients.iter_mut().filter(|c| !c.stalled) {
            c.client.update(self.now);
        }
        self.pump();
        true
    }

    fn deliver(&mut self, m: InFlight) {
        let c = &mut self.clients[m.client];
        if c.connection != m.conn || !c.open {
            return;
        }
        if c.stalled && !m.to_server {
            c.held_bytes += m.bytes.len();
            c.held.push(m);
            return;
        }
        if m.to_server {
            self.server.handle_datagram(self.now, m.conn, &m.bytes);
        } else {
            c.client.handle_datagram(self.now, &m.bytes);
            if m.close {
                c.open = false;
            }
        }
        self.pump();
    }

    /// Runs until simulated time `t`.
    pub fn run_until(&mut self, t: Time) -> Result<(), Runaway> {
        for _ in 0..MAX_STEPS {
            if !self.step(t) {
                return Ok(());
            }
        }
        Err(Runaway { at: self.now })
    }

    /// Runs for a simulated duration.
    pub fn run_for(&mut self, d: Duration) -> Result<(), Runaway> {
        self.run_until(self.now + d)
    }
}
