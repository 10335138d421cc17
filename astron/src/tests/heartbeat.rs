//! Issue 16 item 1: the fake cluster ejects a session that sends no `CLIENT_HEARTBEAT`
//! within its timeout (345, as Astron does), whatever else it sends; the real client
//! heartbeats on its own clock, so a client walking and chatting stays connected.

use crate::client::{AstronClient, ClientConfig, ClientEvent};
use crate::fake::{FakeCluster, FakeConfig};
use crate::EjectCode;
use pipes::ids::DoId;
use pipes::testing::{self, Say, SCHEMA};
use pipes::time::Time;
use std::time::Duration;

const LOGIN: DoId = DoId(4665);

/// A fake with a 1 s heartbeat timeout and an anonymous UberDOG to chat to.
fn fake() -> FakeCluster {
    let mut config = FakeConfig::new("v1");
    config.uberdogs.push((LOGIN, testing::CHAT, true));
    config.heartbeat_timeout = Some(Duration::from_secs(1));
    FakeCluster::new(&SCHEMA, config)
}

/// A client heartbeating every `interval`, connected (after HELLO_RESP) to `fake`.
fn client(fake: &mut FakeCluster, interval: Duration) -> (usize, AstronClient) {
    let (i, _) = fake.accept();
    let mut config = ClientConfig::new(&SCHEMA, "v1");
    config.heartbeat_interval = interval;
    let mut c = AstronClient::new(&SCHEMA, config, Time::ZERO).expect("hello encodes");
    c.add_uberdog(LOGIN, testing::CHAT)
        .expect("chat is a dclass");
    fake.recv_client(i, &c.take_output());
    c.receive(&fake.take_client_output(i))
        .expect("hello answer");
    assert_eq!(c.next_event(), Some(ClientEvent::Connected));
    (i, c)
}

/// Chats to the UberDOG every 50 ms for `seconds`, moving bytes both ways; returns
/// the time the session was ejected, if it was.
fn chat_for(fake: &mut FakeCluster, i: usize, c: &mut AstronClient, seconds: u64) -> Option<Time> {
    for step in 1..=seconds * 20 {
        let now = Time::ZERO + Duration::from_millis(step * 50);
        let say = Say {
            text: format!("line {step}"),
        };
        if c.is_open() {
            c.send_update(now, LOGIN, &say).expect("may chat");
            c.poll(now).expect("heartbeat encodes");
        }
        fake.recv_client(i, &c.take_output());
        fake.advance(now);
        let _ = c.receive(&fake.take_client_output(i));
        if fake.is_closed(i) {
            return Some(now);
        }
    }
    None
}

#[test]
fn a_session_without_heartbeats_is_ejected_with_345_however_busy() {
    let mut fake = fake();
    // What the client did before the fix: heartbeats only after 5 s of silence.
    let (i, mut c) = client(&mut fake, Duration::from_secs(3600));
    let ejected = chat_for(&mut fake, i, &mut c, 3).expect("ejected");
    assert!(
        ejected > Time::ZERO + Duration::from_secs(1),
        "not before the timeout: {ejected:?}"
    );
    assert!(
        ejected <= Time::ZERO + Duration::from_millis(1100),
        "{ejected:?}"
    );
    let (code, reason) = c.ejected().expect("the client saw the eject");
    assert_eq!(code, EjectCode::HeartbeatTimeout);
    assert_eq!(reason, "Server timed out while waiting for heartbeat.");
}

#[test]
fn a_walking_chatting_client_stays_connected_past_the_timeout() {
    let mut fake = fake();
    let (i, mut c) = client(&mut fake, Duration::from_millis(400));
    assert_eq!(chat_for(&mut fake, i, &mut c, 4), None, "{:?}", c.ejected());
    assert!(c.is_open());
}

#[test]
fn with_the_timeout_disabled_nobody_times_out() {
    let mut config = FakeConfig::new("v1");
    config.uberdogs.push((LOGIN, testing::CHAT, true));
    config.heartbeat_timeout = None;
    let mut fake = FakeCluster::new(&SCHEMA, config);
    let (i, mut c) = client(&mut fake, Duration::from_secs(3600));
    assert_eq!(chat_for(&mut fake, i, &mut c, 3), None);
}
