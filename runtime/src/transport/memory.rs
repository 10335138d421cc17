//! In-process connections for tests and the demo's `--transport memory`: no sockets,
//! deterministic given the call order and seeds.
//!
//! Loss and latency apply on the receive path as on a real link below a reliability
//! layer: unreliable messages are dropped with the loss probability; reliable ones
//! are never lost but arrive one retransmission timeout later per simulated loss,
//! still in order.

use super::{check_size, LinkStats, Transport, TransportError, TransportEvent};
use crate::ids::ConnectionId;
use crate::protocol::Reliability;
use crate::sim::Rng;
use crate::time::Time;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// Most retransmissions modelled for one reliable message.
const MAX_RETRIES: u32 = 20;
/// Most items one endpoint takes from its inboxes per `receive` call.
const MAX_PER_RECEIVE: usize = 1 << 16;

#[derive(Debug)]
enum Item {
    Open,
    Msg(Reliability, Vec<u8>),
    Close(String),
}

#[derive(Debug, Default)]
struct Link {
    to_server: VecDeque<Item>,
    to_client: VecDeque<Item>,
    open: bool,
}

#[derive(Debug, Default)]
struct Hub {
    links: BTreeMap<u64, Link>,
    next: u64,
    listening: bool,
}

/// Loss and latency of an endpoint's receive path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemoryLink {
    /// Probability an arriving packet is lost.
    pub loss: f64,
    /// One-way latency added on receipt.
    pub latency: Duration,
    /// Seed of the loss draws.
    pub seed: u64,
    /// Largest message accepted by `send`.
    pub max_message_size: usize,
}

impl Default for MemoryLink {
    fn default() -> Self {
        MemoryLink {
            loss: 0.0,
            latency: Duration::ZERO,
            seed: 1,
            max_message_size: 64 * 1024,
        }
    }
}

/// A network of in-process connections: one listener, any number of clients.
/// Cloning gives another handle to the same network.
#[derive(Clone, Debug, Default)]
pub struct MemoryNetwork {
    hub: Arc<Mutex<Hub>>,
}

impl MemoryNetwork {
    /// An empty network.
    pub fn new() -> MemoryNetwork {
        MemoryNetwork::default()
    }

    fn lock(&self) -> MutexGuard<'_, Hub> {
        // A panic while holding the lock leaves consistent data (plain queues).
        self.hub.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The server endpoint; fails when one is listening already.
    pub fn listen(&self, link: MemoryLink) -> Result<MemoryTransport, TransportError> {
        let mut hub = self.lock();
        if hub.listening {
            return Err(TransportError::Setup(
                "this memory network already has a listener".into(),
            ));
        }
        hub.listening = true;
        Ok(MemoryTransport::new(self.clone(), None, link))
    }

    /// A client endpoint connected to the listener; fails when nobody listens.
    pub fn connect(&self, link: MemoryLink) -> Result<MemoryTransport, TransportError> {
        let mut hub = self.lock();
        if !hub.listening {
            return Err(TransportError::Setup(
                "no listener on this memory network".into(),
            ));
        }
        hub.next += 1;
        let id = hub.next;
        let mut l = Link {
            open: true,
            ..Link::default()
        };
        l.to_server.push_back(Item::Open);
        l.to_client.push_back(Item::Open);
        hub.links.insert(id, l);
        drop(hub);
        Ok(MemoryTransport::new(self.clone(), Some(id), link))
    }
}

/// One endpoint of a [`MemoryNetwork`] (server when made by `listen`).
#[derive(Debug)]
pub struct MemoryTransport {
    net: MemoryNetwork,
    /// `None` for the server endpoint, else the client's link id.
    me: Option<u64>,
    link: MemoryLink,
    rng: Rng,
    /// Items received but not yet due: (due, stream order key, connection, item).
    pending: Vec<(Time, u64, u64, Item)>,
    /// Per connection, when its last reliable item becomes due (keeps order).
    last_reliable: BTreeMap<u64, Time>,
    seq: u64,
    events: VecDeque<TransportEvent>,
    open: BTreeMap<u64, LinkStats>,
    now: Time,
}

impl MemoryTransport {
    fn new(net: MemoryNetwork, me: Option<u64>, link: MemoryLink) -> MemoryTransport {
        MemoryTransport {
            net,
            me,
            rng: Rng::new(link.seed),
            link,
            pending: Vec::new(),
            last_reliable: BTreeMap::new(),
            seq: 0,
            events: VecDeque::new(),
            open: BTreeMap::new(),
            now: Time::ZERO,
        }
    }

    fn schedule(&mut self, now: Time, conn: u64, item: Item) {
        let reliable = !matches!(item, Item::Msg(Reliability::Unreliable, _));
        let mut due = now + self.link.latency;
        if reliable {
            let rto = self.link.latency * 2 + Duration::from_millis(30);
            let mut retries = 0;
            while retries < MAX_RETRIES && self.link.loss > 0.0 && self.rng.chance(self.link.loss) {
                retries += 1;
            }
            due = due + rto * retries;
            let last = self.last_reliable.entry(conn).or_insert(due);
            due = due.max(*last);
            *last = due;
        } else if self.link.loss > 0.0 && self.rng.chance(self.link.loss) {
            return;
        }
        self.seq += 1;
        self.pending.push((due, self.seq, conn, item));
    }
}

impl Transport for MemoryTransport {
    fn receive(&mut self, now: Time) -> Result<(), TransportError> {
        self.now = now;
        let mut taken = Vec::new();
        {
            let mut hub = self.net.lock();
            for (&id, l) in hub.links.iter_mut() {
                let inbox = match self.me {
                    None => &mut l.to_server,
                    Some(me) if me == id => &mut l.to_client,
                    Some(_) => continue,
                };
                while taken.len() < MAX_PER_RECEIVE {
                    let Some(item) = inbox.pop_front() else { break };
                    taken.push((id, item));
                }
            }
        }
        for (id, item) in taken {
            self.schedule(now, id, item);
        }
        self.pending.sort_by_key(|p| (p.0, p.1));
        let due = self.pending.partition_point(|p| p.0 <= now);
        for (_, _, conn, item) in self.pending.drain(..due).collect::<Vec<_>>() {
            let connection = ConnectionId(conn);
            match item {
                Item::Open => {
                    self.open.insert(conn, LinkStats::default());
                    self.events.push_back(TransportEvent::Connected(connection));
                }
                Item::Msg(_, payload) => {
                    let Some(st) = self.open.get_mut(&conn) else {
                        continue;
                    };
                    st.bytes_received += payload.len() as u64;
                    self.events.push_back(TransportEvent::Message {
                        connection,
                        payload: payload.into(),
                    });
                }
                Item::Close(reason) => {
                    if self.open.remove(&conn).is_some() {
                        self.events
                            .push_back(TransportEvent::Disconnected { connection, reason });
                    }
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
        check_size(payload.len(), self.link.max_message_size)?;
        let st = self
            .open
            .get_mut(&connection.0)
            .ok_or(TransportError::UnknownConnection(connection))?;
        st.bytes_sent += payload.len() as u64;
        st.rtt = self.link.latency * 2;
        let mut hub = self.net.lock();
        let server_side = self.me.is_none();
        match hub.links.get_mut(&connection.0) {
            Some(l) if l.open => {
                let q = if server_side {
                    &mut l.to_client
                } else {
                    &mut l.to_server
                };
                q.push_back(Item::Msg(reliability, payload.to_vec()));
                Ok(())
            }
            _ => Err(TransportError::UnknownConnection(connection)),
        }
    }

    fn flush(&mut self, now: Time) -> Result<(), TransportError> {
        self.now = now;
        Ok(())
    }

    fn close(&mut self, connection: ConnectionId) {
        let server_side = self.me.is_none();
        {
            let mut hub = self.net.lock();
            if let Some(l) = hub.links.get_mut(&connection.0) {
                if l.open {
                    l.open = false;
                    let q = if server_side {
                        &mut l.to_client
                    } else {
                        &mut l.to_server
                    };
                    q.push_back(Item::Close("closed by peer".into()));
                }
            }
        }
        if self.open.remove(&connection.0).is_some() {
            self.events.push_back(TransportEvent::Disconnected {
                connection,
                reason: "closed locally".into(),
            });
        }
    }

    fn connections(&self) -> Vec<ConnectionId> {
        self.open.keys().map(|&c| ConnectionId(c)).collect()
    }

    fn stats(&self, connection: ConnectionId) -> Option<LinkStats> {
        self.open.get(&connection.0).copied()
    }
}

impl Drop for MemoryTransport {
    fn drop(&mut self) {
        let ids: Vec<u64> = self.open.keys().copied().collect();
        for id in ids {
            self.close(ConnectionId(id));
        }
        if self.me.is_none() {
            self.net.lock().listening = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> Time {
        Time::from_secs_f64(1.0) + Duration::from_millis(ms)
    }

    fn drain(tr: &mut MemoryTransport) -> Vec<TransportEvent> {
        std::iter::from_fn(|| tr.poll_event()).collect()
    }

    #[test]
    fn connect_send_both_ways_and_close() {
        let net = MemoryNetwork::new();
        let mut server = net.listen(MemoryLink::default()).unwrap();
        let mut client = net.connect(MemoryLink::default()).unwrap();
        server.receive(t(0)).unwrap();
        client.receive(t(0)).unwrap();
        let [TransportEvent::Connected(c)] = drain(&mut server)[..] else {
            panic!("no connect")
        };
        assert_eq!(drain(&mut client), vec![TransportEvent::Connected(c)]);
        client.send(c, b"hi", Reliability::Reliable).unwrap();
        server.send(c, b"yo", Reliability::Unreliable).unwrap();
        server.receive(t(1)).unwrap();
        client.receive(t(1)).unwrap();
        assert_eq!(
            drain(&mut server),
            vec![TransportEvent::Message {
                connection: c,
                payload: bytes::Bytes::from_static(b"hi")
            }]
        );
        assert_eq!(drain(&mut client).len(), 1);
        client.close(c);
        server.receive(t(2)).unwrap();
        assert!(matches!(
            drain(&mut server)[..],
            [TransportEvent::Disconnected { .. }]
        ));
        assert!(server.connections().is_empty());
        assert!(matches!(
            server.send(c, b"x", Reliability::Reliable),
            Err(TransportError::UnknownConnection(_))
        ));
    }

    #[test]
    fn too_large_is_a_clear_error() {
        let net = MemoryNetwork::new();
        let _s = net.listen(MemoryLink::default()).unwrap();
        let mut c = net.connect(MemoryLink::default()).unwrap();
        let err = c
            .send(ConnectionId(1), &vec![0; 70_000], Reliability::Reliable)
            .unwrap_err();
        assert!(err
            .to_string()
            .contains("70000 bytes exceeds the maximum of 65536"));
    }

    #[test]
    fn loss_drops_unreliable_but_delays_reliable_in_order() {
        let net = MemoryNetwork::new();
        let lossy = MemoryLink {
            loss: 0.3,
            latency: Duration::from_millis(10),
            seed: 4,
            ..MemoryLink::default()
        };
        let mut server = net.listen(lossy).unwrap();
        let mut client = net.connect(MemoryLink::default()).unwrap();
        client.receive(t(0)).unwrap();
        let c = ConnectionId(1);
        for i in 0..200u8 {
            client.send(c, &[i], Reliability::Reliable).unwrap();
            client.send(c, &[i], Reliability::Unreliable).unwrap();
        }
        server.receive(t(0)).unwrap();
        server.receive(t(60_000)).unwrap();
        let msgs: Vec<Vec<u8>> = drain(&mut server)
            .into_iter()
            .filter_map(|e| match e {
                TransportEvent::Message { payload, .. } => Some(payload.to_vec()),
                _ => None,
            })
            .collect();
        // 200 reliable + about 140 unreliable.
        assert!((300..370).contains(&msgs.len()), "{}", msgs.len());
    }

    #[test]
    fn second_listener_and_connect_without_listener_fail() {
        let net = MemoryNetwork::new();
        assert!(net.connect(MemoryLink::default()).is_err());
        let _s = net.listen(MemoryLink::default()).unwrap();
        assert!(net.listen(MemoryLink::default()).is_err());
    }
}
