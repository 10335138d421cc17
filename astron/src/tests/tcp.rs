//! The blocking TCP drivers against the fake cluster served on loopback TCP.

use crate::ai::{AiConfig, AiEvent, AstronAi, ClientState};
use crate::client::{AstronClient, ClientConfig, ClientEvent};
use crate::fake::tcp::FakeServer;
use crate::fake::FakeConfig;
use crate::tcp::{AiLink, ClientLink};
use crate::EjectCode;
use pipes::ids::{DoId, Location};
use pipes::testing::{self, Say, SetName, SCHEMA};
use pipes::time::Time;
use std::io::ErrorKind;
use std::time::{Duration, Instant};

const LOGIN: DoId = DoId(4665);
const AVATAR: DoId = DoId(20_001);

/// Pumps both links until `done` holds (at most 5 s).
fn pump_until(
    ai: &mut AiLink,
    client: &mut ClientLink,
    mut done: impl FnMut(&mut AiLink, &mut ClientLink) -> bool,
) {
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end {
        ai.pump().expect("AI link");
        // An eject closes the client's connection: the pump then reports the EOF.
        if let Err(e) = client.pump(Time::ZERO) {
            assert_eq!(e.kind(), ErrorKind::UnexpectedEof, "{e}");
        }
        if done(ai, client) {
            return;
        }
    }
    panic!("no progress over TCP within 5 s");
}

#[test]
fn ai_and_client_drivers_talk_over_loopback_tcp() {
    let mut config = FakeConfig::new("v1");
    config.uberdogs.push((LOGIN, testing::CHAT, true));
    let server =
        FakeServer::start(&SCHEMA, config.clone(), Duration::from_secs(20)).expect("binds");
    let ai = AstronAi::new(
        &SCHEMA,
        AiConfig {
            channel: 5000,
            state_server: config.state_server,
            name: "tcp test".into(),
        },
    )
    .expect("encodes");
    let mut ai = AiLink::connect(server.md_addr, ai, Duration::from_millis(2)).expect("MD port");
    ai.ai.subscribe(LOGIN.0.into()).expect("encodes");
    let zone = Location {
        parent: DoId(20_000),
        zone: 3,
    };
    let name = crate::FieldValue::new(&SetName { name: "Zed".into() }).expect("packs");
    ai.ai
        .create_object(AVATAR, zone, testing::AVATAR, &[name], &[])
        .expect("valid");
    let mut c =
        AstronClient::new(&SCHEMA, ClientConfig::new(&SCHEMA, "v1"), Time::ZERO).expect("hello");
    c.add_uberdog(LOGIN, testing::CHAT).expect("class");
    let mut client =
        ClientLink::connect(server.ca_addr, c, Duration::from_millis(2)).expect("CA port");

    pump_until(&mut ai, &mut client, |_, c| c.client.is_open());
    assert_eq!(client.client.next_event(), Some(ClientEvent::Connected));

    // Login through the UberDOG: the AI learns the client's channel from the sender.
    client
        .client
        .send_update(Time::ZERO, LOGIN, &Say { text: "hi".into() })
        .expect("anonymous may talk to the UberDOG");
    let mut sender = None;
    pump_until(&mut ai, &mut client, |ai, _| {
        while let Some(e) = ai.ai.next_event() {
            if let AiEvent::Updated {
                sender: s,
                do_id: LOGIN,
                ..
            } = e
            {
                sender = Some(s);
            }
        }
        sender.is_some()
    });
    let channel = sender.expect("login seen");
    ai.ai
        .client_set_state(channel, ClientState::Established)
        .expect("encodes");
    ai.ai.set_owner(AVATAR, channel).expect("encodes");
    pump_until(&mut ai, &mut client, |_, c| {
        c.client.object(AVATAR).is_some()
    });
    assert!(client.client.object(AVATAR).expect("owner view").owner);

    // setName is not ownsend: the agent ejects, closes, and the driver reports EOF.
    client
        .client
        .send_update(
            Time::ZERO,
            AVATAR,
            &SetName {
                name: "Cheat".into(),
            },
        )
        .expect("queued");
    pump_until(&mut ai, &mut client, |_, c| c.client.ejected().is_some());
    assert_eq!(
        client.client.ejected().map(|e| e.0),
        Some(EjectCode::ForbiddenField)
    );
    let end = Instant::now() + Duration::from_secs(5);
    let eof = loop {
        match client.pump(Time::ZERO) {
            Err(e) => break e,
            Ok(()) if Instant::now() > end => panic!("the agent did not close"),
            Ok(()) => {}
        }
    };
    assert!(
        matches!(
            eof.kind(),
            ErrorKind::UnexpectedEof | ErrorKind::InvalidData
        ),
        "{eof}"
    );
    assert!(server.stop().is_empty(), "nothing the fake does not model");
}
