//! Malformed input at every decoder: truncated, oversized, random and mutated bytes,
//! and messages in the wrong state. The server ejects only the sender and keeps
//! serving the others; the client drops bad packets. Nothing panics.

use super::util::*;
use crate::client::{ClientDisconnect, ClientEvent};
use crate::config::Config;
use crate::ids::{ConnectionId, DoId, InterestHandle, Location};
use crate::protocol::snapshot::decode_records;
use crate::protocol::{ClientMessage, EjectReason, Hello, InterestOp, Rates, ServerMessage};
use crate::sim::{LinkConfig, Rng, SimNet};
use crate::testing::{EXAMPLE_HASH, SCHEMA};
use crate::time::Time;

fn valid_client_messages() -> Vec<Vec<u8>> {
    let rates = Rates {
        update_rate: 20,
        cmd_rate: 100,
        interp: 0.1,
        rate: 196_608,
    };
    vec![
        ClientMessage::Hello(Hello {
            version: crate::protocol::PROTOCOL_VERSION,
            schema_hash: EXAMPLE_HASH,
            password: "",
            rates,
        })
        .to_bytes(),
        ClientMessage::AuthResponse(b"abc").to_bytes(),
        ClientMessage::SetRates(rates).to_bytes(),
        ClientMessage::Interest {
            op: InterestOp::Add,
            handle: InterestHandle(1),
            locations: vec![Location::zone(1)],
        }
        .to_bytes(),
        ClientMessage::Ack {
            window: crate::protocol::AckWindow::new(0),
            received: 0,
            delay: 0,
            max_delay_ms: 0,
        }
        .to_bytes(),
        ClientMessage::Ping {
            id: 1,
            client_time: 5,
        }
        .to_bytes(),
        ClientMessage::ObjectMessage {
            object: DoId(1),
            field: 3,
            args: &[1, 0, b'x'],
        }
        .to_bytes(),
        ClientMessage::Disconnect(crate::protocol::LeaveReason::new(1, "bye").unwrap()).to_bytes(),
        ClientMessage::Commands(crate::protocol::CommandBatch {
            object: DoId(1),
            field: 7,
            newest: 2,
            count: 2,
            fresh: 1,
            body: &[
                1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0,
            ],
        })
        .to_bytes(),
    ]
}

/// A busy world: the watcher (client 0) must stay converged whatever client 1 sends.
fn busy() -> SimNet {
    let mut sim = connected(2, LinkConfig::new(5, 2, 0.0, 0.0), 70);
    for i in 0..2 {
        sim.clients[i]
            .client
            .set_interest(&[Location::zone(1)])
            .unwrap();
    }
    for _ in 0..5 {
        avatar(&mut sim, 1, None);
    }
    sim.run_for(secs(0.5)).unwrap();
    sim
}

#[test]
fn server_survives_every_truncation_and_random_bytes_from_one_client() {
    let mut rng = Rng::new(71);
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for m in valid_client_messages() {
        for cut in 0..m.len() {
            inputs.push(m[..cut].to_vec());
        }
        for _ in 0..20 {
            let mut x = m.clone();
            let i = rng.below(x.len() as u64) as usize;
            x[i] ^= 1 << rng.below(8);
            inputs.push(x);
        }
    }
    for _ in 0..300 {
        let n = rng.below(64) as usize;
        inputs.push(rng.bytes(n));
    }
    let mut sim = busy();
    let ids: Vec<DoId> = sim.server.object_ids().collect();
    let mut ejected = 0;
    for (k, bytes) in inputs.iter().enumerate() {
        // A fresh attacker connection per input, half of them verified first.
        let conn = ConnectionId(10_000 + k as u64);
        let now = sim.now();
        sim.server.handle_connect(now, conn);
        if k % 2 == 0 {
            let hello = &valid_client_messages()[0];
            sim.server.handle_datagram(now, conn, hello);
        }
        sim.server.handle_datagram(now, conn, bytes);
        while let Some(t) = sim.server.poll_transmit() {
            if t.connection == conn && t.close_after {
                ejected += 1;
            }
        }
        sim.server.handle_disconnect(now, conn);
        if k % 50 == 0 {
            set_pos(&mut sim, ids[k % ids.len()], k as f64);
            sim.run_for(secs(0.05)).unwrap();
        }
    }
    assert!(
        ejected > inputs.len() / 3,
        "most garbage is ejected: {ejected}/{}",
        inputs.len()
    );
    sim.run_for(secs(0.5)).unwrap();
    assert_converged(&sim);
    assert!(sim.clients[0].client.is_connected() && sim.clients[1].client.is_connected());
}

fn ejection_of(bytes: &[u8], verified: bool) -> Option<EjectReason> {
    let mut server = server_with(Config::default());
    let conn = ConnectionId(1);
    server.handle_connect(Time::ZERO, conn);
    if verified {
        server.handle_datagram(Time::ZERO, conn, &valid_client_messages()[0]);
    }
    server.handle_datagram(Time::ZERO, conn, bytes);
    std::iter::from_fn(|| server.poll_transmit()).find_map(|t| {
        match ServerMessage::decode(&t.payload) {
            Ok(ServerMessage::Disconnect { reason, .. }) => Some(reason),
            _ => None,
        }
    })
}

#[test]
fn wrong_state_messages_are_ejected() {
    let m = valid_client_messages();
    // Before the hello, only a hello is allowed.
    for bytes in &m[1..7] {
        assert_eq!(ejection_of(bytes, false), Some(EjectReason::WrongState));
    }
    // After it, neither a second hello nor an unrequested auth response.
    assert_eq!(ejection_of(&m[0], true), Some(EjectReason::WrongState));
    assert_eq!(ejection_of(&m[1], true), Some(EjectReason::WrongState));
}

#[test]
fn oversized_and_empty_messages_are_ejected() {
    let big = vec![7u8; 70_000];
    assert_eq!(ejection_of(&big, true), Some(EjectReason::Oversized));
    assert_eq!(ejection_of(&[], true), Some(EjectReason::Malformed));
    assert_eq!(ejection_of(&[200], true), Some(EjectReason::Malformed));
}

#[test]
fn client_drops_bad_server_packets_and_keeps_going() {
    let mut sim = busy();
    let mut rng = Rng::new(72);
    // Collect real snapshot packets the watcher would get, then feed it garbage forms.
    let id = sim.server.object_ids().next().unwrap();
    set_pos(&mut sim, id, 5.0);
    sim.server.update(sim.now() + secs(0.1));
    let mut real = Vec::new();
    while let Some(t) = sim.server.poll_transmit() {
        real.push(t.payload);
    }
    let now = sim.now();
    for p in &real {
        for cut in 0..p.len() {
            sim.clients[0].client.handle_datagram(now, &p[..cut]);
        }
        for _ in 0..50 {
            let mut x = p.clone();
            let i = rng.below(x.len() as u64) as usize;
            x[i] = rng.next_u64() as u8;
            sim.clients[0].client.handle_datagram(now, &x);
        }
    }
    for _ in 0..500 {
        let n = rng.below(80) as usize;
        let mut x = rng.bytes(n);
        if let Some(b) = x.first_mut() {
            *b %= 9;
        }
        sim.clients[0].client.handle_datagram(now, &x);
    }
    // Garbage may have been a (valid) disconnect notice; otherwise the session goes on.
    let ejected = sim.clients[0].events.iter().any(|e| {
        matches!(
            e,
            ClientEvent::Disconnected(ClientDisconnect::Ejected { .. })
        )
    });
    if !ejected {
        sim.run_for(secs(1.0)).unwrap();
        assert_converged(&sim);
    }
}

#[test]
fn record_decoder_refuses_bad_bodies_without_panicking() {
    let mut rng = Rng::new(73);
    for _ in 0..5000 {
        let n = rng.below(40) as usize;
        let body = rng.bytes(n);
        let count = rng.below(5) as u16;
        let _ = decode_records(&body, count, &SCHEMA);
    }
    assert!(
        decode_records(&[], 1, &SCHEMA).is_err(),
        "count beyond the body"
    );
    assert!(
        decode_records(&[9, 1, 0, 0, 0], 1, &SCHEMA).is_err(),
        "unknown kind"
    );
    // An update of field 7 (setPos, 12 bytes) with only 3 bytes.
    let body = [1, 1, 0, 0, 0, 0, 1, 0, 7, 0, 1, 2, 3];
    assert!(decode_records(&body, 1, &SCHEMA).is_err());
    // Unknown field number.
    let body = [1, 1, 0, 0, 0, 0, 1, 0, 99, 0];
    assert!(decode_records(&body, 1, &SCHEMA).is_err());
}
