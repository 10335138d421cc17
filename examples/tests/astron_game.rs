//! Runs the Astron example game's logic (one AI, two clients) over loopback TCP
//! against the in-repo fake cluster. A protocol-level check only: the real `astrond`
//! run is described in the README.

use pipes::client::ClientDisconnect;
use pipes::protocol::EjectReason;
use pipes_astron::fake::tcp::FakeServer;
use pipes_astron::fake::FakeConfig;
use pipes_examples::astron_schema::{distributed_chat as chat, SCHEMA};
use pipes_examples::astron_world::{run_all, Outcome, DATABASE, LOGIN, STATE_SERVER, VERSION};
use std::time::Duration;

#[test]
fn two_players_walk_chat_and_a_cheater_is_ejected() {
    let mut config = FakeConfig::new(VERSION);
    config.state_server = STATE_SERVER;
    config.database = DATABASE;
    config.uberdogs.push((LOGIN, chat::ID, true));
    let server = FakeServer::start(&SCHEMA, config, Duration::from_secs(30)).expect("binds");
    let summary = run_all(
        server.md_addr,
        server.ca_addr,
        &[("alice", None), ("bob", Some(2.5))],
        3.5,
    )
    .expect("runs");
    let ignored = server.stop();
    assert!(
        ignored.is_empty(),
        "the fake ignored message types {ignored:?}"
    );

    let [alice, bob] = summary.clients.as_slice() else {
        panic!("two clients")
    };
    // Both logged in and got their avatars; each saw the other walk.
    assert!(
        alice.log.iter().any(|l| l.contains("my avatar is")),
        "{:?}",
        alice.log
    );
    assert!(
        bob.log.iter().any(|l| l.contains("my avatar is")),
        "{:?}",
        bob.log
    );
    assert!(
        alice.moves_seen.values().sum::<u32>() >= 5,
        "{:?}",
        alice.moves_seen
    );
    assert!(
        bob.moves_seen.values().sum::<u32>() >= 5,
        "{:?}",
        bob.moves_seen
    );
    // Chat is relayed by the AI to everyone in the room, the speaker included.
    for c in [alice, bob] {
        for text in ["hello from alice", "hello from bob"] {
            assert!(
                c.heard.iter().any(|(_, t)| t == text),
                "{text}: {:?}",
                c.heard
            );
        }
    }
    // Bob sent setSecret and was ejected; alice left politely.
    assert_eq!(alice.outcome, Outcome::Ended(ClientDisconnect::Left));
    let Outcome::Ended(ClientDisconnect::Ejected { reason, detail }) = &bob.outcome else {
        panic!("bob: {:?}", bob.outcome)
    };
    assert_eq!(*reason, EjectReason::NotSendable);
    assert!(
        detail.contains("118") && detail.contains("setSecret"),
        "{detail}"
    );
    // Alice saw bob's avatar go (his session object is deleted with his session).
    assert!(
        alice.log.iter().any(|l| l.contains("left")),
        "{:?}",
        alice.log
    );
    // The AI stored both accounts and saw both avatars leave.
    let ai = &summary.ai.log;
    for name in ["alice", "bob"] {
        assert!(
            ai.iter()
                .any(|l| *l == format!("ai: account of {name} stored, logins = 2")),
            "{ai:?}"
        );
        assert!(
            ai.iter()
                .any(|l| l.starts_with(&format!("ai: {name} left"))),
            "{ai:?}"
        );
    }
}

/// Issue 16: without `astrond` the example must say what to start, not a bare
/// `ConnectionRefused`.
#[test]
fn a_missing_astrond_is_explained() {
    // Bind then drop a listener: nothing listens on that port afterwards.
    let addr = match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(a) => a,
        Err(e) => panic!("cannot bind loopback: {e}"),
    };
    let Err(e) = pipes_examples::astron_world::GameAi::connect(addr) else {
        panic!("connected to {addr} where nothing listens");
    };
    let text = e.to_string();
    assert!(text.contains("message director"), "{text}");
    assert!(text.contains("astrond"), "{text}");
}
