//! Objects: generate, lifecycle order, owner view, zone moves, delete, reconnect,
//! many clients, and stale snapshots delivered out of order.

use super::util::*;
use crate::client::{ClientDisconnect, ClientEvent, Lifecycle};
use crate::config::Config;
use crate::ids::{ConnectionId, DoId, Location};
use crate::protocol::ClientMessage;
use crate::sim::LinkConfig;
use crate::testing::{SetH, SetName, SetPos, AVATAR, SET_POS};
use crate::time::Time;

/// The lifecycle and state events of one object, in order.
fn lifecycle_of(events: &[ClientEvent], id: DoId) -> Vec<&'static str> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::ObjectGenerated { object, .. } if *object == id => Some("generated"),
            ClientEvent::ObjectAlive { object } if *object == id => Some("alive"),
            ClientEvent::StateChanged { object, .. } if *object == id => Some("state"),
            ClientEvent::ObjectDisabled { object } if *object == id => Some("disabled"),
            ClientEvent::ObjectDeleted { object } if *object == id => Some("deleted"),
            _ => None,
        })
        .collect()
}

#[test]
fn lifecycle_events_come_in_order() {
    let mut sim = connected(1, LinkConfig::perfect(), 10);
    sim.clients[0]
        .client
        .set_interest(&[Location::zone(1)])
        .unwrap();
    sim.run_for(secs(0.3)).unwrap();
    let id = avatar(&mut sim, 1, None);
    sim.run_for(secs(0.3)).unwrap();
    let obj = sim.clients[0].client.object(id).expect("generated");
    assert_eq!(obj.lifecycle(), Lifecycle::Alive);
    assert_eq!(
        obj.get::<SetName>().unwrap().unwrap().name,
        "Toon",
        "default state"
    );
    set_pos(&mut sim, id, 3.0);
    sim.run_for(secs(0.3)).unwrap();
    sim.server.delete(id).unwrap();
    sim.run_for(secs(0.3)).unwrap();
    let ev = take_events(&mut sim, 0);
    assert_eq!(
        lifecycle_of(&ev, id),
        ["generated", "alive", "state", "disabled", "deleted"]
    );
    assert!(sim.clients[0].client.object(id).is_none());
}

#[test]
fn owner_gets_the_owner_view_others_the_client_view() {
    let mut sim = connected(2, LinkConfig::perfect(), 11);
    let owner = id_of(&sim, 0);
    // Client 1 watches the zone; the owner sees its object without watching it.
    sim.clients[1]
        .client
        .set_interest(&[Location::zone(5)])
        .unwrap();
    sim.run_for(secs(0.3)).unwrap();
    let id = avatar(&mut sim, 5, Some(owner));
    sim.run_for(secs(0.3)).unwrap();
    assert!(sim.clients[0].client.object(id).unwrap().owned());
    assert!(!sim.clients[1].client.object(id).unwrap().owned());
    assert!(
        take_events(&mut sim, 0).contains(&ClientEvent::ObjectGenerated {
            object: id,
            class: AVATAR,
            owned: true
        })
    );
    assert_converged(&sim);
}

#[test]
fn zone_moves_enter_leave_and_update_location() {
    let mut sim = connected(3, LinkConfig::new(20, 5, 0.0, 0.0), 12);
    sim.clients[0]
        .client
        .set_interest(&[Location::zone(1)])
        .unwrap();
    sim.clients[1]
        .client
        .set_interest(&[Location::zone(2)])
        .unwrap();
    sim.clients[2]
        .client
        .set_interest(&[Location::zone(1), Location::zone(2)])
        .unwrap();
    sim.run_for(secs(0.5)).unwrap();
    let id = avatar(&mut sim, 1, None);
    sim.run_for(secs(0.5)).unwrap();
    assert!(sim.clients[0].client.object(id).is_some());
    assert!(sim.clients[1].client.object(id).is_none());
    for i in 0..3 {
        take_events(&mut sim, i);
    }
    sim.server.move_object(id, Location::zone(2)).unwrap();
    sim.run_for(secs(0.5)).unwrap();
    assert_eq!(
        lifecycle_of(&take_events(&mut sim, 0), id),
        ["disabled", "deleted"]
    );
    assert_eq!(
        lifecycle_of(&take_events(&mut sim, 1), id),
        ["generated", "alive"]
    );
    let both = take_events(&mut sim, 2);
    assert!(both.iter().any(|e| matches!(e,
        ClientEvent::StateChanged { object, moved: Some(l), .. } if *object == id && *l == Location::zone(2))));
    assert_eq!(
        sim.clients[2].client.object(id).unwrap().location(),
        Location::zone(2)
    );
    assert_converged(&sim);
}

#[test]
fn owned_objects_go_away_with_their_owner_and_a_reconnect_starts_fresh() {
    let mut sim = connected(2, LinkConfig::new(30, 10, 0.05, 0.02), 13);
    let owner = id_of(&sim, 0);
    sim.clients[1]
        .client
        .set_interest(&[Location::zone(3)])
        .unwrap();
    let mine = avatar(&mut sim, 3, Some(owner));
    let other = avatar(&mut sim, 3, None);
    sim.run_for(secs(1.0)).unwrap();
    assert!(sim.clients[1].client.object(mine).is_some());
    sim.cut(0);
    sim.run_for(secs(1.0)).unwrap();
    assert!(sim.server.location(mine).is_none(), "owned object deleted");
    assert!(
        sim.clients[1].client.object(mine).is_none(),
        "watchers saw the delete"
    );
    assert!(
        sim.clients[0].client.objects().next().is_none(),
        "client dropped its copies"
    );

    sim.reconnect(0, client_with(Config::default()));
    sim.run_for(secs(1.0)).unwrap();
    assert!(sim.clients[0].client.is_connected());
    sim.clients[0]
        .client
        .set_interest(&[Location::zone(3)])
        .unwrap();
    sim.run_for(secs(1.0)).unwrap();
    assert!(sim.clients[0].client.object(other).is_some());
    assert_converged(&sim);
}

#[test]
fn many_clients_converge() {
    let config = Config {
        max_clients: 64,
        ..Config::default()
    };
    let mut sim = connected_with(40, LinkConfig::new(10, 5, 0.0, 0.0), 14, config);
    for i in 0..40 {
        let zones = [
            Location::zone(i as u32 % 8),
            Location::zone((i as u32 + 3) % 8),
        ];
        sim.clients[i].client.set_interest(&zones).unwrap();
    }
    let mut ids = Vec::new();
    for k in 0..200u32 {
        let owner = (k % 10 == 0).then(|| id_of(&sim, (k / 10) as usize));
        ids.push(avatar(&mut sim, k % 8, owner));
    }
    sim.run_for(secs(1.0)).unwrap();
    for (k, id) in ids.iter().enumerate() {
        set_pos(&mut sim, *id, k as f64);
    }
    sim.run_for(secs(1.0)).unwrap();
    assert_converged(&sim);
    let seen: usize = sim.clients.iter().map(|c| c.client.objects().count()).sum();
    assert!(
        seen > 40 * 45,
        "each client sees two zones of 25 objects: {seen}"
    );
}

/// Builds a server and a client wired by hand, without the network.
fn direct() -> (crate::server::Server, crate::client::Client, DoId) {
    let mut server = server_with(Config::default());
    let mut client = client_with(Config::default());
    let conn = ConnectionId(1);
    let t0 = Time::from_secs_f64(1.0);
    server.update(t0);
    server.handle_connect(t0, conn);
    client.connect(t0);
    while let Some(p) = client.poll_transmit() {
        server.handle_datagram(t0, conn, &p.payload);
    }
    while let Some(t) = server.poll_transmit() {
        client.handle_datagram(t0, &t.payload);
    }
    assert!(client.is_connected());
    let me = client.id().unwrap();
    let id = server
        .generate(AVATAR, Location::zone(0), Some(me), &[])
        .unwrap();
    (server, client, id)
}

/// Runs the server to `t` and returns the snapshot packets it sent.
fn snapshots(server: &mut crate::server::Server, t: f64) -> Vec<Vec<u8>> {
    server.update(Time::from_secs_f64(t));
    let mut out = Vec::new();
    while let Some(x) = server.poll_transmit() {
        if x.payload[0] == 4 {
            out.push(x.payload);
        }
    }
    out
}

#[test]
fn older_snapshot_never_overwrites_newer_state() {
    let (mut server, mut client, id) = direct();
    let first = snapshots(&mut server, 1.1); // entry with default state
    server
        .set(
            id,
            &SetPos {
                x: 1.0,
                y: 0.0,
                z: 0.0,
            },
        )
        .unwrap();
    let second = snapshots(&mut server, 1.2);
    server
        .set(
            id,
            &SetPos {
                x: 2.0,
                y: 0.0,
                z: 0.0,
            },
        )
        .unwrap();
    server.set(id, &SetH { h: 90.0 }).unwrap();
    let third = snapshots(&mut server, 1.3);
    assert!(!first.is_empty() && !second.is_empty() && !third.is_empty());
    let now = Time::from_secs_f64(1.4);
    // Newest first, then the older ones, then a duplicate.
    for p in third.iter().chain(&first).chain(&second).chain(&third) {
        client.handle_datagram(now, p);
    }
    let o = client.object(id).expect("entered from the newest packet");
    assert_eq!(o.get::<SetPos>().unwrap().unwrap().x, 2.0);
    assert_eq!(o.get::<SetH>().unwrap().unwrap().h, 90.0);
    let tick = o.field(SET_POS).unwrap().tick;
    assert_eq!(o.state_tick(), tick);
    let generated = std::iter::from_fn(|| client.poll_event())
        .filter(|e| matches!(e, ClientEvent::ObjectGenerated { .. }))
        .count();
    assert_eq!(
        generated, 1,
        "duplicates and stale entries do not regenerate"
    );
}

#[test]
fn a_stale_entry_does_not_resurrect_a_left_object() {
    let (mut server, mut client, id) = direct();
    let entry = snapshots(&mut server, 1.1);
    // Ack the entry so the next snapshot holds a leave.
    let now = Time::from_secs_f64(1.15);
    for p in &entry {
        client.handle_datagram(now, p);
    }
    while let Some(p) = client.poll_transmit() {
        if let Ok(ClientMessage::Ack { .. }) = ClientMessage::decode(&p.payload) {
            server.handle_datagram(now, ConnectionId(1), &p.payload);
        }
    }
    server.delete(id).unwrap();
    let leave = snapshots(&mut server, 1.2);
    for p in leave.iter().chain(&entry) {
        client.handle_datagram(Time::from_secs_f64(1.25), p);
    }
    assert!(client.object(id).is_none());
}

/// With a 400 ms round trip and a snapshot every tick, the server resends a change
/// about 26 times before the first ack is back. The client reports it once: resent
/// values equal to what it has are not changes.
#[test]
fn resent_values_raise_one_state_change() {
    let config = Config {
        update_rate: 66,
        ..Config::default()
    };
    let mut sim = connected_with(1, LinkConfig::new(200, 0, 0.0, 0.0), 21, config);
    sim.clients[0]
        .client
        .set_interest(&[Location::zone(0)])
        .unwrap();
    let id = avatar(&mut sim, 0, None);
    sim.run_for(secs(2.0)).unwrap();
    take_events(&mut sim, 0);
    set_pos(&mut sim, id, 4.5);
    sim.run_for(secs(1.5)).unwrap();
    let changes = take_events(&mut sim, 0)
        .into_iter()
        .filter(|e| {
            matches!(e, ClientEvent::StateChanged { object, fields, .. }
                if *object == id && fields.contains(&SET_POS))
        })
        .count();
    assert_eq!(changes, 1);
    // A real change after that is reported again.
    set_pos(&mut sim, id, 5.5);
    sim.run_for(secs(1.5)).unwrap();
    let events = take_events(&mut sim, 0);
    assert!(
        events.iter().any(|e| matches!(e,
        ClientEvent::StateChanged { object, fields, .. } if *object == id && fields[..] == [SET_POS]))
    );
    assert_converged(&sim);
}

#[test]
fn a_silent_server_ends_the_session_in_seconds_not_at_the_transport_timeout() {
    use crate::client::Stage;
    use crate::protocol::{Accept, Rates, ServerMessage};
    let mut c = client_with(Config::default());
    let t0 = Time::from_secs_f64(1.0);
    c.connect(t0);
    let accept = Accept {
        client_id: crate::ids::ClientId(7),
        tick_rate: 66,
        rates: Rates {
            update_rate: 20,
            cmd_rate: 100,
            interp: 0.1,
            rate: 196_608,
        },
        server_time: 0,
    };
    c.handle_datagram(t0, &ServerMessage::Accept(accept).to_bytes());
    assert!(c.is_connected());
    // Pings go out, nothing comes back.
    c.update(t0 + secs(1.0));
    c.handle_datagram(t0 + secs(1.5), &[0xff]); // even a bad message shows it is alive
    c.update(t0 + secs(3.0));
    assert!(c.is_connected(), "heard 1.5 s ago");
    c.update(t0 + secs(3.6));
    assert_eq!(c.stage(), &Stage::Closed(ClientDisconnect::ServerSilent));
}
