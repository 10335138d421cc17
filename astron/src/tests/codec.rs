//! Codec tests: bytes written out by hand from Astron's documented layouts
//! (`astron.md` §3–4), checked in both directions.

use crate::client_msg::{ClientMessage, EnterObject};
use crate::fields::{self, FieldValue, Visibility};
use crate::frame::{write_frame, FrameDecoder};
use crate::internal::{Body, InternalMessage, ObjectEntry};
use crate::{AstronError, EjectCode};
use pipes::ids::{DoId, Location};
use pipes::testing::{self, SCHEMA};
use pipes::wire::WireErrorKind;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("test hex"))
        .collect()
}

fn client_roundtrip(msg: ClientMessage, body: &str) {
    let bytes = hex(body);
    assert_eq!(msg.encode(&SCHEMA).expect("encodes"), bytes, "{msg:?}");
    assert_eq!(
        ClientMessage::decode(&SCHEMA, &bytes).expect("decodes"),
        msg
    );
}

fn internal_roundtrip(msg: InternalMessage, body: &str) {
    let bytes = hex(body);
    assert_eq!(msg.encode(&SCHEMA).expect("encodes"), bytes, "{msg:?}");
    assert_eq!(
        InternalMessage::decode(&SCHEMA, &bytes).expect("decodes"),
        msg
    );
}

fn name(s: &str) -> FieldValue {
    let mut bytes = (s.len() as u16).to_le_bytes().to_vec();
    bytes.extend_from_slice(s.as_bytes());
    FieldValue {
        number: testing::SET_NAME,
        bytes,
    }
}

fn value(number: u16, h: &str) -> FieldValue {
    FieldValue {
        number,
        bytes: hex(h),
    }
}

/// Avatar REQUIRED for everyone: setName "Bob", setColor 1,2,3, setPos (1, 2, 0) as
/// int32/100, setH 90.0 as int16/10 — and not the molecular setPosH.
const AVATAR_REQUIRED: &str = "0300 426f62  010203  64000000 c8000000 00000000  8403";

fn avatar_required() -> Vec<FieldValue> {
    vec![
        name("Bob"),
        value(testing::SET_COLOR, "010203"),
        value(testing::SET_POS, "64000000 c8000000 00000000"),
        value(testing::SET_H, "8403"),
    ]
}

#[test]
fn hello_resp_frame_matches_the_observed_bytes() {
    // §0: the client agent answered HELLO with the 4 bytes 02 00 02 00.
    let mut framed = Vec::new();
    let body = ClientMessage::HelloResp.encode(&SCHEMA).expect("encodes");
    write_frame(&body, &mut framed).expect("fits");
    assert_eq!(framed, hex("0200 0200"));
}

#[test]
fn client_messages_follow_the_documented_layouts() {
    client_roundtrip(
        ClientMessage::Hello {
            dc_hash: 0x014c_a6bc,
            version: "v1".into(),
        },
        "0100 bca64c01 0200 7631",
    );
    client_roundtrip(ClientMessage::Heartbeat, "0500");
    client_roundtrip(ClientMessage::Disconnect, "0300");
    client_roundtrip(
        ClientMessage::Eject {
            code: 118,
            reason: "no".into(),
        },
        "0400 7600 0200 6e6f",
    );
    // 120: doId 10001, field setH, value 90.0.
    client_roundtrip(
        ClientMessage::SetField {
            do_id: DoId(10001),
            field: value(testing::SET_H, "8403"),
        },
        "7800 11270000 0800 8403",
    );
    client_roundtrip(
        ClientMessage::SetFields {
            do_id: DoId(10001),
            fields: vec![value(testing::SET_H, "8403"), value(testing::EMOTE, "03")],
        },
        "7900 11270000 0200 0800 8403 0a00 03",
    );
    client_roundtrip(ClientMessage::Leaving { do_id: DoId(7) }, "8400 07000000");
    client_roundtrip(
        ClientMessage::LeavingOwner { do_id: DoId(7) },
        "a100 07000000",
    );
    client_roundtrip(
        ClientMessage::Location {
            do_id: DoId(10001),
            location: Location {
                parent: DoId(10000),
                zone: 5,
            },
        },
        "8c00 11270000 10270000 05000000",
    );
    // §9: ADD_INTEREST ctx 77, id 1, (10000, 5); DONE_INTEREST_RESP 4d000000 0100.
    client_roundtrip(
        ClientMessage::AddInterest {
            context: 77,
            interest_id: 1,
            location: Location {
                parent: DoId(10000),
                zone: 5,
            },
        },
        "c800 4d000000 0100 10270000 05000000",
    );
    client_roundtrip(
        ClientMessage::AddInterestMultiple {
            context: 78,
            interest_id: 2,
            parent: DoId(10000),
            zones: vec![5, 6],
        },
        "c900 4e000000 0200 10270000 0200 05000000 06000000",
    );
    client_roundtrip(
        ClientMessage::RemoveInterest {
            context: 79,
            interest_id: 1,
        },
        "cb00 4f000000 0100",
    );
    client_roundtrip(
        ClientMessage::DoneInterest {
            context: 77,
            interest_id: 1,
        },
        "cc00 4d000000 0100",
    );
}

#[test]
fn enter_object_variants_carry_required_then_other() {
    let loc = Location {
        parent: DoId(10000),
        zone: 5,
    };
    let enter = |owner, other: Option<Vec<FieldValue>>| {
        ClientMessage::Enter(Box::new(EnterObject {
            do_id: DoId(10001),
            location: loc,
            class: testing::AVATAR,
            required: avatar_required(),
            other,
            owner,
        }))
    };
    let head = "11270000 10270000 05000000 0200";
    client_roundtrip(
        enter(false, None),
        &format!("8e00 {head} {AVATAR_REQUIRED}"),
    );
    client_roundtrip(
        enter(false, Some(vec![value(testing::EMOTE, "02")])),
        &format!("8f00 {head} {AVATAR_REQUIRED} 0100 0a00 02"),
    );
    client_roundtrip(enter(true, None), &format!("ac00 {head} {AVATAR_REQUIRED}"));
    client_roundtrip(
        enter(true, Some(vec![])),
        &format!("ad00 {head} {AVATAR_REQUIRED} 0000"),
    );
}

#[test]
fn required_section_skips_molecular_fields_and_fills_defaults() {
    let class = fields::dclass(&SCHEMA, testing::AVATAR).expect("avatar");
    let listed: Vec<u16> = fields::required_fields(&SCHEMA, class, Visibility::All)
        .map(|f| f.number)
        .collect();
    assert_eq!(listed, [5, 6, 7, 8], "setPosH (9) is molecular");
    let mut out = Vec::new();
    fields::write_required(&SCHEMA, class, Visibility::All, &[name("Bob")], &mut out)
        .expect("defaults fill the rest");
    assert_eq!(out, hex("0300 426f62 000000 000000000000000000000000 0000"));
    let stray = fields::write_required(
        &SCHEMA,
        class,
        Visibility::All,
        &[value(testing::EMOTE, "01")],
        &mut Vec::new(),
    );
    assert!(matches!(
        stray,
        Err(AstronError::UnknownField { field: 10, .. })
    ));
}

#[test]
fn control_messages_have_no_sender() {
    // 9000 = 0x2328: recipient count 1, channel 1, msgtype, channel 5000.
    internal_roundtrip(
        InternalMessage::control(Body::AddChannel(5000)),
        "01 0100000000000000 2823 8813000000000000",
    );
    internal_roundtrip(
        InternalMessage::control(Body::AddRange { low: 10, high: 20 }),
        "01 0100000000000000 2a23 0a00000000000000 1400000000000000",
    );
    // Post-remove: a whole DELETE_AI_OBJECTS(5000) to SS 402000, without its length.
    let inner = "01 50220600 00000000 8813000000000000 d907 8813000000000000";
    internal_roundtrip(
        InternalMessage::control(Body::AddPostRemove {
            owner: 5000,
            datagram: hex(inner),
        }),
        &format!("01 0100000000000000 3223 8813000000000000 1b00 {inner}"),
    );
}

#[test]
fn state_server_messages_follow_the_documented_layouts() {
    let loc = Location {
        parent: DoId(10000),
        zone: 5,
    };
    let entry = |other| ObjectEntry {
        do_id: DoId(10001),
        location: loc,
        class: testing::AVATAR,
        required: avatar_required(),
        other,
    };
    let head = "11270000 10270000 05000000 0200";
    // 2000 (0x07d0) to SS 402000 from AI 5000.
    internal_roundtrip(
        InternalMessage::to(402_000, 5000, Body::CreateObject(entry(None))),
        &format!("01 5022060000000000 8813000000000000 d007 {head} {AVATAR_REQUIRED}"),
    );
    internal_roundtrip(
        InternalMessage::to(
            5000,
            10001,
            Body::EnterAi(entry(Some(vec![value(testing::EMOTE, "01")]))),
        ),
        &format!("01 8813000000000000 1127000000000000 0508 {head} {AVATAR_REQUIRED} 0100 0a00 01"),
    );
    // 2020 from a client channel 1000003 to doId 10001.
    internal_roundtrip(
        InternalMessage::to(
            10001,
            1_000_003,
            Body::SetField {
                do_id: DoId(10001),
                field: value(testing::SET_H, "8403"),
            },
        ),
        "01 1127000000000000 43420f0000000000 e407 11270000 0800 8403",
    );
    internal_roundtrip(
        InternalMessage::to(
            5000,
            10001,
            Body::ChangingLocation {
                do_id: DoId(10001),
                new: loc,
                old: Location {
                    parent: DoId(10000),
                    zone: 4,
                },
            },
        ),
        "01 8813000000000000 1127000000000000 f907 11270000 10270000 05000000 10270000 04000000",
    );
    internal_roundtrip(
        InternalMessage::to(10001, 5000, Body::SetOwner(1_000_003)),
        "01 1127000000000000 8813000000000000 0c08 43420f0000000000",
    );
    internal_roundtrip(
        InternalMessage::to(
            5000,
            10001,
            Body::GetFieldResp {
                context: 9,
                value: Some(value(testing::SET_H, "8403")),
            },
        ),
        "01 8813000000000000 1127000000000000 db07 09000000 01 0800 8403",
    );
}

#[test]
fn client_agent_and_database_messages_follow_the_documented_layouts() {
    let ch = "43420f0000000000"; // client channel 1000003
    let ai = "8813000000000000"; // AI 5000
    internal_roundtrip(
        InternalMessage::to(1_000_003, 5000, Body::ClientSetState(2)),
        &format!("01 {ch} {ai} e803 0200"),
    );
    internal_roundtrip(
        InternalMessage::to(
            1_000_003,
            5000,
            Body::ClientEject {
                code: 122,
                reason: "x".into(),
            },
        ),
        &format!("01 {ch} {ai} ec03 7a00 0100 78"),
    );
    internal_roundtrip(
        InternalMessage::to(
            1_000_003,
            5000,
            Body::ClientAddInterest {
                interest_id: 3,
                location: Location {
                    parent: DoId(10000),
                    zone: 5,
                },
            },
        ),
        &format!("01 {ch} {ai} b004 0300 10270000 05000000"),
    );
    internal_roundtrip(
        InternalMessage::to(
            4003,
            5000,
            Body::DbCreate {
                context: 1,
                class: testing::AVATAR,
                fields: vec![name("Bob")],
            },
        ),
        &format!("01 a30f000000000000 {ai} b80b 01000000 0200 0100 0500 0300 426f62"),
    );
    internal_roundtrip(
        InternalMessage::to(
            5000,
            4003,
            Body::DbCreateResp {
                context: 1,
                do_id: Some(DoId(100_000_000)),
            },
        ),
        &format!("01 {ai} a30f000000000000 b90b 01000000 00e1f505"),
    );
    internal_roundtrip(
        InternalMessage::to(
            5000,
            4003,
            Body::DbGetAllResp {
                context: 2,
                object: Some((testing::AVATAR, vec![name("Bob")])),
            },
        ),
        &format!("01 {ai} a30f000000000000 c70b 02000000 01 0200 0100 0500 0300 426f62"),
    );
    internal_roundtrip(
        InternalMessage::to(
            5000,
            4003,
            Body::DbGetAllResp {
                context: 3,
                object: None,
            },
        ),
        &format!("01 {ai} a30f000000000000 c70b 03000000 00"),
    );
}

#[test]
fn malformed_bytes_are_errors_not_panics() {
    // Trailing junk after a complete message (the agent ejects with 106 for this).
    let err = ClientMessage::decode(&SCHEMA, &hex("0500 00")).unwrap_err();
    assert!(matches!(
        err,
        AstronError::Wire {
            error: pipes::wire::WireError {
                kind: WireErrorKind::TrailingBytes { count: 1 },
                ..
            },
            ..
        }
    ));
    // Truncated: SET_FIELD with half a value.
    assert!(ClientMessage::decode(&SCHEMA, &hex("7800 11270000 0800 84")).is_err());
    // Unknown field number and unknown msgtype.
    assert!(matches!(
        ClientMessage::decode(&SCHEMA, &hex("7800 11270000 6300 00")),
        Err(AstronError::UnknownField { field: 99, .. })
    ));
    assert!(matches!(
        ClientMessage::decode(&SCHEMA, &hex("e703")),
        Err(AstronError::UnknownMessage { msgtype: 999 })
    ));
    // A struct id is not a dclass.
    assert!(matches!(
        ClientMessage::decode(&SCHEMA, &hex("8e00 01000000 00000000 00000000 0000")),
        Err(AstronError::UnknownClass { class: 0 })
    ));
    // Out-of-range value (emote is uint8(0-15)).
    assert!(ClientMessage::decode(&SCHEMA, &hex("7800 11270000 0a00 10")).is_err());
    // Recipient count larger than the bytes present.
    assert!(InternalMessage::decode(&SCHEMA, &hex("05 0100000000000000")).is_err());
    assert!(InternalMessage::decode(&SCHEMA, &[]).is_err());
}

#[test]
fn frame_decoder_reassembles_split_and_joined_messages() {
    let mut stream = Vec::new();
    write_frame(&hex("0500"), &mut stream).expect("fits");
    write_frame(&hex("0300"), &mut stream).expect("fits");
    let mut d = FrameDecoder::new();
    d.push(&stream[..3]);
    assert_eq!(d.next_frame(), None);
    d.push(&stream[3..]);
    assert_eq!(d.next_frame(), Some(hex("0500")));
    assert_eq!(d.next_frame(), Some(hex("0300")));
    assert_eq!(d.next_frame(), None);
    assert_eq!(d.pending(), 0);
    let too_big = vec![0u8; 65_536];
    assert_eq!(
        write_frame(&too_big, &mut Vec::new()),
        Err(AstronError::TooLarge { len: 65_536 })
    );
}

#[test]
fn eject_codes_round_trip() {
    assert_eq!(EjectCode::from_u16(118), EjectCode::ForbiddenField);
    assert_eq!(EjectCode::ForbiddenField.as_u16(), 118);
    assert_eq!(EjectCode::from_u16(125), EjectCode::BadDcHash);
    assert_eq!(EjectCode::from_u16(4242), EjectCode::Other(4242));
    assert_eq!(EjectCode::Other(4242).as_u16(), 4242);
}

#[test]
fn typed_field_values_come_from_the_generated_messages() {
    let v = FieldValue::new(&testing::SetH { h: 90.0 }).expect("packs");
    assert_eq!(v, value(testing::SET_H, "8403"));
    let back: testing::SetH = v.decode().expect("unpacks");
    assert_eq!(back.h, 90.0);
    assert!(v.decode::<testing::Emote>().is_err(), "wrong field number");
}
