//! The connection layer of the UDP transport in unsecure mode: a handshake with the
//! protocol id and the client id, timeouts, keep-alives, disconnect, a round-trip
//! measure, and several renet packets per datagram. No encryption (unsecure mode
//! never had secrecy: netcode encrypted it with a key of zeros), so a datagram costs
//! a header and a `sendto`, not an AEAD seal per packet. Secure mode keeps netcode.
//!
//! Sans-IO: the UDP endpoints hand datagrams in and send what comes out.
//!
//! # Datagrams, byte by byte (integers little-endian)
//!
//! | kind | after the kind byte | sent by |
//! |---|---|---|
//! | `0xA1` request | protocol id `u64`, client id `u64`, timeout seconds `u32`, zero padding to [`REQUEST_BYTES`] | client, every 100 ms until answered |
//! | `0xA2` accept | client id `u64` | server, to each request of an accepted client |
//! | `0xA3` deny | reason `u8` (1 server full, 2 client id in use) | server |
//! | `0xA4` data | seq `u16`, echo `u16`, echo delay `u16`, then renet packets, each `u16` length + bytes | both |
//! | `0xA5` disconnect | nothing | both, three times |
//!
//! A data datagram without packets is a keep-alive, sent when nothing else left for
//! a quarter of the timeout (at most 1 s). `seq` numbers a side's data datagrams;
//! `echo` is the newest `seq` received from the peer and `echo delay` how long ago
//! (units of 100 µs; `0xFFFF`: nothing to echo yet), so each side measures the
//! network round trip without the peer's holding time (renet's own figure includes
//! how long the peer waits before acknowledging). The request is padded so that no
//! answer is larger than what asked for it.

use crate::time::Time;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

const REQUEST: u8 = 0xA1;
const ACCEPT: u8 = 0xA2;
const DENY: u8 = 0xA3;
const DATA: u8 = 0xA4;
const DISCONNECT: u8 = 0xA5;

/// Size of a connection request (padded).
pub(crate) const REQUEST_BYTES: usize = 64;
/// Bytes of a data datagram before its packets.
pub(crate) const DATA_HEADER: usize = 7;
/// Largest datagram the layer builds from several packets (a packet larger than
/// this goes alone).
pub(crate) const MAX_DATAGRAM: usize = 1400;
/// How often a connecting client repeats its request.
const REQUEST_EVERY: Duration = Duration::from_millis(100);
/// Longest interval between two datagrams of a connected side.
const KEEPALIVE: Duration = Duration::from_secs(1);
/// `echo delay` meaning "nothing to echo".
const NO_ECHO: u16 = u16::MAX;
/// Unit of `echo delay`.
const DELAY_UNIT_US: u64 = 100;
/// Sent datagram times remembered for round-trip samples.
const SENT_RING: usize = 64;
/// How many times a disconnect datagram is sent.
pub(crate) const DISCONNECT_REPEAT: usize = 3;

/// Why the server refused a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Denied {
    /// `max_clients` are connected.
    Full = 1,
    /// Another address holds that client id.
    IdInUse = 2,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The renet packets of a data datagram's body (after the header); a truncated
/// length ends the walk.
pub(crate) fn packets(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = body;
    std::iter::from_fn(move || {
        let len = usize::from(u16_at(rest, 0)?);
        let packet = rest.get(2..2 + len)?;
        rest = &rest[2 + len..];
        Some(packet)
    })
}

/// Appends one packet to a data datagram.
pub(crate) fn put_packet(out: &mut Vec<u8>, packet: &[u8]) {
    let len = u16::try_from(packet.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&packet[..usize::from(len)]);
}

/// A disconnect datagram.
pub(crate) fn disconnect() -> [u8; 1] {
    [DISCONNECT]
}

/// Sequence numbers and times of one side's data datagrams, the peer's newest, and
/// the smoothed round trip measured from echoes.
#[derive(Clone, Debug)]
pub(crate) struct Echo {
    next_seq: u16,
    sent: Box<[Time; SENT_RING]>,
    peer_newest: Option<(u16, Time)>,
    last_echo: Option<u16>,
    srtt: Option<Duration>,
}

impl Default for Echo {
    fn default() -> Self {
        Echo {
            next_seq: 0,
            sent: Box::new([Time::ZERO; SENT_RING]),
            peer_newest: None,
            last_echo: None,
            srtt: None,
        }
    }
}

fn seq_newer(a: u16, b: u16) -> bool {
    (a.wrapping_sub(b) as i16) > 0
}

impl Echo {
    /// Starts a data datagram sent at `now` in `out` (cleared).
    pub(crate) fn begin(&mut self, now: Time, out: &mut Vec<u8>) {
        out.clear();
        let seq = self.next_seq;
        self.next_seq = seq.wrapping_add(1);
        self.sent[usize::from(seq) % SENT_RING] = now;
        let (echo, delay) = match self.peer_newest {
            None => (0, NO_ECHO),
            Some((s, at)) => {
                let units = now.since(at).as_micros() as u64 / DELAY_UNIT_US;
                (
                    s,
                    u16::try_from(units).unwrap_or(NO_ECHO - 1).min(NO_ECHO - 1),
                )
            }
        };
        out.push(DATA);
        out.extend_from_slice(&seq.to_le_bytes());
        out.extend_from_slice(&echo.to_le_bytes());
        out.extend_from_slice(&delay.to_le_bytes());
    }

    /// Reads a data datagram's header received at `now`; returns its body (the
    /// packets), or `None` if it is not a data datagram.
    pub(crate) fn receive<'a>(&mut self, now: Time, datagram: &'a [u8]) -> Option<&'a [u8]> {
        if datagram.first() != Some(&DATA) {
            return None;
        }
        let seq = u16_at(datagram, 1)?;
        let echo = u16_at(datagram, 3)?;
        let delay = u16_at(datagram, 5)?;
        if self.peer_newest.is_none_or(|(s, _)| seq_newer(seq, s)) {
            self.peer_newest = Some((seq, now));
        }
        let newest_sent = self.next_seq.wrapping_sub(1);
        let age = newest_sent.wrapping_sub(echo);
        let fresh = self.last_echo.is_none_or(|l| seq_newer(echo, l));
        if delay != NO_ECHO && usize::from(age) < SENT_RING && self.next_seq != 0 && fresh {
            self.last_echo = Some(echo);
            let held = Duration::from_micros(u64::from(delay) * DELAY_UNIT_US);
            let sample = now
                .since(self.sent[usize::from(echo) % SENT_RING])
                .saturating_sub(held);
            self.srtt = Some(self.srtt.map_or(sample, |s| (s * 7 + sample) / 8));
        }
        datagram.get(DATA_HEADER..)
    }

    /// The smoothed round trip, once measured.
    pub(crate) fn rtt(&self) -> Option<Duration> {
        self.srtt
    }
}

fn keepalive_every(timeout: Duration) -> Duration {
    (timeout / 4).min(KEEPALIVE)
}

/// What a datagram did to the server.
#[derive(Debug, PartialEq)]
pub(crate) enum ServerInput<'a> {
    /// Nothing (unknown sender, wrong protocol, malformed).
    None,
    /// Send this answer to the sender (accept again, or deny).
    Reply(Vec<u8>),
    /// A new client: send the answer, then add it.
    Connected {
        /// Its id.
        id: u64,
        /// The accept datagram.
        reply: Vec<u8>,
    },
    /// Renet packets from a client.
    Data {
        /// The client.
        id: u64,
        /// The packets ([`packets`]).
        body: &'a [u8],
    },
    /// The client said goodbye (it is forgotten).
    Disconnected(u64),
}

#[derive(Debug)]
struct Conn {
    addr: SocketAddr,
    timeout: Duration,
    last_recv: Time,
    last_send: Time,
    echo: Echo,
}

/// The server side: connections by client id and by address.
#[derive(Debug)]
pub(crate) struct PlainServer {
    protocol_id: u64,
    max_clients: usize,
    by_addr: HashMap<SocketAddr, u64>,
    conns: BTreeMap<u64, Conn>,
}

impl PlainServer {
    /// A server for `protocol_id` admitting `max_clients`.
    pub(crate) fn new(protocol_id: u64, max_clients: usize) -> PlainServer {
        PlainServer {
            protocol_id,
            max_clients,
            by_addr: HashMap::new(),
            conns: BTreeMap::new(),
        }
    }

    /// Handles a datagram from `addr` received at `now`.
    pub(crate) fn process<'a>(
        &mut self,
        now: Time,
        addr: SocketAddr,
        datagram: &'a [u8],
    ) -> ServerInput<'a> {
        match datagram.first() {
            Some(&REQUEST) => self.request(now, addr, datagram),
            Some(&DATA) => {
                let Some(&id) = self.by_addr.get(&addr) else {
                    return ServerInput::None;
                };
                let Some(conn) = self.conns.get_mut(&id) else {
                    return ServerInput::None;
                };
                match conn.echo.receive(now, datagram) {
                    Some(body) => {
                        conn.last_recv = now;
                        ServerInput::Data { id, body }
                    }
                    None => ServerInput::None,
                }
            }
            Some(&DISCONNECT) => match self.by_addr.remove(&addr) {
                Some(id) => {
                    self.conns.remove(&id);
                    ServerInput::Disconnected(id)
                }
                None => ServerInput::None,
            },
            _ => ServerInput::None,
        }
    }

    fn request<'a>(&mut self, now: Time, addr: SocketAddr, d: &[u8]) -> ServerInput<'a> {
        if d.len() < REQUEST_BYTES || u64_at(d, 1) != Some(self.protocol_id) {
            return ServerInput::None;
        }
        let (Some(id), Some(timeout)) = (u64_at(d, 9), u32_at(d, 17)) else {
            return ServerInput::None;
        };
        let mut accept = vec![ACCEPT];
        accept.extend_from_slice(&id.to_le_bytes());
        match self.conns.get_mut(&id) {
            Some(c) if c.addr == addr => {
                c.last_recv = now;
                return ServerInput::Reply(accept);
            }
            Some(_) => return ServerInput::Reply(vec![DENY, Denied::IdInUse as u8]),
            None => {}
        }
        if self.by_addr.contains_key(&addr) || self.conns.len() >= self.max_clients {
            return ServerInput::Reply(vec![DENY, Denied::Full as u8]);
        }
        self.by_addr.insert(addr, id);
        self.conns.insert(
            id,
            Conn {
                addr,
                timeout: Duration::from_secs(u64::from(timeout.max(1))),
                last_recv: now,
                last_send: now,
                echo: Echo::default(),
            },
        );
        ServerInput::Connected { id, reply: accept }
    }

    /// Starts a data datagram to client `id` in `out`; its address, if connected.
    pub(crate) fn begin(&mut self, id: u64, now: Time, out: &mut Vec<u8>) -> Option<SocketAddr> {
        let conn = self.conns.get_mut(&id)?;
        conn.echo.begin(now, out);
        conn.last_send = now;
        Some(conn.addr)
    }

    /// Forgets the clients silent for longer than their timeout; returns them.
    pub(crate) fn expire(&mut self, now: Time) -> Vec<u64> {
        let gone: Vec<u64> = self
            .conns
            .iter()
            .filter(|(_, c)| now.since(c.last_recv) > c.timeout)
            .map(|(&id, _)| id)
            .collect();
        for id in &gone {
            self.remove(*id);
        }
        gone
    }

    /// Clients that heard nothing from us for a while: keep-alives are due.
    pub(crate) fn idle(&self, now: Time) -> Vec<u64> {
        self.conns
            .iter()
            .filter(|(_, c)| now.since(c.last_send) >= keepalive_every(c.timeout))
            .map(|(&id, _)| id)
            .collect()
    }

    /// Forgets a client; returns its address.
    pub(crate) fn remove(&mut self, id: u64) -> Option<SocketAddr> {
        let conn = self.conns.remove(&id)?;
        self.by_addr.remove(&conn.addr);
        Some(conn.addr)
    }

    /// The connected client ids.
    pub(crate) fn ids(&self) -> Vec<u64> {
        self.conns.keys().copied().collect()
    }

    /// The network round trip to a client, once measured.
    pub(crate) fn rtt(&self, id: u64) -> Option<Duration> {
        self.conns.get(&id)?.echo.rtt()
    }
}

/// The client side's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ClientState {
    /// Asking.
    Connecting,
    /// Accepted.
    Connected,
    /// Over, with the reason.
    Down(String),
}

/// The client side of one connection.
#[derive(Debug)]
pub(crate) struct PlainClient {
    protocol_id: u64,
    id: u64,
    timeout: Duration,
    state: ClientState,
    started: Option<Time>,
    last_request: Option<Time>,
    last_recv: Time,
    last_send: Time,
    echo: Echo,
}

impl PlainClient {
    /// A client with `id` for `protocol_id`, dropping a silent link after `timeout`
    /// (also how long it keeps asking).
    pub(crate) fn new(protocol_id: u64, id: u64, timeout: Duration) -> PlainClient {
        PlainClient {
            protocol_id,
            id,
            timeout: timeout.max(Duration::from_secs(1)),
            state: ClientState::Connecting,
            started: None,
            last_request: None,
            last_recv: Time::ZERO,
            last_send: Time::ZERO,
            echo: Echo::default(),
        }
    }

    /// The state.
    pub(crate) fn state(&self) -> &ClientState {
        &self.state
    }

    /// Whether accepted and not down.
    pub(crate) fn is_connected(&self) -> bool {
        self.state == ClientState::Connected
    }

    /// Advances timers to `now`: the request or keep-alive datagram due, if any.
    /// A silent server or an unanswered request beyond the timeout ends the link.
    pub(crate) fn update(&mut self, now: Time, out: &mut Vec<u8>) -> bool {
        match self.state {
            ClientState::Down(_) => false,
            ClientState::Connecting => {
                let started = *self.started.get_or_insert(now);
                if now.since(started) > self.timeout {
                    self.state = ClientState::Down("connection request timed out".into());
                    return false;
                }
                if self
                    .last_request
                    .is_some_and(|t| now.since(t) < REQUEST_EVERY)
                {
                    return false;
                }
                self.last_request = Some(now);
                out.clear();
                out.push(REQUEST);
                out.extend_from_slice(&self.protocol_id.to_le_bytes());
                out.extend_from_slice(&self.id.to_le_bytes());
                let secs = u32::try_from(self.timeout.as_secs()).unwrap_or(u32::MAX);
                out.extend_from_slice(&secs.to_le_bytes());
                out.resize(REQUEST_BYTES, 0);
                true
            }
            ClientState::Connected => {
                if now.since(self.last_recv) > self.timeout {
                    self.state = ClientState::Down("connection timed out".into());
                    return false;
                }
                if now.since(self.last_send) < keepalive_every(self.timeout) {
                    return false;
                }
                self.begin(now, out);
                true
            }
        }
    }

    /// Handles a datagram from the server received at `now`: the renet packets it
    /// carries, if any.
    pub(crate) fn process<'a>(&mut self, now: Time, datagram: &'a [u8]) -> Option<&'a [u8]> {
        match (&self.state, datagram.first()) {
            (ClientState::Connecting, Some(&ACCEPT)) => {
                if u64_at(datagram, 1) == Some(self.id) {
                    self.state = ClientState::Connected;
                    self.last_recv = now;
                }
                None
            }
            (ClientState::Connecting, Some(&DENY)) => {
                let why = match datagram.get(1) {
                    Some(1) => "connection denied: server full",
                    Some(2) => "connection denied: client id in use",
                    _ => "connection denied",
                };
                self.state = ClientState::Down(why.into());
                None
            }
            (ClientState::Connected, Some(&DATA)) => {
                let body = self.echo.receive(now, datagram)?;
                self.last_recv = now;
                Some(body)
            }
            (ClientState::Connected, Some(&DISCONNECT)) => {
                self.state = ClientState::Down("disconnected by the server".into());
                None
            }
            _ => None,
        }
    }

    /// Starts a data datagram in `out`.
    pub(crate) fn begin(&mut self, now: Time, out: &mut Vec<u8>) {
        self.echo.begin(now, out);
        self.last_send = now;
    }

    /// Ends the link locally (the caller sends [`disconnect`]).
    pub(crate) fn close(&mut self, reason: &str) {
        if !matches!(self.state, ClientState::Down(_)) {
            self.state = ClientState::Down(reason.into());
        }
    }

    /// The network round trip, once measured.
    pub(crate) fn rtt(&self) -> Option<Duration> {
        self.echo.rtt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn at(ms: u64) -> Time {
        Time(1_000_000 + ms * 1000)
    }

    fn addr(port: u16) -> SocketAddr {
        ([127, 0, 0, 1], port).into()
    }

    fn connect(server: &mut PlainServer, client: &mut PlainClient, port: u16, now: Time) {
        let mut out = Vec::new();
        assert!(client.update(now, &mut out));
        assert_eq!(out.len(), REQUEST_BYTES);
        let ServerInput::Connected { reply, .. } = server.process(now, addr(port), &out) else {
            panic!("not accepted");
        };
        assert!(reply.len() <= REQUEST_BYTES);
        assert_eq!(client.process(now, &reply), None);
        assert!(client.is_connected());
    }

    #[test]
    fn handshake_data_keepalive_timeout_and_disconnect() {
        let mut server = PlainServer::new(42, 2);
        let mut client = PlainClient::new(42, 7, Duration::from_secs(4));
        connect(&mut server, &mut client, 1000, at(0));
        assert_eq!(server.ids(), vec![7]);
        // A repeated request is answered again, not a second connection.
        let mut req = Vec::new();
        PlainClient::new(42, 7, Duration::from_secs(4)).update(at(1), &mut req);
        assert!(matches!(
            server.process(at(1), addr(1000), &req),
            ServerInput::Reply(r) if r[0] == ACCEPT
        ));
        // The same id from elsewhere is denied, and says why.
        let ServerInput::Reply(deny) = server.process(at(1), addr(1001), &req) else {
            panic!("no deny");
        };
        let mut other = PlainClient::new(42, 7, Duration::from_secs(4));
        other.update(at(1), &mut Vec::new());
        other.process(at(1), &deny);
        assert_eq!(
            other.state(),
            &ClientState::Down("connection denied: client id in use".into())
        );
        // A wrong protocol id gets no answer at all.
        let mut wrong = Vec::new();
        PlainClient::new(43, 8, Duration::from_secs(4)).update(at(1), &mut wrong);
        assert_eq!(server.process(at(1), addr(1002), &wrong), ServerInput::None);
        // Two packets in one datagram.
        let mut d = Vec::new();
        client.begin(at(2), &mut d);
        put_packet(&mut d, b"one");
        put_packet(&mut d, b"three");
        let ServerInput::Data { id: 7, body } = server.process(at(3), addr(1000), &d) else {
            panic!("no data");
        };
        assert_eq!(
            packets(body).collect::<Vec<_>>(),
            vec![&b"one"[..], b"three"]
        );
        // Keep-alives every timeout / 4 = 1 s while idle.
        assert!(!client.update(at(500), &mut d));
        assert!(client.update(at(1002), &mut d));
        assert_eq!(server.idle(at(999)), Vec::<u64>::new());
        assert_eq!(server.idle(at(1000)), vec![7]);
        // Silence beyond the timeout ends it on both sides.
        assert_eq!(server.expire(at(4003)), Vec::<u64>::new());
        assert_eq!(server.expire(at(5003)), vec![7]);
        assert!(server.ids().is_empty());
        client.update(at(4001), &mut d);
        assert_eq!(
            client.state(),
            &ClientState::Down("connection timed out".into())
        );
        // A goodbye from a connected client.
        let mut c2 = PlainClient::new(42, 9, Duration::from_secs(4));
        connect(&mut server, &mut c2, 1003, at(6000));
        assert_eq!(
            server.process(at(6001), addr(1003), &disconnect()),
            ServerInput::Disconnected(9)
        );
        assert!(server.ids().is_empty());
    }

    #[test]
    fn full_server_denies_and_unanswered_requests_time_out() {
        let mut server = PlainServer::new(1, 1);
        let mut a = PlainClient::new(1, 1, Duration::from_secs(2));
        connect(&mut server, &mut a, 1, at(0));
        let mut b = PlainClient::new(1, 2, Duration::from_secs(2));
        let mut req = Vec::new();
        b.update(at(0), &mut req);
        let ServerInput::Reply(deny) = server.process(at(0), addr(2), &req) else {
            panic!("no deny");
        };
        b.process(at(0), &deny);
        assert_eq!(
            b.state(),
            &ClientState::Down("connection denied: server full".into())
        );
        let mut c = PlainClient::new(1, 3, Duration::from_secs(2));
        let mut n = 0;
        for ms in (0..3000).step_by(10) {
            n += usize::from(c.update(at(ms), &mut req));
        }
        assert_eq!(n, 21, "a request every 100 ms for 2 s");
        assert_eq!(
            c.state(),
            &ClientState::Down("connection request timed out".into())
        );
    }

    #[test]
    fn rtt_excludes_how_long_the_peer_held_its_answer() {
        let (mut a, mut b) = (Echo::default(), Echo::default());
        let mut d = Vec::new();
        // a → b at 0; b answers 80 ms later; the network takes 5 ms each way.
        a.begin(at(0), &mut d);
        b.receive(at(5), &d);
        b.begin(at(85), &mut d);
        a.receive(at(90), &d);
        assert_eq!(a.rtt(), Some(MS * 10));
        assert_eq!(b.rtt(), None, "nothing of b's was echoed yet");
        // An old echo (already used) gives no second sample.
        a.receive(at(200), &d);
        assert_eq!(a.rtt(), Some(MS * 10));
    }

    #[test]
    fn malformed_datagrams_are_ignored() {
        let mut server = PlainServer::new(1, 4);
        let mut client = PlainClient::new(1, 1, Duration::from_secs(2));
        for bad in [
            &[][..],
            &[REQUEST, 1, 0],
            &[DATA, 1],
            &[ACCEPT],
            &[0xFF; 70],
        ] {
            assert_eq!(server.process(at(0), addr(5), bad), ServerInput::None);
            assert_eq!(client.process(at(0), bad), None);
        }
        assert!(client.state() == &ClientState::Connecting);
        // A body whose length runs past the end yields the packets before it.
        let body = [3, 0, 1, 2, 3, 9, 0, 1];
        assert_eq!(packets(&body).collect::<Vec<_>>(), vec![&[1u8, 2, 3][..]]);
    }
}
