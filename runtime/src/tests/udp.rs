//! Loopback tests over real UDP sockets (127.0.0.1, ephemeral ports): many clients
//! connect, replicate and leave; a client that vanishes is timed out and its objects
//! are deleted; clients survive a server restart by reconnecting. Every wait is
//! bounded in iterations (1 ms apart).

use super::util::*;
use crate::client::{Client, ClientEvent};
use crate::config::Config;
use crate::ids::{ClientId, DoId, Location};
use crate::server::{Server, ServerEvent};
use crate::testing::{SetPos, AVATAR, SET_POS};
use crate::transport::driver::{ClientDriver, Clock, ServerDriver};
use crate::transport::reconnect::{Reconnect, ReconnectPolicy, ReconnectStatus};
use crate::transport::udp::{ClientAuth, Security, UdpClient, UdpConfig, UdpServer};
use crate::transport::Transport;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

/// Most 1 ms iterations any wait takes (about 10 s with the work between sleeps).
const MAX_ITERS: usize = 8000;

struct Net {
    clock: Clock,
    server: ServerDriver<UdpServer>,
    clients: Vec<ClientDriver<UdpClient>>,
    /// Clients not pumped any more (they vanished).
    frozen: Vec<bool>,
    avatars: BTreeMap<ClientId, DoId>,
    left: Vec<ClientId>,
}

fn udp_config() -> UdpConfig {
    UdpConfig {
        timeout_secs: 1,
        ..UdpConfig::default()
    }
}

fn server_at(addr: SocketAddr, max: usize) -> ServerDriver<UdpServer> {
    let transport = UdpServer::bind(addr, max, Security::Unsecure, udp_config()).unwrap();
    ServerDriver::new(
        Server::new(&crate::testing::SCHEMA, Config::default()),
        transport,
    )
}

fn client_to(addr: SocketAddr, id: u64, clock: Clock) -> ClientDriver<UdpClient> {
    let (client, transport) = fresh_client(addr, id).unwrap();
    ClientDriver::new(client, transport).with_clock(clock)
}

fn fresh_client(
    addr: SocketAddr,
    id: u64,
) -> Result<(Client, UdpClient), crate::transport::TransportError> {
    let t = UdpClient::connect(addr, ClientAuth::Unsecure { client_id: id }, udp_config())?;
    Ok((client_with(Config::default()), t))
}

impl Net {
    fn new(n: usize) -> Net {
        let server = server_at(([127, 0, 0, 1], 0).into(), n.max(1));
        let clock = server.clock();
        let addr = server.transport.local_addr().unwrap();
        let clients = (0..n)
            .map(|i| client_to(addr, i as u64 + 1, clock))
            .collect();
        Net {
            clock,
            server,
            clients,
            frozen: vec![false; n],
            avatars: BTreeMap::new(),
            left: Vec::new(),
        }
    }

    fn addr(&self) -> SocketAddr {
        self.server.transport.local_addr().unwrap()
    }

    /// One frame: the server gives each new client an avatar in zone 0, clients pump.
    fn frame(&mut self) {
        let now = self.clock.now();
        self.server.pump_at(now).unwrap();
        while let Some(e) = self.server.poll_event() {
            match e {
                ServerEvent::ClientConnected { client, .. } => {
                    let s = &mut self.server.server;
                    let id = s
                        .generate(AVATAR, Location::zone(0), Some(client), &[])
                        .unwrap();
                    s.set(
                        id,
                        &SetPos {
                            x: f64::from(client.0),
                            y: 0.0,
                            z: 0.0,
                        },
                    )
                    .unwrap();
                    self.avatars.insert(client, id);
                }
                ServerEvent::ClientDisconnected { client, .. } => {
                    self.avatars.remove(&client);
                    self.left.push(client);
                }
                _ => {}
            }
        }
        self.server.flush_at(now).unwrap();
        for (c, frozen) in self.clients.iter_mut().zip(&self.frozen) {
            if !frozen {
                c.pump_at(now).unwrap();
                while let Some(e) = c.poll_event() {
                    if matches!(e, ClientEvent::Connected { .. }) {
                        c.client.set_interest(&[Location::zone(0)]).unwrap();
                    }
                }
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }

    fn run_until(&mut self, what: &str, mut done: impl FnMut(&mut Net) -> bool) {
        for _ in 0..MAX_ITERS {
            self.frame();
            if done(self) {
                return;
            }
        }
        panic!("timed out waiting until {what}");
    }

    /// Every live client sees exactly the avatars of the live clients, each at the
    /// server's position.
    fn converged(&self) -> bool {
        let want: Vec<DoId> = self.avatars.values().copied().collect();
        self.clients
            .iter()
            .zip(&self.frozen)
            .filter(|(_, f)| !**f)
            .all(|(c, _)| {
                c.client.is_connected()
                    && c.client.objects().count() == want.len()
                    && want.iter().all(|&id| {
                        let server = self.server.server.field(id, SET_POS);
                        let client = c.client.object(id).and_then(|o| o.field(SET_POS));
                        server.is_some() && client.map(|v| v.value.as_slice()) == server
                    })
            })
    }
}

#[test]
fn sixteen_clients_connect_replicate_and_leave() {
    let mut net = Net::new(16);
    net.run_until("16 avatars replicated to every client", |n| {
        n.avatars.len() == 16 && n.converged()
    });
    // Moves replicate too.
    for (i, &id) in net.avatars.values().enumerate() {
        let pos = SetPos {
            x: 100.0 + i as f64,
            y: 1.0,
            z: 2.0,
        };
        net.server.server.set(id, &pos).unwrap();
    }
    net.run_until("moves converge", |n| n.converged());
    for c in &mut net.clients {
        c.client.disconnect();
        c.flush().unwrap();
    }
    net.run_until("the server saw every client leave", |n| n.left.len() == 16);
    assert!(net.server.transport.connections().is_empty());
    assert_eq!(net.server.server.object_count(), 0, "owned avatars deleted");
    assert!(net.clients.iter().all(|c| c.client.is_closed()));
}

#[test]
fn a_client_that_vanishes_is_timed_out_and_its_objects_deleted() {
    let mut net = Net::new(3);
    net.run_until("3 avatars replicated", |n| {
        n.avatars.len() == 3 && n.converged()
    });
    let gone = net.clients[2].client.id().unwrap();
    let gone_avatar = net.avatars[&gone];
    // Client 2 stops without a word (frozen process, cut cable): no goodbye.
    net.frozen[2] = true;
    let start = net.clock.now();
    net.run_until("the server timed the client out", |n| {
        n.left.contains(&gone)
    });
    let took = net.clock.now().since(start);
    assert!(
        took >= Duration::from_millis(900),
        "timed out after {took:?}, before the 1 s timeout"
    );
    assert!(
        net.server.server.location(gone_avatar).is_none(),
        "avatar deleted"
    );
    net.run_until("the others no longer see its avatar", |n| n.converged());
    assert!(net
        .clients
        .iter()
        .take(2)
        .all(|c| c.client.object(gone_avatar).is_none()));
    assert_eq!(net.left, vec![gone], "only the vanished client left");
}

#[test]
fn clients_reconnect_to_a_restarted_server_on_the_same_port() {
    let mut net = Net::new(4);
    net.run_until("4 avatars replicated", |n| {
        n.avatars.len() == 4 && n.converged()
    });
    let addr = net.addr();
    // The server goes away (its drop tells the clients) and comes back on the port.
    let old = std::mem::replace(&mut net.server, server_at(([127, 0, 0, 1], 0).into(), 1));
    drop(old);
    net.avatars.clear();
    net.run_until("clients saw the disconnect", |n| {
        n.clients.iter().all(|c| c.client.is_closed())
    });
    net.server = server_at(addr, 4);
    let policy = ReconnectPolicy {
        max_attempts: 5,
        first_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(400),
    };
    let mut rec: Vec<Reconnect> = (0..4).map(|_| Reconnect::new(policy)).collect();
    let mut attempts = vec![0u32; 4];
    net.run_until("clients reconnected and replicate again", |n| {
        let now = n.clock.now();
        for (i, (c, r)) in n.clients.iter_mut().zip(&mut rec).enumerate() {
            match r.poll(now, c, || fresh_client(addr, i as u64 + 1)) {
                ReconnectStatus::Attempted(a) => attempts[i] = a,
                ReconnectStatus::GaveUp => panic!("client {i} gave up"),
                _ => {}
            }
        }
        n.avatars.len() == 4 && n.converged()
    });
    assert!(attempts.iter().all(|&a| a >= 1), "{attempts:?}");
    assert!(
        rec.iter().all(|r| r.attempts() == 0),
        "reset once connected"
    );
}
