//! Client-agent→client bytes to an `AstronClient` that reached a chosen state through
//! real traffic with the fake cluster (replayed from a recording) (hello sent; logged in; interest pending;
//! objects and an owner view present): raw stream bytes, framed bodies, and fuzzed
//! payloads behind a valid message type, object or dclass.

#![no_main]

mod astron_common;

use astron_common::{pick_do_id, Stage, AVATARS, ZONE};
use libfuzzer_sys::fuzz_target;
use pipes::testing::{SetName, SetPos};
use pipes::Time;
use pipes_astron::events::PipesEvents;
use pipes_astron::frame::write_frame;
use pipes_astron::msgtype::client as id;
use std::time::Duration;

/// Every message type a client agent sends.
const SERVER_TYPES: [u16; 14] = [
    id::HELLO_RESP,
    id::EJECT,
    id::OBJECT_SET_FIELD,
    id::OBJECT_SET_FIELDS,
    id::OBJECT_LEAVING,
    id::OBJECT_LOCATION,
    id::ENTER_OBJECT_REQUIRED,
    id::ENTER_OBJECT_REQUIRED_OTHER,
    id::OBJECT_LEAVING_OWNER,
    id::ENTER_OBJECT_REQUIRED_OWNER,
    id::ENTER_OBJECT_REQUIRED_OTHER_OWNER,
    id::ADD_INTEREST,
    id::REMOVE_INTEREST,
    id::DONE_INTEREST_RESP,
];

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = write_frame(body, &mut out);
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&stage, data)) = data.split_first() else {
        return;
    };
    let mut client = astron_common::client_at(Stage::from_byte(stage));
    let mut events = PipesEvents::new();
    let mut now = Time::ZERO;
    for msg in astron_common::messages(data) {
        now = now + Duration::from_millis(700);
        let Some((&mode, body)) = msg.split_first() else {
            continue;
        };
        let bytes = match mode % 5 {
            // The TCP stream as is: length prefixes are fuzzed too.
            0 => body.to_vec(),
            // One whole message, fuzzed from its message type on.
            1 => framed(body),
            // A message type the client agent sends, fuzzed payload.
            2 => {
                let t = SERVER_TYPES[usize::from(mode / 5) % SERVER_TYPES.len()];
                let mut b = t.to_le_bytes().to_vec();
                b.extend_from_slice(body);
                framed(&b)
            }
            // A field update (one or several) of a known object, fuzzed field and value.
            3 => {
                let t = if mode & 0x80 == 0 {
                    id::OBJECT_SET_FIELD
                } else {
                    id::OBJECT_SET_FIELDS
                };
                let mut b = t.to_le_bytes().to_vec();
                b.extend_from_slice(&pick_do_id(mode >> 3).0.to_le_bytes());
                b.extend_from_slice(body);
                framed(&b)
            }
            // An object entering with a valid header and dclass, fuzzed sections.
            _ => {
                let t = [
                    id::ENTER_OBJECT_REQUIRED,
                    id::ENTER_OBJECT_REQUIRED_OTHER,
                    id::ENTER_OBJECT_REQUIRED_OWNER,
                    id::ENTER_OBJECT_REQUIRED_OTHER_OWNER,
                ][usize::from(mode >> 3) % 4];
                let mut b = t.to_le_bytes().to_vec();
                b.extend_from_slice(&pick_do_id(mode >> 5).0.to_le_bytes());
                b.extend_from_slice(&ZONE.parent.0.to_le_bytes());
                b.extend_from_slice(&ZONE.zone.to_le_bytes());
                b.extend_from_slice(&u16::from(mode >> 7).wrapping_add(1).to_le_bytes());
                b.extend_from_slice(body);
                framed(&b)
            }
        };
        let _ = client.receive(&bytes);
        while events.next(&mut client).is_some() {}
        let _ = client.poll(now);
        let _ = client.take_output();
    }
    // Whatever arrived, the session still answers every call without panicking.
    for (_, view) in client.objects() {
        let _ = view.get::<SetName>();
        let _ = view.get::<SetPos>();
    }
    let _ = client.send_update(
        now,
        AVATARS[0],
        &SetPos {
            x: 0.5,
            y: 0.5,
            z: 0.5,
        },
    );
    let _ = client.add_interest(now, ZONE);
    let _ = client.disconnect(now);
    let _ = client.take_output();
});
