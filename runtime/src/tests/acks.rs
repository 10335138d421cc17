//! Held snapshot acks (`pipes-ack-interval`): one ack per interval, at once when a
//! packet is missing, and a round trip on the server net of the hold time.

use super::util::*;
use crate::config::Config;
use crate::ids::{ConnectionId, DoId, Location};
use crate::protocol::{AckWindow, ClientMessage};
use crate::testing::{SetPos, AVATAR};
use crate::time::Time;
use std::time::Duration;

const CONN: ConnectionId = ConnectionId(1);

fn t(secs: f64) -> Time {
    Time::from_secs_f64(secs)
}

/// Connects `client` to `server` at 1.0 s.
fn handshake(server: &mut crate::server::Server, client: &mut crate::client::Client) {
    server.update(t(1.0));
    server.handle_connect(t(1.0), CONN);
    client.connect(t(1.0));
    while let Some(p) = client.poll_transmit() {
        server.handle_datagram(t(1.0), CONN, &p.payload);
    }
    while let Some(p) = server.poll_transmit() {
        client.handle_datagram(t(1.0), &p.payload);
    }
}

/// A connected server and client (handshake at 1.0 s) and an object in view.
fn pair() -> (crate::server::Server, crate::client::Client, DoId) {
    let mut server = server_with(Config::default());
    let mut client = client_with(Config::default());
    handshake(&mut server, &mut client);
    assert!(client.is_connected());
    let me = client.id().expect("id");
    let id = server
        .generate(AVATAR, Location::zone(0), Some(me), &[])
        .expect("generate");
    (server, client, id)
}

/// Changes the object and runs the server to `at`: its snapshot packet.
fn snapshot(server: &mut crate::server::Server, id: DoId, at: f64) -> Vec<Vec<u8>> {
    let out = snapshot_of(server, &[id], at);
    assert_eq!(out.len(), 1, "one snapshot packet at {at}");
    out
}

/// Moves the objects (the i-th to x = at + i) and runs the server to `at`: its
/// snapshot packets.
fn snapshot_of(server: &mut crate::server::Server, ids: &[DoId], at: f64) -> Vec<Vec<u8>> {
    for (i, &id) in ids.iter().enumerate() {
        let pos = SetPos {
            x: at + i as f64,
            y: 0.0,
            z: 0.0,
        };
        server.set(id, &pos).expect("set");
    }
    server.update(t(at));
    std::iter::from_fn(|| server.poll_transmit())
        .filter(|p| p.payload[0] == 4)
        .map(|p| p.payload)
        .collect()
}

/// The acks the client queued: window, delay (100 µs units), max delay (ms).
fn acks(client: &mut crate::client::Client) -> Vec<(AckWindow, u16, u8)> {
    std::iter::from_fn(|| client.poll_transmit())
        .filter_map(|p| match ClientMessage::decode(&p.payload) {
            Ok(ClientMessage::Ack {
                window,
                delay,
                max_delay_ms,
                ..
            }) => Some((window, delay, max_delay_ms)),
            _ => None,
        })
        .collect()
}

fn deliver(client: &mut crate::client::Client, packets: &[Vec<u8>], at: f64) {
    for p in packets {
        client.handle_datagram(t(at), p);
    }
}

#[test]
fn acks_are_held_up_to_the_interval_and_sent_at_once_on_a_gap() {
    let (mut server, mut client, id) = pair();
    // The first packet is acked at once.
    let p1 = snapshot(&mut server, id, 1.05);
    deliver(&mut client, &p1, 1.06);
    let a = acks(&mut client);
    assert_eq!(a.len(), 1);
    let (w1, delay, max) = a[0];
    assert_eq!((delay, max), (0, 100));
    // The next in sequence waits for the interval (100 ms after the last ack).
    let p2 = snapshot(&mut server, id, 1.10);
    deliver(&mut client, &p2, 1.11);
    assert!(acks(&mut client).is_empty());
    client.update(t(1.15));
    assert!(acks(&mut client).is_empty());
    assert!(client.poll_timeout().is_some_and(|at| at <= t(1.16)));
    client.update(t(1.16));
    let a = acks(&mut client);
    assert_eq!(a.len(), 1, "{a:?}");
    let (w2, delay, _) = a[0];
    assert_eq!(w2.newest, w1.newest.wrapping_add(1));
    assert!(w2.contains(w1.newest));
    assert_eq!(delay, 500, "held 50 ms since the packet arrived");
    // Nothing new: nothing to ack.
    client.update(t(1.30));
    assert!(acks(&mut client).is_empty());
    // A packet missing: the one after it is acked at once, and so is the late one.
    let p3 = snapshot(&mut server, id, 1.15);
    let p4 = snapshot(&mut server, id, 1.20);
    deliver(&mut client, &p4, 1.31);
    let a = acks(&mut client);
    assert_eq!(a.len(), 1);
    let (w4, _, _) = a[0];
    assert_eq!(w4.newest, w2.newest.wrapping_add(2));
    assert!(!w4.contains(w2.newest.wrapping_add(1)));
    // The late one holds only values older than the object's: it is not acked (so
    // the server sends its changes again from the acknowledged baseline).
    deliver(&mut client, &p3, 1.32);
    assert!(acks(&mut client).is_empty());
    client.update(t(1.50));
    assert!(acks(&mut client).is_empty());
}

#[test]
fn an_ack_interval_of_zero_acks_every_packet() {
    let mut server = server_with(Config::default());
    let mut client = client_with(Config {
        ack_interval: 0.0,
        ..Config::default()
    });
    handshake(&mut server, &mut client);
    let me = client.id().expect("id");
    let id = server
        .generate(AVATAR, Location::zone(0), Some(me), &[])
        .expect("generate");
    for k in 1..=5 {
        let at = 1.0 + 0.05 * f64::from(k);
        let p = snapshot(&mut server, id, at);
        deliver(&mut client, &p, at + 0.001);
        let a = acks(&mut client);
        assert_eq!(a.len(), 1, "packet {k}");
        assert_eq!(a[0].2, 0);
    }
}

/// The server's round trip is the network's: 20 ms here, although the client held
/// one ack 50 ms (it would read ~26 ms smoothed, and 70 ms for that sample, if the
/// hold counted).
#[test]
fn the_servers_rtt_is_net_of_the_hold_time() {
    let (mut server, mut client, id) = pair();
    let me = client.id().expect("id");
    let p1 = snapshot(&mut server, id, 1.05);
    deliver(&mut client, &p1, 1.06);
    for p in std::iter::from_fn(|| client.poll_transmit()) {
        server.handle_datagram(t(1.07), CONN, &p.payload);
    }
    let p2 = snapshot(&mut server, id, 1.10);
    deliver(&mut client, &p2, 1.11);
    client.update(t(1.16));
    let sent: Vec<_> = std::iter::from_fn(|| client.poll_transmit()).collect();
    assert!(!sent.is_empty());
    for p in sent {
        server.handle_datagram(t(1.17), CONN, &p.payload);
    }
    let info = server.client_info(me).expect("client");
    assert_eq!(info.net.rtt, Some(Duration::from_millis(20)));
    assert_eq!(info.rtt, Some(Duration::from_millis(20)));
}

/// `pipes-ack-every`: the ack leaves once that many packets wait for it, before the
/// interval is over.
#[test]
fn an_ack_leaves_once_ack_every_packets_wait() {
    let mut server = server_with(Config::default());
    let mut client = client_with(Config {
        ack_interval: 0.25,
        ack_every: 3,
        ..Config::default()
    });
    handshake(&mut server, &mut client);
    let me = client.id().expect("id");
    let id = server
        .generate(AVATAR, Location::zone(0), Some(me), &[])
        .expect("generate");
    let mut sent = Vec::new();
    for k in 1..=7 {
        let at = 1.0 + 0.05 * f64::from(k);
        let p = snapshot(&mut server, id, at);
        deliver(&mut client, &p, at + 0.001);
        client.update(t(at + 0.002));
        sent.push(acks(&mut client).len());
    }
    // The first at once, then one every third packet (150 ms apart: before 0.25 s).
    assert_eq!(sent, vec![1, 0, 0, 1, 0, 0, 1]);
    assert_eq!(Config::default().ack_every, 2);
}

/// `pipes-ack-every` counts snapshots, not packets: a snapshot split into several
/// packets makes the ack leave no more often than a one-packet snapshot would.
#[test]
fn ack_every_counts_a_snapshot_of_several_packets_once() {
    let mut server = server_with(Config {
        max_packet_size: 64,
        ..Config::default()
    });
    let mut client = client_with(Config {
        ack_interval: 0.25,
        ..Config::default()
    });
    handshake(&mut server, &mut client);
    let me = client.id().expect("id");
    let ids: Vec<DoId> = (0..4)
        .map(|_| {
            server
                .generate(AVATAR, Location::zone(0), Some(me), &[])
                .expect("generate")
        })
        .collect();
    let mut sent = Vec::new();
    for k in 1..=5 {
        let at = 1.0 + 0.05 * f64::from(k);
        let parts = snapshot_of(&mut server, &ids, at);
        assert!(
            parts.len() >= 2,
            "snapshot at {at} in {} packet(s)",
            parts.len()
        );
        deliver(&mut client, &parts, at + 0.001);
        client.update(t(at + 0.002));
        sent.push(acks(&mut client).len());
    }
    // The first packet is acked at once; the rest of that snapshot counts with the
    // second, then one ack every second snapshot. (Counting packets: one per snapshot.)
    assert_eq!(sent, vec![1, 1, 0, 1, 0]);
}
