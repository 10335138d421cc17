//! A derived struct through the runtime: the server spawns an object from it and
//! syncs only what changed; clients read it back as the same struct.

mod game {
    pipes::dc_schema!(
        "../schemas/example.dc",
        derive(Clone, Debug, PartialEq),
        field_enums
    );
}

use game::distributed_avatar as avatar;
use pipes::client::{Client, ClientError, ClientEvent};
use pipes::schema::FieldMessage as _;
use pipes::server::{Server, ServerError};
use pipes::sim::{LinkConfig, SimNet};
use pipes::{Config, Location};
use std::time::Duration;

#[derive(pipes::DistributedObject, Clone, Debug, Default, PartialEq)]
#[dclass(DistributedAvatar, schema = "../schemas/example.dc", module = crate::game)]
struct Avatar {
    name: String,
    color: game::Color,
    pos: pipes::glam::Vec3,
    #[dc(field = "setH")]
    heading: f32,
    #[dc(skip)]
    sprite: u32,
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// Two clients watching zone 1 over a lossy, jittery link.
fn world() -> SimNet {
    let server = Server::new(&game::SCHEMA, Config::default());
    let mut sim = SimNet::new(server, 77);
    for _ in 0..2 {
        let client = Client::new(&game::SCHEMA, Config::default());
        sim.add_client(client, LinkConfig::new(40, 10, 0.1, 0.05));
    }
    sim.run_for(secs(1.0)).unwrap();
    for c in &mut sim.clients {
        assert!(c.client.is_connected());
        c.client.set_interest(&[Location::zone(1)]).unwrap();
    }
    sim.run_for(secs(0.5)).unwrap();
    sim
}

fn alice() -> Avatar {
    Avatar {
        name: "Alice".into(),
        color: game::Color { r: 1, g: 2, b: 3 },
        pos: pipes::glam::Vec3::new(1.5, -2.25, 0.0),
        heading: 90.0,
        sprite: 7,
    }
}

/// What a client reads back: the replicated fields (the skipped one is local).
fn replicated(a: &Avatar) -> Avatar {
    Avatar {
        sprite: 0,
        ..a.clone()
    }
}

#[test]
fn spawn_sync_and_read_back_through_the_simulated_network() {
    let mut sim = world();
    let mut a = alice();
    let id = sim.server.spawn(&a, Location::zone(1), None).unwrap();
    assert_eq!(sim.server.class_of(id), Some(avatar::ID));
    sim.run_for(secs(1.0)).unwrap();
    for c in &sim.clients {
        assert_eq!(c.client.read_object::<Avatar>(id).unwrap(), replicated(&a));
    }

    // Nothing changed: nothing is set.
    assert_eq!(sim.server.sync(id, &a).unwrap(), 0);
    // A move changes one field; the skipped field is not replicated.
    a.pos = pipes::glam::Vec3::new(10.0, 20.0, 0.5);
    a.sprite = 99;
    let tick = sim.server.current_tick();
    assert_eq!(sim.server.sync(id, &a).unwrap(), 1);
    sim.run_for(secs(1.0)).unwrap();
    for (i, c) in sim.clients.iter().enumerate() {
        assert_eq!(c.client.read_object::<Avatar>(id).unwrap(), replicated(&a));
        let pos_tick = c.client.object(id).unwrap().field(avatar::SetPos::NUMBER);
        let name_tick = c.client.object(id).unwrap().field(avatar::SetName::NUMBER);
        assert!(pos_tick.unwrap().tick >= tick, "client {i}: setPos is new");
        assert!(
            name_tick.unwrap().tick < tick,
            "client {i}: setName was not resent"
        );
        let moved = c.events.iter().any(|e| {
            matches!(e, ClientEvent::StateChanged { object, fields, .. }
                if *object == id && fields[..] == [avatar::SetPos::NUMBER])
        });
        assert!(moved, "client {i} got an update of setPos alone");
    }

    // Two fields at once; apply_to keeps the client's own (skipped) field.
    a.heading = 180.0;
    a.name = "Alicia".into();
    assert_eq!(sim.server.sync(id, &a).unwrap(), 2);
    sim.run_for(secs(1.0)).unwrap();
    let mut mine = Avatar {
        sprite: 5,
        ..Avatar::default()
    };
    let object = sim.clients[0].client.object(id).unwrap();
    assert_eq!(object.apply_to(&mut mine).unwrap(), 4);
    assert_eq!(mine.sprite, 5);
    assert_eq!(Avatar { sprite: 0, ..mine }, replicated(&a));
}

#[test]
fn a_struct_of_another_class_is_refused_on_both_sides() {
    let mut sim = world();
    let chat = sim
        .server
        .generate(game::distributed_chat::ID, Location::zone(1), None, &[])
        .unwrap();
    assert_eq!(
        sim.server.sync(chat, &alice()),
        Err(ServerError::WrongClass {
            expected: "DistributedAvatar",
            actual: "DistributedChat",
        })
    );
    sim.run_for(secs(1.0)).unwrap();
    let client = &sim.clients[0].client;
    assert!(matches!(
        client.read_object::<Avatar>(chat),
        Err(ClientError::WrongClass { .. })
    ));
    assert!(matches!(
        client.read_object::<Avatar>(pipes::DoId(9999)),
        Err(ClientError::UnknownObject(_))
    ));
    // A value that does not pack changes nothing.
    let id = sim.server.spawn(&alice(), Location::zone(1), None).unwrap();
    let bad = Avatar {
        name: String::new(), // setName is string(1-32)
        ..alice()
    };
    assert!(matches!(
        sim.server.sync(id, &bad),
        Err(ServerError::BadValue { .. })
    ));
    assert!(matches!(
        sim.server.spawn(&bad, Location::zone(1), None),
        Err(ServerError::BadValue { .. })
    ));
}
