//! Handshake: accept, each reject reason, authentication, rate clamping, timeouts.

use super::util::*;
use crate::client::{ClientDisconnect, ClientEvent, Stage};
use crate::config::Config;
use crate::ids::ConnectionId;
use crate::protocol::{ClientMessage, EjectReason, Hello, Rates, RejectReason, ServerMessage};
use crate::schema::SchemaInfo;
use crate::server::{DisconnectReason, HelloInfo, Hooks, ServerEvent};
use crate::sim::{LinkConfig, SimNet};
use crate::testing::SCHEMA;
use crate::time::Time;

/// The test schema's tables under another hash (a client built from other files).
fn other_schema() -> &'static SchemaInfo {
    Box::leak(Box::new(SchemaInfo {
        hash: 0x1234_5678,
        classes: SCHEMA.classes,
        fields: SCHEMA.fields,
    }))
}

fn rejection(sim: &SimNet, i: usize) -> Option<RejectReason> {
    sim.clients[i].events.iter().find_map(|e| match e {
        ClientEvent::Disconnected(ClientDisconnect::Rejected(r)) => Some(r.clone()),
        _ => None,
    })
}

#[test]
fn accepted_client_gets_an_id_and_the_server_announces_it() {
    let mut sim = connected(2, LinkConfig::perfect(), 1);
    let a = id_of(&sim, 0);
    let b = id_of(&sim, 1);
    assert_ne!(a, b);
    assert!(take_events(&mut sim, 0).contains(&ClientEvent::Connected { client: a }));
    let ev = take_server_events(&mut sim);
    assert!(ev
        .iter()
        .any(|e| matches!(e, ServerEvent::ClientConnected { client, .. } if *client == b)));
}

#[test]
fn wrong_schema_hash_is_rejected_with_both_hashes() {
    let mut sim = SimNet::new(server_with(Config::default()), 2);
    let client = crate::client::Client::new(other_schema(), Config::default());
    sim.add_client(client, LinkConfig::perfect());
    sim.run_for(secs(0.5)).unwrap();
    assert_eq!(
        rejection(&sim, 0),
        Some(RejectReason::SchemaHash {
            server: crate::testing::EXAMPLE_HASH,
            client: 0x1234_5678
        })
    );
    assert!(sim.clients[0].client.is_closed());
    assert!(
        !sim.clients[0].is_open(),
        "server closed the connection after the reject"
    );
}

#[test]
fn wrong_protocol_version_is_rejected() {
    let mut server = server_with(Config::default());
    let conn = ConnectionId(9);
    server.handle_connect(Time::ZERO, conn);
    let hello = ClientMessage::Hello(Hello {
        version: 999,
        schema_hash: crate::testing::EXAMPLE_HASH,
        password: "",
        rates: Rates {
            update_rate: 20,
            cmd_rate: 100,
            interp: 0.1,
            rate: 196_608,
        },
    });
    server.handle_datagram(Time::ZERO, conn, &hello.to_bytes());
    let t = server.poll_transmit().expect("reject sent");
    assert!(t.close_after);
    assert_eq!(
        ServerMessage::decode(&t.payload).unwrap(),
        ServerMessage::Reject(RejectReason::Version {
            server: crate::protocol::PROTOCOL_VERSION,
            client: 999
        })
    );
}

#[test]
fn password_is_checked() {
    let config = Config {
        password: "sesame".into(),
        ..Config::default()
    };
    let mut sim = SimNet::new(server_with(config), 3);
    sim.add_client(client_with(Config::default()), LinkConfig::perfect());
    let good = Config {
        password: "sesame".into(),
        ..Config::default()
    };
    sim.add_client(client_with(good), LinkConfig::perfect());
    sim.run_for(secs(0.5)).unwrap();
    assert_eq!(rejection(&sim, 0), Some(RejectReason::Password));
    assert!(sim.clients[1].client.is_connected());
}

#[test]
fn full_server_rejects_and_reports_it() {
    let config = Config {
        max_clients: 1,
        ..Config::default()
    };
    let mut sim = SimNet::new(server_with(config), 4);
    sim.add_client(client_with(Config::default()), LinkConfig::perfect());
    sim.run_for(secs(0.5)).unwrap();
    sim.add_client(client_with(Config::default()), LinkConfig::perfect());
    sim.run_for(secs(0.5)).unwrap();
    assert!(sim.clients[0].client.is_connected());
    assert_eq!(rejection(&sim, 1), Some(RejectReason::Full));
    assert!(sim.server_events.iter().any(|e| matches!(
        e,
        ServerEvent::ClientRejected {
            reason: RejectReason::Full,
            ..
        }
    )));
}

struct Gate {
    banned: ConnectionId,
}

impl Hooks for Gate {
    fn admit(&mut self, hello: &HelloInfo) -> Result<(), String> {
        if hello.connection == self.banned {
            Err("banned for griefing".into())
        } else {
            Ok(())
        }
    }
    fn challenge(&mut self, connection: ConnectionId) -> Option<Vec<u8>> {
        Some(format!("nonce-{}", connection.0).into_bytes())
    }
    fn verify(
        &mut self,
        _: ConnectionId,
        challenge: &[u8],
        response: &[u8],
    ) -> Result<Option<String>, String> {
        let mut want = challenge.to_vec();
        want.extend_from_slice(b"-signed");
        if response == want.as_slice() {
            Ok(Some(String::from_utf8_lossy(challenge).into_owned()))
        } else {
            Err("bad signature".into())
        }
    }
}

#[test]
fn auth_hook_bans_challenges_and_decides() {
    let mut server = server_with(Config::default());
    server.set_hooks(Box::new(Gate {
        banned: ConnectionId(1),
    }));
    let mut sim = SimNet::new(server, 5);
    for _ in 0..3 {
        sim.add_client(client_with(Config::default()), LinkConfig::perfect());
    }
    sim.run_for(secs(0.5)).unwrap();
    assert_eq!(
        rejection(&sim, 0),
        Some(RejectReason::Banned("banned for griefing".into()))
    );
    for i in 1..3 {
        assert_eq!(sim.clients[i].client.stage(), &Stage::Authenticating);
        let challenge = sim.clients[i]
            .events
            .iter()
            .find_map(|e| match e {
                ClientEvent::AuthChallenge(c) => Some(c.clone()),
                _ => None,
            })
            .expect("challenge");
        let mut answer = challenge;
        if i == 1 {
            answer.extend_from_slice(b"-signed");
        }
        sim.clients[i].client.answer_auth(&answer).unwrap();
    }
    sim.run_for(secs(0.5)).unwrap();
    assert!(sim.clients[1].client.is_connected());
    // What `verify` returned reaches the game with the connection.
    let connection = sim.clients[1].connection;
    let identity = take_server_events(&mut sim)
        .into_iter()
        .find_map(|e| match e {
            ServerEvent::ClientConnected {
                connection: c,
                identity,
                ..
            } if c == connection => Some(identity),
            _ => None,
        });
    assert_eq!(
        identity,
        Some(Some(format!("nonce-{}", connection.0))),
        "the identity verify gave"
    );
    assert_eq!(
        rejection(&sim, 2),
        Some(RejectReason::AuthFailed("bad signature".into()))
    );
}

#[test]
fn rates_are_clamped_and_zero_divides_nothing() {
    let server_cfg = Config {
        max_update_rate: 30,
        ..Config::default()
    };
    let mut sim = SimNet::new(server_with(server_cfg), 6);
    let zero = Config {
        update_rate: 0,
        cmd_rate: 0,
        ..Config::default()
    };
    sim.add_client(client_with(zero), LinkConfig::perfect());
    let fast = Config {
        update_rate: 100,
        ..Config::default()
    };
    sim.add_client(client_with(fast), LinkConfig::perfect());
    sim.run_for(secs(1.0)).unwrap();
    let a = sim.server.client_info(id_of(&sim, 0)).unwrap();
    assert_eq!((a.update_rate, a.cmd_rate), (1, 1));
    let b = sim.server.client_info(id_of(&sim, 1)).unwrap();
    assert_eq!(b.update_rate, 30);
    assert_eq!(
        sim.clients[1].client.rates().update_rate,
        30,
        "client learns the clamp"
    );
    // The slow client still gets snapshots (one per second).
    let owner = id_of(&sim, 0);
    let id = avatar(&mut sim, 0, Some(owner));
    sim.run_for(secs(2.5)).unwrap();
    assert!(sim.clients[0].client.object(id).is_some());
}

#[test]
fn silent_connection_times_out() {
    let mut server = server_with(Config::default());
    server.handle_connect(Time::ZERO, ConnectionId(4));
    server.update(Time::from_secs_f64(5.0));
    assert!(server.poll_transmit().is_none());
    server.update(Time::from_secs_f64(10.5));
    let t = server.poll_transmit().expect("timeout notice");
    assert!(t.close_after);
    match ServerMessage::decode(&t.payload).unwrap() {
        ServerMessage::Disconnect { reason, .. } => {
            assert_eq!(reason, EjectReason::HandshakeTimeout)
        }
        m => panic!("unexpected {m:?}"),
    }
    // A late hello on that connection is ignored.
    server.handle_datagram(Time::from_secs_f64(11.0), ConnectionId(4), &[1]);
    assert!(server.poll_transmit().is_none());
}

#[test]
fn client_leaving_is_reported_with_its_reason() {
    let mut sim = connected(2, LinkConfig::perfect(), 7);
    let a = id_of(&sim, 0);
    let b = id_of(&sim, 1);
    let why = crate::protocol::LeaveReason::new(3, "dinner").unwrap();
    sim.clients[0].client.disconnect_with_reason(why.clone());
    sim.cut(1);
    sim.run_for(secs(0.5)).unwrap();
    let ev = take_server_events(&mut sim);
    assert!(ev.contains(&ServerEvent::ClientDisconnected {
        client: a,
        reason: DisconnectReason::Left(why)
    }));
    assert!(ev.contains(&ServerEvent::ClientDisconnected {
        client: b,
        reason: DisconnectReason::TransportLost
    }));
    assert_eq!(sim.server.clients().count(), 0);
}

#[test]
fn set_rates_is_answered_with_the_granted_rates() {
    let server_cfg = Config {
        max_update_rate: 30,
        max_cmd_rate: 50,
        max_rate: 100_000,
        ..Config::default()
    };
    let mut sim = connected_with(1, LinkConfig::perfect(), 8, server_cfg);
    let granted = |sim: &SimNet| {
        let r = sim.clients[0].client.granted_rates().unwrap();
        (r.update_rate, r.cmd_rate, r.rate)
    };
    // The handshake clamps the default ask (20/s, 100/s, 196 608 B/s).
    assert_eq!(granted(&sim), (20, 50, 100_000));
    sim.clients[0].client.set_rates(200, 10);
    assert_eq!(granted(&sim), (20, 50, 100_000), "nothing granted yet");
    sim.run_for(secs(0.5)).unwrap();
    assert_eq!(granted(&sim), (30, 10, 100_000));
    let rates = sim.clients[0].client.rates();
    assert_eq!((rates.update_rate, rates.cmd_rate), (30, 10));
    let info = sim.server.client_info(id_of(&sim, 0)).unwrap();
    assert_eq!((info.update_rate, info.cmd_rate), (30, 10));
}

#[test]
fn a_goodbye_with_a_hostile_reason_is_an_ejection_for_malformed_input() {
    let mut sim = connected(1, LinkConfig::perfect(), 9);
    let me = id_of(&sim, 0);
    take_server_events(&mut sim);
    let (now, conn) = (sim.now(), sim.clients[0].connection);
    // Code 1, then a text of two bytes that are not UTF-8.
    sim.server
        .handle_datagram(now, conn, &[8, 1, 0, 2, 0, 0xff, 0xfe]);
    let ev: Vec<ServerEvent> = std::iter::from_fn(|| sim.server.poll_event()).collect();
    assert!(
        ev.contains(&ServerEvent::ClientDisconnected {
            client: me,
            reason: DisconnectReason::Ejected(EjectReason::Malformed)
        }),
        "{ev:?}"
    );
}
