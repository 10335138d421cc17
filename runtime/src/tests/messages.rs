//! Message fields: server to one client, to the owner, broadcast; client to server;
//! every security rule accepted and rejected; ordering against object arrival.

use super::util::*;
use crate::client::{ClientDisconnect, ClientError, ClientEvent};
use crate::config::Config;
use crate::ids::{DoId, Location};
use crate::protocol::EjectReason;
use crate::server::{DisconnectReason, ServerError, ServerEvent, Target};
use crate::sim::{LinkConfig, SimNet};
use crate::testing::{Emote, Said, Say, SetPos, CHAT, EMOTE, SAID, SAY, SET_NAME, SET_POS};

/// Three clients watching zone 1, with a chat object and an avatar owned by client 0.
fn room(link: LinkConfig, seed: u64) -> (SimNet, DoId, DoId) {
    let mut sim = connected(3, link, seed);
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
    let owner = id_of(&sim, 0);
    let avatar = avatar(&mut sim, 1, Some(owner));
    sim.run_for(secs(1.0)).unwrap();
    for i in 0..3 {
        take_events(&mut sim, i);
    }
    take_server_events(&mut sim);
    (sim, chat, avatar)
}

fn messages(sim: &mut SimNet, i: usize) -> Vec<(DoId, u16)> {
    take_events(sim, i)
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::Message { object, field, .. } => Some((object, field)),
            _ => None,
        })
        .collect()
}

fn ejection(sim: &SimNet, i: usize) -> Option<EjectReason> {
    sim.clients[i].events.iter().find_map(|e| match e {
        ClientEvent::Disconnected(ClientDisconnect::Ejected { reason, .. }) => Some(*reason),
        _ => None,
    })
}

#[test]
fn broadcast_owner_and_single_client_targets() {
    let (mut sim, chat, av) = room(LinkConfig::perfect(), 20);
    let c1 = id_of(&sim, 1);
    let said = Said {
        sender: 7,
        text: "hi".into(),
    };
    sim.server
        .send_message(chat, &said, Target::Broadcast { except: Some(c1) })
        .unwrap();
    sim.server
        .send_message(av, &Emote { id: 3 }, Target::Owner)
        .unwrap();
    sim.server
        .send_message(av, &Emote { id: 4 }, Target::Client(c1))
        .unwrap();
    sim.run_for(secs(0.3)).unwrap();
    assert_eq!(messages(&mut sim, 0), [(chat, SAID), (av, EMOTE)]);
    assert_eq!(messages(&mut sim, 1), [(av, EMOTE)]);
    assert_eq!(messages(&mut sim, 2), [(chat, SAID)]);
}

#[test]
fn server_send_checks_keywords() {
    let (mut sim, chat, av) = room(LinkConfig::perfect(), 21);
    let said = Said {
        sender: 1,
        text: "x".into(),
    };
    assert_eq!(
        sim.server.send_message(
            chat,
            &Say { text: "x".into() },
            Target::Broadcast { except: None }
        ),
        Err(ServerError::NotBroadcast("say"))
    );
    assert_eq!(
        sim.server.send_message(chat, &said, Target::Owner),
        Err(ServerError::NoOwner(chat))
    );
    assert_eq!(
        sim.server.send(av, SET_POS, &[0; 12], Target::Owner),
        Err(ServerError::StateField("setPos"))
    );
    assert_eq!(
        sim.server.send_message(av, &said, Target::Owner),
        Err(ServerError::FieldNotInClass {
            field: "said",
            class: "DistributedAvatar"
        })
    );
    assert!(matches!(
        sim.server
            .send(chat, SAID, &[1, 2], Target::Broadcast { except: None }),
        Err(ServerError::BadValue { field: "said", .. })
    ));
    assert!(matches!(
        sim.server.set_field(av, SET_NAME, &[0, 0]),
        Err(ServerError::BadValue {
            field: "setName",
            ..
        })
    ));
}

#[test]
fn message_sent_with_the_generate_arrives_after_the_object() {
    for loss in [0.0, 0.2] {
        let mut sim = connected(2, lossy(loss), 22);
        for i in 0..2 {
            sim.clients[i]
                .client
                .set_interest(&[Location::zone(1)])
                .unwrap();
        }
        sim.run_for(secs(0.5)).unwrap();
        let chat = sim
            .server
            .generate(CHAT, Location::zone(1), None, &[])
            .unwrap();
        let said = Said {
            sender: 1,
            text: "first!".into(),
        };
        sim.server
            .send_message(chat, &said, Target::Broadcast { except: None })
            .unwrap();
        sim.run_for(secs(3.0)).unwrap();
        for i in 0..2 {
            let ev = take_events(&mut sim, i);
            let alive = ev
                .iter()
                .position(|e| *e == ClientEvent::ObjectAlive { object: chat });
            let msg = ev
                .iter()
                .position(|e| matches!(e, ClientEvent::Message { object, .. } if *object == chat));
            assert!(
                alive.is_some() && msg.is_some(),
                "loss {loss} client {i}: {ev:?}"
            );
            assert!(
                alive < msg,
                "loss {loss} client {i}: message before the object"
            );
            assert_eq!(ev[msg.unwrap()].decode::<Said>().unwrap().unwrap(), said);
        }
    }
}

#[test]
fn clsend_and_ownsend_accepted() {
    let (mut sim, chat, av) = room(LinkConfig::perfect(), 23);
    let c0 = id_of(&sim, 0);
    let c2 = id_of(&sim, 2);
    sim.clients[2]
        .client
        .send_message(
            chat,
            &Say {
                text: "hello".into(),
            },
        )
        .unwrap();
    sim.clients[0]
        .client
        .send_message(
            av,
            &SetPos {
                x: 1.0,
                y: 2.0,
                z: 3.0,
            },
        )
        .unwrap();
    sim.clients[0]
        .client
        .send_message(av, &Emote { id: 15 })
        .unwrap();
    sim.run_for(secs(0.3)).unwrap();
    let ev = take_server_events(&mut sim);
    let mut got: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Message {
                client,
                object,
                field,
                ..
            } => Some((*client, *object, *field)),
            _ => None,
        })
        .collect();
    got.sort();
    let mut want = vec![(c2, chat, SAY), (c0, av, SET_POS), (c0, av, EMOTE)];
    want.sort();
    assert_eq!(got, want);
    let say = ev.iter().find_map(|e| e.decode::<Say>()).unwrap().unwrap();
    assert_eq!(say.text, "hello");
    assert_eq!(sim.server.clients().count(), 3);
}

#[test]
fn client_side_checks_match_the_server_rules() {
    let (mut sim, chat, av) = room(LinkConfig::perfect(), 24);
    let c = &mut sim.clients[1].client;
    assert_eq!(
        c.send_message(av, &Emote { id: 1 }),
        Err(ClientError::NotSendable("emote"))
    );
    assert!(matches!(
        c.send(av, EMOTE, &[99]),
        Err(ClientError::NotSendable("emote"))
    ));
    assert_eq!(
        c.send(chat, EMOTE, &[1]),
        Err(ClientError::FieldNotInClass {
            field: "emote",
            class: "DistributedChat"
        })
    );
    assert_eq!(
        c.send(DoId(999), SAY, &[0, 0]),
        Err(ClientError::UnknownObject(DoId(999)))
    );
    assert!(matches!(
        c.send(chat, SAY, &[5, 0]),
        Err(ClientError::BadValue { .. })
    ));
}

/// Sends a raw message from client 1 and checks it is ejected with `want` while the
/// other clients keep working.
fn rejected(
    object: impl Fn(DoId, DoId) -> DoId,
    field: u16,
    args: &[u8],
    want: EjectReason,
    seed: u64,
) {
    let (mut sim, chat, av) = room(LinkConfig::perfect(), seed);
    let c1 = id_of(&sim, 1);
    let target = object(chat, av);
    sim.clients[1].client.send_unchecked(target, field, args);
    sim.run_for(secs(0.3)).unwrap();
    assert_eq!(ejection(&sim, 1), Some(want), "field {field}");
    let ev = take_server_events(&mut sim);
    assert!(ev.contains(&ServerEvent::ClientDisconnected {
        client: c1,
        reason: DisconnectReason::Ejected(want)
    }));
    assert!(
        !ev.iter().any(|e| matches!(e, ServerEvent::Message { .. })),
        "game saw nothing"
    );
    // The others are undisturbed.
    set_pos(&mut sim, av, 42.0);
    sim.clients[2]
        .client
        .send_message(
            chat,
            &Say {
                text: "still here".into(),
            },
        )
        .unwrap();
    sim.run_for(secs(0.5)).unwrap();
    assert_eq!(sim.server.clients().count(), 2);
    assert_converged(&sim);
    assert!(take_server_events(&mut sim)
        .iter()
        .any(|e| matches!(e, ServerEvent::Message { field: SAY, .. })));
}

#[test]
fn ownsend_by_a_non_owner_is_ejected() {
    rejected(|_, av| av, SET_POS, &[0; 12], EjectReason::NotSendable, 25);
}

#[test]
fn field_without_clsend_is_ejected() {
    rejected(
        |chat, _| chat,
        SAID,
        &[0, 0, 0, 0, 0, 0],
        EjectReason::NotSendable,
        26,
    );
}

#[test]
fn bad_arguments_are_ejected() {
    // Too long for string(0-256).
    let mut long = vec![0x2c, 0x01];
    long.extend(std::iter::repeat_n(b'a', 300));
    rejected(|chat, _| chat, SAY, &long, EjectReason::BadArguments, 27);
    // Trailing bytes.
    rejected(
        |chat, _| chat,
        SAY,
        &[1, 0, b'a', 0],
        EjectReason::BadArguments,
        28,
    );
    // Truncated.
    rejected(
        |chat, _| chat,
        SAY,
        &[5, 0, b'a'],
        EjectReason::BadArguments,
        29,
    );
    // Not UTF-8.
    rejected(
        |chat, _| chat,
        SAY,
        &[1, 0, 0xff],
        EjectReason::BadArguments,
        30,
    );
}

#[test]
fn unknown_field_and_foreign_field_are_ejected() {
    rejected(|chat, _| chat, 500, &[], EjectReason::UnknownField, 31);
    rejected(
        |chat, _| chat,
        EMOTE,
        &[1],
        EjectReason::FieldNotInClass,
        32,
    );
}

#[test]
fn invisible_object_is_ejected() {
    rejected(
        |_, _| DoId(4_000_000),
        SAY,
        &[0, 0],
        EjectReason::NotVisible,
        33,
    );
}

#[test]
fn message_for_an_object_that_just_left_is_dropped_not_ejected() {
    let (mut sim, chat, _) = room(LinkConfig::new(50, 0, 0.0, 0.0), 34);
    sim.clients[1]
        .client
        .send_message(chat, &Say { text: "bye".into() })
        .unwrap();
    sim.server.move_object(chat, Location::zone(9)).unwrap();
    sim.run_for(secs(0.5)).unwrap();
    assert!(sim.clients[1].client.is_connected());
    assert!(!take_server_events(&mut sim)
        .iter()
        .any(|e| matches!(e, ServerEvent::Message { .. })));
}

#[test]
fn command_rate_limits_messages() {
    let mut sim = SimNet::new(server_with(Config::default()), 35);
    let slow = Config {
        cmd_rate: 10,
        ..Config::default()
    };
    sim.add_client(client_with(slow), LinkConfig::perfect());
    sim.run_for(secs(0.5)).unwrap();
    sim.clients[0]
        .client
        .set_interest(&[Location::zone(1)])
        .unwrap();
    let chat = sim
        .server
        .generate(CHAT, Location::zone(1), None, &[])
        .unwrap();
    sim.run_for(secs(0.5)).unwrap();
    take_server_events(&mut sim);
    // Past the client's own pacing (see `a_client_sending_every_frame_loses_no_chat_line`):
    // the server's budget is what a client that does not pace meets.
    let spam = crate::schema::FieldMessage::to_bytes(&Say {
        text: "spam".into(),
    })
    .unwrap();
    for _ in 0..50 {
        sim.clients[0].client.send_unchecked(chat, SAY, &spam);
    }
    sim.run_for(secs(0.1)).unwrap();
    let n = take_server_events(&mut sim)
        .iter()
        .filter(|e| matches!(e, ServerEvent::Message { .. }))
        .count();
    assert!(
        (5..=12).contains(&n),
        "about one second of budget (10) passed: {n}"
    );
    assert!(
        sim.clients[0].client.is_connected(),
        "rate limiting drops, it does not eject"
    );
}

/// Issue 16 item 2: a game moving its avatar every 5 ms frame (200/s, twice the default
/// command rate) and chatting meanwhile. The client queues and paces its commands and
/// keeps only the newest position, so every chat line arrives and the server drops
/// nothing.
#[test]
fn a_client_sending_every_frame_loses_no_chat_line() {
    let (mut sim, chat, avatar) = room(LinkConfig::new(20, 5, 0.0, 0.0), 380);
    take_server_events(&mut sim);
    let mut lines = 0;
    for frame in 0..400u32 {
        let c = &mut sim.clients[0].client;
        let x = f64::from(frame) / 100.0;
        c.send_message(avatar, &SetPos { x, y: 0.0, z: 0.0 })
            .unwrap();
        if frame % 20 == 0 && lines < 10 {
            let say = Say {
                text: format!("line {lines}"),
            };
            c.send_message(chat, &say).unwrap();
            lines += 1;
        }
        sim.run_for(secs(0.005)).unwrap();
    }
    sim.run_for(secs(1.0)).unwrap();
    let events = take_server_events(&mut sim);
    let said: Vec<String> = events
        .iter()
        .filter_map(|e| e.decode::<Say>())
        .map(|s| s.unwrap().text)
        .collect();
    let want: Vec<String> = (0..10).map(|i| format!("line {i}")).collect();
    assert_eq!(said, want, "every chat line, in order");
    let me = id_of(&sim, 0);
    let info = sim.server.client_info(me).unwrap();
    assert_eq!(info.commands_dropped, 0, "the server dropped nothing");
    let last = events
        .iter()
        .filter_map(|e| e.decode::<SetPos>())
        .next_back()
        .unwrap()
        .unwrap();
    assert_eq!(last.x, 3.99, "the newest position arrives last");
    let stats = sim.clients[0].client.net_stats();
    assert!(stats.commands_coalesced > 0, "{stats:?}");
    assert_eq!(stats.commands_waiting, 0);
}

/// A client that lowers its command rate after the handshake paces its queue to the
/// lower rate (the server lowers its budget at once), so nothing is dropped.
#[test]
fn a_lower_command_rate_asked_later_paces_the_queue_too() {
    let (mut sim, chat, _) = room(LinkConfig::new(20, 5, 0.0, 0.0), 381);
    sim.clients[0].client.set_rates(20, 10);
    take_server_events(&mut sim);
    for i in 0..30 {
        let say = Say {
            text: format!("line {i}"),
        };
        sim.clients[0].client.send_message(chat, &say).unwrap();
    }
    sim.run_for(secs(1.0)).unwrap();
    let early = take_server_events(&mut sim);
    let early = early.iter().filter(|e| e.decode::<Say>().is_some()).count();
    assert!(early <= 12, "paced at about 9 a second: {early}");
    sim.run_for(secs(3.0)).unwrap();
    let late = take_server_events(&mut sim);
    let late = late.iter().filter(|e| e.decode::<Say>().is_some()).count();
    assert_eq!(early + late, 30);
    let info = sim.server.client_info(id_of(&sim, 0)).unwrap();
    assert_eq!((info.cmd_rate, info.commands_dropped), (10, 0));
}

/// Asking for a higher command rate than the server granted does not raise the pace:
/// the server clamps the request and does not say to what.
#[test]
fn a_higher_command_rate_asked_later_keeps_the_granted_pace() {
    let server = Config {
        max_cmd_rate: 50,
        ..Config::default()
    };
    let mut sim = connected_with(1, LinkConfig::new(20, 5, 0.0, 0.0), 382, server);
    sim.clients[0]
        .client
        .set_interest(&[Location::zone(1)])
        .unwrap();
    let chat = sim
        .server
        .generate(CHAT, Location::zone(1), None, &[])
        .unwrap();
    sim.run_for(secs(1.0)).unwrap();
    sim.clients[0].client.set_rates(20, 200);
    take_server_events(&mut sim);
    for i in 0..150 {
        let say = Say {
            text: format!("line {i}"),
        };
        sim.clients[0].client.send_message(chat, &say).unwrap();
    }
    sim.run_for(secs(5.0)).unwrap();
    let heard = take_server_events(&mut sim)
        .iter()
        .filter(|e| e.decode::<Say>().is_some())
        .count();
    let info = sim.server.client_info(id_of(&sim, 0)).unwrap();
    assert_eq!((heard, info.cmd_rate, info.commands_dropped), (150, 50, 0));
}
