//! Handshake bytes: to a server with an authentication hook (hello, answers, anything
//! else before the session), and to a client waiting for accept / reject / challenge.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use pipes::client::Client;
use pipes::server::{Hooks, Server};
use pipes::testing::SCHEMA;
use pipes::{Config, ConnectionId, Time};

struct Challenge;

impl Hooks for Challenge {
    fn challenge(&mut self, _connection: ConnectionId) -> Option<Vec<u8>> {
        Some(b"nonce".to_vec())
    }
    fn verify(
        &mut self,
        _c: ConnectionId,
        challenge: &[u8],
        answer: &[u8],
    ) -> Result<Option<String>, String> {
        if answer == challenge {
            Ok(None)
        } else {
            Err("wrong answer".into())
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut now = Time::from_secs_f64(1.0);
    let mut server = Server::new(&SCHEMA, Config::default());
    server.set_hooks(Box::new(Challenge));
    server.update(now);
    let mut client = Client::new(&SCHEMA, Config::default());
    client.connect(now);
    // Connection 1 starts with a real hello: the server challenges it, and the fuzzed
    // messages then reach the authentication stage (and, with the right answer, the
    // session); connections 2 and 3 get only fuzzed bytes.
    server.handle_connect(now, ConnectionId(1));
    while let Some(p) = client.poll_transmit() {
        server.handle_datagram(now, ConnectionId(1), &p.payload);
    }
    while let Some(t) = server.poll_transmit() {
        client.handle_datagram(now, &t.payload);
    }
    for (i, msg) in common::messages(data).into_iter().enumerate() {
        now = common::later(now, 7);
        let conn = ConnectionId(1 + (i as u64 % 3));
        if let Some(answer) = msg.strip_prefix(b"A") {
            // The game answers the challenge; the answer goes to the server.
            let _ = client.answer_auth(answer);
            while let Some(p) = client.poll_transmit() {
                server.handle_datagram(now, ConnectionId(1), &p.payload);
            }
        }
        server.handle_connect(now, conn);
        server.handle_datagram(now, conn, msg);
        server.update(now);
        while server.poll_transmit().is_some() {}
        while server.poll_event().is_some() {}
        client.handle_datagram(now, msg);
        client.update(now);
        while client.poll_transmit().is_some() {}
        while client.poll_event().is_some() {}
    }
});
