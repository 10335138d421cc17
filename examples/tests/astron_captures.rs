//! Codec tests pinned to bytes captured from a real `astrond` (Astron c1436f90, built
//! from source, run with `examples/astron/astrond.yml`) by `tests/astron_live.rs`:
//! every frame body below was sent by Astron, or sent by `pipes_astron` and accepted
//! by Astron. Each decodes to what the session did and encodes back to the same bytes.
//!
//! The run's ids: root 220890 (`da5e0300`), Alice 220891, Bob 220892, AI channel
//! 225890 (`62720300…`), client channels 1000005 / 1000006, database 4003, state
//! server 402000; the schema is `example.dc` + `astron/astron_game.dc` (hash 0x01a6acc0).

use pipes::schema::FieldMessage as _;
use pipes::{DoId, Location, Time};
use pipes_astron::client::{AstronClient, ClientConfig, ClientEvent};
use pipes_astron::client_msg::ClientMessage;
use pipes_astron::internal::{Body, InternalMessage};
use pipes_astron::{EjectCode, FieldValue};
use pipes_examples::astron_schema::{
    astron_account as account, astron_player as player, distributed_avatar as avatar,
    distributed_chat as chat, SCHEMA,
};

const ROOT: DoId = DoId(220_890);
const ALICE: DoId = DoId(220_891);
const BOB: DoId = DoId(220_892);
const AI: u64 = 225_890;
const ZONE5: Location = Location {
    parent: ROOT,
    zone: 5,
};

fn bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("test hex"))
        .collect()
}

fn client(hex: &str) -> ClientMessage {
    let b = bytes(hex);
    let msg = ClientMessage::decode(&SCHEMA, &b).expect("Astron's bytes decode");
    assert_eq!(
        msg.encode(&SCHEMA).expect("encodes"),
        b,
        "re-encoding {msg:?}"
    );
    msg
}

fn internal(hex: &str) -> InternalMessage {
    let b = bytes(hex);
    let msg = InternalMessage::decode(&SCHEMA, &b).expect("Astron's bytes decode");
    assert_eq!(
        msg.encode(&SCHEMA).expect("encodes"),
        b,
        "re-encoding {msg:?}"
    );
    msg
}

fn value<M: pipes::schema::FieldMessage>(m: &M) -> FieldValue {
    FieldValue::new(m).expect("packs")
}

fn alice_required() -> Vec<FieldValue> {
    vec![
        value(&avatar::SetName {
            name: "Alice".into(),
        }),
        FieldValue {
            number: avatar::SetColor::NUMBER,
            bytes: vec![0, 0, 0],
        },
        value(&avatar::SetPos {
            x: 1.0,
            y: 2.0,
            z: 0.5,
        }),
        value(&avatar::SetH { h: 0.0 }),
    ]
}

#[test]
fn hello_and_its_ejects() {
    let hello = "0100c0aca6010f0070697065732d6578616d706c652d31";
    assert_eq!(
        client(hello),
        ClientMessage::Hello {
            dc_hash: 0x01a6_acc0,
            version: "pipes-example-1".into()
        }
    );
    assert_eq!(SCHEMA.hash, 0x01a6_acc0, "dcc's hash is Astron's hash");
    assert_eq!(client("0200"), ClientMessage::HelloResp);
    assert_eq!(client("0500"), ClientMessage::Heartbeat);
    let version = "04007c004700436c69656e742076657273696f6e206d69736d617463683a20636c69656e743d6e6f742d7468652d76657273696f6e2c207365727665723d70697065732d6578616d706c652d31";
    assert_eq!(
        client(version),
        ClientMessage::Eject {
            code: 124,
            reason: "Client version mismatch: client=not-the-version, server=pipes-example-1"
                .into()
        }
    );
    let hash = "04007d003b00436c69656e742044432068617368206d69736d617463683a20636c69656e743d3078316136616363312c207365727665723d307831613661636330";
    assert_eq!(
        client(hash),
        ClientMessage::Eject {
            code: 125,
            reason: "Client DC hash mismatch: client=0x1a6acc1, server=0x1a6acc0".into()
        }
    );
}

#[test]
fn entries_with_other_sections_and_owner_views() {
    // 173: Alice's owner view: REQUIRED then OTHER with setScore and the ownrecv setMood.
    let owner = "ad00db5e0300da5e03000500000003000500416c69636500000064000000c800000032000000000002000b0007000c00040063616c6d";
    let ClientMessage::Enter(e) = client(owner) else {
        panic!("173 is an entry")
    };
    assert!(e.owner);
    assert_eq!((e.do_id, e.location, e.class), (ALICE, ZONE5, player::ID));
    assert_eq!(e.required, alice_required());
    assert_eq!(
        e.other,
        Some(vec![
            value(&player::SetScore { score: 7 }),
            value(&player::SetMood {
                mood: "calm".into()
            })
        ])
    );
    // 143: the same object for a client with interest: setMood (ownrecv) is left out.
    let visible = "8f00db5e0300da5e03000500000003000500416c69636500000064000000c800000032000000000001000b000700";
    let ClientMessage::Enter(e) = client(visible) else {
        panic!("143 is an entry")
    };
    assert!(!e.owner);
    assert_eq!(e.other, Some(vec![value(&player::SetScore { score: 7 })]));
    // 142 / 172: Bob has no ram field set beyond REQUIRED (defaults filled by Astron).
    for (hex, owner) in [
        (
            "8e00dc5e0300da5e03000500000003000300426f620000000000000000000000000000000000",
            false,
        ),
        (
            "ac00dc5e0300da5e03000500000003000300426f620000000000000000000000000000000000",
            true,
        ),
    ] {
        let ClientMessage::Enter(e) = client(hex) else {
            panic!("entry")
        };
        assert_eq!((e.do_id, e.owner, e.other.is_none()), (BOB, owner, true));
        assert_eq!(
            e.required[0],
            value(&avatar::SetName { name: "Bob".into() })
        );
    }
    // A client with an owner view and an interest gets both, the client keeps one object.
    let mut c = AstronClient::new(
        &SCHEMA,
        ClientConfig::new(&SCHEMA, "pipes-example-1"),
        Time::ZERO,
    )
    .expect("hello");
    let mut frames = Vec::new();
    for hex in ["0200", owner, visible] {
        let b = bytes(hex);
        frames.extend_from_slice(&(b.len() as u16).to_le_bytes());
        frames.extend_from_slice(&b);
    }
    c.receive(&frames).expect("decodes");
    let view = c.object(ALICE).expect("one object");
    assert!(view.owner && view.visible);
    assert_eq!(
        view.get::<player::SetMood>().map(|m| m.map(|m| m.mood)),
        Some(Ok("calm".into()))
    );
}

#[test]
fn interest_updates_locations_and_leaving() {
    assert_eq!(
        client("c800010000000100da5e030005000000"),
        ClientMessage::AddInterest {
            context: 1,
            interest_id: 1,
            location: ZONE5
        }
    );
    assert_eq!(
        client("c900010000000100da5e030002000500000006000000"),
        ClientMessage::AddInterestMultiple {
            context: 1,
            interest_id: 1,
            parent: ROOT,
            zones: vec![5, 6]
        }
    );
    assert_eq!(
        client("cc00010000000100"),
        ClientMessage::DoneInterest {
            context: 1,
            interest_id: 1
        }
    );
    assert_eq!(
        client("cb00020000000100"),
        ClientMessage::RemoveInterest {
            context: 2,
            interest_id: 1
        }
    );
    // The owner's setPos(3, -1.5, 0), relayed unchanged to the other client.
    assert_eq!(
        client("7800db5e030007002c0100006affffff00000000"),
        ClientMessage::SetField {
            do_id: ALICE,
            field: value(&avatar::SetPos {
                x: 3.0,
                y: -1.5,
                z: 0.0
            })
        }
    );
    // The AI's private reply through the client channel, as an update of the UberDOG.
    assert_eq!(
        client("780039120000040000000000070077656c636f6d65"),
        ClientMessage::SetField {
            do_id: DoId(4665),
            field: value(&chat::Said {
                sender: 0,
                text: "welcome".into()
            })
        }
    );
    assert_eq!(
        client("8400dc5e0300"),
        ClientMessage::Leaving { do_id: BOB }
    );
    assert_eq!(
        client("8c00dc5e0300da5e030006000000"),
        ClientMessage::Location {
            do_id: BOB,
            location: Location {
                parent: ROOT,
                zone: 6
            }
        }
    );
}

#[test]
fn a_forbidden_field_is_ejected_twice_and_the_first_reason_wins() {
    let first = "040076005200436c69656e7420747269656420746f2073656e642075706461746520666f72206e6f6e2d73656e6461626c65206669656c643a20417374726f6e506c6179657228323230383931292e736574536563726574";
    let second = "04006a001e00446174616772616d20636f6e7461696e732065786365737320646174612e";
    assert_eq!(
        client("7800db5e03000d0001"),
        ClientMessage::SetField {
            do_id: ALICE,
            field: value(&player::SetSecret { secret: 1 })
        }
    );
    assert_eq!(
        client(second),
        ClientMessage::Eject {
            code: 106,
            reason: "Datagram contains excess data.".into()
        }
    );
    let mut c = AstronClient::new(
        &SCHEMA,
        ClientConfig::new(&SCHEMA, "pipes-example-1"),
        Time::ZERO,
    )
    .expect("hello");
    for hex in ["0200", first, second] {
        let b = bytes(hex);
        let mut frame = (b.len() as u16).to_le_bytes().to_vec();
        frame.extend_from_slice(&b);
        c.receive(&frame)
            .expect("bytes after the eject are dropped");
    }
    let events: Vec<_> = std::iter::from_fn(|| c.next_event()).collect();
    assert_eq!(
        events,
        [
            ClientEvent::Connected,
            ClientEvent::Ejected {
                code: EjectCode::ForbiddenField,
                reason: "Client tried to send update for non-sendable field: AstronPlayer(220891).setSecret".into()
            }
        ]
    );
}

#[test]
fn state_server_messages() {
    // 2052 / 2053: entries into the AI; children inherit the AI of their parent.
    let root = internal("016272030000000000da5e0300000000000408da5e030000000000000000000100");
    assert_eq!(
        (root.recipients.as_slice(), root.sender),
        ([AI].as_slice(), 220_890)
    );
    let Body::EnterAi(e) = root.body else {
        panic!("2052")
    };
    assert_eq!((e.do_id, e.class, e.other), (ROOT, chat::ID, None));
    let alice = internal("016272030000000000db5e0300000000000508db5e0300da5e03000500000003000500416c69636500000064000000c800000032000000000002000b0007000c00040063616c6d");
    let Body::EnterAi(e) = alice.body else {
        panic!("2053")
    };
    assert_eq!(e.required, alice_required());
    assert_eq!(e.other.map(|o| o.len()), Some(2));
    // A client's update, with the client's channel as sender.
    let login =
        internal("01391200000000000045420f0000000000e4073912000003000b006c6f67696e20616c696365");
    assert_eq!(login.sender, 1_000_005);
    assert_eq!(
        login.body,
        Body::SetField {
            do_id: DoId(4665),
            field: value(&chat::Say {
                text: "login alice".into()
            })
        }
    );
    // 2011: ctx, success, field, value.
    assert_eq!(
        internal("016272030000000000db5e030000000000db0701000000010b006300").body,
        Body::GetFieldResp {
            context: 1,
            value: Some(value(&player::SetScore { score: 99 }))
        }
    );
    // 2015: ctx, doId, parent, zone, class, REQUIRED, OTHER (count may not be omitted).
    let all = internal("016272030000000000db5e030000000000df0702000000db5e0300da5e03000500000003000500416c6963650000002c0100006affffff00000000000002000b0063000c0005006861707079");
    let Body::GetAllResp { context: 2, entry } = all.body else {
        panic!("2015")
    };
    assert_eq!((entry.do_id, entry.location), (ALICE, ZONE5));
    assert_eq!(
        entry.other,
        Some(vec![
            value(&player::SetScore { score: 99 }),
            value(&player::SetMood {
                mood: "happy".into()
            })
        ])
    );
    // 2041 goes to four channels at once: old location, parent, owner, AI.
    let moved = internal("0405000000da5e0300da5e03000000000046420f000000000062720300000000006272030000000000f907dc5e0300da5e030006000000da5e030005000000");
    assert_eq!(
        moved.recipients,
        [(220_890u64 << 32) | 5, 220_890, 1_000_006, AI]
    );
    assert_eq!(
        moved.body,
        Body::ChangingLocation {
            do_id: BOB,
            new: Location {
                parent: ROOT,
                zone: 6
            },
            old: ZONE5
        }
    );
    // 2032 on delete: to the AI, the owner and the location.
    let deleted =
        internal("03627203000000000045420f000000000005000000da5e03006272030000000000f007db5e0300");
    assert_eq!(deleted.recipients.len(), 3);
    assert_eq!(deleted.body, Body::DeleteRam { do_id: ALICE });
}

#[test]
fn database_messages() {
    // 3000 as sent (accepted), 3001 doId 100000001.
    let create = internal(
        "01a30f0000000000006272030000000000b80b03000000040002000e000500616c6963650f0001000000",
    );
    assert_eq!(create.recipients, [4003]);
    assert!(
        matches!(create.body, Body::DbCreate { context: 3, class, ref fields } if class == account::ID && fields.len() == 2)
    );
    assert_eq!(
        internal("016272030000000000a30f000000000000b90b0300000001e1f505").body,
        Body::DbCreateResp {
            context: 3,
            do_id: Some(DoId(100_000_001))
        }
    );
    // Astron's failure answer (before the YAML folder existed): doId 0.
    assert_eq!(
        internal("01ea71030000000000a30f000000000000b90b0300000000000000").body,
        Body::DbCreateResp {
            context: 3,
            do_id: None
        }
    );
    let logins = value(&account::SetLogins { logins: 2 });
    assert_eq!(
        internal("01a30f0000000000006272030000000000cc0b01e1f5050f0002000000").body,
        Body::DbSetField {
            do_id: DoId(100_000_001),
            field: logins.clone()
        }
    );
    // 3015: ctx, success, class, count, (field, value)*.
    assert_eq!(
        internal("016272030000000000a30f000000000000c70b0400000001040002000e000500616c6963650f0002000000").body,
        Body::DbGetAllResp {
            context: 4,
            object: Some((
                account::ID,
                vec![
                    value(&account::SetAccountName {
                        name: "alice".into()
                    }),
                    logins.clone()
                ]
            ))
        }
    );
    // 3011: ctx, success, field, value.
    assert_eq!(
        internal("016272030000000000a30f000000000000c30b05000000010f0002000000").body,
        Body::DbGetFieldResp {
            context: 5,
            value: Some(logins)
        }
    );
}

#[test]
fn messages_astron_accepted_from_the_ai() {
    // Control: add channel, name, post-remove (a whole 2009 message inside).
    assert_eq!(
        internal("01010000000000000028236272030000000000").body,
        Body::AddChannel(AI)
    );
    let post = internal("010100000000000000322362720300000000001b000150220600000000006272030000000000d9076272030000000000");
    let Body::AddPostRemove { owner, datagram } = post.body else {
        panic!("9010")
    };
    assert_eq!(owner, AI);
    assert_eq!(
        InternalMessage::decode(&SCHEMA, &datagram)
            .expect("inner")
            .body,
        Body::DeleteAiObjects(AI)
    );
    // 2000 (no required fields), 2050, 2001 with OTHER, 1000, 2060, 2040, 2032.
    assert!(matches!(
        internal("0150220600000000006272030000000000d007da5e030000000000000000000100").body,
        Body::CreateObject(ref e) if e.do_id == ROOT && e.other.is_none()
    ));
    assert_eq!(
        internal("01da5e030000000000627203000000000002086272030000000000").body,
        Body::SetAi(AI)
    );
    let create = internal("0150220600000000006272030000000000d107db5e0300da5e03000500000003000500416c69636500000064000000c800000032000000000002000b0007000c00040063616c6d");
    assert!(
        matches!(create.body, Body::CreateObject(ref e) if e.other.as_ref().map(Vec::len) == Some(2))
    );
    assert_eq!(
        internal("0145420f00000000006272030000000000e8030200").body,
        Body::ClientSetState(2)
    );
    assert_eq!(
        internal("01db5e03000000000062720300000000000c0845420f0000000000").body,
        Body::SetOwner(1_000_005)
    );
    assert_eq!(
        internal("01dc5e0300000000006272030000000000f807da5e030006000000").body,
        Body::SetLocation(Location {
            parent: ROOT,
            zone: 6
        })
    );
    assert_eq!(
        internal("01db5e0300000000006272030000000000f007db5e0300").body,
        Body::DeleteRam { do_id: ALICE }
    );
}
