//! Bounded per-client queues: a client that stops reading, or lets its own queues fill
//! up, loses its session; nobody else notices, and memory stays bounded.

use super::util::*;
use crate::client::{Client, ClientDisconnect, ClientError, ClientEvent, Stage};
use crate::config::Config;
use crate::ids::{ConnectionId, Location};
use crate::protocol::EjectReason;
use crate::server::{DisconnectReason, Server, ServerEvent, Target};
use crate::sim::LinkConfig;
use crate::testing::{Said, CHAT};
use crate::time::Time;

fn said(i: usize) -> Said {
    Said {
        sender: i as u32,
        text: format!("line {i}"),
    }
}

fn ejected_with(events: &[ServerEvent], reason: EjectReason) -> Vec<crate::ids::ClientId> {
    events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::ClientDisconnected {
                client,
                reason: DisconnectReason::Ejected(r),
            } if *r == reason => Some(*client),
            _ => None,
        })
        .collect()
}

#[test]
fn a_client_that_stops_reading_is_ejected_alone_and_the_others_converge() {
    let limit = 40;
    let config = Config {
        max_unconfirmed_events: limit,
        ..Config::default()
    };
    let mut sim = connected_with(3, LinkConfig::new(20, 5, 0.0, 0.0), 401, config);
    for i in 0..3 {
        sim.clients[i]
            .client
            .set_interest(&[Location::zone(1)])
            .unwrap();
    }
    let chat = sim
        .server
        .generate(CHAT, Location::zone(1), None, &[])
        .unwrap();
    let avatar = avatar(&mut sim, 1, None);
    sim.run_for(secs(0.5)).unwrap();
    for i in 0..3 {
        take_events(&mut sim, i);
    }
    let stalled = id_of(&sim, 2);
    sim.stall(2, true);
    // 300 broadcasts over 3 s (100 per second) while the avatar keeps moving.
    let mut sent = 0;
    for step in 0..60 {
        for _ in 0..5 {
            sim.server
                .send_message(chat, &said(sent), Target::Broadcast { except: None })
                .unwrap();
            sent += 1;
        }
        set_pos(&mut sim, avatar, f64::from(step));
        sim.run_for(secs(0.05)).unwrap();
        let (held, bytes) = sim.clients[2].held();
        // What the stalled client's transport buffers stays bounded: at most the
        // unconfirmed limit of messages plus the snapshot packets sent before the
        // eject (without the bound: 300 messages, ~7 KB).
        assert!(held <= limit + 20, "step {step}: {held} messages held");
        assert!(bytes < 2048, "step {step}: {bytes} bytes held");
    }
    sim.run_for(secs(1.0)).unwrap();
    let events = take_server_events(&mut sim);
    assert_eq!(ejected_with(&events, EjectReason::Overflow), [stalled]);
    assert!(
        !events.iter().any(|e| matches!(
            e,
            ServerEvent::ClientDisconnected { client, .. } if *client != stalled
        )),
        "only the stalled client left: {events:?}"
    );
    for i in 0..2 {
        let got = take_events(&mut sim, i)
            .iter()
            .filter(|e| matches!(e, ClientEvent::Message { .. }))
            .count();
        assert_eq!(got, sent, "client {i} got every broadcast");
    }
    // Resumed, the stalled client reads what was buffered: no more than the limit
    // (plus the one that overflowed it), then the typed reason.
    sim.stall(2, false);
    sim.run_for(secs(0.2)).unwrap();
    let ev = take_events(&mut sim, 2);
    let got = ev
        .iter()
        .filter(|e| matches!(e, ClientEvent::Message { .. }))
        .count();
    assert!(
        got <= limit + 1,
        "{got} messages reached the stalled client"
    );
    assert!(ev.iter().any(|e| matches!(
        e,
        ClientEvent::Disconnected(ClientDisconnect::Ejected {
            reason: EjectReason::Overflow,
            ..
        })
    )));
    assert_converged(&sim);
}

#[test]
fn a_reading_client_on_a_lossy_link_keeps_up_with_a_steady_flood() {
    let mut sim = connected(2, lossy(0.2), 402);
    for i in 0..2 {
        sim.clients[i]
            .client
            .set_interest(&[Location::zone(1)])
            .unwrap();
    }
    let chat = sim
        .server
        .generate(CHAT, Location::zone(1), None, &[])
        .unwrap();
    sim.run_for(secs(1.0)).unwrap();
    for n in 0..400 {
        sim.server
            .send_message(chat, &said(n), Target::Broadcast { except: None })
            .unwrap();
        sim.run_for(secs(0.01)).unwrap();
    }
    sim.run_for(secs(2.0)).unwrap();
    assert!(ejected_with(&take_server_events(&mut sim), EjectReason::Overflow).is_empty());
    for i in 0..2 {
        let got = take_events(&mut sim, i)
            .iter()
            .filter(|e| matches!(e, ClientEvent::Message { .. }))
            .count();
        assert_eq!(got, 400, "client {i}");
    }
}

#[test]
fn a_byte_limit_ejects_too() {
    let config = Config {
        max_unconfirmed_bytes: 2000,
        ..Config::default()
    };
    let mut sim = connected_with(2, LinkConfig::perfect(), 403, config);
    for i in 0..2 {
        sim.clients[i]
            .client
            .set_interest(&[Location::zone(1)])
            .unwrap();
    }
    let chat = sim
        .server
        .generate(CHAT, Location::zone(1), None, &[])
        .unwrap();
    sim.run_for(secs(0.5)).unwrap();
    let victim = id_of(&sim, 1);
    sim.stall(1, true);
    let long = Said {
        sender: 1,
        text: "x".repeat(250),
    };
    // One long line every 20 ms: the reader confirms them with each ack (20 per
    // second); the stalled client's unread bytes pass 2000 after 8 lines.
    for _ in 0..20 {
        sim.server
            .send_message(chat, &long, Target::Broadcast { except: None })
            .unwrap();
        sim.run_for(secs(0.02)).unwrap();
    }
    let events = take_server_events(&mut sim);
    assert_eq!(ejected_with(&events, EjectReason::Overflow), [victim]);
}

#[test]
fn interest_requests_waiting_for_objects_are_bounded() {
    let config = Config {
        max_pending_interests: 3,
        ..Config::default()
    };
    let mut sim = connected_with(2, LinkConfig::new(150, 0, 0.0, 0.0), 404, config);
    for zone in 1..=5 {
        avatar(&mut sim, zone, None);
    }
    sim.run_for(secs(0.5)).unwrap();
    take_server_events(&mut sim);
    // Client 0 asks for 5 zones, each waiting ~300 ms for its object to be acked.
    for zone in 1..=5 {
        sim.clients[0]
            .client
            .add_interest(&[Location::zone(zone)])
            .unwrap();
    }
    // Client 1 asks for three: within the bound.
    for zone in 1..=3 {
        sim.clients[1]
            .client
            .add_interest(&[Location::zone(zone)])
            .unwrap();
    }
    let c0 = id_of(&sim, 0);
    sim.run_for(secs(1.5)).unwrap();
    let events = take_server_events(&mut sim);
    assert_eq!(ejected_with(&events, EjectReason::Overflow), [c0]);
    let done = take_events(&mut sim, 1)
        .iter()
        .filter(|e| matches!(e, ClientEvent::InterestComplete(_)))
        .count();
    assert_eq!(done, 3);
    assert_converged(&sim);
}

#[test]
fn the_client_refuses_sends_beyond_its_outbound_bound_and_leaves_if_it_must() {
    let mut sim = connected(1, LinkConfig::perfect(), 405);
    let mut client = client_with(Config {
        max_outbound_packets: 8,
        ..Config::default()
    });
    // A fresh client on a fresh connection, then its own avatar to send on.
    sim.reconnect(
        0,
        std::mem::replace(&mut client, client_with(Config::default())),
    );
    sim.run_for(secs(0.5)).unwrap();
    let me = id_of(&sim, 0);
    let id = avatar(&mut sim, 1, Some(me));
    sim.run_for(secs(0.5)).unwrap();
    let c = &mut sim.clients[0].client;
    // Emotes are messages, not state: each one waits its turn, up to the bound.
    let emote = crate::testing::Emote { id: 1 };
    let mut accepted = 0;
    let mut refused = None;
    for _ in 0..20 {
        match c.send_message(id, &emote) {
            Ok(()) => accepted += 1,
            Err(e) => {
                refused = Some(e);
                break;
            }
        }
    }
    assert_eq!(accepted, 8);
    assert_eq!(refused, Some(ClientError::QueueFull(8)));
    // Protocol messages go straight to the driver; when it sends nothing, a reliable
    // one cannot be dropped: the session ends instead.
    for zone in 0..8 {
        c.set_interest(&[Location::zone(zone)]).unwrap();
    }
    let _ = c.set_interest(&[Location::zone(9)]);
    assert_eq!(
        c.stage(),
        &Stage::Closed(ClientDisconnect::QueueOverflow {
            queue: "outbound",
            limit: 8
        })
    );
}

/// Moves messages both ways between a server and a client until both are quiet.
fn shuttle(server: &mut Server, client: &mut Client, now: Time) {
    for _ in 0..100 {
        let mut moved = false;
        while let Some(t) = server.poll_transmit() {
            client.handle_datagram(now, &t.payload);
            moved = true;
        }
        while let Some(p) = client.poll_transmit() {
            server.handle_datagram(now, ConnectionId(1), &p.payload);
            moved = true;
        }
        if !moved {
            return;
        }
    }
    panic!("the peers never went quiet");
}

#[test]
fn a_game_that_never_polls_events_makes_the_client_leave() {
    let mut server = server_with(Config::default());
    let mut client = client_with(Config {
        max_client_events: 16,
        ..Config::default()
    });
    let mut now = Time::from_secs_f64(1.0);
    server.update(now);
    server.handle_connect(now, ConnectionId(1));
    client.connect(now);
    shuttle(&mut server, &mut client, now);
    assert!(client.is_connected());
    client.set_interest(&[Location::zone(1)]).unwrap();
    shuttle(&mut server, &mut client, now);
    for _ in 0..20 {
        server
            .generate_default::<crate::testing::DistributedAvatar>(Location::zone(1), None)
            .unwrap();
    }
    now = Time::from_secs_f64(1.1);
    server.update(now);
    shuttle(&mut server, &mut client, now);
    assert_eq!(
        client.stage(),
        &Stage::Closed(ClientDisconnect::QueueOverflow {
            queue: "events",
            limit: 16
        })
    );
    let mut left = false;
    while let Some(e) = server.poll_event() {
        left |= matches!(
            e,
            ServerEvent::ClientDisconnected {
                reason: DisconnectReason::Left(_),
                ..
            }
        );
    }
    assert!(left, "the server was told");
}
