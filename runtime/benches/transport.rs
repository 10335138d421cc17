//! Transport throughput and round-trip time: the default UDP transport (renet under
//! pipes' own connection layer, unsecure, on 127.0.0.1), the same over netcode's
//! unsecure mode as before (`udp_netcode`: `UdpConfig::netcode_unsecure`), and the
//! in-memory transport.
//!
//! `cargo bench -p pipes-runtime --bench transport`
//!
//! * `msgs/<transport>/<reliable|unreliable>`: one iteration sends a burst of 256
//!   messages of 32 bytes from client to server and pumps both ends (no sleeping)
//!   until the server has read them all; throughput is in messages.
//! * `rtt/<transport>`: one iteration is a 32-byte message to the server, echoed back,
//!   pumped until the client reads it (the time per iteration is the round trip, all
//!   overheads of one process pumping both ends included).
//! * `frame/udp/idle`: one iteration is one frame of a connected, idle client and
//!   server (receive and flush on both ends): the fixed cost every frame pays.
//!   `frame/udp/idle_ack_every_frame` is the same with `ack_interval` 0, which lets
//!   renet send an ack datagram each frame each way, as the transport did before.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pipes::protocol::Reliability;
use pipes::transport::driver::Clock;
use pipes::transport::memory::{MemoryLink, MemoryNetwork};
use pipes::transport::udp::{ClientAuth, Security, UdpClient, UdpConfig, UdpServer};
use pipes::transport::{Transport, TransportEvent};
use pipes::ConnectionId;
use std::time::Duration;

const BURST: usize = 256;
const SIZE: usize = 32;
/// Most pump rounds one iteration may take (a loopback burst needs a handful).
const MAX_ROUNDS: usize = 1_000_000;

struct Pair {
    server: Box<dyn Transport>,
    client: Box<dyn Transport>,
    /// The connection as the server names it, and as the client names it.
    at_server: ConnectionId,
    at_client: ConnectionId,
    clock: Clock,
}

impl Pair {
    fn connect(server: Box<dyn Transport>, client: Box<dyn Transport>) -> Pair {
        let mut p = Pair {
            server,
            client,
            at_server: ConnectionId(0),
            at_client: ConnectionId(0),
            clock: Clock::new(),
        };
        let (mut s_up, mut c_up) = (false, false);
        for _ in 0..20_000 {
            let now = p.clock.now();
            p.server.receive(now).unwrap();
            p.client.receive(now).unwrap();
            while let Some(e) = p.server.poll_event() {
                if let TransportEvent::Connected(c) = e {
                    p.at_server = c;
                    s_up = true;
                }
            }
            while let Some(e) = p.client.poll_event() {
                if let TransportEvent::Connected(c) = e {
                    p.at_client = c;
                    c_up = true;
                }
            }
            if s_up && c_up {
                return p;
            }
            p.server.flush(now).unwrap();
            p.client.flush(now).unwrap();
            std::thread::sleep(Duration::from_millis(1));
        }
        panic!("transport pair did not connect");
    }

    /// Pumps both ends once; returns (messages the server read, the client read).
    fn pump(&mut self) -> (usize, usize) {
        let now = self.clock.now();
        self.server.receive(now).unwrap();
        self.client.receive(now).unwrap();
        let count = |t: &mut Box<dyn Transport>| {
            std::iter::from_fn(|| t.poll_event())
                .filter(|e| matches!(e, TransportEvent::Message { .. }))
                .count()
        };
        let got = (count(&mut self.server), count(&mut self.client));
        self.server.flush(now).unwrap();
        self.client.flush(now).unwrap();
        got
    }

    fn burst(&mut self, reliability: Reliability) -> usize {
        let msg = [7u8; SIZE];
        for _ in 0..BURST {
            self.client.send(self.at_client, &msg, reliability).unwrap();
        }
        let now = self.clock.now();
        self.client.flush(now).unwrap();
        let mut got = 0;
        for _ in 0..MAX_ROUNDS {
            got += self.pump().0;
            if got >= BURST {
                break;
            }
        }
        got
    }

    fn round_trip(&mut self) {
        let msg = [9u8; SIZE];
        self.client
            .send(self.at_client, &msg, Reliability::Unreliable)
            .unwrap();
        let now = self.clock.now();
        self.client.flush(now).unwrap();
        for _ in 0..MAX_ROUNDS {
            let (at_server, at_client) = self.pump();
            for _ in 0..at_server {
                self.server
                    .send(self.at_server, &msg, Reliability::Unreliable)
                    .unwrap();
                let now = self.clock.now();
                self.server.flush(now).unwrap();
            }
            if at_client > 0 {
                return;
            }
        }
    }
}

fn udp_pair() -> Pair {
    udp_pair_with(UdpConfig::default())
}

fn udp_netcode_pair() -> Pair {
    udp_pair_with(netcode())
}

fn netcode() -> UdpConfig {
    UdpConfig {
        netcode_unsecure: true,
        ..UdpConfig::default()
    }
}

fn udp_pair_with(cfg: UdpConfig) -> Pair {
    let server = UdpServer::bind(
        ([127, 0, 0, 1], 0).into(),
        4,
        Security::Unsecure,
        cfg.clone(),
    )
    .unwrap();
    let addr = server.local_addr().unwrap();
    let client = UdpClient::connect(addr, ClientAuth::Unsecure { client_id: 1 }, cfg).unwrap();
    Pair::connect(Box::new(server), Box::new(client))
}

fn memory_pair() -> Pair {
    let net = MemoryNetwork::new();
    let server = net.listen(MemoryLink::default()).unwrap();
    let client = net.connect(MemoryLink::default()).unwrap();
    Pair::connect(Box::new(server), Box::new(client))
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("msgs");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(BURST as u64));
    for (name, make) in [
        ("udp", udp_pair as fn() -> Pair),
        ("udp_netcode", udp_netcode_pair as fn() -> Pair),
        ("memory", memory_pair as fn() -> Pair),
    ] {
        for (kind, r) in [
            ("reliable", Reliability::Reliable),
            ("unreliable", Reliability::Unreliable),
        ] {
            let mut p = make();
            let mut short = 0usize;
            g.bench_function(format!("{name}/{kind}"), |b| {
                b.iter(|| {
                    if p.burst(r) < BURST {
                        short += 1;
                    }
                })
            });
            if short > 0 {
                eprintln!("{name}/{kind}: {short} bursts lost messages");
            }
        }
    }
    g.finish();

    let mut g = c.benchmark_group("rtt");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, make) in [
        ("udp", udp_pair as fn() -> Pair),
        ("udp_netcode", udp_netcode_pair as fn() -> Pair),
        ("memory", memory_pair as fn() -> Pair),
    ] {
        let mut p = make();
        g.bench_function(name, |b| b.iter(|| p.round_trip()));
    }
    g.finish();

    let mut g = c.benchmark_group("frame");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, base, ack_interval) in [
        (
            "udp/idle",
            UdpConfig::default(),
            UdpConfig::default().ack_interval,
        ),
        (
            "udp/idle_ack_every_frame",
            UdpConfig::default(),
            Duration::ZERO,
        ),
        (
            "udp_netcode/idle",
            netcode(),
            UdpConfig::default().ack_interval,
        ),
        (
            "udp_netcode/idle_ack_every_frame",
            netcode(),
            Duration::ZERO,
        ),
    ] {
        let mut p = udp_pair_with(UdpConfig {
            ack_interval,
            ..base
        });
        // Some traffic first, so that both ends have packets to acknowledge.
        p.round_trip();
        g.bench_function(name, |b| b.iter(|| p.pump()));
    }
    g.finish();
}

criterion_group!(transport_benches, benches);
criterion_main!(transport_benches);
