//! Message-director→AI bytes to an `AstronAi` (fresh, or managing two avatars it
//! created through the fake cluster): raw stream bytes, framed bodies, and fuzzed
//! payloads behind a valid routing header and message type, object or dclass.

#![no_main]

mod astron_common;

use astron_common::{pick_do_id, AI, AVATARS, SS};
use libfuzzer_sys::fuzz_target;
use pipes::testing::SetPos;
use pipes_astron::frame::write_frame;
use pipes_astron::msgtype::{clientagent as ca, control, dbserver as db, stateserver as ss};

/// Every message type the internal codec knows.
const TYPES: [u16; 57] = [
    control::ADD_CHANNEL,
    control::REMOVE_CHANNEL,
    control::ADD_RANGE,
    control::REMOVE_RANGE,
    control::ADD_POST_REMOVE,
    control::CLEAR_POST_REMOVES,
    control::SET_CON_NAME,
    control::SET_CON_URL,
    control::LOG_MESSAGE,
    ca::SET_STATE,
    ca::SET_CLIENT_ID,
    ca::SEND_DATAGRAM,
    ca::EJECT,
    ca::DROP,
    ca::DECLARE_OBJECT,
    ca::UNDECLARE_OBJECT,
    ca::ADD_SESSION_OBJECT,
    ca::REMOVE_SESSION_OBJECT,
    ca::SET_FIELDS_SENDABLE,
    ca::OPEN_CHANNEL,
    ca::CLOSE_CHANNEL,
    ca::ADD_INTEREST,
    ca::ADD_INTEREST_MULTIPLE,
    ca::REMOVE_INTEREST,
    ca::DONE_INTEREST_RESP,
    ss::CREATE_OBJECT_WITH_REQUIRED,
    ss::CREATE_OBJECT_WITH_REQUIRED_OTHER,
    ss::DELETE_AI_OBJECTS,
    ss::OBJECT_GET_FIELD,
    ss::OBJECT_GET_FIELD_RESP,
    ss::OBJECT_GET_ALL,
    ss::OBJECT_GET_ALL_RESP,
    ss::OBJECT_SET_FIELD,
    ss::OBJECT_SET_FIELDS,
    ss::OBJECT_DELETE_RAM,
    ss::OBJECT_SET_LOCATION,
    ss::OBJECT_CHANGING_LOCATION,
    ss::OBJECT_ENTER_LOCATION_WITH_REQUIRED,
    ss::OBJECT_ENTER_LOCATION_WITH_REQUIRED_OTHER,
    ss::OBJECT_SET_AI,
    ss::OBJECT_CHANGING_AI,
    ss::OBJECT_ENTER_AI_WITH_REQUIRED,
    ss::OBJECT_ENTER_AI_WITH_REQUIRED_OTHER,
    ss::OBJECT_SET_OWNER,
    ss::OBJECT_CHANGING_OWNER,
    ss::OBJECT_ENTER_OWNER_WITH_REQUIRED,
    ss::OBJECT_ENTER_OWNER_WITH_REQUIRED_OTHER,
    ss::OBJECT_ENTER_INTEREST_WITH_REQUIRED,
    ss::OBJECT_ENTER_INTEREST_WITH_REQUIRED_OTHER,
    ss::OBJECT_GET_ZONE_OBJECTS,
    ss::OBJECT_GET_ZONES_OBJECTS,
    ss::OBJECT_GET_ZONES_COUNT_RESP,
    ss::DBSS_OBJECT_ACTIVATE_WITH_DEFAULTS,
    db::CREATE_OBJECT_RESP,
    db::OBJECT_GET_FIELD_RESP,
    db::OBJECT_GET_ALL_RESP,
    db::OBJECT_SET_FIELDS,
];

/// A routing header to the AI from the state server, then the message type.
fn header(msgtype: u16) -> Vec<u8> {
    let mut b = vec![1];
    b.extend_from_slice(&AI.to_le_bytes());
    b.extend_from_slice(&SS.to_le_bytes());
    b.extend_from_slice(&msgtype.to_le_bytes());
    b
}

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = write_frame(body, &mut out);
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&start, data)) = data.split_first() else {
        return;
    };
    let mut ai = if start & 1 == 0 {
        astron_common::ai_with_objects()
    } else {
        astron_common::new_ai()
    };
    for msg in astron_common::messages(data) {
        let Some((&mode, body)) = msg.split_first() else {
            continue;
        };
        let bytes = match mode % 5 {
            // The TCP stream as is: length prefixes are fuzzed too.
            0 => body.to_vec(),
            // One whole message, fuzzed from the routing header on.
            1 => framed(body),
            // A valid header and known message type, fuzzed payload.
            2 => {
                let t = body.first().map_or(0, |&i| usize::from(i));
                let mut b = header(TYPES[t % TYPES.len()]);
                b.extend_from_slice(body.get(1..).unwrap_or(&[]));
                framed(&b)
            }
            // A field update of a known object, fuzzed field and value.
            3 => {
                let t = if mode & 0x80 == 0 {
                    ss::OBJECT_SET_FIELD
                } else {
                    ss::OBJECT_SET_FIELDS
                };
                let mut b = header(t);
                b.extend_from_slice(&pick_do_id(mode >> 3).0.to_le_bytes());
                b.extend_from_slice(body);
                framed(&b)
            }
            // An object entry with a valid dclass, fuzzed sections.
            _ => {
                let (t, ctx) = [
                    (ss::OBJECT_ENTER_AI_WITH_REQUIRED, false),
                    (ss::OBJECT_ENTER_AI_WITH_REQUIRED_OTHER, false),
                    (ss::OBJECT_GET_ALL_RESP, true),
                    (ss::OBJECT_ENTER_INTEREST_WITH_REQUIRED_OTHER, true),
                ][usize::from(mode >> 3) % 4];
                let mut b = header(t);
                if ctx {
                    b.extend_from_slice(&7u32.to_le_bytes());
                }
                b.extend_from_slice(&pick_do_id(mode >> 5).0.to_le_bytes());
                b.extend_from_slice(&[0; 8]);
                b.extend_from_slice(&u16::from(mode >> 7).wrapping_add(1).to_le_bytes());
                b.extend_from_slice(body);
                framed(&b)
            }
        };
        let _ = ai.receive(&bytes);
        while ai.next_event().is_some() {}
        let _ = ai.take_output();
    }
    // Whatever arrived, the AI still answers calls without panicking.
    let _ = ai.send_update(
        AVATARS[0],
        &SetPos {
            x: 0.5,
            y: 0.5,
            z: 0.5,
        },
    );
    let _ = ai.get_all(AVATARS[1]);
    let _ = ai.take_output();
});
