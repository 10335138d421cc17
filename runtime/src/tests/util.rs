//! Test harness: a server and clients of the example schema over [`SimNet`].

use crate::client::{Client, ClientEvent};
use crate::config::Config;
use crate::ids::{ClientId, DoId, Location};
use crate::server::{Server, ServerEvent};
use crate::sim::{LinkConfig, SimNet};
use crate::testing::{SetPos, AVATAR, SCHEMA};
use std::time::Duration;

pub(crate) fn server_with(config: Config) -> Server {
    Server::new(&SCHEMA, config)
}

pub(crate) fn client_with(config: Config) -> Client {
    Client::new(&SCHEMA, config)
}

pub(crate) fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// A simulation with `n` connected clients on `link`.
pub(crate) fn connected(n: usize, link: LinkConfig, seed: u64) -> SimNet {
    connected_with(n, link, seed, Config::default())
}

/// A simulation with `n` connected clients on `link`, the server using `config`.
pub(crate) fn connected_with(n: usize, link: LinkConfig, seed: u64, config: Config) -> SimNet {
    let mut sim = SimNet::new(server_with(config), seed);
    for _ in 0..n {
        sim.add_client(client_with(Config::default()), link);
    }
    sim.run_for(secs(2.0)).unwrap();
    for (i, c) in sim.clients.iter().enumerate() {
        assert!(
            c.client.is_connected(),
            "client {i} not connected: {:?}",
            c.client.stage()
        );
    }
    sim
}

pub(crate) fn id_of(sim: &SimNet, i: usize) -> ClientId {
    sim.clients[i].client.id().expect("connected")
}

pub(crate) fn avatar(sim: &mut SimNet, zone: u32, owner: Option<ClientId>) -> DoId {
    sim.server
        .generate(AVATAR, Location::zone(zone), owner, &[])
        .expect("generate")
}

pub(crate) fn set_pos(sim: &mut SimNet, id: DoId, x: f64) {
    sim.server
        .set(id, &SetPos { x, y: -x, z: 1.0 })
        .expect("set");
}

pub(crate) fn take_events(sim: &mut SimNet, i: usize) -> Vec<ClientEvent> {
    std::mem::take(&mut sim.clients[i].events)
}

pub(crate) fn take_server_events(sim: &mut SimNet) -> Vec<ServerEvent> {
    std::mem::take(&mut sim.server_events)
}

/// Every open client holds exactly the objects the server shows it, with the
/// server's location, ownership and the latest value of every state field.
pub(crate) fn assert_converged(sim: &SimNet) {
    for (i, c) in sim.clients.iter().enumerate() {
        if !c.client.is_connected() {
            continue;
        }
        let me = c.client.id().expect("connected");
        let mut want = sim.server.visible_to(me);
        want.sort();
        let mut have: Vec<DoId> = c.client.objects().map(|o| o.id()).collect();
        have.sort();
        assert_eq!(have, want, "client {i}: object set differs");
        for id in want {
            let o = c.client.object(id).expect("present");
            assert_eq!(
                Some(o.location()),
                sim.server.location(id),
                "client {i} object {}",
                id.0
            );
            assert_eq!(
                o.owned(),
                sim.server.owner(id) == Some(me),
                "client {i} object {}",
                id.0
            );
            for &n in o.class().ram {
                let server = sim.server.field(id, n).expect("server field");
                let client = o.field(n).map(|v| v.value.as_slice());
                assert_eq!(client, Some(server), "client {i} object {} field {n}", id.0);
            }
        }
    }
}

/// Link settings used by the lossy tests.
pub(crate) fn lossy(loss: f64) -> LinkConfig {
    LinkConfig::new(50, 20, loss, 0.05)
}
