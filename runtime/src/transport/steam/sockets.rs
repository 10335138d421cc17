//! The Steam networking sockets transport (feature `steam`). Needs a running Steam
//! client (or a Steam game server) at run time; it cannot run on CI machines, where
//! only `cargo check --features steam` proves it compiles. The decisions it makes
//! (flags, state changes) live in [`super::mapping`], which is unit-tested.
//!
//! Call `client.run_callbacks()` (the `steamworks::Client` you pass in) once per
//! frame: listen-socket and connection events only arrive through Steam callbacks.
//! [`SteamServer::receive`] and [`SteamClient::receive`] do it for you.

use super::mapping::{send_flags, StatusAction, StatusMap, SteamState};
use crate::ids::ConnectionId;
use crate::protocol::Reliability;
use crate::time::Time;
use crate::transport::{check_size, LinkStats, Transport, TransportError, TransportEvent};
use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;
use steamworks::networking_sockets::{ListenSocket, NetConnection, NetPollGroup};
use steamworks::networking_types::{
    AppNetConnectionEnd, ListenSocketEvent, NetConnectionEnd, NetworkingConnectionState,
    NetworkingIdentity, SendFlags,
};
use steamworks::SteamId;

/// Messages read per connection or poll group per `receive` call.
const BATCH: usize = 256;
/// Most batches per `receive` call.
const MAX_BATCHES: usize = 64;

fn flags(r: Reliability) -> SendFlags {
    SendFlags::from_bits_truncate(send_flags(r))
}

fn state(s: &NetworkingConnectionState) -> SteamState {
    match s {
        NetworkingConnectionState::Connecting => SteamState::Connecting,
        NetworkingConnectionState::FindingRoute => SteamState::FindingRoute,
        NetworkingConnectionState::Connected => SteamState::Connected,
        NetworkingConnectionState::ClosedByPeer => SteamState::ClosedByPeer,
        NetworkingConnectionState::ProblemDetectedLocally => SteamState::ProblemDetectedLocally,
        _ => SteamState::None,
    }
}

fn goodbye() -> NetConnectionEnd {
    NetConnectionEnd::App(AppNetConnectionEnd::generic_normal())
}

/// Where a [`SteamServer`] listens.
#[derive(Clone, Copy, Debug)]
pub enum SteamListen {
    /// A UDP address (dedicated servers, LAN).
    Ip(SocketAddr),
    /// A virtual port reachable by Steam identity through Valve's relays (P2P).
    P2p(i32),
}

/// Where a [`SteamClient`] connects.
#[derive(Clone, Copy, Debug)]
pub enum SteamTarget {
    /// A server listening on an IP address.
    Ip(SocketAddr),
    /// A host identified by its Steam id, on a virtual port.
    SteamId(SteamId, i32),
}

/// A Steam networking sockets server endpoint: one listen socket, one poll group.
pub struct SteamServer {
    steam: steamworks::Client,
    listen: ListenSocket,
    poll: NetPollGroup,
    conns: BTreeMap<u64, (NetConnection, LinkStats)>,
    next: u64,
    events: VecDeque<TransportEvent>,
    max_message_size: usize,
}

impl SteamServer {
    /// Listens on `at`; messages over `max_message_size` are refused.
    pub fn listen(
        steam: &steamworks::Client,
        at: SteamListen,
        max_message_size: usize,
    ) -> Result<SteamServer, TransportError> {
        let sockets = steam.networking_sockets();
        let listen = match at {
            SteamListen::Ip(addr) => sockets.create_listen_socket_ip(addr, Vec::new()),
            SteamListen::P2p(port) => sockets.create_listen_socket_p2p(port, Vec::new()),
        }
        .map_err(|_| TransportError::Setup(format!("Steam refused to listen on {at:?}")))?;
        Ok(SteamServer {
            poll: sockets.create_poll_group(),
            steam: steam.clone(),
            listen,
            conns: BTreeMap::new(),
            next: 0,
            events: VecDeque::new(),
            max_message_size,
        })
    }
}

impl Transport for SteamServer {
    fn receive(&mut self, _now: Time) -> Result<(), TransportError> {
        self.steam.run_callbacks();
        while let Some(ev) = self.listen.try_receive_event() {
            match ev {
                ListenSocketEvent::Connecting(req) => {
                    // Admission (password, bans, Steam auth) is the server core's job.
                    if let Err(e) = req.accept() {
                        tracing::warn!("steam: could not accept a connection: {e:?}");
                    }
                }
                ListenSocketEvent::Connected(ev) => {
                    self.next += 1;
                    let id = self.next;
                    let conn = ev.take_connection();
                    conn.set_poll_group(&self.poll);
                    if conn.set_connection_user_data(id as i64).is_err() {
                        continue;
                    }
                    self.conns.insert(id, (conn, LinkStats::default()));
                    self.events
                        .push_back(TransportEvent::Connected(ConnectionId(id)));
                }
                ListenSocketEvent::Disconnected(ev) => {
                    let id = ev.user_data() as u64;
                    if let Some((conn, _)) = self.conns.remove(&id) {
                        conn.close(goodbye(), None, false);
                        self.events.push_back(TransportEvent::Disconnected {
                            connection: ConnectionId(id),
                            reason: format!("{:?}", ev.end_reason()),
                        });
                    }
                }
            }
        }
        for _ in 0..MAX_BATCHES {
            let batch = self.poll.receive_messages(BATCH);
            let n = batch.len();
            for m in batch {
                let id = m.connection_user_data() as u64;
                let Some((_, stats)) = self.conns.get_mut(&id) else {
                    continue;
                };
                stats.bytes_received += m.data().len() as u64;
                self.events.push_back(TransportEvent::Message {
                    connection: ConnectionId(id),
                    payload: bytes::Bytes::copy_from_slice(m.data()),
                });
            }
            if n < BATCH {
                break;
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
        check_size(payload.len(), self.max_message_size)?;
        let (conn, stats) = self
            .conns
            .get_mut(&connection.0)
            .ok_or(TransportError::UnknownConnection(connection))?;
        conn.send_message(payload, flags(reliability))
            .map_err(|e| TransportError::Setup(format!("steam send: {e:?}")))?;
        stats.bytes_sent += payload.len() as u64;
        Ok(())
    }

    fn flush(&mut self, _now: Time) -> Result<(), TransportError> {
        for (conn, _) in self.conns.values() {
            let _ = conn.flush_messages();
        }
        Ok(())
    }

    fn close(&mut self, connection: ConnectionId) {
        if let Some((conn, _)) = self.conns.remove(&connection.0) {
            // Linger so queued reliable messages (the reason) still leave.
            conn.close(goodbye(), Some("closed by server"), true);
            self.events.push_back(TransportEvent::Disconnected {
                connection,
                reason: "closed locally".into(),
            });
        }
    }

    fn connections(&self) -> Vec<ConnectionId> {
        self.conns.keys().map(|&c| ConnectionId(c)).collect()
    }

    fn stats(&self, connection: ConnectionId) -> Option<LinkStats> {
        let (conn, stats) = self.conns.get(&connection.0)?;
        let mut s = *stats;
        if let Ok((info, _)) = self
            .steam
            .networking_sockets()
            .get_realtime_connection_status(conn, 0)
        {
            s.rtt = Duration::from_millis(info.ping().max(0) as u64);
        }
        Some(s)
    }
}

/// A Steam networking sockets client endpoint.
pub struct SteamClient {
    steam: steamworks::Client,
    conn: Option<NetConnection>,
    status: StatusMap,
    up: bool,
    events: VecDeque<TransportEvent>,
    stats: LinkStats,
    max_message_size: usize,
}

/// The one connection of a [`SteamClient`].
const CLIENT_CONN: ConnectionId = ConnectionId(1);

impl SteamClient {
    /// Starts connecting to `to`.
    pub fn connect(
        steam: &steamworks::Client,
        to: SteamTarget,
        max_message_size: usize,
    ) -> Result<SteamClient, TransportError> {
        let sockets = steam.networking_sockets();
        let conn = match to {
            SteamTarget::Ip(addr) => sockets.connect_by_ip_address(addr, Vec::new()),
            SteamTarget::SteamId(id, port) => {
                sockets.connect_p2p(NetworkingIdentity::new_steam_id(id), port, Vec::new())
            }
        }
        .map_err(|_| TransportError::Setup(format!("Steam refused to connect to {to:?}")))?;
        Ok(SteamClient {
            steam: steam.clone(),
            conn: Some(conn),
            status: StatusMap::default(),
            up: false,
            events: VecDeque::new(),
            stats: LinkStats::default(),
            max_message_size,
        })
    }
}

impl Transport for SteamClient {
    fn receive(&mut self, _now: Time) -> Result<(), TransportError> {
        self.steam.run_callbacks();
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        let mut dead = false;
        while let Some(ev) = conn.try_receive_event() {
            match self
                .status
                .on_change(CLIENT_CONN.0, false, state(&ev.new_state), "")
            {
                StatusAction::Report(e) => {
                    self.up = true;
                    self.events.push_back(e);
                }
                StatusAction::CloseAndReport(e) => {
                    if self.up {
                        self.events.push_back(e);
                    }
                    dead = true;
                    break;
                }
                StatusAction::Accept | StatusAction::Ignore => {}
            }
        }
        if !dead {
            for _ in 0..MAX_BATCHES {
                let batch = conn.receive_messages(BATCH).unwrap_or_default();
                let n = batch.len();
                for m in batch {
                    self.stats.bytes_received += m.data().len() as u64;
                    self.events.push_back(TransportEvent::Message {
                        connection: CLIENT_CONN,
                        payload: bytes::Bytes::copy_from_slice(m.data()),
                    });
                }
                if n < BATCH {
                    break;
                }
            }
        }
        if dead {
            if let Some(c) = self.conn.take() {
                c.close(goodbye(), None, false);
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
        check_size(payload.len(), self.max_message_size)?;
        let conn = self
            .conn
            .as_ref()
            .filter(|_| connection == CLIENT_CONN && self.up)
            .ok_or(TransportError::UnknownConnection(connection))?;
        conn.send_message(payload, flags(reliability))
            .map_err(|e| TransportError::Setup(format!("steam send: {e:?}")))?;
        self.stats.bytes_sent += payload.len() as u64;
        Ok(())
    }

    fn flush(&mut self, _now: Time) -> Result<(), TransportError> {
        if let Some(c) = &self.conn {
            let _ = c.flush_messages();
        }
        Ok(())
    }

    fn close(&mut self, connection: ConnectionId) {
        if connection != CLIENT_CONN {
            return;
        }
        if let Some(c) = self.conn.take() {
            c.close(goodbye(), Some("client left"), true);
            if self.up {
                self.events.push_back(TransportEvent::Disconnected {
                    connection,
                    reason: "closed locally".into(),
                });
            }
        }
    }

    fn connections(&self) -> Vec<ConnectionId> {
        if self.up && self.conn.is_some() {
            vec![CLIENT_CONN]
        } else {
            Vec::new()
        }
    }

    fn stats(&self, connection: ConnectionId) -> Option<LinkStats> {
        (connection == CLIENT_CONN).then_some(self.stats)
    }
}
