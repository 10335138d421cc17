//! Server→client bytes to a connected client holding objects: raw messages, and
//! fuzzed bodies inside valid snapshot / object-message headers (snapshot bodies in
//! the compact record format of protocol version 7: head byte, varint id deltas,
//! class and location chains, per-class field masks, DELTA records of integer fields
//! against a baseline 1-7 ticks back, which the client may or may not hold).

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use pipes::protocol::ServerMessage;
use pipes::{DoId, Tick};

fuzz_target!(|data: &[u8]| {
    let mut sim = common::world();
    let mut now = sim.now();
    let ids: Vec<DoId> = sim.clients[0].client.objects().map(|o| o.id()).collect();
    let client = &mut sim.clients[0].client;
    for msg in common::messages(data) {
        now = common::later(now, 5);
        let Some((&mode, body)) = msg.split_first() else {
            continue;
        };
        let wrapped;
        let bytes: &[u8] = match mode % 3 {
            0 => body,
            1 => {
                // A snapshot part with a plausible header around the fuzzed records.
                let (tick, count, part, last) = match body {
                    [t, c, ..] => (
                        u32::from(*t) + 20,
                        u16::from(*c % 8),
                        u16::from(*c >> 4),
                        *c & 8 != 0,
                    ),
                    _ => (20, 1, 0, true),
                };
                // Sequence numbers near the ones the world's setup used, so acks of
                // fuzzed packets exercise the client's ack window (wrap included).
                wrapped = ServerMessage::Snapshot {
                    seq: u16::from(body.first().copied().unwrap_or(0)).wrapping_sub(100),
                    tick: Tick(tick),
                    part,
                    last,
                    count,
                    delta_back: (tick % 8) as u8,
                    body: body.get(2..).unwrap_or(&[]),
                }
                .to_bytes();
                &wrapped
            }
            _ => {
                // A message for an object the client has, fuzzed field and arguments.
                let object = ids
                    .get(usize::from(body.first().copied().unwrap_or(0)) % ids.len().max(1))
                    .copied()
                    .unwrap_or(DoId(1));
                let field = u16::from(body.get(1).copied().unwrap_or(0) % 12);
                wrapped = ServerMessage::ObjectMessage {
                    tick: Tick(1000),
                    object,
                    field,
                    args: body.get(2..).unwrap_or(&[]),
                }
                .to_bytes();
                &wrapped
            }
        };
        client.handle_datagram(now, bytes);
        client.update(now);
        while client.poll_transmit().is_some() {}
        while client.poll_event().is_some() {}
    }
    // Whatever arrived, every object left is one the client can describe.
    for o in client.objects() {
        let _ = o.fields().count();
    }
});
