//! A client's messages about the objects it owns: the game applies state updates with
//! an outcome that cannot end the server, and never hears of an object after its deletion.

use super::util::*;
use crate::ids::Location;
use crate::protocol::ClientMessage;
use crate::schema::FieldMessage;
use crate::server::{OwnerUpdate, Refusal, ServerEvent};
use crate::sim::LinkConfig;
use crate::testing::{Emote, SetH, SetPos, SetPosH, EMOTE, SET_POS, SET_POS_H};

fn messages(events: &[ServerEvent]) -> Vec<(crate::ids::DoId, u16, Vec<u8>)> {
    events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::Message {
                object,
                field,
                args,
                ..
            } => Some((*object, *field, args.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn owner_updates_are_applied_or_refused_with_a_reason() {
    let mut sim = connected(2, LinkConfig::perfect(), 901);
    let (me, other) = (id_of(&sim, 0), id_of(&sim, 1));
    let mine = avatar(&mut sim, 1, Some(me));
    sim.clients[0]
        .client
        .set_interest(&[Location::zone(1)])
        .unwrap();
    sim.run_for(secs(0.5)).unwrap();
    let pos = SetPos {
        x: 1.5,
        y: 2.0,
        z: 0.0,
    };
    sim.clients[0].client.send_message(mine, &pos).unwrap();
    sim.clients[0]
        .client
        .send_message(mine, &Emote { id: 3 })
        .unwrap();
    let pos_h = SetPosH {
        set_pos: pos.clone(),
        set_h: SetH { h: 90.0 },
    };
    sim.clients[0].client.send_message(mine, &pos_h).unwrap();
    sim.run_for(secs(0.5)).unwrap();
    let got = messages(&take_server_events(&mut sim));
    let fields: Vec<u16> = got.iter().map(|m| m.1).collect();
    assert_eq!(fields, [SET_POS, EMOTE, SET_POS_H]);
    let outcomes: Vec<OwnerUpdate> = got
        .iter()
        .map(|(o, f, a)| sim.server.apply_owner_update(me, *o, *f, a))
        .collect();
    assert_eq!(outcomes[0], OwnerUpdate::Applied { changed: true });
    assert_eq!(
        outcomes[1],
        OwnerUpdate::Refused(Refusal::NotState("emote"))
    );
    assert_eq!(
        outcomes[2],
        OwnerUpdate::Refused(Refusal::Molecular("setPosH"))
    );
    let bytes = pos.to_bytes().unwrap();
    assert_eq!(
        sim.server.apply_owner_update(other, mine, SET_POS, &bytes),
        OwnerUpdate::Refused(Refusal::NotOwner {
            client: other,
            object: mine
        })
    );
    assert_eq!(
        sim.server.apply_owner_update(me, mine, SET_POS, &bytes),
        OwnerUpdate::Applied { changed: false }
    );
    sim.server.delete(mine).unwrap();
    assert_eq!(
        sim.server.apply_owner_update(me, mine, SET_POS, &bytes),
        OwnerUpdate::Refused(Refusal::ObjectGone(mine))
    );
}

#[test]
fn no_message_about_an_object_deleted_when_its_owner_left_in_the_same_flush() {
    let mut sim = connected(1, LinkConfig::perfect(), 902);
    let me = id_of(&sim, 0);
    let mine = avatar(&mut sim, 1, Some(me));
    sim.run_for(secs(0.5)).unwrap();
    take_server_events(&mut sim);
    let pos = SetPos {
        x: 1.0,
        y: 0.0,
        z: 0.0,
    };
    // Both arrive in one receive batch, before the game polls its events.
    let args = pos.to_bytes().unwrap();
    let conn = sim.clients[0].connection;
    let now = sim.now();
    let moved = ClientMessage::ObjectMessage {
        object: mine,
        field: SET_POS,
        args: &args,
    };
    sim.server.handle_datagram(now, conn, &moved.to_bytes());
    sim.server.handle_datagram(
        now,
        conn,
        &ClientMessage::Disconnect(Default::default()).to_bytes(),
    );
    let mut events = Vec::new();
    while let Some(e) = sim.server.poll_event() {
        events.push(e);
    }
    assert!(
        matches!(events.last(), Some(ServerEvent::ClientDisconnected { client, .. }) if *client == me),
        "{events:?}"
    );
    assert_eq!(messages(&events), [], "the avatar is deleted: {events:?}");
    assert_eq!(sim.server.object_count(), 0);
}

#[test]
fn owned_by_lists_a_clients_objects_until_it_leaves() {
    let mut sim = connected(2, LinkConfig::perfect(), 902);
    let (me, other) = (id_of(&sim, 0), id_of(&sim, 1));
    let b = avatar(&mut sim, 1, Some(me));
    let a = avatar(&mut sim, 2, Some(me));
    avatar(&mut sim, 1, Some(other));
    avatar(&mut sim, 1, None);
    let mut want = vec![a, b];
    want.sort();
    assert_eq!(sim.server.owned_by(me), want);
    sim.server.delete(a).unwrap();
    assert_eq!(sim.server.owned_by(me), [b]);
    sim.clients[0].client.disconnect();
    sim.run_for(secs(0.5)).unwrap();
    assert!(sim.server.owned_by(me).is_empty());
    assert_eq!(sim.server.owned_by(other).len(), 1);
}

#[test]
fn apply_owner_message_takes_the_event_as_it_comes() {
    let mut sim = connected(1, LinkConfig::perfect(), 903);
    let me = id_of(&sim, 0);
    let mine = avatar(&mut sim, 1, Some(me));
    sim.run_for(secs(0.5)).unwrap();
    take_server_events(&mut sim);
    let pos = SetPos {
        x: 4.0,
        y: 5.0,
        z: 0.0,
    };
    sim.clients[0].client.send_message(mine, &pos).unwrap();
    sim.clients[0]
        .client
        .send_message(mine, &Emote { id: 3 })
        .unwrap();
    sim.run_for(secs(0.5)).unwrap();
    let events = take_server_events(&mut sim);
    let outcomes: Vec<OwnerUpdate> = events
        .iter()
        .filter_map(|e| sim.server.apply_owner_message(e))
        .collect();
    assert_eq!(
        outcomes,
        [
            OwnerUpdate::Applied { changed: true },
            OwnerUpdate::Refused(Refusal::NotState("emote")),
        ]
    );
    assert_eq!(sim.server.get::<SetPos>(mine).unwrap().unwrap(), pos);
    let connected = ServerEvent::ClientDisconnected {
        client: me,
        reason: crate::server::DisconnectReason::Left(Default::default()),
    };
    assert_eq!(sim.server.apply_owner_message(&connected), None);
}
