//! The default transport: UDP through `renet` (channels, acks, resends, slicing of
//! large messages) under a connection layer: in unsecure mode pipes' own (`plain`:
//! handshake with protocol and client id, timeouts, several renet packets per
//! datagram, no encryption, a round trip measured without the peer's ack delay); in
//! secure mode `renetcode` (the netcode protocol: connect tokens and encryption).
//!
//! Channel 0 is unreliable, channel 1 reliable-ordered. The reliable resend time is
//! tens of milliseconds ([`UdpConfig::resend_time`], 40 ms), not renet's 300 ms default
//! which collapses throughput under loss. Messages larger than one packet are sliced
//! by renet; a message larger than [`UdpConfig::max_message_size`] is refused with
//! [`TransportError::MessageTooLarge`].
//!
//! renet is asked for packets only when something is due (`send_gate`): a frame with
//! nothing queued and nothing to acknowledge sends no datagram, and acks of unreliable
//! data leave at most once per [`UdpConfig::ack_interval`] (renet alone would trade an
//! ack datagram per frame each way for ever).

use super::plain::{self, PlainClient, PlainServer, ServerInput};
use super::send_gate::{self, Flush, SendGate, SendGates};
use super::shaper::Shaper;
use super::{check_size, LinkStats, Transport, TransportError, TransportEvent};
use crate::ids::ConnectionId;
use crate::protocol::Reliability;
use crate::time::Time;
use renet::{ChannelConfig, ConnectionConfig, RenetClient, RenetServer, SendType};
use renetcode::{
    ClientAuthentication, ConnectToken, NetcodeClient, NetcodeServer, ServerAuthentication,
    ServerConfig, ServerResult, NETCODE_KEY_BYTES, NETCODE_MAX_PACKET_BYTES,
};
use std::collections::{BTreeMap, VecDeque};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const UNRELIABLE: u8 = 0;
const RELIABLE: u8 = 1;
/// Most datagrams read from the socket per `receive` call.
const MAX_DATAGRAMS_PER_RECEIVE: usize = 8192;
/// Longest a connected client leaves renet's clock and housekeeping (lost packets,
/// stale slices) alone while no datagram arrives and nothing is sent.
const RENET_HOUSEKEEPING: Duration = Duration::from_millis(100);
/// The netcode connection timeout renet uses, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u32 = 15;
/// How long an unsecure client's self-made connect token stays valid, in seconds.
const UNSECURE_TOKEN_EXPIRY_SECS: u64 = 300;
/// How long a closed connection lingers so its last reliable messages can leave.
const CLOSE_LINGER: Duration = Duration::from_millis(200);

/// Settings shared by the UDP server and client.
#[derive(Clone, Debug, PartialEq)]
pub struct UdpConfig {
    /// Identifies the game and version; client and server must agree.
    pub protocol_id: u64,
    /// Resend time of unacknowledged reliable packets.
    pub resend_time: Duration,
    /// Largest message accepted by `send` (bigger snapshots should be split by the core).
    pub max_message_size: usize,
    /// Bytes a channel may hold unacknowledged before the connection is considered broken.
    pub channel_memory: usize,
    /// Bytes per update the connection may send (renet's `available_bytes_per_tick`).
    pub bytes_per_update: u64,
    /// Seeded loss on the receive path (for tests and `--loss`).
    pub loss: f64,
    /// Latency added on the receive path (for tests and `--latency-ms`).
    pub latency: Duration,
    /// Seed of the loss draws.
    pub seed: u64,
    /// Seconds without a packet after which either side drops the connection
    /// (netcode's timeout; 15 as in renet). In unsecure mode the client puts it in its
    /// self-made token, which the server honours; in secure mode the token issuer sets
    /// it ([`connect_token_with_timeout`]). Clamped to `1..=i32::MAX`.
    pub timeout_secs: u32,
    /// Longest a lone ack packet waits (renet would send one every flush, each way,
    /// for ever): acks of reliable data leave at once; acks of unreliable data at most
    /// once per interval (in unsecure mode they also ride along with any datagram
    /// that leaves anyway). Messages never wait. In unsecure mode
    /// [`LinkStats::rtt`] is the network round trip (measured by the connection
    /// layer, net of how long the peer held its answer); in secure mode it is
    /// renet's, which includes up to this delay. The core's RTT never does.
    pub ack_interval: Duration,
    /// Unsecure mode over netcode's unsecure protocol (encrypted with a zero key,
    /// one datagram per renet packet), as before pipes had its own connection
    /// layer; both ends must agree. For comparisons (the transport bench).
    pub netcode_unsecure: bool,
}

impl Default for UdpConfig {
    fn default() -> Self {
        UdpConfig {
            protocol_id: 0x7069_7065_7300_0001,
            resend_time: Duration::from_millis(40),
            max_message_size: 64 * 1024,
            channel_memory: 8 * 1024 * 1024,
            bytes_per_update: 250_000,
            loss: 0.0,
            latency: Duration::ZERO,
            seed: 1,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            ack_interval: Duration::from_millis(100),
            netcode_unsecure: false,
        }
    }
}

impl UdpConfig {
    fn connection_config(&self) -> ConnectionConfig {
        let channels = vec![
            ChannelConfig {
                channel_id: UNRELIABLE,
                max_memory_usage_bytes: self.channel_memory,
                send_type: SendType::Unreliable,
            },
            ChannelConfig {
                channel_id: RELIABLE,
                max_memory_usage_bytes: self.channel_memory,
                send_type: SendType::ReliableOrdered {
                    resend_time: self.resend_time,
                },
            },
        ];
        ConnectionConfig {
            available_bytes_per_tick: self.bytes_per_update,
            server_channels_config: channels.clone(),
            client_channels_config: channels,
        }
    }

    fn shaper(&self) -> Shaper<(SocketAddr, Vec<u8>)> {
        Shaper::new(self.loss, self.latency, self.seed)
    }

    fn send_gate(&self) -> SendGate {
        // Check reliable data for resends four times per resend period.
        SendGate::new(self.ack_interval, self.resend_time / 4)
    }
}

fn channel(r: Reliability) -> u8 {
    match r {
        Reliability::Reliable => RELIABLE,
        Reliability::Unreliable => UNRELIABLE,
    }
}

fn wall_clock() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> TransportError {
    let what = what.into();
    move |source| TransportError::Io { what, source }
}

/// Who may connect to a [`UdpServer`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Security {
    /// Anyone who knows the protocol id (local play, tests). Traffic is not encrypted.
    Unsecure,
    /// Only clients holding a connect token made with this private key (see
    /// [`connect_token`]); traffic is encrypted.
    Secure {
        /// The 32-byte key shared by the server and the token issuer (never the client).
        private_key: [u8; NETCODE_KEY_BYTES],
    },
}

/// How a [`UdpClient`] proves it may connect.
#[derive(Clone, Debug)]
pub enum ClientAuth {
    /// Unsecure mode: choose a client id unique on the server.
    Unsecure {
        /// The id (a connection's [`ConnectionId`] on the server).
        client_id: u64,
    },
    /// A token from the game's backend ([`connect_token`]).
    Token(Box<ConnectToken>),
}

/// Makes a connect token valid for `expire_secs` that lets `client_id` connect to
/// `server` (the backend side of [`Security::Secure`]), with the default connection
/// timeout ([`DEFAULT_TIMEOUT_SECS`]).
pub fn connect_token(
    private_key: &[u8; NETCODE_KEY_BYTES],
    protocol_id: u64,
    client_id: u64,
    server: SocketAddr,
    expire_secs: u64,
) -> Result<ConnectToken, TransportError> {
    connect_token_with_timeout(
        private_key,
        protocol_id,
        client_id,
        server,
        expire_secs,
        DEFAULT_TIMEOUT_SECS,
    )
}

/// Like [`connect_token`], with the connection timeout (seconds without a packet
/// before either side drops the connection) carried in the token.
pub fn connect_token_with_timeout(
    private_key: &[u8; NETCODE_KEY_BYTES],
    protocol_id: u64,
    client_id: u64,
    server: SocketAddr,
    expire_secs: u64,
    timeout_secs: u32,
) -> Result<ConnectToken, TransportError> {
    ConnectToken::generate(
        wall_clock(),
        protocol_id,
        expire_secs,
        client_id,
        timeout_i32(timeout_secs),
        vec![server],
        None,
        private_key,
    )
    .map_err(|e| TransportError::Setup(format!("connect token: {e}")))
}

/// A timeout in netcode's terms: at least 1 s (0 or less would disable it).
fn timeout_i32(secs: u32) -> i32 {
    i32::try_from(secs.max(1)).unwrap_or(i32::MAX)
}

/// A UDP server endpoint.
pub struct UdpServer {
    socket: UdpSocket,
    link: ServerLink,
    renet: RenetServer,
    config: UdpConfig,
    shaper: Shaper<(SocketAddr, Vec<u8>)>,
    last: Option<Time>,
    now: Time,
    buffer: Vec<u8>,
    events: VecDeque<TransportEvent>,
    counters: BTreeMap<u64, LinkStats>,
    closing: Vec<(u64, Time)>,
    early: Vec<(u64, Vec<u8>)>,
    gates: SendGates,
    out: Vec<u8>,
}

/// The connection layer under a server's renet.
enum ServerLink {
    Netcode(Box<NetcodeServer>),
    Plain(PlainServer),
}

impl std::fmt::Debug for UdpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UdpServer")
            .field("addr", &self.socket.local_addr().ok())
            .field("connections", &self.counters.len())
            .finish()
    }
}

impl UdpServer {
    /// Binds `addr` (port 0 picks a free port) and accepts up to `max_clients`.
    pub fn bind(
        addr: SocketAddr,
        max_clients: usize,
        security: Security,
        config: UdpConfig,
    ) -> Result<UdpServer, TransportError> {
        let socket = UdpSocket::bind(addr).map_err(io(format!("bind {addr}")))?;
        socket
            .set_nonblocking(true)
            .map_err(io("set_nonblocking"))?;
        let public = socket.local_addr().map_err(io("local_addr"))?;
        let max_clients = max_clients.clamp(1, 1024);
        let authentication = match security {
            Security::Unsecure if !config.netcode_unsecure => None,
            Security::Unsecure => Some(ServerAuthentication::Unsecure),
            Security::Secure { private_key } => Some(ServerAuthentication::Secure { private_key }),
        };
        let link = match authentication {
            None => ServerLink::Plain(PlainServer::new(config.protocol_id, max_clients)),
            Some(authentication) => {
                ServerLink::Netcode(Box::new(NetcodeServer::new(ServerConfig {
                    current_time: wall_clock(),
                    max_clients,
                    protocol_id: config.protocol_id,
                    public_addresses: vec![public],
                    authentication,
                })))
            }
        };
        Ok(UdpServer {
            socket,
            link,
            renet: RenetServer::new(config.connection_config()),
            shaper: config.shaper(),
            gates: SendGates::new(config.send_gate()),
            config,
            last: None,
            now: Time::ZERO,
            buffer: vec![0; NETCODE_MAX_PACKET_BYTES],
            events: VecDeque::new(),
            counters: BTreeMap::new(),
            closing: Vec::new(),
            early: Vec::new(),
            out: Vec::with_capacity(plain::MAX_DATAGRAM),
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> Result<SocketAddr, TransportError> {
        self.socket.local_addr().map_err(io("local_addr"))
    }

    /// Datagrams dropped by the `loss` setting.
    pub fn dropped(&self) -> u64 {
        self.shaper.dropped()
    }

    fn handle(&mut self, now: Time, addr: SocketAddr, packet: &mut [u8]) {
        let send = |bytes: &[u8]| {
            if let Err(e) = self.socket.send_to(bytes, addr) {
                tracing::debug!("udp send to {addr} failed: {e}");
            }
        };
        match &mut self.link {
            ServerLink::Netcode(netcode) => {
                let result = netcode.process_packet(addr, packet);
                apply(
                    result,
                    &self.socket,
                    &mut self.renet,
                    &mut self.early,
                    &mut self.gates,
                );
            }
            ServerLink::Plain(link) => match link.process(now, addr, packet) {
                ServerInput::None => {}
                ServerInput::Reply(reply) => send(&reply),
                ServerInput::Connected { id, reply } => {
                    self.renet.add_connection(id);
                    send(&reply);
                }
                ServerInput::Data { id, body } => {
                    let gate = self.gates.get(id);
                    for p in plain::packets(body) {
                        gate.received(p);
                        if let Err(e) = self.renet.process_packet_from(p, id) {
                            tracing::debug!("udp: packet for client {id}: {e}");
                        }
                    }
                }
                ServerInput::Disconnected(id) => {
                    forget(id, &mut self.renet, &mut self.early, &mut self.gates);
                }
            },
        }
    }

    /// Puts client `id`'s renet packets on the wire, several per datagram (plain
    /// layer) or one each (netcode); ack packets only if `acks`, or (plain) along
    /// with other packets.
    fn send_packets(&mut self, id: u64, now: Time, acks: bool) {
        let Ok(packets) = self.renet.get_packets_to_send(id) else {
            return;
        };
        let gate = self.gates.get(id);
        match &mut self.link {
            ServerLink::Netcode(netcode) => {
                for packet in packets {
                    if send_gate::is_ack(&packet) {
                        if !acks {
                            continue;
                        }
                        gate.ack_sent(now);
                    }
                    match netcode.generate_payload_packet(id, &packet) {
                        Ok((addr, bytes)) => {
                            if let Err(e) = self.socket.send_to(bytes, addr) {
                                tracing::debug!("udp send to client {id} ({addr}) failed: {e}");
                                break;
                            }
                        }
                        Err(e) => {
                            tracing::debug!("udp: cannot encrypt for client {id}: {e}");
                            break;
                        }
                    }
                }
            }
            ServerLink::Plain(link) => {
                let acks = acks || packets.iter().any(|p| !send_gate::is_ack(p));
                let out = &mut self.out;
                let mut to = None;
                for packet in &packets {
                    if send_gate::is_ack(packet) {
                        if !acks {
                            continue;
                        }
                        gate.ack_sent(now);
                    }
                    if let Some(addr) = to {
                        if out.len() + 2 + packet.len() > plain::MAX_DATAGRAM {
                            send_datagram(&self.socket, out, addr);
                            to = None;
                        }
                    }
                    if to.is_none() {
                        to = link.begin(id, now, out);
                        if to.is_none() {
                            return;
                        }
                    }
                    plain::put_packet(out, packet);
                }
                if let Some(addr) = to {
                    send_datagram(&self.socket, out, addr);
                }
            }
        }
    }
}

fn send_datagram(socket: &UdpSocket, bytes: &[u8], addr: SocketAddr) {
    if let Err(e) = socket.send_to(bytes, addr) {
        tracing::debug!("udp send to {addr} failed: {e}");
    }
}

/// Drops a client from renet, reading out its last messages first (into `early`).
fn forget(
    client_id: u64,
    renet: &mut RenetServer,
    early: &mut Vec<(u64, Vec<u8>)>,
    gates: &mut SendGates,
) {
    for ch in [RELIABLE, UNRELIABLE] {
        while let Some(m) = renet.receive_message(client_id, ch) {
            early.push((client_id, m.to_vec()));
        }
    }
    renet.remove_connection(client_id);
    gates.remove(client_id);
}

/// Acts on a netcode result. Messages of a client that is leaving are read out first
/// (a goodbye sent just before the disconnect packet must not be lost) into `early`.
fn apply(
    result: ServerResult<'_, '_>,
    socket: &UdpSocket,
    renet: &mut RenetServer,
    early: &mut Vec<(u64, Vec<u8>)>,
    gates: &mut SendGates,
) {
    let send = |packet: &[u8], addr: SocketAddr| {
        if let Err(e) = socket.send_to(packet, addr) {
            tracing::debug!("udp send to {addr} failed: {e}");
        }
    };
    match result {
        ServerResult::None => {}
        ServerResult::PacketToSend { payload, addr } => send(payload, addr),
        ServerResult::Payload { client_id, payload } => {
            gates.get(client_id).received(payload);
            if let Err(e) = renet.process_packet_from(payload, client_id) {
                tracing::debug!("udp: packet for client {client_id}: {e}");
            }
        }
        ServerResult::ClientConnected {
            client_id,
            addr,
            payload,
            ..
        } => {
            renet.add_connection(client_id);
            send(payload, addr);
        }
        ServerResult::ClientDisconnected {
            client_id,
            addr,
            payload,
        } => {
            forget(client_id, renet, early, gates);
            if let Some(p) = payload {
                send(p, addr);
            }
        }
    }
}

impl Transport for UdpServer {
    fn receive(&mut self, now: Time) -> Result<(), TransportError> {
        let dt = self.last.map_or(Duration::ZERO, |l| now.since(l));
        self.last = Some(now);
        self.now = now;
        if let ServerLink::Netcode(netcode) = &mut self.link {
            netcode.update(dt);
        }
        self.renet.update(dt);
        // No loss or latency to simulate: datagrams go straight from the receive
        // buffer (no copy, no allocation per datagram).
        let direct = self.shaper.is_off();
        let mut buffer = std::mem::take(&mut self.buffer);
        let mut failed = None;
        for _ in 0..MAX_DATAGRAMS_PER_RECEIVE {
            match self.socket.recv_from(&mut buffer) {
                Ok((len, addr)) if direct => self.handle(now, addr, &mut buffer[..len]),
                Ok((len, addr)) => {
                    self.shaper.push(now, (addr, buffer[..len].to_vec()));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => break,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => continue,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        self.buffer = buffer;
        if let Some(e) = failed {
            return Err(io("recv_from")(e));
        }
        while let Some((addr, mut bytes)) = self.shaper.pop_due(now) {
            self.handle(now, addr, &mut bytes);
        }
        match &mut self.link {
            ServerLink::Netcode(netcode) => {
                for id in netcode.clients_id() {
                    let r = netcode.update_client(id);
                    apply(
                        r,
                        &self.socket,
                        &mut self.renet,
                        &mut self.early,
                        &mut self.gates,
                    );
                }
            }
            ServerLink::Plain(link) => {
                for id in link.expire(now) {
                    forget(id, &mut self.renet, &mut self.early, &mut self.gates);
                }
                for id in link.idle(now) {
                    if let Some(addr) = link.begin(id, now, &mut self.out) {
                        send_datagram(&self.socket, &self.out, addr);
                    }
                }
            }
        }
        let due: Vec<u64> = self
            .closing
            .iter()
            .filter(|(_, at)| *at <= now)
            .map(|(id, _)| *id)
            .collect();
        self.closing.retain(|(_, at)| *at > now);
        for id in due {
            self.renet.disconnect(id);
        }
        for id in self.renet.disconnections_id() {
            self.disconnect(id);
        }
        for (id, payload) in std::mem::take(&mut self.early) {
            self.events.push_back(TransportEvent::Message {
                connection: ConnectionId(id),
                payload: payload.into(),
            });
        }
        while let Some(e) = self.renet.get_event() {
            match e {
                renet::ServerEvent::ClientConnected { client_id } => {
                    self.counters.insert(client_id, LinkStats::default());
                    self.events
                        .push_back(TransportEvent::Connected(ConnectionId(client_id)));
                }
                renet::ServerEvent::ClientDisconnected { client_id, reason } => {
                    self.counters.remove(&client_id);
                    self.events.push_back(TransportEvent::Disconnected {
                        connection: ConnectionId(client_id),
                        reason: reason.to_string(),
                    });
                }
            }
        }
        for id in self.renet.clients_id() {
            for ch in [RELIABLE, UNRELIABLE] {
                while let Some(msg) = self.renet.receive_message(id, ch) {
                    if let Some(c) = self.counters.get_mut(&id) {
                        c.bytes_received += msg.len() as u64;
                    }
                    self.events.push_back(TransportEvent::Message {
                        connection: ConnectionId(id),
                        payload: msg,
                    });
                }
            }
        }
        Ok(())
    }

    fn poll_event(&mut self) -> Option<TransportEvent> {
        self.events.pop_front()
    }

    fn send(
        &mut self,
        connection: ConnectionId,
        payload: &[u8],
        reliability: Reliability,
    ) -> Result<(), TransportError> {
        check_size(payload.len(), self.config.max_message_size)?;
        let id = connection.0;
        if !self.renet.is_connected(id) {
            return Err(TransportError::UnknownConnection(connection));
        }
        let ch = channel(reliability);
        if !self.renet.can_send_message(id, ch, payload.len()) {
            return Err(TransportError::Backpressure(connection));
        }
        self.renet.send_message(id, ch, payload.to_vec());
        self.gates
            .get(id)
            .queued(reliability == Reliability::Reliable);
        if let Some(c) = self.counters.get_mut(&id) {
            c.bytes_sent += payload.len() as u64;
        }
        Ok(())
    }

    fn flush(&mut self, now: Time) -> Result<(), TransportError> {
        for id in self.renet.clients_id() {
            let (renet, memory) = (&self.renet, self.config.channel_memory);
            let in_flight = || renet.channel_available_memory(id, RELIABLE) < memory;
            let Flush::Send { acks } = self.gates.get(id).flush(now, in_flight) else {
                continue;
            };
            self.send_packets(id, now, acks);
        }
        Ok(())
    }

    fn close(&mut self, connection: ConnectionId) {
        if self.renet.is_connected(connection.0)
            && !self.closing.iter().any(|(id, _)| *id == connection.0)
        {
            self.closing.push((connection.0, self.now + CLOSE_LINGER));
        }
    }

    fn connections(&self) -> Vec<ConnectionId> {
        self.renet
            .clients_id()
            .into_iter()
            .map(ConnectionId)
            .collect()
    }

    fn stats(&self, connection: ConnectionId) -> Option<LinkStats> {
        let mut s = *self.counters.get(&connection.0)?;
        let measured = match &self.link {
            ServerLink::Plain(link) => link.rtt(connection.0),
            ServerLink::Netcode(_) => None,
        };
        s.rtt = measured
            .unwrap_or_else(|| Duration::from_secs_f64(self.renet.rtt(connection.0).max(0.0)));
        Some(s)
    }
}

impl UdpServer {
    /// Ends client `id`'s connection: tells it (netcode: its disconnect packets;
    /// plain: a disconnect datagram, repeated) and drops it from renet.
    fn disconnect(&mut self, id: u64) {
        match &mut self.link {
            ServerLink::Netcode(netcode) => {
                let r = netcode.disconnect(id);
                apply(
                    r,
                    &self.socket,
                    &mut self.renet,
                    &mut self.early,
                    &mut self.gates,
                );
            }
            ServerLink::Plain(link) => {
                if let Some(addr) = link.remove(id) {
                    for _ in 0..plain::DISCONNECT_REPEAT {
                        send_datagram(&self.socket, &plain::disconnect(), addr);
                    }
                }
                forget(id, &mut self.renet, &mut self.early, &mut self.gates);
            }
        }
    }
}

impl Drop for UdpServer {
    fn drop(&mut self) {
        // Tell clients at once rather than letting them time out.
        let ids = match &self.link {
            ServerLink::Netcode(netcode) => netcode.clients_id(),
            ServerLink::Plain(link) => link.ids(),
        };
        for id in ids {
            self.disconnect(id);
        }
    }
}

/// A UDP client endpoint (one connection to one server).
pub struct UdpClient {
    socket: UdpSocket,
    server: SocketAddr,
    link: ClientLink,
    renet: RenetClient,
    config: UdpConfig,
    shaper: Shaper<(SocketAddr, Vec<u8>)>,
    id: ConnectionId,
    /// The connection layer's clock: the last `receive`.
    last: Option<Time>,
    /// renet's clock: when renet was last brought to the present (`renet_at`).
    renet_last: Option<Time>,
    buffer: Vec<u8>,
    events: VecDeque<TransportEvent>,
    up: bool,
    down: bool,
    stats: LinkStats,
    gate: SendGate,
    out: Vec<u8>,
}

/// The connection layer under a client's renet. One per client, so the size of the
/// unboxed plain (default) variant costs nothing; it stays inline on the hot path.
#[allow(clippy::large_enum_variant)]
enum ClientLink {
    Netcode(Box<NetcodeClient>),
    Plain(PlainClient),
}

impl std::fmt::Debug for UdpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UdpClient")
            .field("server", &self.server)
            .field("id", &self.id)
            .field("up", &self.up)
            .finish()
    }
}

impl UdpClient {
    /// Starts connecting to `server` from an ephemeral local port.
    pub fn connect(
        server: SocketAddr,
        auth: ClientAuth,
        config: UdpConfig,
    ) -> Result<UdpClient, TransportError> {
        let local: SocketAddr = if server.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local).map_err(io(format!("bind {local}")))?;
        socket
            .set_nonblocking(true)
            .map_err(io("set_nonblocking"))?;
        let authentication = match auth {
            ClientAuth::Unsecure { client_id } if !config.netcode_unsecure => {
                let timeout = Duration::from_secs(u64::from(config.timeout_secs.max(1)));
                let link = PlainClient::new(config.protocol_id, client_id, timeout);
                return Ok(UdpClient::with_link(
                    socket,
                    server,
                    ClientLink::Plain(link),
                    ConnectionId(client_id),
                    config,
                ));
            }
            // renetcode's own unsecure token has a fixed 15 s timeout: make the same
            // token (zero key, as an unsecure server expects) with ours.
            ClientAuth::Unsecure { client_id } => {
                let token = ConnectToken::generate(
                    wall_clock(),
                    config.protocol_id,
                    UNSECURE_TOKEN_EXPIRY_SECS,
                    client_id,
                    timeout_i32(config.timeout_secs),
                    vec![server],
                    None,
                    &[0; NETCODE_KEY_BYTES],
                )
                .map_err(|e| TransportError::Setup(format!("unsecure connect token: {e}")))?;
                ClientAuthentication::Secure {
                    connect_token: token,
                }
            }
            ClientAuth::Token(t) => ClientAuthentication::Secure { connect_token: *t },
        };
        let netcode = NetcodeClient::new(wall_clock(), authentication)
            .map_err(|e| TransportError::Setup(format!("netcode client: {e}")))?;
        let id = ConnectionId(netcode.client_id());
        Ok(UdpClient::with_link(
            socket,
            server,
            ClientLink::Netcode(Box::new(netcode)),
            id,
            config,
        ))
    }

    fn with_link(
        socket: UdpSocket,
        server: SocketAddr,
        link: ClientLink,
        id: ConnectionId,
        config: UdpConfig,
    ) -> UdpClient {
        UdpClient {
            socket,
            server,
            link,
            renet: RenetClient::new(config.connection_config()),
            shaper: config.shaper(),
            gate: config.send_gate(),
            config,
            id,
            last: None,
            renet_last: None,
            buffer: vec![0; NETCODE_MAX_PACKET_BYTES],
            events: VecDeque::new(),
            up: false,
            down: false,
            stats: LinkStats::default(),
            out: Vec::with_capacity(plain::MAX_DATAGRAM),
        }
    }

    /// Whether the connection layer is connected.
    fn link_connected(&self) -> bool {
        match &self.link {
            ClientLink::Netcode(n) => n.is_connected(),
            ClientLink::Plain(p) => p.is_connected(),
        }
    }

    /// Why the connection layer ended, if it did.
    fn link_down(&self) -> Option<String> {
        match &self.link {
            ClientLink::Netcode(n) => n.disconnect_reason().map(|r| format!("{r:?}")),
            ClientLink::Plain(p) => match p.state() {
                plain::ClientState::Down(why) => Some(why.clone()),
                _ => None,
            },
        }
    }

    /// Tells the server we leave (netcode sends it redundantly; plain repeats it).
    fn goodbye(&mut self) {
        match &mut self.link {
            ClientLink::Netcode(n) => {
                if let Ok((addr, packet)) = n.disconnect() {
                    let _ = self.socket.send_to(packet, addr);
                }
            }
            ClientLink::Plain(p) => {
                if p.is_connected() {
                    for _ in 0..plain::DISCONNECT_REPEAT {
                        let _ = self.socket.send_to(&plain::disconnect(), self.server);
                    }
                }
                p.close("closed locally");
            }
        }
    }

    /// Our connection id (the netcode client id).
    pub fn id(&self) -> ConnectionId {
        self.id
    }

    /// Whether the connection is up.
    pub fn is_connected(&self) -> bool {
        self.up && !self.down
    }

    /// Brings renet's clock to `now` (its housekeeping runs).
    fn renet_clock(&mut self, now: Time) {
        let dt = self.renet_last.map_or(Duration::ZERO, |l| now.since(l));
        self.renet_last = Some(now);
        self.renet.update(dt);
    }

    /// Brings renet's clock to `now` (its housekeeping runs) and its connection state
    /// in line with the connection layer's. False if the connection ended (reported).
    fn renet_at(&mut self, now: Time) -> bool {
        self.renet_clock(now);
        if let Some(reason) = self.link_down() {
            self.renet.disconnect_due_to_transport();
            self.report_down(reason);
            return false;
        }
        if let Some(reason) = self.renet.disconnect_reason() {
            self.goodbye();
            self.report_down(reason.to_string());
            return false;
        }
        if self.link_connected() {
            self.renet.set_connected();
        } else {
            self.renet.set_connecting();
        }
        true
    }

    /// Puts renet's packets on the wire (its ack packets only if `acks`, or, plain
    /// layer, along with other packets: several ride in one datagram).
    fn send_packets(&mut self, now: Time, acks: bool) -> Result<(), TransportError> {
        if self.down || !self.link_connected() {
            return Ok(());
        }
        let packets = self.renet.get_packets_to_send();
        match &mut self.link {
            ClientLink::Netcode(netcode) => {
                for packet in packets {
                    if send_gate::is_ack(&packet) {
                        if !acks {
                            continue;
                        }
                        self.gate.ack_sent(now);
                    }
                    let (addr, bytes) = netcode
                        .generate_payload_packet(&packet)
                        .map_err(|e| TransportError::Setup(format!("netcode: {e}")))?;
                    send_or_error(&self.socket, bytes, addr)?;
                }
            }
            ClientLink::Plain(link) => {
                let acks = acks || packets.iter().any(|p| !send_gate::is_ack(p));
                let out = &mut self.out;
                let mut open = false;
                for packet in &packets {
                    if send_gate::is_ack(packet) {
                        if !acks {
                            continue;
                        }
                        self.gate.ack_sent(now);
                    }
                    if open && out.len() + 2 + packet.len() > plain::MAX_DATAGRAM {
                        send_or_error(&self.socket, out, self.server)?;
                        open = false;
                    }
                    if !open {
                        link.begin(now, out);
                        open = true;
                    }
                    plain::put_packet(out, packet);
                }
                if open {
                    send_or_error(&self.socket, out, self.server)?;
                }
            }
        }
        Ok(())
    }

    fn report_down(&mut self, reason: String) {
        if !self.down {
            self.down = true;
            self.events.push_back(TransportEvent::Disconnected {
                connection: self.id,
                reason,
            });
        }
    }
}

/// Sends a datagram, or an error naming the address (formatted only on failure: a
/// client's sends go through here, one per datagram). The server's sends log and go
/// on instead (`send_datagram`).
fn send_or_error(socket: &UdpSocket, bytes: &[u8], addr: SocketAddr) -> Result<(), TransportError> {
    match socket.send_to(bytes, addr) {
        Ok(_) => Ok(()),
        Err(e) => Err(io(format!("send_to {addr}"))(e)),
    }
}

/// Hands a datagram from the server to the connection layer and its packets to renet.
fn client_datagram(
    link: &mut ClientLink,
    renet: &mut RenetClient,
    gate: &mut SendGate,
    now: Time,
    bytes: &mut [u8],
) {
    match link {
        ClientLink::Netcode(netcode) => {
            if let Some(payload) = netcode.process_packet(bytes) {
                gate.received(payload);
                renet.process_packet(payload);
            }
        }
        ClientLink::Plain(link) => {
            if let Some(body) = link.process(now, bytes) {
                for p in plain::packets(body) {
                    gate.received(p);
                    renet.process_packet(p);
                }
            }
        }
    }
}

impl Transport for UdpClient {
    fn receive(&mut self, now: Time) -> Result<(), TransportError> {
        if self.down {
            return Ok(());
        }
        let dt = self.last.map_or(Duration::ZERO, |l| now.since(l));
        self.last = Some(now);
        let direct = self.shaper.is_off();
        // A frame in which no datagram arrived (a 60 fps client's usual frame) leaves
        // renet alone: nothing can have reached its channels, its timers only keep
        // house (`RENET_HOUSEKEEPING`), and its clock is brought up to date before it
        // next sees a packet or is asked for one. Such a frame costs a `recvfrom` and
        // the connection layer's timers.
        let mut arrived = false;
        for _ in 0..MAX_DATAGRAMS_PER_RECEIVE {
            match self.socket.recv_from(&mut self.buffer) {
                Ok((len, addr)) => {
                    if addr != self.server {
                        continue;
                    }
                    if !direct {
                        let bytes = self.buffer[..len].to_vec();
                        self.shaper.push(now, (addr, bytes));
                        continue;
                    }
                    if !arrived && !self.renet_at(now) {
                        return Ok(());
                    }
                    arrived = true;
                    // No loss or latency to simulate: straight from the buffer (no
                    // copy, no allocation per datagram).
                    let (link, renet, gate) = (&mut self.link, &mut self.renet, &mut self.gate);
                    client_datagram(link, renet, gate, now, &mut self.buffer[..len]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => break,
                // Loopback reports an ICMP "port unreachable" this way (server down).
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => break,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
                Err(e) => return Err(io("recv_from")(e)),
            }
        }
        while let Some((_, mut bytes)) = self.shaper.pop_due(now) {
            if !arrived && !self.renet_at(now) {
                return Ok(());
            }
            arrived = true;
            client_datagram(
                &mut self.link,
                &mut self.renet,
                &mut self.gate,
                now,
                &mut bytes,
            );
        }
        let housekeeping = !self.up
            || self
                .renet_last
                .is_none_or(|t| now.since(t) >= RENET_HOUSEKEEPING);
        if !arrived && housekeeping && !self.renet_at(now) {
            return Ok(());
        }
        match &mut self.link {
            ClientLink::Netcode(netcode) => {
                if let Some((packet, addr)) = netcode.update(dt) {
                    let _ = self.socket.send_to(packet, addr);
                }
            }
            ClientLink::Plain(link) => {
                if link.update(now, &mut self.out) {
                    let _ = self.socket.send_to(&self.out, self.server);
                }
            }
        }
        if arrived || housekeeping {
            if self.link_connected() {
                self.renet.set_connected();
            }
            if !self.up && self.renet.is_connected() {
                self.up = true;
                self.events.push_back(TransportEvent::Connected(self.id));
            }
        }
        if arrived {
            for ch in [RELIABLE, UNRELIABLE] {
                while let Some(msg) = self.renet.receive_message(ch) {
                    self.stats.bytes_received += msg.len() as u64;
                    self.events.push_back(TransportEvent::Message {
                        connection: self.id,
                        payload: msg,
                    });
                }
            }
        }
        if let Some(reason) = self.link_down() {
            self.report_down(reason);
        }
        Ok(())
    }

    fn poll_event(&mut self) -> Option<TransportEvent> {
        self.events.pop_front()
    }

    fn send(
        &mut self,
        connection: ConnectionId,
        payload: &[u8],
        reliability: Reliability,
    ) -> Result<(), TransportError> {
        check_size(payload.len(), self.config.max_message_size)?;
        if connection != self.id || !self.is_connected() {
            return Err(TransportError::UnknownConnection(connection));
        }
        let ch = channel(reliability);
        if !self.renet.can_send_message(ch, payload.len()) {
            return Err(TransportError::Backpressure(connection));
        }
        self.renet.send_message(ch, payload.to_vec());
        self.gate.queued(reliability == Reliability::Reliable);
        self.stats.bytes_sent += payload.len() as u64;
        Ok(())
    }

    fn flush(&mut self, now: Time) -> Result<(), TransportError> {
        if self.down || !self.link_connected() {
            return Ok(());
        }
        let (renet, memory) = (&self.renet, self.config.channel_memory);
        let in_flight = || renet.channel_available_memory(RELIABLE) < memory;
        let Flush::Send { acks } = self.gate.flush(now, in_flight) else {
            return Ok(());
        };
        if !self.renet_at(now) {
            return Ok(());
        }
        self.send_packets(now, acks)
    }

    fn close(&mut self, connection: ConnectionId) {
        if connection != self.id || self.down {
            return;
        }
        // Send what is queued, then say goodbye at once (netcode sends it redundantly).
        let now = self.last.unwrap_or(Time::ZERO);
        self.renet_clock(now);
        let _ = self.send_packets(now, true);
        self.goodbye();
        self.renet.disconnect();
        self.report_down("closed locally".into());
    }

    fn connections(&self) -> Vec<ConnectionId> {
        if self.is_connected() {
            vec![self.id]
        } else {
            Vec::new()
        }
    }

    fn stats(&self, connection: ConnectionId) -> Option<LinkStats> {
        if connection != self.id {
            return None;
        }
        let mut s = self.stats;
        let measured = match &self.link {
            ClientLink::Plain(p) => p.rtt(),
            ClientLink::Netcode(_) => None,
        };
        s.rtt = measured.unwrap_or_else(|| Duration::from_secs_f64(self.renet.rtt().max(0.0)));
        Some(s)
    }
}

impl Drop for UdpClient {
    fn drop(&mut self) {
        if !self.down {
            self.goodbye();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::driver::Clock;

    fn pump_until(
        server: &mut UdpServer,
        client: &mut UdpClient,
        clock: Clock,
        mut done: impl FnMut(&mut Vec<TransportEvent>, &mut Vec<TransportEvent>) -> bool,
    ) -> (Vec<TransportEvent>, Vec<TransportEvent>) {
        let (mut se, mut ce) = (Vec::new(), Vec::new());
        for _ in 0..5000 {
            let now = clock.now();
            server.receive(now).unwrap();
            client.receive(now).unwrap();
            se.extend(std::iter::from_fn(|| server.poll_event()));
            ce.extend(std::iter::from_fn(|| client.poll_event()));
            if done(&mut se, &mut ce) {
                return (se, ce);
            }
            server.flush(now).unwrap();
            client.flush(now).unwrap();
            std::thread::sleep(Duration::from_millis(1));
        }
        panic!("timed out: server saw {se:?}, client saw {ce:?}");
    }

    fn pair(
        security: Security,
        auth: impl FnOnce(SocketAddr) -> ClientAuth,
    ) -> (UdpServer, UdpClient) {
        pair_with(security, auth, UdpConfig::default())
    }

    /// A server on a free loopback port and a client connecting to it, both with `config`.
    fn pair_with(
        security: Security,
        auth: impl FnOnce(SocketAddr) -> ClientAuth,
        config: UdpConfig,
    ) -> (UdpServer, UdpClient) {
        pair_of(security, auth, config.clone(), config)
    }

    /// A server with `server_config` and a client with `client_config` connecting to it.
    fn pair_of(
        security: Security,
        auth: impl FnOnce(SocketAddr) -> ClientAuth,
        server_config: UdpConfig,
        client_config: UdpConfig,
    ) -> (UdpServer, UdpClient) {
        let server =
            UdpServer::bind(([127, 0, 0, 1], 0).into(), 8, security, server_config).unwrap();
        let addr = server.local_addr().unwrap();
        let client = UdpClient::connect(addr, auth(addr), client_config).unwrap();
        (server, client)
    }

    fn messages(events: &[TransportEvent]) -> Vec<Vec<u8>> {
        events
            .iter()
            .filter_map(|e| match e {
                TransportEvent::Message { payload, .. } => Some(payload.to_vec()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn unsecure_connect_exchange_large_message_and_close() {
        let clock = Clock::new();
        let (mut server, mut client) = pair(Security::Unsecure, |_| ClientAuth::Unsecure {
            client_id: 77,
        });
        pump_until(&mut server, &mut client, clock, |s, c| {
            !s.is_empty() && !c.is_empty()
        });
        assert_eq!(server.connections(), vec![ConnectionId(77)]);
        // 20 kB: renet slices it into many packets and reassembles it.
        let big: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        server
            .send(ConnectionId(77), &big, Reliability::Reliable)
            .unwrap();
        client
            .send(ConnectionId(77), b"hello", Reliability::Reliable)
            .unwrap();
        let (s, c) = pump_until(&mut server, &mut client, clock, |s, c| {
            !messages(s).is_empty() && !messages(c).is_empty()
        });
        assert_eq!(messages(&s), vec![b"hello".to_vec()]);
        assert_eq!(messages(&c), vec![big]);
        let too_big = vec![0u8; 70_000];
        let err = server
            .send(ConnectionId(77), &too_big, Reliability::Reliable)
            .unwrap_err();
        assert!(
            matches!(
                err,
                TransportError::MessageTooLarge {
                    size: 70_000,
                    max: 65_536
                }
            ),
            "{err}"
        );
        client.close(ConnectionId(77));
        pump_until(&mut server, &mut client, clock, |s, _| {
            s.iter()
                .any(|e| matches!(e, TransportEvent::Disconnected { .. }))
        });
        assert!(server.connections().is_empty());
    }

    /// The old unsecure path (netcode with a zero key) still works when both ends
    /// ask for it.
    #[test]
    fn netcode_unsecure_still_connects_and_exchanges() {
        let clock = Clock::new();
        let config = UdpConfig {
            netcode_unsecure: true,
            ..UdpConfig::default()
        };
        let (mut server, mut client) = pair_with(
            Security::Unsecure,
            |_| ClientAuth::Unsecure { client_id: 4 },
            config,
        );
        pump_until(&mut server, &mut client, clock, |s, c| {
            !s.is_empty() && !c.is_empty()
        });
        client
            .send(ConnectionId(4), b"hi", Reliability::Reliable)
            .unwrap();
        let (s, _) = pump_until(&mut server, &mut client, clock, |s, _| {
            !messages(s).is_empty()
        });
        assert_eq!(messages(&s), vec![b"hi".to_vec()]);
    }

    /// The client holds its acks 400 ms (nothing else to send); the server's RTT is
    /// still the loopback round trip, not the hold (renet's own figure included it).
    #[test]
    fn unsecure_rtt_is_the_network_round_trip_without_held_acks() {
        let clock = Clock::new();
        let config = UdpConfig {
            ack_interval: Duration::from_millis(400),
            ..UdpConfig::default()
        };
        let (mut server, mut client) = pair_with(
            Security::Unsecure,
            |_| ClientAuth::Unsecure { client_id: 3 },
            config,
        );
        pump_until(&mut server, &mut client, clock, |s, c| {
            !s.is_empty() && !c.is_empty()
        });
        let start = clock.now();
        let mut got = 0;
        while clock.now().since(start) < Duration::from_millis(1000) {
            server
                .send(ConnectionId(3), b"tick", Reliability::Unreliable)
                .unwrap();
            server.flush(clock.now()).unwrap();
            client.receive(clock.now()).unwrap();
            got += messages(&std::iter::from_fn(|| client.poll_event()).collect::<Vec<_>>()).len();
            client.flush(clock.now()).unwrap();
            server.receive(clock.now()).unwrap();
            while server.poll_event().is_some() {}
            std::thread::sleep(Duration::from_millis(2));
        }
        assert!(got > 0);
        let rtt = server.stats(ConnectionId(3)).unwrap().rtt;
        assert!(
            rtt > Duration::ZERO && rtt < Duration::from_millis(200),
            "{rtt:?}"
        );
        assert!(client.stats(ConnectionId(3)).unwrap().rtt < Duration::from_millis(200));
    }

    #[test]
    fn secure_mode_accepts_a_valid_token_and_ignores_unsecure_clients() {
        let key = [7u8; 32];
        let clock = Clock::new();
        let (mut server, mut client) = pair(Security::Secure { private_key: key }, |addr| {
            let cfg = UdpConfig::default();
            ClientAuth::Token(Box::new(
                connect_token(&key, cfg.protocol_id, 5, addr, 60).unwrap(),
            ))
        });
        pump_until(&mut server, &mut client, clock, |s, c| {
            !s.is_empty() && !c.is_empty()
        });
        assert_eq!(server.connections(), vec![ConnectionId(5)]);
        // An unsecure client never gets in.
        let addr = server.local_addr().unwrap();
        let mut intruder = UdpClient::connect(
            addr,
            ClientAuth::Unsecure { client_id: 6 },
            UdpConfig::default(),
        )
        .unwrap();
        for _ in 0..200 {
            let now = clock.now();
            server.receive(now).unwrap();
            intruder.receive(now).unwrap();
            server.flush(now).unwrap();
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(!intruder.is_connected());
        assert_eq!(server.connections(), vec![ConnectionId(5)]);
    }

    #[test]
    fn reliable_messages_survive_receive_path_loss() {
        let clock = Clock::new();
        let lossy = UdpConfig {
            loss: 0.2,
            seed: 3,
            ..UdpConfig::default()
        };
        let (mut server, mut client) = pair_with(
            Security::Unsecure,
            |_| ClientAuth::Unsecure { client_id: 1 },
            lossy,
        );
        pump_until(&mut server, &mut client, clock, |s, c| {
            !s.is_empty() && !c.is_empty()
        });
        for i in 0..100u8 {
            client
                .send(ConnectionId(1), &[i], Reliability::Reliable)
                .unwrap();
        }
        let (s, _) = pump_until(&mut server, &mut client, clock, |s, _| {
            messages(s).len() == 100
        });
        assert_eq!(
            messages(&s),
            (0..100u8).map(|i| vec![i]).collect::<Vec<_>>()
        );
        assert!(server.dropped() > 0, "the filter dropped datagrams");
    }

    /// A client polled at 60 fps whose frames mostly see no datagram (renet left
    /// alone in them) still resends its reliable messages that the server lost.
    #[test]
    fn a_60fps_client_resends_what_the_server_lost() {
        let clock = Clock::new();
        let lossy = UdpConfig {
            loss: 0.5,
            seed: 11,
            ..UdpConfig::default()
        };
        let (mut server, mut client) = pair_of(
            Security::Unsecure,
            |_| ClientAuth::Unsecure { client_id: 1 },
            lossy,
            UdpConfig::default(),
        );
        pump_until(&mut server, &mut client, clock, |s, c| {
            !s.is_empty() && !c.is_empty()
        });
        for i in 0..20u8 {
            client
                .send(ConnectionId(1), &[i], Reliability::Reliable)
                .unwrap();
        }
        let mut got = Vec::new();
        for _ in 0..300 {
            let now = clock.now();
            server.receive(now).unwrap();
            client.receive(now).unwrap();
            while let Some(e) = server.poll_event() {
                if let TransportEvent::Message { payload, .. } = e {
                    got.push(payload.to_vec());
                }
            }
            while client.poll_event().is_some() {}
            server.flush(now).unwrap();
            client.flush(now).unwrap();
            if got.len() == 20 {
                break;
            }
            std::thread::sleep(Duration::from_millis(16));
        }
        assert_eq!(got, (0..20u8).map(|i| vec![i]).collect::<Vec<_>>());
        assert!(server.dropped() > 0, "the filter dropped datagrams");
    }
}
