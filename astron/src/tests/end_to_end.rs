//! Hello → login through an anonymous UberDOG → interest → objects entering → field
//! updates both ways → relocation → a forbidden field getting a client ejected, with
//! the real client and AI state machines against the in-repo fake cluster.

use crate::ai::{AiConfig, AiEvent, AstronAi, ClientState};
use crate::client::{AstronClient, ClientConfig, ClientEvent};
use crate::fake::{FakeCluster, FakeConfig};
use crate::internal::{Body, InternalMessage};
use crate::{AstronError, EjectCode, FieldValue};
use pipes::ids::{DoId, InterestHandle, Location};
use pipes::testing::{self, Said, Say, SetH, SetName, SetPos, SCHEMA};
use pipes::time::Time;

const SS: u64 = 402_000;
const AI: u64 = 5000;
const LOGIN: DoId = DoId(4665);
const AVATAR: DoId = DoId(10_001);
const ZONE5: Location = Location {
    parent: DoId(10_000),
    zone: 5,
};
const ZONE6: Location = Location {
    parent: DoId(10_000),
    zone: 6,
};

struct World {
    fake: FakeCluster,
    ai: AstronAi,
    clients: Vec<AstronClient>,
}

impl World {
    /// Moves bytes until nothing is in flight (bounded).
    fn settle(&mut self) {
        for _ in 0..16 {
            let mut moved = false;
            let out = self.ai.take_output();
            moved |= !out.is_empty();
            self.fake
                .recv_ai(&out)
                .expect("the AI sends valid messages");
            let back = self.fake.take_ai_output();
            moved |= !back.is_empty();
            self.ai
                .receive(&back)
                .expect("fake sends valid internal messages");
            for (i, c) in self.clients.iter_mut().enumerate() {
                let out = c.take_output();
                moved |= !out.is_empty();
                self.fake.recv_client(i, &out);
                let back = self.fake.take_client_output(i);
                moved |= !back.is_empty();
                // Errors after an eject are part of the test; they surface through calls.
                let _ = c.receive(&back);
            }
            if !moved {
                return;
            }
        }
        panic!("the fake cluster did not settle");
    }

    fn connect(&mut self, hash: u32) -> usize {
        let (i, _) = self.fake.accept();
        let mut config = ClientConfig::new(&SCHEMA, "v1");
        config.dc_hash = hash;
        let mut c = AstronClient::new(&SCHEMA, config, Time::ZERO).expect("hello encodes");
        c.add_uberdog(LOGIN, testing::CHAT)
            .expect("chat is a dclass");
        self.clients.push(c);
        self.settle();
        i
    }

    fn client_events(&mut self, i: usize) -> Vec<ClientEvent> {
        std::iter::from_fn(|| self.clients[i].next_event()).collect()
    }

    fn ai_events(&mut self) -> Vec<AiEvent> {
        std::iter::from_fn(|| self.ai.next_event()).collect()
    }

    /// Login: the client says its name to the anonymous UberDOG; the AI establishes
    /// the session, answers privately, and gives it ownership of `avatar` if any.
    fn login(&mut self, i: usize, avatar: Option<DoId>) -> u64 {
        let say = Say {
            text: format!("login {i}"),
        };
        self.clients[i]
            .send_update(Time::ZERO, LOGIN, &say)
            .expect("anonymous client may talk to the login UberDOG");
        self.settle();
        let events = self.ai_events();
        let [AiEvent::Updated {
            do_id,
            sender,
            field,
        }] = events.as_slice()
        else {
            panic!("AI expected one login update, got {events:?}");
        };
        assert_eq!(*do_id, LOGIN);
        assert_eq!(field.decode::<Say>().expect("say").text, say.text);
        let client = *sender;
        self.ai
            .client_set_state(client, ClientState::Established)
            .expect("encodes");
        let welcome = Said {
            sender: 0,
            text: "welcome".into(),
        };
        self.ai
            .send_update_to(client, LOGIN, &welcome)
            .expect("encodes");
        if let Some(avatar) = avatar {
            self.ai.set_owner(avatar, client).expect("encodes");
        }
        self.settle();
        client
    }
}

fn new_world() -> World {
    let mut config = FakeConfig::new("v1");
    config.state_server = SS;
    config.uberdogs.push((LOGIN, testing::CHAT, true));
    let fake = FakeCluster::new(&SCHEMA, config);
    let config = AiConfig {
        channel: AI,
        state_server: SS,
        name: "test AI".into(),
    };
    let ai = AstronAi::new(&SCHEMA, config).expect("connect messages encode");
    World {
        fake,
        ai,
        clients: Vec::new(),
    }
}

fn avatar_fields(name: &str) -> Vec<FieldValue> {
    vec![
        FieldValue::new(&SetName { name: name.into() }).expect("packs"),
        FieldValue::new(&SetPos {
            x: 1.0,
            y: 2.0,
            z: 0.0,
        })
        .expect("packs"),
    ]
}

#[test]
fn ai_connect_subscribes_and_hangs_a_cleanup_post_remove() {
    let mut w = new_world();
    w.settle();
    let [post_remove] = w.fake.post_removes() else {
        panic!("one post-remove expected");
    };
    let msg = InternalMessage::decode(&SCHEMA, post_remove).expect("valid datagram");
    assert_eq!(msg, InternalMessage::to(SS, AI, Body::DeleteAiObjects(AI)));
}

#[test]
fn wrong_hash_is_a_typed_eject() {
    let mut w = new_world();
    let i = w.connect(0xdead_beef);
    assert_eq!(
        w.client_events(i),
        [ClientEvent::Ejected {
            code: EjectCode::BadDcHash,
            reason: format!(
                "Client DC hash mismatch: client=0xdeadbeef, server={:#x}",
                SCHEMA.hash
            ),
        }]
    );
    let err = w.clients[i]
        .add_interest(Time::ZERO, ZONE5)
        .expect_err("session is over");
    assert!(matches!(
        err,
        AstronError::Ejected {
            code: EjectCode::BadDcHash,
            ..
        }
    ));
}

#[test]
fn avatars_replicate_and_a_forbidden_field_ejects() {
    let mut w = new_world();
    w.ai.subscribe(LOGIN.0.into()).expect("encodes");
    // The AI creates an avatar and takes it over: it enters the AI with all fields.
    w.ai.create_object(AVATAR, ZONE5, testing::AVATAR, &avatar_fields("Alice"), &[])
        .expect("valid create");
    w.ai.set_ai(AVATAR, AI).expect("encodes");
    w.settle();
    let events = w.ai_events();
    let [AiEvent::Entered(entry)] = events.as_slice() else {
        panic!("expected the avatar to enter the AI, got {events:?}");
    };
    assert_eq!((entry.do_id, entry.class), (AVATAR, testing::AVATAR));
    assert_eq!(entry.required.len(), 4, "setName, setColor, setPos, setH");
    assert_eq!(
        w.ai.object(AVATAR).expect("tracked").fields[&testing::SET_NAME],
        FieldValue::new(&SetName {
            name: "Alice".into()
        })
        .expect("packs")
        .bytes
    );

    // Two clients say hello and log in; the first gets the avatar's owner view.
    let a = w.connect(SCHEMA.hash);
    let b = w.connect(SCHEMA.hash);
    assert_eq!(w.client_events(a), [ClientEvent::Connected]);
    assert_eq!(w.client_events(b), [ClientEvent::Connected]);
    let a_channel = w.login(a, Some(AVATAR));
    w.login(b, None);
    let events = w.client_events(a);
    assert!(
        matches!(
            events.as_slice(),
            [
                ClientEvent::Updated { do_id: LOGIN, field },
                ClientEvent::Entered { do_id: AVATAR, owner: true, .. },
            ] if field.decode::<Said>().expect("said").text == "welcome"
        ),
        "{events:?}"
    );
    assert!(w.clients[a].object(AVATAR).expect("owner view").owner);

    // Both open interest in zone 5: the avatar enters, then the interest completes.
    for i in [a, b] {
        let handle = w.clients[i]
            .add_interest(Time::ZERO, ZONE5)
            .expect("established");
        assert_eq!(handle, InterestHandle(1));
    }
    w.settle();
    let events = w.client_events(b);
    assert!(
        matches!(
            events.as_slice(),
            [
                ClientEvent::Updated { do_id: LOGIN, .. },
                ClientEvent::Entered {
                    do_id: AVATAR,
                    owner: false,
                    location: ZONE5,
                    ..
                },
                ClientEvent::InterestDone {
                    handle: InterestHandle(1)
                },
            ]
        ),
        "{events:?}"
    );
    let seen = w.clients[b].object(AVATAR).expect("visible");
    assert_eq!(
        seen.get::<SetName>()
            .expect("entered")
            .expect("decodes")
            .name,
        "Alice"
    );
    w.client_events(a);

    // The owner moves its avatar (ownsend): the other client sees it, the AI does not
    // (setPos has no airecv).
    let pos = SetPos {
        x: 3.5,
        y: -1.25,
        z: 0.0,
    };
    w.clients[a]
        .send_update(Time::ZERO, AVATAR, &pos)
        .expect("owner may send");
    w.settle();
    assert_eq!(
        w.client_events(b),
        [ClientEvent::Updated {
            do_id: AVATAR,
            field: FieldValue::new(&pos).expect("packs"),
        }]
    );
    assert!(w.client_events(a).is_empty(), "no echo to the sender");
    assert!(w.ai_events().is_empty());
    let got = w.clients[b]
        .object(AVATAR)
        .expect("visible")
        .get::<SetPos>();
    assert_eq!(got.expect("stored").expect("decodes").x, 3.5);

    // The AI sets a broadcast field: both clients get it.
    w.ai.send_update(AVATAR, &SetH { h: 45.0 })
        .expect("encodes");
    w.settle();
    for i in [a, b] {
        let events = w.client_events(i);
        assert!(
            matches!(events.as_slice(), [ClientEvent::Updated { do_id: AVATAR, field }] if field.number == testing::SET_H),
            "{events:?}"
        );
    }

    // Client b is not the owner: setPos is ownsend only, so the agent ejects it (118).
    assert!(!w.clients[b].may_send::<SetPos>(AVATAR));
    assert!(w.clients[a].may_send::<SetPos>(AVATAR));
    w.clients[b]
        .send_update(Time::ZERO, AVATAR, &pos)
        .expect("sent; the agent decides");
    w.settle();
    let events = w.client_events(b);
    assert!(
        matches!(
            events.as_slice(),
            [ClientEvent::Ejected { code: EjectCode::ForbiddenField, reason }]
                if reason.contains("DistributedAvatar(10001).setPos")
        ),
        "{events:?}"
    );
    assert!(w.fake.is_closed(b));
    assert!(matches!(
        w.clients[b].send_update(Time::ZERO, AVATAR, &pos),
        Err(AstronError::Ejected {
            code: EjectCode::ForbiddenField,
            ..
        })
    ));
    assert_eq!(
        w.clients[b].ejected().map(|e| e.0),
        Some(EjectCode::ForbiddenField)
    );

    // The AI moves the avatar out of zone 5: the AI hears of it, the client sees it leave
    // (it keeps its owner view).
    w.ai.set_location(AVATAR, ZONE6).expect("encodes");
    w.settle();
    assert_eq!(
        w.ai_events(),
        [AiEvent::Moved {
            do_id: AVATAR,
            new: ZONE6,
            old: ZONE5
        }]
    );
    assert_eq!(w.client_events(a), [ClientEvent::Left { do_id: AVATAR }]);
    let view = w.clients[a].object(AVATAR).expect("owner view stays");
    assert!(view.owner && !view.visible);

    // Forbidden on the AI side too: the AI ejects the owner for the game's own reason.
    w.ai.client_eject(a_channel, 122, "login rejected")
        .expect("encodes");
    w.settle();
    assert_eq!(
        w.client_events(a),
        [ClientEvent::Ejected {
            code: EjectCode::LoginRejected,
            reason: "login rejected".into()
        }]
    );
}

#[test]
fn anonymous_clients_cannot_reach_game_objects() {
    let mut w = new_world();
    w.ai.create_object(AVATAR, ZONE5, testing::AVATAR, &avatar_fields("Alice"), &[])
        .expect("valid create");
    let a = w.connect(SCHEMA.hash);
    w.client_events(a);
    // Not logged in: an update to a non-UberDOG object is an anonymous violation (113).
    w.clients[a]
        .send_update(Time::ZERO, AVATAR, &testing::Emote { id: 1 })
        .expect("sent");
    w.settle();
    assert!(matches!(
        w.client_events(a).as_slice(),
        [ClientEvent::Ejected {
            code: EjectCode::AnonymousViolation,
            ..
        }]
    ));
}

#[test]
fn pipes_events_follow_the_pipes_client_lifecycle() {
    use crate::events::PipesEvents;
    use pipes::client::{ClientDisconnect, ClientEvent as P};
    use pipes::protocol::EjectReason;
    use pipes::time::Tick;

    let mut w = new_world();
    w.ai.subscribe(LOGIN.0.into()).expect("encodes");
    w.ai.create_object(AVATAR, ZONE5, testing::AVATAR, &avatar_fields("Alice"), &[])
        .expect("valid create");
    let a = w.connect(SCHEMA.hash);
    w.login(a, Some(AVATAR));
    let handle = w.clients[a]
        .add_interest(Time::ZERO, ZONE5)
        .expect("established");
    w.settle();
    let mut pe = PipesEvents::new();
    let mut drain =
        |w: &mut World| -> Vec<P> { std::iter::from_fn(|| pe.next(&mut w.clients[a])).collect() };
    let events = drain(&mut w);
    // Owner view first (generated once, owned), then the visible entry refreshes it.
    assert_eq!(
        events[..3],
        [
            P::Connected {
                client: pipes::ids::ClientId(0)
            },
            P::Message {
                object: LOGIN,
                field: testing::SAID,
                args: FieldValue::new(&Said {
                    sender: 0,
                    text: "welcome".into()
                })
                .expect("packs")
                .bytes
            },
            P::ObjectGenerated {
                object: AVATAR,
                class: testing::AVATAR,
                owned: true
            },
        ],
        "{events:?}"
    );
    assert_eq!(events[3], P::ObjectAlive { object: AVATAR });
    assert!(
        matches!(&events[4], P::StateChanged { object: AVATAR, tick: Tick(1), moved: None, fields } if fields.contains(&testing::SET_NAME)),
        "{events:?}"
    );
    assert_eq!(events[5..], [P::InterestComplete(handle)]);

    // A state field from the AI is a StateChanged with the next tick.
    w.ai.send_update(AVATAR, &SetH { h: 90.0 })
        .expect("encodes");
    w.settle();
    assert_eq!(
        drain(&mut w),
        [P::StateChanged {
            object: AVATAR,
            tick: Tick(2),
            fields: [testing::SET_H].into_iter().collect(),
            moved: None
        }]
    );

    // An eject disables and deletes what the client had, then disconnects.
    w.clients[a]
        .send_update(Time::ZERO, AVATAR, &SetName { name: "x".into() })
        .expect("sent");
    w.settle();
    let events = drain(&mut w);
    assert_eq!(
        events[..2],
        [
            P::ObjectDisabled { object: AVATAR },
            P::ObjectDeleted { object: AVATAR }
        ]
    );
    assert!(
        matches!(&events[2..], [P::Disconnected(ClientDisconnect::Ejected { reason: EjectReason::NotSendable, detail })] if detail.starts_with("Astron eject 118")),
        "{events:?}"
    );
}
