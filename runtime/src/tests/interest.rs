//! Interest: set, add, remove, "interest complete" after the objects arrived, limits,
//! and the game's interest filter.

use super::util::*;
use crate::client::ClientEvent;
use crate::config::Config;
use crate::ids::{ClientId, DoId, InterestHandle, Location};
use crate::protocol::EjectReason;
use crate::server::Hooks;
use crate::sim::{LinkConfig, SimNet};

fn world(sim: &mut SimNet) -> Vec<Vec<DoId>> {
    (0..3)
        .map(|zone| (0..5).map(|_| avatar(sim, zone, None)).collect())
        .collect()
}

fn complete_index(ev: &[ClientEvent], h: InterestHandle) -> usize {
    ev.iter()
        .position(|e| *e == ClientEvent::InterestComplete(h))
        .expect("interest complete")
}

#[test]
fn interest_complete_comes_after_every_object_of_the_zones() {
    for loss in [0.0, 0.2] {
        let mut sim = connected(1, lossy(loss), 40);
        let zones = world(&mut sim);
        sim.run_for(secs(0.5)).unwrap();
        let h = sim.clients[0]
            .client
            .set_interest(&[Location::zone(0), Location::zone(1)])
            .unwrap();
        sim.run_for(secs(3.0)).unwrap();
        let ev = take_events(&mut sim, 0);
        let done = complete_index(&ev, h);
        for id in zones[0].iter().chain(&zones[1]) {
            let alive = ev
                .iter()
                .position(|e| *e == ClientEvent::ObjectAlive { object: *id });
            assert!(
                alive.is_some_and(|a| a < done),
                "loss {loss}: object {} after complete",
                id.0
            );
        }
        assert!(zones[2]
            .iter()
            .all(|id| sim.clients[0].client.object(*id).is_none()));
    }
}

#[test]
fn add_and_remove_change_the_view_and_handles_differ() {
    let mut sim = connected(1, LinkConfig::perfect(), 41);
    let zones = world(&mut sim);
    let c = &mut sim.clients[0].client;
    let h1 = c.add_interest(&[Location::zone(0)]).unwrap();
    let h2 = c.add_interest(&[Location::zone(2)]).unwrap();
    assert_ne!(h1, h2);
    sim.run_for(secs(0.5)).unwrap();
    let ev = take_events(&mut sim, 0);
    complete_index(&ev, h1);
    complete_index(&ev, h2);
    let have = |sim: &SimNet, id: &DoId| sim.clients[0].client.object(*id).is_some();
    assert!(zones[0].iter().chain(&zones[2]).all(|id| have(&sim, id)));
    let h3 = sim.clients[0]
        .client
        .remove_interest(&[Location::zone(0)])
        .unwrap();
    sim.run_for(secs(0.5)).unwrap();
    complete_index(&take_events(&mut sim, 0), h3);
    assert!(zones[0].iter().all(|id| !have(&sim, id)));
    assert!(zones[2].iter().all(|id| have(&sim, id)));
    // Set replaces everything.
    sim.clients[0]
        .client
        .set_interest(&[Location::zone(1)])
        .unwrap();
    sim.run_for(secs(0.5)).unwrap();
    assert!(zones[1].iter().all(|id| have(&sim, id)));
    assert!(zones[2].iter().all(|id| !have(&sim, id)));
    assert_converged(&sim);
}

#[test]
fn empty_zone_completes_at_once_and_later_arrivals_still_come() {
    let mut sim = connected(1, LinkConfig::perfect(), 42);
    let h = sim.clients[0]
        .client
        .set_interest(&[Location::zone(7)])
        .unwrap();
    sim.run_for(secs(0.2)).unwrap();
    complete_index(&take_events(&mut sim, 0), h);
    let id = avatar(&mut sim, 7, None);
    sim.run_for(secs(0.3)).unwrap();
    assert!(sim.clients[0].client.object(id).is_some());
}

#[test]
fn zones_under_a_parent_are_distinct() {
    let mut sim = connected(1, LinkConfig::perfect(), 43);
    let top = avatar(&mut sim, 1, None);
    let under = Location {
        parent: top,
        zone: 1,
    };
    let child = sim
        .server
        .generate(crate::testing::AVATAR, under, None, &[])
        .unwrap();
    sim.clients[0].client.set_interest(&[under]).unwrap();
    sim.run_for(secs(0.3)).unwrap();
    assert!(sim.clients[0].client.object(child).is_some());
    assert!(sim.clients[0].client.object(top).is_none());
}

#[test]
fn too_many_zones_eject() {
    let config = Config {
        max_interest_zones: 3,
        ..Config::default()
    };
    let mut sim = SimNet::new(server_with(config), 44);
    sim.add_client(client_with(Config::default()), LinkConfig::perfect());
    sim.run_for(secs(0.3)).unwrap();
    let zones: Vec<Location> = (0..4).map(Location::zone).collect();
    sim.clients[0].client.add_interest(&zones).unwrap();
    sim.run_for(secs(0.3)).unwrap();
    assert!(sim.clients[0].events.iter().any(|e| matches!(
        e,
        ClientEvent::Disconnected(crate::client::ClientDisconnect::Ejected {
            reason: EjectReason::BadInterest,
            ..
        })
    )));
}

struct NoSecretZone;
impl Hooks for NoSecretZone {
    fn allow_interest(&mut self, _: ClientId, location: Location) -> bool {
        location.zone != 666
    }
}

#[test]
fn game_can_refuse_an_interest() {
    let mut server = server_with(Config::default());
    server.set_hooks(Box::new(NoSecretZone));
    let mut sim = SimNet::new(server, 45);
    sim.add_client(client_with(Config::default()), LinkConfig::perfect());
    sim.add_client(client_with(Config::default()), LinkConfig::perfect());
    sim.run_for(secs(0.3)).unwrap();
    sim.clients[0]
        .client
        .add_interest(&[Location::zone(1)])
        .unwrap();
    sim.clients[1]
        .client
        .add_interest(&[Location::zone(666)])
        .unwrap();
    sim.run_for(secs(0.3)).unwrap();
    assert!(sim.clients[0].client.is_connected());
    assert!(sim.clients[1].client.is_closed());
}

#[test]
fn server_side_interest_needs_no_handle() {
    let mut sim = connected(1, LinkConfig::perfect(), 46);
    let id = avatar(&mut sim, 4, None);
    let me = id_of(&sim, 0);
    sim.server
        .set_client_interest(me, crate::protocol::InterestOp::Add, &[Location::zone(4)])
        .unwrap();
    sim.run_for(secs(0.3)).unwrap();
    assert!(sim.clients[0].client.object(id).is_some());
}

#[test]
fn an_interest_request_too_large_for_one_message_is_refused_locally() {
    use crate::client::ClientError;
    use crate::protocol::MAX_INTEREST_LOCATIONS;
    let mut sim = connected(1, LinkConfig::perfect(), 931);
    let many: Vec<Location> = (0..=MAX_INTEREST_LOCATIONS as u32)
        .map(Location::zone)
        .collect();
    let c = &mut sim.clients[0].client;
    let want = ClientError::TooManyLocations {
        given: MAX_INTEREST_LOCATIONS + 1,
        max: MAX_INTEREST_LOCATIONS,
    };
    assert_eq!(c.add_interest(&many), Err(want.clone()));
    assert_eq!(c.set_interest(&many), Err(want));
    assert!(c.add_interest(&many[..MAX_INTEREST_LOCATIONS]).is_ok());
}
