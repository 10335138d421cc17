//! Shared set-up: a server of the test schema with objects, and connected clients.

#![allow(dead_code)]

use pipes::client::Client;
use pipes::server::Server;
use pipes::sim::{LinkConfig, SimNet};
use pipes::testing::{SetPos, AVATAR, CHAT, SCHEMA};
use pipes::{Config, Location, Time};
use std::time::Duration;

/// A simulation with two connected clients watching zone 1, a chat object and two
/// avatars (one owned by client 0).
pub fn world() -> SimNet {
    let mut sim = SimNet::new(Server::new(&SCHEMA, Config::default()), 1);
    for _ in 0..2 {
        sim.add_client(
            Client::new(&SCHEMA, Config::default()),
            LinkConfig::perfect(),
        );
    }
    sim.run_for(Duration::from_millis(200)).expect("settles");
    for c in &mut sim.clients {
        c.client
            .set_interest(&[Location::zone(1)])
            .expect("interest");
    }
    let owner = sim.clients[0].client.id();
    let _ = sim.server.generate(CHAT, Location::zone(1), None, &[]);
    let _ = sim.server.generate(AVATAR, Location::zone(1), owner, &[]);
    if let Ok(id) = sim.server.generate(AVATAR, Location::zone(1), None, &[]) {
        let _ = sim.server.set(
            id,
            &SetPos {
                x: 1.0,
                y: 2.0,
                z: 3.0,
            },
        );
    }
    sim.run_for(Duration::from_millis(300)).expect("settles");
    sim
}

/// Splits fuzz input into messages: each is a `u8` length then that many bytes
/// (the rest when shorter). At most 64 messages.
pub fn messages(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let Some((&len, rest)) = data.split_first() {
        if out.len() == 64 {
            break;
        }
        let n = usize::from(len).min(rest.len());
        out.push(&rest[..n]);
        data = &rest[n..];
    }
    out
}

/// Advances a time by `ms` milliseconds.
pub fn later(t: Time, ms: u64) -> Time {
    t + Duration::from_millis(ms)
}
