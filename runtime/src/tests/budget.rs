//! The command budget covers every client message: field messages and pings are
//! dropped beyond it, interest and rate changes (which cannot be dropped) are charged
//! and a client flooding them is ejected.

use super::util::*;
use crate::client::{ClientDisconnect, ClientEvent};
use crate::config::Config;
use crate::ids::Location;
use crate::protocol::EjectReason;
use crate::schema::FieldMessage as _;
use crate::server::{DisconnectReason, ServerEvent};
use crate::sim::{LinkConfig, SimNet};
use crate::testing::{Say, CHAT};

fn with_cmd_rate(rates: &[u8], seed: u64) -> SimNet {
    let mut sim = SimNet::new(server_with(Config::default()), seed);
    for &r in rates {
        let config = Config {
            cmd_rate: r,
            ..Config::default()
        };
        sim.add_client(client_with(config), LinkConfig::new(10, 2, 0.0, 0.0));
    }
    sim.run_for(secs(1.0)).unwrap();
    sim
}

fn ejections(sim: &mut SimNet) -> Vec<(crate::ids::ClientId, EjectReason)> {
    take_server_events(sim)
        .into_iter()
        .filter_map(|e| match e {
            ServerEvent::ClientDisconnected {
                client,
                reason: DisconnectReason::Ejected(r),
            } => Some((client, r)),
            _ => None,
        })
        .collect()
}

fn completes(sim: &mut SimNet, i: usize) -> usize {
    take_events(sim, i)
        .iter()
        .filter(|e| matches!(e, ClientEvent::InterestComplete(_)))
        .count()
}

#[test]
fn an_interest_flood_ejects_only_the_flooder() {
    let mut sim = with_cmd_rate(&[10, 100], 501);
    for zone in 0..4 {
        avatar(&mut sim, zone, None);
    }
    let chat = sim
        .server
        .generate(CHAT, Location::zone(0), None, &[])
        .unwrap();
    let flooder = id_of(&sim, 0);
    take_server_events(&mut sim);
    // Well-behaved: one interest change and ten chat lines per second, for 3 s.
    // Flooder: 30 interest changes at once, three seconds' worth of its budget.
    for zone in 0..30u32 {
        sim.clients[0]
            .client
            .add_interest(&[Location::zone(zone % 4)])
            .unwrap();
    }
    let mut said = 0;
    for second in 0..3u32 {
        sim.clients[1]
            .client
            .set_interest(&[Location::zone(second % 4), Location::zone(0)])
            .unwrap();
        for _ in 0..10 {
            sim.run_for(secs(0.1)).unwrap();
            let text = format!("{said}");
            if sim.clients[1]
                .client
                .send_message(chat, &Say { text })
                .is_ok()
            {
                said += 1;
            }
        }
    }
    sim.run_for(secs(0.5)).unwrap();
    let server_events = take_server_events(&mut sim);
    let heard = server_events
        .iter()
        .filter(|e| matches!(e, ServerEvent::Message { .. }))
        .count();
    sim.server_events = server_events;
    assert_eq!(ejections(&mut sim), [(flooder, EjectReason::CommandFlood)]);
    assert!(sim.clients[0].events.iter().any(|e| matches!(
        e,
        ClientEvent::Disconnected(ClientDisconnect::Ejected {
            reason: EjectReason::CommandFlood,
            ..
        })
    )));
    assert!(sim.clients[1].client.is_connected());
    assert!(said >= 29, "the chat object was visible: {said}");
    assert_eq!(heard, said, "every line of the well-behaved client passed");
    assert_eq!(completes(&mut sim, 1), 3);
    assert_converged(&sim);
}

#[test]
fn interest_changes_within_the_budget_all_complete() {
    let mut sim = with_cmd_rate(&[10], 502);
    for zone in 0..4 {
        avatar(&mut sim, zone, None);
    }
    take_events(&mut sim, 0);
    // Eight changes per second with a budget of ten: never in debt beyond a second.
    for n in 0..24u32 {
        sim.clients[0]
            .client
            .set_interest(&[Location::zone(n % 4)])
            .unwrap();
        sim.run_for(secs(0.125)).unwrap();
    }
    sim.run_for(secs(0.5)).unwrap();
    assert!(ejections(&mut sim).is_empty());
    assert_eq!(completes(&mut sim, 0), 24);
    assert_converged(&sim);
}

#[test]
fn a_rate_change_flood_is_charged_too() {
    let mut sim = with_cmd_rate(&[20, 20], 503);
    let flooder = id_of(&sim, 0);
    take_server_events(&mut sim);
    for n in 0..60u8 {
        sim.clients[0].client.set_rates(10 + n % 5, 20);
    }
    sim.clients[1].client.set_rates(30, 20);
    sim.run_for(secs(0.5)).unwrap();
    assert_eq!(ejections(&mut sim), [(flooder, EjectReason::CommandFlood)]);
    let other = sim.server.client_info(id_of(&sim, 1)).unwrap();
    assert_eq!(other.update_rate, 30);
}

#[test]
fn a_command_rate_of_zero_allowed_by_the_server_divides_nothing() {
    let server = Config {
        min_cmd_rate: 0,
        min_update_rate: 0,
        max_cmd_rate: 50,
        ..Config::default()
    };
    let mut sim = SimNet::new(server_with(server), 504);
    let zero = Config {
        cmd_rate: 0,
        ..Config::default()
    };
    sim.add_client(client_with(zero), LinkConfig::perfect());
    let greedy = Config {
        cmd_rate: 200,
        ..Config::default()
    };
    sim.add_client(client_with(greedy), LinkConfig::perfect());
    sim.run_for(secs(1.0)).unwrap();
    // A configured minimum of 0 is floored at 1 (the handshake refuses zero rates).
    assert_eq!(sim.server.client_info(id_of(&sim, 0)).unwrap().cmd_rate, 1);
    assert_eq!(
        sim.server.client_info(id_of(&sim, 1)).unwrap().cmd_rate,
        50,
        "clamped to the server's maximum"
    );
    sim.clients[0]
        .client
        .set_interest(&[Location::zone(1)])
        .unwrap();
    let chat = sim
        .server
        .generate(CHAT, Location::zone(1), None, &[])
        .unwrap();
    sim.run_for(secs(1.5)).unwrap();
    take_server_events(&mut sim);
    for _ in 0..5 {
        let say = Say { text: "hi".into() };
        sim.clients[0].client.send_message(chat, &say).unwrap();
    }
    sim.run_for(secs(0.5)).unwrap();
    let heard = take_server_events(&mut sim)
        .iter()
        .filter(|e| matches!(e, ServerEvent::Message { .. }))
        .count();
    // One command per second, shared with the client's pings: at most one line.
    assert!(
        heard <= 1,
        "{heard} lines passed a budget of one per second"
    );
    assert!(sim.clients[0].client.is_connected());
    assert!(
        sim.clients[0].client.rtt().is_some(),
        "pongs still come back"
    );
}

#[test]
fn a_forbidden_message_over_the_budget_still_ejects() {
    let mut sim = with_cmd_rate(&[10], 505);
    let flooder = id_of(&sim, 0);
    sim.clients[0]
        .client
        .set_interest(&[Location::zone(1)])
        .unwrap();
    let chat = sim
        .server
        .generate(CHAT, Location::zone(1), None, &[])
        .unwrap();
    sim.run_for(secs(1.0)).unwrap();
    take_server_events(&mut sim);
    // Spend the whole budget at once, then send what the client may never send
    // (`said` is broadcast only): the rules come before the budget.
    for _ in 0..40 {
        let say = Say { text: "x".into() };
        let bytes = crate::schema::FieldMessage::to_bytes(&say).unwrap();
        sim.clients[0]
            .client
            .send_unchecked(chat, crate::testing::Say::NUMBER, &bytes);
    }
    let said = crate::testing::Said {
        sender: 0,
        text: "forged".into(),
    };
    let bytes = crate::schema::FieldMessage::to_bytes(&said).unwrap();
    sim.clients[0]
        .client
        .send_unchecked(chat, crate::testing::Said::NUMBER, &bytes);
    sim.run_for(secs(0.5)).unwrap();
    assert_eq!(ejections(&mut sim), [(flooder, EjectReason::NotSendable)]);
}
