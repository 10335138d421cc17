//! Regression tests from fuzzing and reviewing the Astron decoders
//! (`runtime/fuzz`: `astron_client_inbound`, `astron_ai_inbound`, `astron_codec`):
//! outside bytes give a typed error naming what was wrong, never a panic or a
//! silently inconsistent session.

use crate::client::{AstronClient, ClientConfig, ClientEvent};
use crate::client_msg::{ClientMessage, EnterObject};
use crate::fields::{self, FieldValue};
use crate::frame::write_frame;
use crate::msgtype::client as id;
use crate::AstronError;
use pipes::ids::{DoId, Location};
use pipes::testing::{self, SetH, SetName, SCHEMA};
use pipes::time::Time;
use pipes::wire::{Reader, WireErrorKind};

const OBJ: DoId = DoId(10_001);
const ZONE: Location = Location {
    parent: DoId(10_000),
    zone: 5,
};

fn framed(msg: &ClientMessage) -> Vec<u8> {
    let mut out = Vec::new();
    write_frame(&msg.encode(&SCHEMA).expect("encodes"), &mut out).expect("fits");
    out
}

fn client() -> AstronClient {
    AstronClient::new(&SCHEMA, ClientConfig::new(&SCHEMA, "v1"), Time::ZERO).expect("hello")
}

fn open_client() -> AstronClient {
    let mut c = client();
    c.receive(&framed(&ClientMessage::HelloResp))
        .expect("hello answer");
    assert_eq!(c.next_event(), Some(ClientEvent::Connected));
    c
}

fn enter(class: u16, required: Vec<FieldValue>) -> ClientMessage {
    ClientMessage::Enter(Box::new(EnterObject {
        do_id: OBJ,
        location: ZONE,
        class,
        required,
        other: None,
        owner: false,
    }))
}

#[test]
fn a_field_value_is_exactly_its_bytes_and_a_cut_value_names_the_field() {
    // setH (int16) then two bytes of whatever follows: the value is the first two only,
    // and the reader stops right after it.
    let bytes = [0x84, 0x03, 0xaa, 0xbb];
    let mut r = Reader::new(&bytes);
    let v = fields::read_value(&SCHEMA, None, testing::SET_H, &mut r).expect("a value");
    assert_eq!(v.bytes, [0x84, 0x03]);
    assert_eq!(r.rest(), [0xaa, 0xbb]);
    // A setName whose length prefix runs past the end: an error naming the field, and
    // the reader has not moved.
    let cut = [0x05, 0x00, b'B', b'o'];
    let mut r = Reader::new(&cut);
    let err = fields::read_value(&SCHEMA, None, testing::SET_NAME, &mut r).expect_err("cut");
    match err {
        AstronError::Wire { context, error } => {
            assert_eq!(context, "setName");
            assert!(
                matches!(error.kind, WireErrorKind::Truncated { .. }),
                "{error:?}"
            );
        }
        other => panic!("expected a wire error, got {other:?}"),
    }
    assert_eq!(r.position(), 0);
}

#[test]
fn a_client_bound_message_before_the_hello_answer_is_unexpected_not_unknown() {
    let mut c = client();
    let update = ClientMessage::SetField {
        do_id: OBJ,
        field: FieldValue::new(&SetH { h: 9.0 }).expect("packs"),
    };
    let err = c.receive(&framed(&update)).expect_err("not yet open");
    assert_eq!(
        err,
        AstronError::Unexpected {
            msgtype: id::OBJECT_SET_FIELD,
            state: "before the hello answer",
        }
    );
    assert!(err.to_string().contains("120"), "{err}");
    assert!(!c.is_open());
}

#[test]
fn a_second_hello_answer_or_a_client_only_message_is_unexpected() {
    for (msg, msgtype) in [
        (ClientMessage::HelloResp, id::HELLO_RESP),
        (ClientMessage::Heartbeat, id::HEARTBEAT),
    ] {
        let mut c = open_client();
        let err = c.receive(&framed(&msg)).expect_err("not for a client");
        assert_eq!(
            err,
            AstronError::Unexpected {
                msgtype,
                state: "on an open session",
            }
        );
        // The session is over: later calls report it instead of going on.
        assert!(c.add_interest(Time::ZERO, ZONE).is_err());
    }
}

#[test]
fn an_object_entering_again_with_another_dclass_is_an_error() {
    let mut c = open_client();
    let name = FieldValue::new(&SetName { name: "Ann".into() }).expect("packs");
    c.receive(&framed(&enter(testing::AVATAR, vec![name])))
        .expect("first entry");
    // Before the fix the view took the new class but kept the avatar's fields.
    let err = c
        .receive(&framed(&enter(testing::CHAT, Vec::new())))
        .expect_err("class changed");
    assert_eq!(
        err,
        AstronError::ClassChanged {
            do_id: OBJ.0,
            known: testing::AVATAR,
            found: testing::CHAT,
        }
    );
    let view = c.object(OBJ).expect("the first view stays");
    assert_eq!(view.class, testing::AVATAR);
    assert!(view.fields.contains_key(&testing::SET_NAME));
}

#[test]
fn an_object_entering_again_with_its_own_dclass_refreshes_it() {
    let mut c = open_client();
    c.receive(&framed(&enter(testing::AVATAR, Vec::new())))
        .expect("first entry");
    let name = FieldValue::new(&SetName { name: "Bo".into() }).expect("packs");
    c.receive(&framed(&enter(testing::AVATAR, vec![name.clone()])))
        .expect("same class again");
    let view = c.object(OBJ).expect("view");
    assert_eq!(view.fields.get(&testing::SET_NAME), Some(&name.bytes));
}
