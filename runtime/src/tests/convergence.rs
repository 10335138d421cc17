//! Convergence under loss, jitter, duplication and reordering: after the world stops
//! changing, every client holds the server's latest state, and no client ever applied
//! state older than what it already had.

use super::util::*;
use crate::client::ClientEvent;
use crate::ids::{DoId, Location};
use crate::sim::SimNet;
use crate::testing::{SetH, SetName};
use crate::time::Tick;

const ZONES: u32 = 4;

/// Random world changes for `rounds` rounds of 50 ms.
fn churn(sim: &mut SimNet, ids: &mut Vec<DoId>, rounds: usize) {
    for round in 0..rounds {
        for _ in 0..8 {
            if ids.is_empty() {
                break;
            }
            let k = sim.rng().below(ids.len() as u64) as usize;
            let id = ids[k];
            match sim.rng().below(10) {
                0..=4 => {
                    let x = sim.rng().below(10_000) as f64 / 10.0;
                    set_pos(sim, id, x);
                }
                5 => {
                    let h = sim.rng().below(3600) as f64 / 10.0;
                    sim.server.set(id, &SetH { h }).unwrap();
                }
                6 => {
                    let name = format!("n{}", sim.rng().below(1000));
                    sim.server.set(id, &SetName { name }).unwrap();
                }
                7 => {
                    let zone = sim.rng().below(u64::from(ZONES)) as u32;
                    sim.server.move_object(id, Location::zone(zone)).unwrap();
                }
                8 => {
                    sim.server.delete(id).unwrap();
                    ids.swap_remove(k);
                }
                _ => {
                    let zone = sim.rng().below(u64::from(ZONES)) as u32;
                    ids.push(avatar(sim, zone, None));
                }
            }
        }
        if round % 20 == 10 {
            // Interest churn too: one client swaps one of its zones.
            let n = sim.clients.len() as u64;
            let i = sim.rng().below(n) as usize;
            let zone = sim.rng().below(u64::from(ZONES)) as u32;
            sim.clients[i]
                .client
                .set_interest(&[Location::zone(zone), Location::zone((zone + 1) % ZONES)])
                .unwrap();
        }
        sim.run_for(secs(0.05)).unwrap();
    }
}

/// Per object, state ticks seen by a client only go up (between a generate and a delete).
fn assert_monotonic(events: &[ClientEvent], who: usize) {
    let mut last: std::collections::HashMap<DoId, Tick> = Default::default();
    for e in events {
        match e {
            ClientEvent::ObjectGenerated { object, .. } | ClientEvent::ObjectDeleted { object } => {
                last.remove(object);
            }
            ClientEvent::StateChanged { object, tick, .. } => {
                if let Some(prev) = last.insert(*object, *tick) {
                    assert!(
                        *tick > prev,
                        "client {who}: object {} went from tick {prev:?} to {tick:?}",
                        object.0
                    );
                }
            }
            _ => {}
        }
    }
}

fn converges(loss: f64, seed: u64) -> SimNet {
    let mut sim = connected(6, lossy(loss), seed);
    for i in 0..6u32 {
        let zones = [Location::zone(i % ZONES), Location::zone((i + 1) % ZONES)];
        sim.clients[i as usize].client.set_interest(&zones).unwrap();
    }
    let mut ids: Vec<DoId> = (0..40).map(|k| avatar(&mut sim, k % ZONES, None)).collect();
    // Some owned objects too.
    for i in 0..3 {
        let owner = id_of(&sim, i);
        ids.push(avatar(&mut sim, 3, Some(owner)));
    }
    churn(&mut sim, &mut ids, 100);
    sim.run_for(secs(3.0)).unwrap();
    assert_converged(&sim);
    for i in 0..sim.clients.len() {
        assert_monotonic(&sim.clients[i].events, i);
    }
    sim
}

#[test]
fn converges_without_loss() {
    for seed in 100..103 {
        converges(0.0, seed);
    }
}

#[test]
fn converges_with_5_percent_loss() {
    for seed in 200..205 {
        converges(0.05, seed);
    }
}

#[test]
fn converges_with_20_percent_loss() {
    for seed in 300..305 {
        let sim = converges(0.20, seed);
        assert!(
            sim.stats.dropped > 100,
            "the loss model dropped packets: {:?}",
            sim.stats
        );
    }
}

#[test]
fn converges_with_heavy_duplication_and_reordering() {
    for seed in 400..410 {
        heavy(seed);
    }
}

fn heavy(seed: u64) {
    let mut sim = connected(4, crate::sim::LinkConfig::new(80, 70, 0.1, 0.5), seed);
    for i in 0..4 {
        sim.clients[i]
            .client
            .set_interest(&[Location::zone(0), Location::zone(1)])
            .unwrap();
    }
    let mut ids: Vec<DoId> = (0..30).map(|k| avatar(&mut sim, k % 2, None)).collect();
    churn(&mut sim, &mut ids, 60);
    sim.run_for(secs(4.0)).unwrap();
    assert_converged(&sim);
}

#[test]
fn same_seed_same_bytes() {
    let a = converges(0.05, 7);
    let b = converges(0.05, 7);
    assert_eq!(a.stats, b.stats);
    assert_eq!(a.clients[0].events, b.clients[0].events);
}

/// Integer fields walking at random (small steps, the odd jump, `uint8`s wrapping
/// through 255 → 0) travel as value deltas against each client's acknowledged
/// baseline, and still converge bit-exactly under 20 % loss, duplication and heavy
/// reordering (jitter ±30 ms around 40 ms, at 66 snapshots per second).
#[test]
fn random_walking_integers_converge_exactly_through_deltas_under_loss_and_reordering() {
    use crate::testing::{SET_COLOR, SET_H, SET_POS};
    for seed in 500..503 {
        let config = crate::config::Config {
            update_rate: 66,
            ..crate::config::Config::default()
        };
        let mut sim = SimNet::new(server_with(config.clone()), seed);
        for _ in 0..4 {
            sim.add_client(
                client_with(config.clone()),
                crate::sim::LinkConfig::new(40, 30, 0.2, 0.1),
            );
        }
        sim.run_for(secs(2.0)).unwrap();
        for c in &mut sim.clients {
            c.client.set_interest(&[Location::zone(0)]).unwrap();
        }
        let ids: Vec<DoId> = (0..40).map(|_| avatar(&mut sim, 0, None)).collect();
        sim.run_for(secs(1.0)).unwrap();
        let mut state: Vec<([i32; 3], i16, [u8; 3])> = vec![([0; 3], 0, [250, 5, 128]); ids.len()];
        let before = sim.stats;
        for _ in 0..200 {
            for (k, &id) in ids.iter().enumerate() {
                if sim.rng().below(4) == 0 {
                    continue; // not every object every tick
                }
                let (pos, h, color) = &mut state[k];
                for p in pos.iter_mut() {
                    let step = if sim.rng().below(50) == 0 {
                        sim.rng().next_u64() as i32 // a teleport: a big delta
                    } else {
                        sim.rng().below(41) as i32 - 20
                    };
                    *p = p.wrapping_add(step);
                }
                // `int16 % 360 / 10`: quanta in 0..3600, wrapping there.
                *h = (*h + sim.rng().below(201) as i16 - 100).rem_euclid(3600);
                for c in color.iter_mut() {
                    *c = c.wrapping_add(sim.rng().below(7) as u8).wrapping_sub(3);
                }
                let packed_pos: Vec<u8> = pos.iter().flat_map(|v| v.to_le_bytes()).collect();
                sim.server.set_field(id, SET_POS, &packed_pos).unwrap();
                sim.server.set_field(id, SET_H, &h.to_le_bytes()).unwrap();
                sim.server.set_field(id, SET_COLOR, &color[..]).unwrap();
            }
            let next = sim.server.poll_timeout().expect("started");
            sim.run_until(next).unwrap();
        }
        let during = sim.stats;
        sim.run_for(secs(3.0)).unwrap();
        assert_converged(&sim);
        for i in 0..sim.clients.len() {
            assert_monotonic(&sim.clients[i].events, i);
        }
        // 20 % of the ~800 snapshot packets (and of the acks) were lost.
        let lost = during.dropped - before.dropped;
        assert!(lost > 120, "{lost} lost: {during:?}");
        assert!(
            during.delta_parts - before.delta_parts > 400,
            "snapshots with deltas: {during:?}"
        );
    }
}
