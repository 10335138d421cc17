//! Clients with the same view get a copy of one written snapshot (`server/share.rs`):
//! the copy must be byte for byte what writing that client's snapshot gives.

use crate::config::Config;
use crate::ids::{ConnectionId, DoId, InterestHandle, Location};
use crate::protocol::{AckWindow, ClientMessage, Hello, InterestOp, Rates};
use crate::server::Server;
use crate::testing::{SetPos, AVATAR, EXAMPLE_HASH, SCHEMA};
use crate::time::Time;

const B: ConnectionId = ConnectionId(2);

fn join(server: &mut Server, now: Time, conn: ConnectionId, zones: &[u32], rate: u32) {
    let hello = ClientMessage::Hello(Hello {
        version: crate::protocol::PROTOCOL_VERSION,
        schema_hash: EXAMPLE_HASH,
        password: "",
        rates: Rates {
            update_rate: 66,
            cmd_rate: 100,
            interp: 0.1,
            rate,
        },
    });
    server.handle_connect(now, conn);
    server.handle_datagram(now, conn, &hello.to_bytes());
    let interest = ClientMessage::Interest {
        op: InterestOp::Set,
        handle: InterestHandle(1),
        locations: zones.iter().map(|&z| Location::zone(z)).collect(),
    };
    server.handle_datagram(now, conn, &interest.to_bytes());
}

/// Runs a world of 40 avatars for 30 ticks (changes, a move out of view, a lost ack
/// for B, which also watches zone 1 for the first ticks) and returns the snapshot packets `of` was sent. Clients A (1) and B (2)
/// watch zone 0, C (3) zones 0 and 1, D (4) zone 0 with a budget too small for its
/// snapshots (cut short: its own); the four are connected, and with `share` off every
/// snapshot is written for its client. (Not "each client alone": value deltas depend on
/// which states the server kept, and that depends on what it wrote to everyone.)
fn packets(of: ConnectionId, share: bool) -> Vec<Vec<u8>> {
    let config = Config {
        update_rate: 66,
        max_packet_size: 300,
        ..Config::default()
    };
    let mut server = Server::new(&SCHEMA, config);
    server.shared.off = !share;
    let mut now = Time::from_secs_f64(1.0);
    server.update(now);
    let ids: Vec<DoId> = (0..40)
        .map(|k| {
            let loc = Location::zone(k % 2);
            server.generate(AVATAR, loc, None, &[]).expect("generate")
        })
        .collect();
    let clients = [
        (1, &[0][..], 1 << 20),
        (2, &[0, 1], 1 << 20), // zone 1 until tick 3: its sequence numbers run ahead of A's
        (3, &[0, 1], 1 << 20),
        (4, &[0], 4096),
    ];
    for (conn, zones, rate) in clients {
        let conn = ConnectionId(conn);
        join(&mut server, now, conn, zones, rate);
    }
    let mut out = Vec::new();
    for t in 0..30u32 {
        for (k, &id) in ids.iter().enumerate().skip(t as usize % 3).step_by(3) {
            let x = f64::from(t) + k as f64;
            let pos = SetPos { x, y: -x, z: 0.5 };
            server.set(id, &pos).expect("set");
        }
        if t == 3 {
            let only_zone_0 = ClientMessage::Interest {
                op: InterestOp::Set,
                handle: InterestHandle(2),
                locations: vec![Location::zone(0)],
            };
            server.handle_datagram(now, B, &only_zone_0.to_bytes());
        }
        if t == 12 {
            server.move_object(ids[4], Location::zone(7)).expect("move");
        }
        now = server.poll_timeout().expect("started");
        server.update(now);
        let mut acks: Vec<(ConnectionId, AckWindow)> = Vec::new();
        while let Some(tr) = server.poll_transmit() {
            if tr.payload.first() != Some(&4) {
                continue;
            }
            let seq = u16::from_le_bytes([tr.payload[1], tr.payload[2]]);
            match acks.iter_mut().find(|(c, _)| *c == tr.connection) {
                Some((_, w)) => w.record(seq),
                None => acks.push((tr.connection, AckWindow::new(seq))),
            }
            if tr.connection == of {
                out.push(tr.payload);
            }
        }
        for (conn, window) in acks {
            if conn == B && t == 5 {
                continue; // lost: B's baseline lags A's for a while
            }
            let ack = ClientMessage::Ack {
                window,
                received: 0,
                delay: 0,
                max_delay_ms: 0,
            };
            server.handle_datagram(now, conn, &ack.to_bytes());
        }
    }
    out
}

#[test]
fn a_shared_snapshot_is_the_bytes_writing_it_gives() {
    for conn in 1..=4 {
        let written = packets(ConnectionId(conn), false);
        let shared = packets(ConnectionId(conn), true);
        assert!(written.len() > 30, "{} packets", written.len());
        assert_eq!(shared, written, "client {conn}");
    }
}
