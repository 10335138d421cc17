//! Per-field visibility (owner-only state) and bounded per-client queues.

use super::util::*;
use crate::client::{Client, ClientDisconnect, ClientEvent};
use crate::config::Config;
use crate::ids::Location;
use crate::protocol::EjectReason;
use crate::schema::{ClassInfo, FieldFlags, FieldInfo, FieldKind, SchemaInfo};
use crate::server::{Server, Target};
use crate::sim::{LinkConfig, SimNet};
use crate::testing::{Said, CHAT};
use crate::wire::{Reader, WireResult};

fn skip_u8(r: &mut Reader<'_>) -> WireResult<()> {
    r.read_u8().map(drop)
}

const fn u8_field(number: u16, name: &'static str, flags: FieldFlags) -> FieldInfo {
    FieldInfo {
        number,
        name,
        class: "Thing",
        kind: FieldKind::Atomic,
        flags,
        keywords: &[],
        fixed_size: Some(1),
        int_widths: &[1],
        skip: &skip_u8,
        default: &[0],
    }
}

static FIELDS: [FieldInfo; 3] = [
    u8_field(
        0,
        "setSecret",
        FieldFlags(FieldFlags::RAM.0 | FieldFlags::OWNRECV.0),
    ),
    u8_field(
        1,
        "setPublic",
        FieldFlags(FieldFlags::RAM.0 | FieldFlags::BROADCAST.0),
    ),
    u8_field(2, "setServerOnly", FieldFlags::RAM),
];

static CLASSES: [ClassInfo; 1] = [ClassInfo {
    name: "Thing",
    number: 0,
    is_struct: false,
    parents: &[],
    fields: &[0, 1, 2],
    required: &[],
    ram: &[0, 1, 2],
}];

/// `dclass Thing { setSecret(uint8) ram ownrecv; setPublic(uint8) ram broadcast;
/// setServerOnly(uint8) ram; }`
static THING: SchemaInfo = SchemaInfo {
    hash: 0x7417,
    classes: &CLASSES,
    fields: &FIELDS,
};

#[test]
fn ownrecv_state_reaches_only_the_owner_and_plain_ram_stays_on_the_server() {
    let mut sim = SimNet::new(Server::new(&THING, Config::default()), 80);
    for _ in 0..2 {
        sim.add_client(
            Client::new(&THING, Config::default()),
            LinkConfig::perfect(),
        );
    }
    sim.run_for(secs(0.5)).unwrap();
    let owner = id_of(&sim, 0);
    sim.clients[1]
        .client
        .set_interest(&[Location::zone(1)])
        .unwrap();
    let id = sim
        .server
        .generate(0, Location::zone(1), Some(owner), &[])
        .unwrap();
    sim.server.set_field(id, 0, &[5]).unwrap();
    sim.server.set_field(id, 1, &[6]).unwrap();
    sim.server.set_field(id, 2, &[7]).unwrap();
    sim.run_for(secs(0.5)).unwrap();
    let mine = sim.clients[0].client.object(id).unwrap();
    assert_eq!(mine.field(0).map(|v| v.value.clone()), Some(vec![5]));
    assert_eq!(mine.field(1).map(|v| v.value.clone()), Some(vec![6]));
    assert!(mine.field(2).is_none());
    let theirs = sim.clients[1].client.object(id).unwrap();
    assert!(theirs.field(0).is_none(), "owner-only state leaked");
    assert_eq!(theirs.field(1).map(|v| v.value.clone()), Some(vec![6]));
    assert!(theirs.field(2).is_none());
    assert_eq!(
        sim.server.field(id, 2),
        Some(&[7][..]),
        "the AI view has everything"
    );
    // A later owner-only change goes to the owner only.
    sim.server.set_field(id, 0, &[9]).unwrap();
    sim.run_for(secs(0.5)).unwrap();
    let mine = sim.clients[0].client.object(id).unwrap();
    assert_eq!(mine.field(0).map(|v| v.value.clone()), Some(vec![9]));
    assert!(sim.clients[1].client.object(id).unwrap().field(0).is_none());
}

#[test]
fn messages_waiting_for_an_object_are_bounded() {
    let config = Config {
        max_pending_events: 3,
        ..Config::default()
    };
    let mut sim = connected_with(2, LinkConfig::new(100, 0, 0.0, 0.0), 81, config);
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
        sender: 0,
        text: "x".into(),
    };
    // Client 1's copy cannot be acked within 200 ms: its messages wait, and overflow.
    for _ in 0..3 {
        sim.server
            .send_message(chat, &said, Target::Broadcast { except: None })
            .unwrap();
    }
    let c1 = id_of(&sim, 1);
    sim.server
        .send_message(chat, &said, Target::Client(c1))
        .unwrap();
    sim.run_for(secs(1.0)).unwrap();
    assert!(sim.clients[1].events.iter().any(|e| matches!(
        e,
        ClientEvent::Disconnected(ClientDisconnect::Ejected {
            reason: EjectReason::Overflow,
            ..
        })
    )));
    let got = sim.clients[0]
        .events
        .iter()
        .filter(|e| matches!(e, ClientEvent::Message { .. }))
        .count();
    assert_eq!(
        got, 3,
        "the other client got its three messages after the object"
    );
}
